"""Full backward hooks of a Module: ``hook(module, grad_input, grad_output)``.

A module is any function y = f(x₁, …, xₙ); its backward hook wants dL/dy (``grad_output``)
and dL/dxᵢ (``grad_input``), and may replace the latter. The graph inside the module can be
anything, so — as PyTorch does — the module's tensor inputs and outputs are each passed
through one identity node::

    x ──Identity──▶ forward ──▶ y ──Identity──▶ (rest of the network)

Backward reaches the output identity first: its incoming gradients are dL/dy, which are
stored. It reaches the input identity last: its incoming gradients are dL/dxᵢ, and that is
when the hooks run (their returned grad_input, if any, is what flows on to x). If no input
requires a gradient, the hooks run at the output identity with grad_input all None.

``grad_input`` has one entry per positional argument: None for a non-tensor, zeros for a
tensor that does not require grad (PyTorch's values); ``grad_output`` one per output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.grad_mode import is_grad_enabled
from tamrin.tensor import Tensor


class BackwardHookIdentity(ArrayFunction):
    """y = x for every input (one output each).   Backward: dL/dx = on_grads(dL/dy)."""

    @staticmethod
    def forward(ctx: Context, *arrays: Any,
                on_grads: Callable[[tuple], tuple]) -> tuple[np.ndarray, ...]:
        ctx.on_grads = on_grads
        return arrays

    @staticmethod
    def backward(ctx: Context, *grads: np.ndarray) -> tuple:
        return ctx.on_grads(grads)


def _tensor_positions(values: tuple) -> list[int]:
    return [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]


def _replace(values: tuple, positions: list[int], new: tuple) -> tuple:
    out = list(values)
    for i, v in zip(positions, new):
        out[i] = v
    return tuple(out)


def _as_array(g: Any) -> np.ndarray | None:
    return g._array if isinstance(g, Tensor) else g


class BackwardHook:
    """The identity nodes of one call of a module with full backward hooks."""

    def __init__(self, module: Any, hooks: list[Callable]) -> None:
        self.module, self.hooks = module, hooks
        self.n_inputs = 0
        self.input_positions: list[int] | None = None
        self.constant_inputs: list[tuple[int, np.ndarray]] = []
        self.grad_output: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        """Route the tensor inputs that require grad through the input identity."""
        self.n_inputs = len(args)
        positions = _tensor_positions(args)
        if not positions or not is_grad_enabled():
            return args
        self.input_positions = positions
        self.constant_inputs = [(i, a._array) for i, a in enumerate(args)
                                if isinstance(a, Tensor) and i not in positions]
        new = BackwardHookIdentity.apply(*(args[i] for i in positions),
                                         on_grads=self._on_input_grads)
        return _replace(args, positions, new)

    def wrap_outputs(self, out: Any) -> Any:
        """Route the output tensor(s) that require grad through the output identity."""
        outs = out if isinstance(out, tuple) else (out,)
        positions = _tensor_positions(outs)
        if not positions or not is_grad_enabled():
            return out
        n_outputs = len(outs)

        def on_output_grads(grads: tuple) -> tuple:
            self.grad_output = tuple(Tensor._make(g) for g in
                                     _replace((None,) * n_outputs, positions, grads))
            if self.input_positions is None:
                self._run_hooks((None,) * self.n_inputs, may_replace=False)
            return grads

        new = BackwardHookIdentity.apply(*(outs[i] for i in positions),
                                         on_grads=on_output_grads)
        new_outs = _replace(outs, positions, new)
        return new_outs if isinstance(out, tuple) else new_outs[0]

    def _on_input_grads(self, grads: tuple) -> tuple:
        positions = self.input_positions
        grad_input = [None] * self.n_inputs
        for i, data in self.constant_inputs:
            grad_input[i] = Tensor._make(np.zeros_like(data))
        grad_input = _replace(tuple(grad_input), positions,
                              tuple(Tensor._make(g) for g in grads))
        grad_input = self._run_hooks(grad_input, may_replace=True)
        return tuple(_as_array(grad_input[i]) for i in positions)

    def _run_hooks(self, grad_input: tuple, may_replace: bool) -> tuple:
        name = type(self.module).__name__
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_output)
            if result is None:
                continue
            result = result if isinstance(result, tuple) else (result,)
            if not may_replace and any(r is not None for r in result):
                raise RuntimeError(f"backward hook of {name}: no input of this module "
                                   "requires a gradient, so the hook must return None")
            if len(result) != len(grad_input):
                raise RuntimeError(f"backward hook of {name}: returned {len(result)} "
                                   f"gradients, expected {len(grad_input)} (one per input)")
            grad_input = result
        return grad_input
