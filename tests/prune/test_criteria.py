"""Sensitivity and Optimal Brain Damage scores against PyTorch autograd: |w·∂L/∂w|, the
measured loss change, ½·hₖₖ·wₖ² with hₖₖ from torch.autograd.functional.hessian."""

import numpy as np
import pytest

import tamrin
from tamrin import nn, prune
from tamrin.nn import functional as F
from tests.oracle import torch


@pytest.fixture(scope="module")
def tiny():
    """Linear(3, 4) → tanh → Linear(4, 3) in float64, cross-entropy on 10 samples."""
    tamrin.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3)).double()
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 3, size=10)
    return model, x, y


def _torch_loss(model, x, y):
    """The same network as a function of its four tensors, for torch.autograd."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def loss(w1, b1, w2, b2):
        h = torch.tanh(xt @ w1.T + b1)
        return torch.nn.functional.cross_entropy(h @ w2.T + b2, yt)

    tensors = [torch.from_numpy(model[i].weight.numpy().copy()) if not prune.is_pruned(model[i])
               else torch.from_numpy(model[i].weight_orig.numpy() * model[i].weight_mask.numpy())
               for i in (0, 2)]
    biases = [torch.from_numpy(model[i].bias.numpy().copy()) for i in (0, 2)]
    return loss, [tensors[0], biases[0], tensors[1], biases[1]]


def _exact_hessian_diagonals(model, x, y):
    loss, args = _torch_loss(model, x, y)
    diags = []
    for pos in (0, 2):
        def of_one(w, pos=pos):
            return loss(*[w if i == pos else a for i, a in enumerate(args)])
        h = torch.autograd.functional.hessian(of_one, args[pos])
        n = args[pos].numel()
        diags.append(h.reshape(n, n).diagonal().reshape(args[pos].shape).numpy())
    return diags


def test_obd_saliency_is_half_h_w_squared_with_the_exact_hessian(tiny):
    model, x, y = tiny
    refs = prune.parameters_to_prune(model)
    diag = prune.hessian_diagonal(model, F.cross_entropy, (x, y))
    sal = prune.obd_saliencies(model, F.cross_entropy, (x, y))
    for ref, want in zip(refs, _exact_hessian_diagonals(model, x, y)):
        np.testing.assert_allclose(diag[ref], want, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(sal[ref], 0.5 * want * ref[0].weight.numpy() ** 2,
                                   rtol=1e-5, atol=1e-10)


def test_hutchinson_estimate_approaches_the_exact_diagonal(tiny):
    model, x, y = tiny
    refs = prune.parameters_to_prune(model)
    exact = prune.hessian_diagonal(model, F.cross_entropy, (x, y))
    few = prune.hessian_diagonal(model, F.cross_entropy, (x, y), exact_max=0, n_probes=4)
    many = prune.hessian_diagonal(model, F.cross_entropy, (x, y), exact_max=0, n_probes=400)
    errors = [np.linalg.norm(np.concatenate([(d[r] - exact[r]).ravel() for r in refs]))
              / np.linalg.norm(np.concatenate([exact[r].ravel() for r in refs]))
              for d in (few, many)]
    assert errors[1] < 0.25 and errors[1] < errors[0]


def test_obd_on_a_pruned_model_scores_pruned_weights_zero(tiny):
    model, x, y = tiny
    pruned = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3)).double()
    pruned.load_state_dict(model.state_dict())
    prune.l1_unstructured(pruned[0], "weight", 0.5)
    refs = prune.parameters_to_prune(pruned)
    diag = prune.hessian_diagonal(pruned, F.cross_entropy, (x, y))
    want = _exact_hessian_diagonals(pruned, x, y)
    mask = pruned[0].weight_mask.numpy() != 0
    assert (diag[refs[0]][~mask] == 0).all()
    np.testing.assert_allclose(diag[refs[0]][mask], want[0][mask], rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(diag[refs[1]], want[1], rtol=1e-5, atol=1e-9)


def test_sensitivity_scores(tiny):
    model, x, y = tiny
    refs = prune.parameters_to_prune(model)
    loss, args = _torch_loss(model, x, y)
    for a in args:
        a.requires_grad_(True)
    value = loss(*args)
    value.backward()
    taylor = prune.taylor_scores(model, F.cross_entropy, (x, y))
    measured = prune.loss_change_scores(model, F.cross_entropy, (x, y))
    for ref, w in zip(refs, (args[0], args[2])):
        np.testing.assert_allclose(taylor[ref], (w * w.grad).abs().detach().numpy(), rtol=1e-10)
    with torch.no_grad():  # zero one weight by hand in torch
        args[2][1, 2] = 0
        delta = (loss(*args) - value).item()
    np.testing.assert_allclose(measured[refs[1]][1, 2], delta, rtol=1e-10)
    assert model[0].weight.grad is None  # the scores left the model's gradients alone


@pytest.mark.parametrize("method", ["sensitivity", "obd", "loss_change", "random"])
def test_layerwise_prune_model_with_every_criterion(tiny, method):
    model, x, y = tiny
    copy = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3)).double()
    copy.load_state_dict(model.state_dict())
    scores = prune.prune_model(copy, 0.25, method, scope="layerwise",
                               loss_fn=F.cross_entropy, data=(x, y))
    for (module, _), score in scores.items():
        pruned = module.weight_mask.numpy() == 0
        assert pruned.sum() == round(0.25 * score.size)
        assert score[pruned].max() <= score[~pruned].min()
