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

pending("normal-equation-vs-gd", "Gradient descent vs the normal equation",
        "Gradient descent and the normal equation reach the same linear-regression weights; "
        "the closed form costs O(nd² + d³), GD O(m·n·d).", (1,), (LINEAR,))
pending("convexity", "Convex linear regression vs a non-convex MLP",
        "Gradient descent on linear regression reaches the same weights from any start; a small "
        "MLP ends at different parameters for different seeds.", (2,), (LINEAR, NN_LINEAR, SGD))
pending("robust-l1", "L1 loss is robust to outliers",
        "A line fitted with the L1 loss ignores a few gross outliers; the L2 fit is dragged away.",
        (4,), ("tamrin.nn:L1Loss", "tamrin.nn:MSELoss", SGD))
pending("logistic-vs-perceptron", "Logistic regression vs the perceptron",
        "Both draw a linear boundary and so both fail XOR; logistic regression gives "
        "probabilities, and a perceptron with a sigmoid is logistic regression.",
        (5,), (LOGISTIC, "tamrin.models.classical:Perceptron"))
pending("l1-l2-sparsity", "L1 vs L2 penalties, and the bias",
        "L2 shrinks weights without zeroing them; L1 gives exact zeros only through the "
        "proximal (soft-thresholding) step; penalising the bias hurts an off-origin boundary.",
        (14, 15), (SGD, "tamrin.optim.regularization"))
pending("dropout-gap", "Dropout narrows the generalisation gap",
        "Dropout shrinks the train–validation gap of a network that over-fits.",
        (17,), ("tamrin.nn:Dropout", NN_LINEAR, ADAM))
pending("batch-norm", "Batch normalisation: speed and small-batch noise",
        "Batch norm reaches a target accuracy in fewer epochs; with tiny batches its batch "
        "statistics are noisy (std of the batch mean ≈ 1/√B) and train and eval disagree.",
        (18,), ("tamrin.nn:BatchNorm1d", SGD))
pending("batch-size-noise", "Batch size and the noise of the loss curve",
        "SGD's loss curve is jagged, mini-batch smoother, full batch smooth: the step-to-step "
        "noise scales as 1/√B.", (20,), ("tamrin.data:DataLoader", SGD))
pending("transfer-learning", "Transfer learning: freezing and per-layer learning rates",
        "With few labels a frozen pretrained backbone plus a new head beats training from "
        "scratch; a learning rate of 0 freezes a layer, larger rates suit later layers.",
        (21, 35), ("tamrin.transfer", CONV2D, SGD))
pending("conv-backward", "Convolution backward, by hand and by finite differences",
        "The hand formulas for dW and dX of a convolution match finite differences at stride "
        "1 and 2; dX must index the kernel at (p − S·i, q − S·j).",
        (24,), ("tamrin.nn.functional:conv2d",))
pending("edge-kernels", "Edge-detecting kernels",
        "The vertical kernel [[1,0,−1]]×3 on a half-bright 6×6 image gives rows [0,30,30,0]; the "
        "horizontal kernel finds horizontal edges.", (26,), ("tamrin.nn.functional:conv2d",))
pending("conv-shapes", "CNN shapes, parameter counts and stride",
        "CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3 on 1×128×128 has 184,003 "
        "parameters; output size is ⌊(H + 2P − K)/S⌋ + 1 and compute falls as 1/S².",
        (27, 28), (CONV2D, "tamrin.nn.summary"))
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
