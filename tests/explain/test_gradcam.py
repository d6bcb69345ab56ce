"""Grad-CAM equals a reference computed with PyTorch autograd on the same weights and input;
it leaves the model as it found it; the overlay is a matplotlib figure."""

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tamrin.explain import GradCAM, overlay
from tests.oracle import to_torch, torch


def _cnn(m):
    return m.Sequential(m.Conv2d(1, 4, 3, padding=1), m.ReLU(), m.MaxPool2d(2),
                        m.Conv2d(4, 6, 3, padding=1), m.ReLU(), m.Flatten(),
                        m.Linear(6 * 4 * 4, 3))


@pytest.fixture(scope="module")
def models():
    tamrin.manual_seed(0)
    ours = _cnn(nn).double().eval()
    theirs = _cnn(torch.nn).double().eval()
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _reference(model, layer, x, class_idx, relu):
    """Grad-CAM with torch.autograd.grad on the retained layer output."""
    kept = {}
    handle = layer.register_forward_hook(lambda m, i, o: kept.update(a=o))
    logits = model(x)
    handle.remove()
    classes = logits.argmax(1) if class_idx is None else torch.as_tensor(class_idx)
    classes = classes.expand(len(x)) if classes.ndim == 0 else classes
    (grad,) = torch.autograd.grad(logits[torch.arange(len(x)), classes].sum(), kept["a"])
    cam = (grad.mean((2, 3))[:, :, None, None] * kept["a"]).sum(1)
    cam = cam.clamp_min(0) if relu else cam
    cam = torch.nn.functional.interpolate(cam[:, None], size=x.shape[2:], mode="bilinear",
                                          align_corners=False)[:, 0]
    return (cam / cam.abs().amax((1, 2), keepdim=True)).detach().numpy()


@pytest.mark.parametrize("layer_index", [3, 4])
@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("class_idx", [None, 2, [0, 1, 2, 0, 1]])
def test_matches_torch_reference(models, layer_index, relu, class_idx):
    ours, theirs = models
    x = np.random.default_rng(1).normal(size=(5, 1, 8, 8))
    with GradCAM(ours, ours[layer_index]) as cam:
        got = cam(tamrin.from_numpy(x), class_idx, relu=relu)
    want = _reference(theirs, theirs[layer_index], to_torch(x), class_idx, relu)
    assert got.shape == (5, 8, 8)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-12)
    assert got.min() >= 0 or not relu


def test_pieces_default_class_and_model_left_untouched(models):
    ours, _ = models
    x = np.random.default_rng(2).normal(size=(3, 1, 8, 8))
    ours[0].weight.requires_grad_(False)
    ours[6].bias.grad = tamrin.ones(3, dtype=tamrin.float64)
    cam = GradCAM(ours, ours[3])
    maps = cam(x, upsample=False, normalize=False)
    np.testing.assert_array_equal(cam.class_idx, cam.logits.argmax(1))
    assert cam.weights.shape == (3, 6) and maps.shape == (3, 4, 4)
    np.testing.assert_allclose(maps, np.maximum(
        np.einsum("nk,nkhw->nhw", cam.weights, cam.activations), 0))
    assert not ours[0].weight.requires_grad and ours[3].weight.requires_grad
    np.testing.assert_array_equal(ours[6].bias.grad.numpy(), 1.0)
    assert ours[3].weight.grad is None
    cam.remove()
    assert not ours[3]._forward_hooks and not ours[3]._backward_hooks
    ours[0].weight.requires_grad_(True)
    ours[6].bias.grad = None


def test_errors(models):
    ours, _ = models
    with pytest.raises(ValueError, match="not a submodule"):
        GradCAM(ours, nn.Conv2d(1, 1, 3))
    with GradCAM(ours, ours[3]) as cam:
        with pytest.raises(ValueError, match="out of range"):
            cam(np.zeros((2, 1, 8, 8)), class_idx=3)
        with pytest.raises(ValueError, match="one per sample"):
            cam(np.zeros((2, 1, 8, 8)), class_idx=[0, 1, 2])


def test_overlay_draws_image_and_map():
    from matplotlib.figure import Figure

    image = np.random.default_rng(3).random((1, 8, 8))
    signed = np.linspace(-1, 1, 64).reshape(8, 8)
    fig = overlay(image, signed, alpha=0.4, title="no ReLU")
    assert isinstance(fig, Figure)
    shown = fig.axes[0].images
    assert len(shown) == 2 and shown[1].get_cmap().name == "bwr"
    assert shown[1].get_clim() == (-1.0, 1.0)
    assert overlay(image, np.abs(signed)).axes[0].images[1].get_cmap().name == "jet"
    with pytest.raises(ValueError, match="upsample the map"):
        overlay(image, np.zeros((4, 4)))


def test_errors_for_inputs_models_and_layers_that_do_not_fit(models):
    ours, _ = models
    with GradCAM(ours, ours[3]) as cam, pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        cam(np.zeros((1, 8, 8)))

    class Unused(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.spare = nn.Conv2d(1, 2, 3), nn.Conv2d(2, 2, 1)

        def forward(self, x):
            return self.conv(x)

    model, x = Unused(), np.zeros((1, 1, 8, 8), np.float32)
    with GradCAM(model, model.spare) as cam, \
            pytest.raises(RuntimeError, match="not called in the forward pass"):
        cam(x)
    with GradCAM(model, model.conv) as cam, \
            pytest.raises(ValueError, match=r"must return logits \(N, C\)"):
        cam(x)   # feature maps, not logits
