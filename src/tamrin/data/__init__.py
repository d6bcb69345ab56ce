"""tamrin.data: datasets, loaders, splits, transforms and text tools."""

from tamrin.data.cache import data_dir
