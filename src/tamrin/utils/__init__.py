"""``tamrin.utils``: PyTorch's ``torch.utils`` names (``tamrin.utils.data``)."""

from tamrin.utils import data
