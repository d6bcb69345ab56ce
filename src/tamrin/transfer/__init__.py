"""tamrin.transfer: reuse a pretrained network — freeze it, give it a new head, train its
layers at different learning rates (lr 0 = frozen); ``few_shot_transfer`` runs the whole
path (pretrain → save → load → freeze → new head → few labels, against scratch)."""

from tamrin.transfer.few_shot import (
    TransferResult,
    class_subset,
    few_shot_mask,
    few_shot_transfer,
    small_cnn,
)
from tamrin.transfer.freezing import KeepEval, freeze, is_frozen, unfreeze
from tamrin.transfer.head import replace_head
from tamrin.transfer.param_groups import layerwise_lr_groups

__all__ = ["KeepEval", "TransferResult", "class_subset", "few_shot_mask", "few_shot_transfer",
           "freeze", "is_frozen", "layerwise_lr_groups", "replace_head", "small_cnn",
           "unfreeze"]
