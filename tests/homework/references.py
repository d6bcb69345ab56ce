"""Independent references for every homework problem: PyTorch autograd and layers for
gradients and convolutions, scikit-learn for metrics and least squares, plain formulas
where the answer is a formula. Each takes a problem's parameters and returns every
quantity, written without tamrin (and without the homework's hand formulas)."""

from __future__ import annotations

import math
import re

import numpy as np
import torch
from sklearn import linear_model
from sklearn import metrics as sk

torch.set_num_threads(1)
F64 = torch.float64


def t(value, grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(value, dtype=float), dtype=F64, requires_grad=grad)


def lst(x: torch.Tensor) -> list | float:
    return x.detach().numpy().tolist()


def backprop_222(p):
    x, target = [p["i1"], p["i2"]], [p["t1"], p["t2"]]
    w = t([p[f"w{i}"] for i in range(1, 9)], grad=True)
    b = t([p["b1"], p["b2"]], grad=True)

    def forward(w, b):
        h1 = torch.sigmoid(w[0] * x[0] + w[1] * x[1] + b[0])  # w1: i1→h1, w2: i2→h1
        h2 = torch.sigmoid(w[2] * x[0] + w[3] * x[1] + b[0])  # w3: i1→h2, w4: i2→h2
        o1 = torch.sigmoid(w[4] * h1 + w[5] * h2 + b[1])      # w5: h1→o1, w6: h2→o1
        o2 = torch.sigmoid(w[6] * h1 + w[7] * h2 + b[1])      # w7: h1→o2, w8: h2→o2
        return h1, h2, o1, o2, 0.5 * ((target[0] - o1) ** 2 + (target[1] - o2) ** 2)

    h1, h2, o1, o2, E = forward(w, b)
    E.backward()
    with torch.no_grad():
        new_w = w - p["eta"] * w.grad
        new_b = b - p["eta"] * b.grad if p["update_biases"] else b.clone()
        e_after = forward(new_w, new_b)[4]
    out = {"h1": h1, "h2": h2, "o1": o1, "o2": o2, "E": E}
    out |= {f"dE_dw{i + 1}": w.grad[i] for i in range(8)}
    out |= {"dE_db1": b.grad[0], "dE_db2": b.grad[1]}
    out |= {f"w{i + 1}": new_w[i] for i in range(8)}
    out |= {"b1": new_b[0], "b2": new_b[1], "E_after": e_after}
    return {k: float(v.detach()) for k, v in out.items()}


_LAYER = re.compile(r"(CONV)-(\d+)-(\d+)(?:-S(\d+))?(?:-P(\d+))?$|((?:MAX|AVG)?POOL)-(\d+)$|"
                    r"(FC)-(\d+)$")


def cnn_table(p):
    c, h, w = (int(n) for n in p["input"].split("x"))
    x = torch.zeros(1, c, h, w, dtype=F64)
    out, total = {}, 0
    for k, token in enumerate(p["spec"].split(","), start=1):
        m = _LAYER.match(token.strip().upper())
        if m[1]:
            layer = torch.nn.Conv2d(x.shape[1], int(m[3]), int(m[2]), stride=int(m[4] or 1),
                                    padding=int(m[5] or 0), dtype=F64)
        elif m[6]:
            layer = (torch.nn.AvgPool2d if m[6] == "AVGPOOL" else torch.nn.MaxPool2d)(int(m[7]))
        else:
            x = x.flatten(1)
            layer = torch.nn.Linear(x.shape[1], int(m[9]), dtype=F64)
        with torch.no_grad():
            x = layer(x)
        weights = layer.weight.numel() if hasattr(layer, "weight") else 0
        biases = layer.bias.numel() if hasattr(layer, "bias") else 0
        total += weights + biases
        out |= {f"weights_{k}": weights, f"biases_{k}": biases,
                f"output_{k}": "x".join(str(n) for n in x.shape[1:])}
    return out | {"total_params": total}


def edge_kernel(p):
    out = torch.nn.functional.conv2d(t(p["image"])[None, None], t(p["kernel"])[None, None])
    return {"output": lst(out[0, 0])}


def conv_backward(p):
    x, w = t(p["x"], grad=True), t(p["w"], grad=True)
    y = torch.nn.functional.conv2d(x[None], w, stride=p["stride"])
    y.backward(t(p["dy"])[None])
    return {"dx": lst(x.grad), "dw": lst(w.grad)}


