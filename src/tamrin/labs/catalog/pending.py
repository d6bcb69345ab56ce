"""Labs whose experiment is not written yet, declared so that none goes missing.

Each reports "not available" with the library parts it still needs; when those land and its
experiment is written, its declaration moves out of this file into a module of its own.
"""

from __future__ import annotations

from tamrin.labs.registry import pending

LINEAR = "tamrin.models.classical:LinearRegression"
LOGISTIC = "tamrin.models.classical:LogisticRegression"
SGD, ADAM = "tamrin.optim:SGD", "tamrin.optim:Adam"
NN_LINEAR, CONV2D = "tamrin.nn:Linear", "tamrin.nn:Conv2d"

pending("logistic-vs-perceptron", "Logistic regression vs the perceptron",
        "Both draw a linear boundary and so both fail XOR; logistic regression gives "
        "probabilities, and a perceptron with a sigmoid is logistic regression.",
        (5,), (LOGISTIC, "tamrin.models.classical:Perceptron"))
pending("batch-size-noise", "Batch size and the noise of the loss curve",
        "SGD's loss curve is jagged, mini-batch smoother, full batch smooth: the step-to-step "
        "noise scales as 1/√B.", (20,), ("tamrin.data:DataLoader", SGD))
pending("transfer-learning", "Transfer learning: freezing and per-layer learning rates",
        "With few labels a frozen pretrained backbone plus a new head beats training from "
        "scratch; a learning rate of 0 freezes a layer, larger rates suit later layers.",
        (21, 35), ("tamrin.transfer", CONV2D, SGD))
pending("grad-cam", "Grad-CAM highlights the object",
        "Grad-CAM on a trained CNN points at the object: deleting its top pixels lowers the "
        "class score more than deleting random ones; without the ReLU other classes show.",
        (29,), ("tamrin.explain", CONV2D))
pending("autoencoders", "Autoencoders: output range, compression, denoising",
        "A sigmoid output cannot reach targets in 0..15; 2000 features with ~20 intrinsic "
        "dimensions pass a 20-unit code almost perfectly (independent ones do not); a denoising "
        "autoencoder's code is more robust.", (30, 31, 32), (NN_LINEAR, ADAM))
pending("augmentation-and-domain-shift", "Augmentation and domain shift",
        "Augmentation helps a small training set and shifted test images; a model validated on "
        "another domain does much worse than on a same-domain split, and group k-fold shows it.",
        (33, 34), ("tamrin.data.transforms", "tamrin.data:DataLoader", CONV2D))
pending("pruning", "Pruning: magnitude, sensitivity, Optimal Brain Damage",
        "Accuracy against sparsity for three pruning criteria, with and without fine-tuning; "
        "pruning biases costs more.", (36,), ("tamrin.prune",))
pending("screening-recall", "Screening: recall over precision",
        "For disease screening recall matters more than precision, and sweeping the threshold "
        "trades one for the other.", (37,), ("tamrin.metrics", LOGISTIC))
pending("rnn-sentiment", "RNN sentiment classifier and long-range gradients",
        "A 5-class sentiment RNN classified from the final hidden state vs averaged per-step "
        "outputs; gradients vanish over long sequences for a plain RNN, less for LSTM/GRU.",
        (38,), ("tamrin.nn:RNN", "tamrin.nn:LSTM"))
