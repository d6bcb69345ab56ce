"""``tamrin.utils.data``: PyTorch's ``torch.utils.data`` names; the code lives in
``tamrin.data`` (datasets, loaders and splits)."""

from tamrin.data.dataset import Dataset, Subset, TensorDataset, random_split
from tamrin.data.loader import DataLoader, default_collate, default_convert

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate",
           "default_convert", "random_split"]