def zero_init(p):
    n_in, n1, n2 = p["sizes"]
    net = torch.nn.Sequential(torch.nn.Linear(n_in, n1), torch.nn.Sigmoid(),
                              torch.nn.Linear(n1, n2), torch.nn.Sigmoid(),
                              torch.nn.Linear(n2, 1), torch.nn.Sigmoid()).double()
    for param in net.parameters():
        torch.nn.init.zeros_(param)
    y_hat = net(t(p["x"])[None])
    torch.nn.functional.binary_cross_entropy(y_hat, t([[p["y"]]])).backward()
    torch.optim.SGD(net.parameters(), lr=p["lr"]).step()
    out = {"output": float(y_hat.detach())}
    for i, layer in zip((1, 2, 3), (net[0], net[2], net[4])):
        out |= {f"W{i}": lst(layer.weight), f"b{i}": lst(layer.bias)}
    return out


def word2vec_gradients(p):
    W, Wp = t(p["W"], grad=True), t(p["W_prime"], grad=True)
    u = Wp.T @ (W.T @ t(p["x"]))
    u.retain_grad()
    loss = -(t(p["y"]) * torch.log_softmax(u, dim=0)).sum()
    loss.backward()
    return {"dL_du": lst(u.grad), "dL_dW_prime": lst(Wp.grad), "dL_dW": lst(W.grad)}


def adam_moments(p):
    b1, b2 = p["beta1"], p["beta2"]
    theta = t([0.0], grad=True)
    opt = torch.optim.Adam([theta], lr=p["lr"], betas=(b1, b2), eps=p["eps"])
    out = {}
    for step, g in enumerate(p["gradients"], start=1):
        before = float(theta.detach())
        theta.grad = t([g])
        opt.step()
        m, v = float(opt.state[theta]["exp_avg"]), float(opt.state[theta]["exp_avg_sq"])
        out |= {f"m_{step}": m, f"v_{step}": v, f"m_hat_{step}": m / (1 - b1**step),
                f"v_hat_{step}": v / (1 - b2**step),
                f"step_{step}": float(theta.detach()) - before}
    T = len(p["gradients"])
    return out | {"E_m_factor": 1 - b1**T, "E_v_factor": 1 - b2**T}


def init_variance(p):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(
        torch.empty(p["fan_out"], p["fan_in"]))
    gain = torch.nn.init.calculate_gain
    var_glorot = 2 / (fan_in + fan_out)
    return {"var_lecun": 1 / fan_in, "var_glorot": var_glorot,
            "var_he": gain("relu") ** 2 / fan_in,
            "bound_glorot_uniform": math.sqrt(6 / (fan_in + fan_out)),
            "bound_he_uniform": gain("relu") * math.sqrt(3 / fan_in),
            "var_pytorch_linear_default": (1 / math.sqrt(fan_in)) ** 2 / 3}


def noise_l2(p):
    n = p["n"]
    factor = {"1/(2n)": 1 / (2 * n), "1/n": 1 / n, "1/2": 0.5, "1": 1.0}[p["loss"]]
    return {"coefficient": factor * n}  # each sample adds σ²‖w‖², times the loss's factor


def precision_recall(p):
    y_true = [1] * p["tp"] + [0] * p["fp"] + [1] * p["fn"] + [0] * p["tn"]
    y_pred = [1] * (p["tp"] + p["fp"]) + [0] * (p["fn"] + p["tn"])
    return {"precision": sk.precision_score(y_true, y_pred),
            "recall": sk.recall_score(y_true, y_pred), "f1": sk.f1_score(y_true, y_pred),
            "accuracy": sk.accuracy_score(y_true, y_pred)}


def conv_output_size(p):
    layer = torch.nn.Conv2d(p["in_channels"], p["out_channels"], p["kernel"],
                            stride=p["stride"], padding=p["padding"])
    with torch.no_grad():
        size = layer(torch.zeros(1, p["in_channels"], p["size"], p["size"])).shape[-1]
    return {"output_size": size, "weights": layer.weight.numel(),
            "biases": layer.bias.numel(), "multiplications": size * size * layer.weight.numel()}


def linear_regression(p):
    X, y = np.asarray(p["X"], float), np.asarray(p["y"], float)
    w = t(p["w0"], grad=True)
    loss = torch.nn.functional.mse_loss(t(X) @ w, t(y)) / 2
    loss.backward()
    ols = linear_model.LinearRegression(fit_intercept=False).fit(X, y)
    return {"loss": loss.item(), "grad": lst(w.grad), "w_step": lst(w - p["eta"] * w.grad),
            "w_normal": ols.coef_.tolist()}


