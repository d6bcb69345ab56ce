"""Figures for labs: matplotlib on the Agg backend (no display needed), saved as PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

from tamrin.labs.lab import Figure  # noqa: E402


def subplots(ncols: int = 1, width: float = 5.0, height: float = 3.6):
    """A figure with ``ncols`` axes side by side (returns ``fig, axes``; axes is a list)."""
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    return fig, list(axes[0])


def save(fig, out_dir: Path, stem: str, caption: str) -> Figure:
    """Write ``fig`` to ``out_dir/stem.png``, close it, and describe it for the report."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Figure(str(path), caption)
