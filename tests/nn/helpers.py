"""Shared checks for layer tests: a tamrin layer against the same PyTorch layer.

``check_layer`` builds both, copies torch's weights into tamrin through ``load_state_dict``
(strict, so the state-dict keys must be identical), runs the same input in the given mode,
and compares the output, the gradient of the input and of every parameter, and the buffers
after the step (running statistics). ``gradcheck_layer`` checks the layer's backward by
finite differences in float64 with respect to the input and every parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tamrin
from tamrin.nn import Module


def _torch():
    from tests.oracle import torch  # skips the calling test, with a reason, without torch

    return torch


def torch_state(torch_module: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in torch_module.state_dict().items()}


def check_layer(layer: Module, torch_layer: Any, x: np.ndarray, train: bool = True,
                rtol: float = 1e-5, atol: float = 1e-8, input_grad: bool = True) -> None:
    """Same weights, same float64 input: forward, gradients and buffers equal torch's."""
    torch = _torch()
    torch_layer = torch_layer.double().train(train)
    layer.double().load_state_dict(torch_state(torch_layer))
    layer.train(train)
    xs = tamrin.tensor(x, dtype=np.float64, requires_grad=input_grad)
    xt = torch.from_numpy(np.array(x, dtype=np.float64))
    xt.requires_grad_(input_grad)
    out, tout = layer(xs), torch_layer(xt)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=rtol, atol=atol,
                               err_msg="forward")
    assert out.dtype == np.float64
    if out.requires_grad:
        w = np.random.default_rng(1).standard_normal(out.shape)
        (out * tamrin.tensor(w, dtype=np.float64)).sum().backward()
        (tout * torch.from_numpy(w)).sum().backward()
        if input_grad:
            np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg="gradient of the input")
        tparams = dict(torch_layer.named_parameters())
        names = [n for n, _ in layer.named_parameters()]
        assert names == list(tparams), f"parameters {names}, torch {list(tparams)}"
        for name, p in layer.named_parameters():
            expected = tparams[name].grad
            assert (p.grad is None) == (expected is None), f"gradient of {name}"
            if expected is not None:
                np.testing.assert_allclose(p.grad.numpy(), expected.numpy(), rtol=rtol, atol=atol,
                                           err_msg=f"gradient of {name}")
    state, tstate = layer.state_dict(), torch_state(torch_layer)
    assert list(state) == list(tstate)
    for key, value in tstate.items():
        np.testing.assert_allclose(state[key].numpy(), value, rtol=rtol, atol=atol,
                                   err_msg=f"state {key} after the step")


def call_with_parameters(layer: Module, names: Sequence[str], x: Any,
                         params: Sequence[Any]) -> Any:
    """``layer(x)`` with the named parameters temporarily replaced by ``params``."""
    owners = []
    for name, p in zip(names, params):
        path, _, attr = name.rpartition(".")
        owner = layer.get_submodule(path)
        owners.append((owner, attr, owner._parameters[attr]))
        owner._parameters[attr] = p
    try:
        return layer(x)
    finally:
        for owner, attr, original in owners:
            owner._parameters[attr] = original


def gradcheck_layer(layer: Module, x: np.ndarray, train: bool = True,
                    before: Callable[[], None] | None = None) -> None:
    """Finite differences in float64 w.r.t. the input and every parameter. ``before`` runs
    before each forward (e.g. reseeding, so that dropout draws the same mask each time)."""
    layer.double().train(train)
    names = [n for n, _ in layer.named_parameters()]
    params = [p.numpy().copy() for _, p in layer.named_parameters()]

    def fn(xs: Any, *ps: Any) -> Any:
        if before is not None:
            before()
        return call_with_parameters(layer, names, xs, ps)

    inputs = [tamrin.tensor(a, dtype=np.float64, requires_grad=True) for a in [x, *params]]
    tamrin.gradcheck(fn, inputs)
