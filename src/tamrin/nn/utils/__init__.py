"""tamrin.nn.utils: helpers around modules and their gradients, as ``torch.nn.utils``."""

from tamrin.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
