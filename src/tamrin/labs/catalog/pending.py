"""Labs whose experiment is not written yet, declared so that none goes missing.

Each reports "not available" with the library parts it still needs; when those land and its
experiment is written, its declaration moves out of this file into a module of its own.
"""

from __future__ import annotations

from tamrin.labs.registry import pending

SGD, ADAM = "tamrin.optim:SGD", "tamrin.optim:Adam"
NN_LINEAR, CONV2D = "tamrin.nn:Linear", "tamrin.nn:Conv2d"

pending("transfer-learning", "Transfer learning: freezing and per-layer learning rates",
        "With few labels a frozen pretrained backbone plus a new head beats training from "
        "scratch; a learning rate of 0 freezes a layer, larger rates suit later layers.",
        (21, 35), ("tamrin.transfer", CONV2D, SGD))
pending("grad-cam", "Grad-CAM highlights the object",
        "Grad-CAM on a trained CNN points at the object: deleting its top pixels lowers the "
        "class score more than deleting random ones; without the ReLU other classes show.",
        (29,), ("tamrin.explain", CONV2D))
pending("augmentation-and-domain-shift", "Augmentation and domain shift",
        "Augmentation helps a small training set and shifted test images; a model validated on "
        "another domain does much worse than on a same-domain split, and group k-fold shows it.",
        (33, 34), ("tamrin.data.transforms", "tamrin.data:DataLoader", CONV2D))
pending("pruning", "Pruning: magnitude, sensitivity, Optimal Brain Damage",
        "Accuracy against sparsity for three pruning criteria, with and without fine-tuning; "
        "pruning biases costs more.", (36,), ("tamrin.prune",))
