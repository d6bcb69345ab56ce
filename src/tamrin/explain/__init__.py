"""tamrin.explain: interpretability — Grad-CAM maps and their overlay on the image."""

from tamrin.explain.gradcam import GradCAM, grad_cam_map, normalize_maps, upsample_bilinear
from tamrin.explain.overlay import overlay

__all__ = ["GradCAM", "grad_cam_map", "normalize_maps", "overlay", "upsample_bilinear"]
