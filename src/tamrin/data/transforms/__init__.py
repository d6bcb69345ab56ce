"""Transforms: preprocessing fitted on training data, and seeded image augmentation."""

from tamrin.data.transforms.affine import (
    RandomResizedCrop,
    RandomRotation,
    RandomScale,
    affine_sample,
)
from tamrin.data.transforms.compose import Compose, ToTensor
from tamrin.data.transforms.flip_crop_noise import (
    GaussianNoise,
    RandomCrop,
    RandomHorizontalFlip,
    RandomVerticalFlip,
)
from tamrin.data.transforms.scaling import MinMaxScale, Standardize
