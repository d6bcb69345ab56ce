"""tamrin.optim: optimisers, learning-rate schedules and regularisation, as ``torch.optim``.

Every optimiser follows PyTorch's update exactly (its docstring gives the formula) and
keeps PyTorch's state-dict format; ``SGD(l1=…)``, ``Adam(bias_correction=…)``, the
penalties and ``param_groups`` are the additions the course needs.
"""

from tamrin.optim import lr_scheduler
from tamrin.optim.adagrad import Adagrad
from tamrin.optim.adam import Adam, AdamW
from tamrin.optim.optimizer import Optimizer
from tamrin.optim.regularization import (
    is_decayed,
    l1_penalty,
    l2_penalty,
    param_groups,
    soft_threshold_,
)
from tamrin.optim.rmsprop import RMSprop
from tamrin.optim.sgd import SGD
