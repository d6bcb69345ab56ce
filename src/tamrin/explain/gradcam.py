"""Grad-CAM: where in the input a CNN finds the evidence for a class (Selvaraju et al., 2017).

With the activations A (N, K, h, w) of a target layer — usually the last convolution — and
the pre-softmax score yᶜ of class c::

    αₖᶜ = (1/Z) Σᵢⱼ ∂yᶜ/∂Aᵏᵢⱼ        the gradient averaged over the Z = h·w positions of map k
    map = ReLU(Σₖ αₖᶜ Aᵏ)            an (h, w) map: positive evidence for c only
    map ← bilinear(map → H×W)       upsampled onto the input (align_corners=False)
    map ← map / max |map|           per sample: in [0, 1] (or [−1, 1] without the ReLU)

Without the ReLU, negative regions appear — evidence *against* c, often the parts that look
like another class. A forward hook on the target layer keeps A, and a full backward hook
keeps ∂yᶜ/∂A (its ``grad_output``). The score must be a logit: after a softmax, ∂ŷᶜ/∂A
mixes in every other class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.grad_mode import enable_grad, no_grad
from tamrin.nn.module import Module
from tamrin.ops.interpolate import interpolate
from tamrin.tensor import Tensor


def grad_cam_map(activations: np.ndarray, gradients: np.ndarray,
                 relu: bool = True) -> np.ndarray:
    """Σₖ αₖ Aᵏ with αₖ = mean over positions of ∂y/∂Aᵏ, ReLU'd if asked: (N, h, w)."""
    alpha = gradients.mean(axis=(2, 3))
    cam = np.einsum("nk,nkhw->nhw", alpha, activations)
    return np.maximum(cam, 0) if relu else cam


def upsample_bilinear(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (N, h, w) maps to (N, H, W) by bilinear interpolation (align_corners=False)."""
    with no_grad():
        out = interpolate(as_tensor(maps[:, None], dtype=maps.dtype), size=size, mode="bilinear",
                          align_corners=False)
    return out._array[:, 0]


def normalize_maps(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its largest absolute value (an all-zero map stays zero)."""
    peak = np.abs(maps).max(axis=(1, 2), keepdims=True)
    return maps / np.where(peak > 0, peak, 1)


def _classes(class_idx: int | Sequence[int] | np.ndarray | None,
             logits: np.ndarray) -> np.ndarray:
    n, n_classes = logits.shape
    if class_idx is None:
        return logits.argmax(axis=1)
    classes = np.asarray(class_idx, dtype=np.int64)
    if classes.ndim == 0:
        classes = np.full(n, classes)
    if classes.shape != (n,):
        raise ValueError(f"GradCAM: class_idx must be one int or one per sample ({n}), got "
                         f"shape {classes.shape}")
    if classes.min() < 0 or classes.max() >= n_classes:
        raise ValueError(f"GradCAM: class_idx {class_idx} is out of range for "
                         f"{n_classes} classes")
    return classes


@contextmanager
def _parameters_frozen(model: Module) -> Iterator[None]:
    """No parameter gradients while inside (the caller's ``.grad`` stay untouched)."""
    flags = [(p, p.requires_grad) for p in model.parameters()]
    for p, _ in flags:
        p.requires_grad = False
    try:
        yield
    finally:
        for p, flag in flags:
            p.requires_grad = flag


class GradCAM:
    """Grad-CAM maps of ``model`` (which must return logits (N, C)) at ``target_layer``.

    ``cam = GradCAM(model, model.features[3]); maps = cam(x)`` gives (N, H, W) maps for the
    predicted classes (or ``class_idx``: one int, or one per sample). Call ``model.eval()``
    first, as with PyTorch: in training mode batch norm mixes the samples of a batch. After a
    call, ``activations``, ``gradients``, ``weights`` (α, (N, K)), ``logits`` and
    ``class_idx`` hold the pieces of the last computation. ``remove()`` (or leaving a
    ``with`` block) takes the hooks off the layer.
    """

    def __init__(self, model: Module, target_layer: Module) -> None:
        if not any(m is target_layer for m in model.modules()):
            raise ValueError(f"GradCAM: the target layer {type(target_layer).__name__} is not "
                             f"a submodule of the model {type(model).__name__}")
        self.model, self.target_layer = model, target_layer
        self.activations: np.ndarray | None = None
        self.gradients: np.ndarray | None = None
        self._handles = [target_layer.register_forward_hook(self._keep_activations),
                         target_layer.register_full_backward_hook(self._keep_gradients)]

    def _keep_activations(self, module: Module, args: tuple, output: Tensor) -> None:
        self.activations = output._array.copy()

    def _keep_gradients(self, module: Module, grad_input: tuple, grad_output: tuple) -> None:
        self.gradients = grad_output[0]._array.copy()

    def __call__(self, input: Any, class_idx: int | Sequence[int] | None = None, *,
                 relu: bool = True, upsample: bool = True,
                 normalize: bool = True) -> np.ndarray:
        """The maps (N, H, W) for ``input`` (N, C, H, W); (N, h, w) if not ``upsample``."""
        data = np.asarray(input._array if isinstance(input, Tensor) else input)
        if data.ndim != 4:
            raise ValueError(f"GradCAM: expected an input (N, C, H, W), got shape {data.shape}")
        self.activations = self.gradients = None
        x = as_tensor(data, dtype=data.dtype).requires_grad_()
        with _parameters_frozen(self.model), enable_grad():
            logits = self.model(x)
            if self.activations is None:
                raise RuntimeError("GradCAM: the target layer was not called in the forward "
                                   "pass of the model")
            if logits.ndim != 2:
                raise ValueError(f"GradCAM: the model must return logits (N, C), got shape "
                                 f"{logits.shape}")
            self.class_idx = _classes(class_idx, logits._array)
            logits[np.arange(len(data)), self.class_idx].sum().backward()
        self.logits = logits._array
        self.weights = self.gradients.mean(axis=(2, 3))
        maps = grad_cam_map(self.activations, self.gradients, relu)
        if upsample:
            maps = upsample_bilinear(maps, data.shape[2:])
        return normalize_maps(maps) if normalize else maps

    def remove(self) -> None:
        """Take the hooks off the target layer."""
        for handle in self._handles:
            handle.remove()

    def __enter__(self) -> GradCAM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
