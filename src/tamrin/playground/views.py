"""What the page draws, computed from the model: the decision boundary over the plane,
per-layer gradient norms, activation and weight histograms with their unit counts.

Every function returns plain JSON-able values; a number that is not finite becomes None
(JSON has no NaN), so a diverged run still draws.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from tamrin import nn
from tamrin.creation import from_numpy
from tamrin.grad_mode import no_grad
from tamrin.playground import limits
from tamrin.playground.datasets import Plane
from tamrin.playground.network import PlaygroundNet

# A unit is saturated where its activation's slope is below this fraction of the largest
# slope (sigmoid: σ′ < 0.05·¼, i.e. σ < 0.013 or > 0.987; tanh: 1 − a² < 0.05).
SATURATION = 0.05


def finite(value: float) -> float | None:
    """``value`` as a float, or None if it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None


def probabilities(logits: np.ndarray, classes: int) -> np.ndarray:
    """(n, classes) class probabilities: sigmoid of one logit, or softmax of several."""
    logits = logits.astype(np.float64)
    if classes == 2:
        p = 1.0 / (1.0 + np.exp(-np.clip(logits[:, 0], -500, 500)))
        return np.stack([1.0 - p, p], axis=1)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def predict_logits(model: PlaygroundNet, x: np.ndarray) -> np.ndarray:
    """The model's outputs in evaluation mode (running batch-norm statistics, no dropout)."""
    model.eval()
    try:
        with no_grad():
            return model(from_numpy(x)).numpy()
    finally:
        model.train()


def _bytes64(values: np.ndarray) -> str:
    return base64.b64encode(values.astype(np.uint8).tobytes()).decode("ascii")


def boundary(model: PlaygroundNet, plane: Plane, classes: int,
             size: int = limits.GRID_SIZE) -> dict[str, Any]:
    """The predicted class and its confidence at size × size plane points (row 0 on top).

    Confidence is (p_max − 1/K)/(1 − 1/K), 0 on the boundary and 1 where the model is sure;
    both arrays travel as base64 bytes (confidence scaled to 0..255).
    """
    p = probabilities(predict_logits(model, plane.grid(size)), classes)
    p = np.nan_to_num(p, nan=1.0 / classes)
    confidence = (p.max(axis=1) - 1.0 / classes) / (1.0 - 1.0 / classes)
    return {"size": size, "classes": _bytes64(p.argmax(axis=1)),
            "confidence": _bytes64(np.round(np.clip(confidence, 0, 1) * 255))}


def histogram(values: np.ndarray, bins: int = limits.HISTOGRAM_BINS) -> dict[str, Any]:
    """Counts of the finite values in ``bins`` equal bins over their range."""
    values = values[np.isfinite(values)].astype(np.float64)
    if values.size == 0:
        return {"lo": 0.0, "hi": 1.0, "counts": [0] * bins}
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 1e-6 * max(1.0, abs(lo), abs(hi)):     # (nearly) one value: a centred spike
        lo, hi = lo - 0.5, hi + 0.5
    counts, _ = np.histogram(values, bins=bins, range=(lo, hi))
    return {"lo": lo, "hi": hi, "counts": counts.tolist()}


def unit_stats(activation: str, outputs: np.ndarray) -> dict[str, Any]:
    """Saturated outputs (sigmoid, tanh: a fraction) or dead units (ReLU: zero on every
    probe input, so their gradient is zero too)."""
    if activation == "sigmoid":
        return {"saturated": float(np.mean(outputs * (1 - outputs) < SATURATION * 0.25))}
    if activation == "tanh":
        return {"saturated": float(np.mean(1 - outputs * outputs < SATURATION))}
    if activation == "relu":
        return {"dead": int(np.sum(np.all(outputs <= 0, axis=0))), "units": outputs.shape[1]}
    return {}


@contextmanager
def captured_outputs(modules: Sequence[nn.Module]) -> Iterator[list[np.ndarray | None]]:
    """Collects each module's output during the forward passes inside the block."""
    outputs: list[np.ndarray | None] = [None] * len(modules)

    def hook_for(i: int):
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            outputs[i] = output.numpy()
        return hook

    handles = [m.register_forward_hook(hook_for(i)) for i, m in enumerate(modules)]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()


def activation_views(model: PlaygroundNet, probe: np.ndarray,
                     activation: str) -> list[dict[str, Any]]:
    """Per hidden layer: the histogram of its activations on the probe inputs, and the
    saturated or dead units."""
    with captured_outputs(model.activations()) as outputs:
        predict_logits(model, probe)
    return [{**histogram(a), **unit_stats(activation, a)} for a in outputs]


def weight_views(model: PlaygroundNet) -> list[dict[str, Any]]:
    """Per Linear layer: the histogram of its weights and how many are exactly zero."""
    views = []
    for linear in model.linears():
        w = linear.weight.numpy()
        views.append({**histogram(w.ravel()), "zeros": int(np.sum(w == 0)), "size": w.size})
    return views


def gradient_norms(model: PlaygroundNet) -> list[float | None]:
    """‖∂L/∂Wₗ‖ (Frobenius) of each Linear weight's current gradient (None if it has none)."""
    norms = []
    for linear in model.linears():
        grad = linear.weight.grad
        norms.append(None if grad is None else finite(np.linalg.norm(grad.numpy())))
    return norms