def softmax_ce_gradient(p):
    z = t(p["z"], grad=True)
    loss = torch.nn.functional.cross_entropy(z[None], torch.tensor([p["target"]]))
    loss.backward()
    return {"probabilities": lst(torch.softmax(z, 0)), "loss": loss.item(), "dL_dz": lst(z.grad)}


def batch_norm_forward(p):
    x = t(p["x"])
    layer = torch.nn.BatchNorm1d(x.shape[1], eps=p["eps"], momentum=p["momentum"]).double()
    with torch.no_grad():
        layer.weight[:] = t(p["gamma"])
        layer.bias[:] = t(p["beta"])
        y = layer.train()(x)
    return {"mean": lst(x.mean(0)), "var": lst(x.var(0, unbiased=False)), "y": lst(y),
            "running_mean": lst(layer.running_mean), "running_var": lst(layer.running_var)}


def rnn_step(p):
    W = t(p["W"])
    cell = torch.nn.RNNCell(W.shape[1], W.shape[0]).double()
    with torch.no_grad():
        cell.weight_ih[:], cell.weight_hh[:] = W, t(p["U"])
        cell.bias_ih[:], cell.bias_hh[:] = t(p["b"]), 0.0
        h1 = cell(t(p["xs"][0])[None], t(p["h0"])[None])
        h2 = cell(t(p["xs"][1])[None], h1)
    return {"h1": lst(h1[0]), "h2": lst(h2[0])}


def grad_cam_weights(p):
    A = t(p["A"], grad=True)
    (t(p["V"]) * A).sum().backward()
    alpha = A.grad.mean(dim=(1, 2))
    return {"alpha": lst(alpha), "cam": lst(torch.relu(torch.einsum("k,kij->ij", alpha, A)))}


def obd_saliency(p):
    X, y, w = t(p["X"]), t(p["y"]), t(p["w"])
    hessian = torch.autograd.functional.hessian(
        lambda v: ((y - X @ v) ** 2).sum() / (2 * len(y)), w)
    h = torch.diagonal(hessian)
    s = 0.5 * h * w**2
    return {"hessian_diag": lst(h), "saliency": lst(s), "pruned": int(torch.argmin(s)) + 1}


REFERENCES = {
    "backprop-222": backprop_222, "cnn-table": cnn_table, "edge-kernel": edge_kernel,
    "conv-backward": conv_backward, "zero-init": zero_init,
    "word2vec-gradients": word2vec_gradients, "adam-moments": adam_moments,
    "init-variance": init_variance, "noise-l2": noise_l2, "precision-recall": precision_recall,
    "conv-output-size": conv_output_size, "linear-regression": linear_regression,
    "softmax-ce-gradient": softmax_ce_gradient, "batch-norm-forward": batch_norm_forward,
    "rnn-step": rnn_step, "grad-cam-weights": grad_cam_weights, "obd-saliency": obd_saliency,
}

ORACLE = {  # what each reference uses, for the figures
    "backprop-222": "torch autograd", "cnn-table": "torch layers (forward, numel)",
    "edge-kernel": "torch conv2d", "conv-backward": "torch conv2d backward",
    "zero-init": "torch Linear/BCE/SGD", "word2vec-gradients": "torch autograd",
    "adam-moments": "torch.optim.Adam + 1-β^T", "init-variance": "torch.nn.init gains/fans",
    "noise-l2": "formula a·n", "precision-recall": "sklearn.metrics",
    "conv-output-size": "torch Conv2d", "linear-regression": "torch autograd + sklearn OLS",
    "softmax-ce-gradient": "torch cross_entropy", "batch-norm-forward": "torch BatchNorm1d",
    "rnn-step": "torch RNNCell", "grad-cam-weights": "torch autograd",
    "obd-saliency": "torch.autograd.functional.hessian",
}


def error(ours, reference) -> float:
    """The difference of two values relative to the reference's largest magnitude
    (shapes must match exactly; a shape string must be equal)."""
    if isinstance(reference, str):
        return 0.0 if ours == reference else math.inf
    a, b = np.asarray(ours, float), np.asarray(reference, float)
    if a.shape != b.shape:
        return math.inf
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)) if b.size else 0.0
