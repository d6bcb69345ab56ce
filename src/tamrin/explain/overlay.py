"""Show a Grad-CAM map on top of the image it explains."""

from __future__ import annotations

from typing import Any

import numpy as np


def _as_display_image(image: Any) -> np.ndarray:
    """(H, W), (1, H, W), (3, H, W) or (H, W, 3) → (H, W) or (H, W, 3), scaled to [0, 1]."""
    img = np.asarray(image._array if hasattr(image, "numpy") else image, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] in (1, 3):
        img = np.moveaxis(img, 0, -1)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3):
        raise ValueError(f"overlay: expected an image (H, W), (C, H, W) or (H, W, C), "
                         f"got shape {np.shape(image)}")
    low, high = img.min(), img.max()
    return (img - low) / (high - low) if high > low else np.zeros_like(img)


def overlay(image: Any, cam: Any, alpha: float = 0.5, cmap: str | None = None,
            ax: Any = None, title: str | None = None) -> Any:
    """A matplotlib Figure: ``image`` in grey (or colour) with ``cam`` (H, W) on top at
    opacity ``alpha``. A map with negative values (Grad-CAM without the ReLU) is drawn
    with a diverging colour map centred on 0; otherwise with 'jet' from 0 to its maximum.
    Draws on ``ax`` if given (returning its figure)."""
    from matplotlib.figure import Figure  # lazily: plotting is optional

    img = _as_display_image(image)
    heat = np.asarray(cam, dtype=np.float64)
    if heat.shape != img.shape[:2]:
        raise ValueError(f"overlay: the map has shape {heat.shape} but the image is "
                         f"{img.shape[:2]}; upsample the map to the image size first")
    signed = heat.min() < 0
    peak = np.abs(heat).max() or 1.0
    if ax is None:
        ax = Figure(figsize=(3.2, 3)).add_subplot()
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
    shown = ax.imshow(heat, cmap=cmap or ("bwr" if signed else "jet"), alpha=alpha,
                      vmin=-peak if signed else 0, vmax=peak)
    ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax.figure
