"""tamrin.prune: pruning with masks kept as buffers (``torch.nn.utils.prune``'s names).

Criteria — magnitude (layer-wise or global), first-order sensitivity |w·∂L/∂w| and the
measured loss change, Optimal Brain Damage (½·hₖₖ·wₖ²) — produce importance scores; the
weights of lowest score are masked. ``from tamrin import prune``::

    prune.prune_model(model, 0.5, "obd", loss_fn=F.cross_entropy, data=(x, y))
    print(prune.sparsity_report(model))
    prune.remove(model[0], "weight")       # make it permanent
"""

from tamrin.prune.mask import (
    ApplyMask,
    custom_from_mask,
    identity,
    is_pruned,
    remove,
)
from tamrin.prune.obd import hessian_diagonal, obd_saliencies
from tamrin.prune.pipeline import CRITERIA, importance_scores, prune_and_fine_tune, prune_model
from tamrin.prune.report import SparsityReport, SparsityRow, sparsity_report
from tamrin.prune.select import (
    global_unstructured,
    l1_unstructured,
    lowest_score_mask,
    magnitude_scores,
    parameters_to_prune,
    random_scores,
    random_unstructured,
)
from tamrin.prune.sensitivity import loss_change_scores, taylor_scores

__all__ = [
    "CRITERIA", "ApplyMask", "SparsityReport", "SparsityRow", "custom_from_mask",
    "global_unstructured", "hessian_diagonal", "identity", "importance_scores", "is_pruned",
    "l1_unstructured", "loss_change_scores", "lowest_score_mask", "magnitude_scores",
    "obd_saliencies", "parameters_to_prune", "prune_and_fine_tune", "prune_model",
    "random_scores", "random_unstructured", "remove", "sparsity_report", "taylor_scores",
]
