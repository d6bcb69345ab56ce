"""Optimizer: the base class of every optimiser, with PyTorch's contract.

An optimiser holds ``param_groups`` — a list of dicts, each with its ``params`` and its own
options (``lr``, ``weight_decay`` …; missing options are filled from the defaults) — and a
``state`` dict keyed by parameter (moment estimates, step counts). ``step()`` updates every
parameter that has a gradient, in place on its array (the Parameter and its array stay the
same objects, so models and other code keep their references); a parameter without a
gradient is skipped. A group with ``lr=0`` is frozen: its state still advances as in
PyTorch, but every update is multiplied by 0, so its weights stay bit-for-bit the same.

Non-finite gradients never reach the weights: before anything changes, ``step()`` checks
every gradient and, by ``nan_policy``, raises an error naming the parameter (``"raise"``,
the default) or skips the whole step with a warning (``"skip"``, counted in
``skipped_steps``).

``state_dict()`` has PyTorch's layout, ``{"state": {index: {name: array or number}},
"param_groups": [{options…, "params": [indices]}]}``, with plain NumPy arrays and Python
numbers (copies), so it can be saved without pickle and loading it resumes the identical
trajectory.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tamrin import validation
from tamrin.grad_mode import enable_grad
from tamrin.ops.blas_sum import all_finite
from tamrin.tensor import Tensor
from tamrin.versions import bump

NAN_POLICIES = ("raise", "skip")

# option -> (test, what the test means), checked on the defaults and on every group
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "lr": (lambda v: v >= 0, ">= 0"),
    "weight_decay": (lambda v: v >= 0, ">= 0"),
    "momentum": (lambda v: v >= 0, ">= 0"),
    "dampening": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "eps": (lambda v: v > 0, "> 0"),
    "alpha": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "lr_decay": (lambda v: v >= 0, ">= 0"),
    "initial_accumulator_value": (lambda v: v >= 0, ">= 0"),
    "l1": (lambda v: v >= 0, ">= 0"),
}


def coupled_gradient(grad: np.ndarray, param: np.ndarray, group: dict) -> np.ndarray:
    """The gradient an optimiser steps along: g = ±∇L + λ·θ.

    The sign flips when ``maximize``; λ = ``weight_decay`` adds the gradient of the L2
    penalty (λ/2)‖θ‖² (classic, *coupled* weight decay). ``grad`` itself is never modified.
    """
    g = -grad if group.get("maximize", False) else grad
    weight_decay = group.get("weight_decay", 0)
    return g + weight_decay * param if weight_decay != 0 else g


class Optimizer:
    """Base class: subclasses define ``defaults`` and ``_update`` (one parameter's step).

    ``params`` is an iterable of Parameters, of ``(name, Parameter)`` pairs (as
    ``model.named_parameters()`` gives; the names are kept as the group's ``param_names``
    and used in error messages), or of param-group dicts.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any],
                 nan_policy: str = "raise") -> None:
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors "
                            "or dicts, got a single Tensor; wrap it in a list")
        if nan_policy not in NAN_POLICIES:
            raise ValueError(f"{type(self).__name__}: invalid nan_policy={nan_policy!r} "
                             f"(expected one of {NAN_POLICIES})")
        _check_ordered(params)
        self._check_options(defaults, "")
        self.defaults = defaults
        self.nan_policy = nan_policy
        self.skipped_steps = 0
        self._step_calls = 0
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- groups ---------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. a new layer's ``lr``)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: param_group must be a dict, "
                            f"got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        _check_ordered(params)
        params = [params] if isinstance(params, Tensor) else list(params)
        named = [isinstance(p, tuple) for p in params]
        if any(named) and not all(named):
            raise ValueError("add_param_group: give all parameters with names or none")
        if params and all(named):
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        group["params"] = params
        for p in params:
            _check_parameter(p)
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        index = len(self.param_groups)
        self._check_options(group, f" (param group {index})")
        self._check_disjoint(params, index)
        self.param_groups.append(group)

    def _check_options(self, options: dict[str, Any], where: str) -> None:
        """Raise an error naming any hyper-parameter that is not a number (TypeError), is
        NaN or lies outside its valid range (ValueError)."""
        name = type(self).__name__
        for key, (test, meaning) in _RULES.items():
            if key not in options:
                continue
            value = validation.real(options[key], key, f"{name}{where}", finite=False)
            if not test(value):
                raise ValueError(f"{name}: invalid {key}={options[key]!r}{where}; "
                                 f"{key} must be {meaning}")
        if "betas" in options:
            betas = options["betas"]
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise ValueError(f"{name}: betas must be a pair (β₁, β₂){where}, got "
                                 f"{betas!r}")
            for i, beta in enumerate(betas):
                value = validation.real(beta, f"betas[{i}]", f"{name}{where}")
                if not 0.0 <= value < 1.0:
                    raise ValueError(f"{name}: invalid betas[{i}]={beta!r}{where}; "
                                     "each beta must be in [0, 1)")

    def _check_disjoint(self, params: list[Tensor], index: int) -> None:
        seen: dict[int, int] = {}
        for g, group in enumerate(self.param_groups):
            seen.update((id(p), g) for p in group["params"])
        mine: set[int] = set()
        for i, p in enumerate(params):
            if id(p) in mine:
                raise ValueError(f"add_param_group: parameter {i} (shape {p.shape}) appears "
                                 f"twice in param group {index}")
            if id(p) in seen:
                raise ValueError(f"add_param_group: some parameters appear in more than one "
                                 f"parameter group: parameter {i} (shape {p.shape}) of group "
                                 f"{index} is already in group {seen[id(p)]}")
            mine.add(id(p))

    # ---- the step -------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None by default, as PyTorch)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()``'s loss.

        ``closure`` (optional) recomputes the loss and its gradients before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step_calls += 1
        if not self._gradients_finite():
            return loss
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad._array, self.state[p], group)
                    bump(p)  # an in-place change of p, as any other
        return loss

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        """Update ``p._array`` in place from ``grad``; ``state`` is p's (initially empty) state."""
        raise NotImplementedError(f"{type(self).__name__} must define _update()")

    def _gradients_finite(self) -> bool:
        """Check every gradient before any weight moves; raise or warn per ``nan_policy``."""
        index = 0
        for g, group in enumerate(self.param_groups):
            names = group.get("param_names")
            for i, p in enumerate(group["params"]):
                if p.grad is not None and not all_finite(p.grad._array):
                    label = f"{names[i]!r} " if names else ""
                    kind = "NaN" if np.isnan(p.grad._array).any() else "Inf"
                    where = (f"{type(self).__name__}.step: the gradient of parameter {label}"
                             f"(index {index + i}, group {g}, shape {p.shape}) contains {kind} "
                             f"at step() call {self._step_calls}")
                    if self.nan_policy == "raise":
                        raise FloatingPointError(
                            where + "; no weight was changed. Find its source with "
                            "tamrin.autograd.detect_anomaly(), lower the learning rate or clip "
                            "the gradients; nan_policy='skip' skips such steps instead")
                    self.skipped_steps += 1
                    warnings.warn(where + "; the step was skipped", RuntimeWarning,
                                  stacklevel=3)
                    return False
            index += len(group["params"])
        return True

    # ---- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered in group order; arrays and numbers are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by ``state_dict()`` (tamrin's or PyTorch's).

        Parameters are matched by position; saved arrays are cast to each parameter's dtype
        and must have its shape; options the saved groups lack take the defaults.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups, the optimizer {len(self.param_groups)}")
        params: dict[Any, Tensor] = {}
        for g, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"load_state_dict: parameter group {g} has "
                                 f"{len(saved['params'])} parameters in the state dict but "
                                 f"{len(group['params'])} in the optimizer")
            params.update(zip(saved["params"], group["params"]))
        groups = []
        for g, saved in enumerate(saved_groups):  # check everything before changing anything
            group = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            group["params"] = self.param_groups[g]["params"]
            if "param_names" in self.param_groups[g] and "param_names" not in group:
                group["param_names"] = self.param_groups[g]["param_names"]
            for name, default in self.defaults.items():  # options PyTorch lacks (l1 …)
                group.setdefault(name, default)
            self._check_options(group, f" (param group {g} of the loaded state dict)")
            groups.append(group)
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, saved_state in state_dict["state"].items():
            if key not in params:
                raise ValueError(f"load_state_dict: the state dict has state for parameter "
                                 f"{key!r}, which no parameter group lists")
            p = params[key]
            state[p] = {name: _restore(value, p, name, key)
                        for name, value in saved_state.items()}
        self.state, self.param_groups = state, groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items())
                      if k not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"


def _check_ordered(params: Any) -> None:
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters must be in an ordered collection (a list), not "
                        "a set, so that the state dict's numbering is stable between runs")


def _check_parameter(p: Any) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but one of the params is a "
                        f"{type(p).__name__}")
    if not p.is_leaf:
        raise ValueError(f"can't optimize a non-leaf Tensor (shape {p.shape})")
    if not p.is_floating_point():
        raise TypeError(f"optimizer can only optimize floating-point Tensors, got one of "
                        f"dtype {p.dtype} (shape {p.shape})")


def _restore(value: Any, p: Tensor, name: str, key: Any) -> Any:
    """A saved state value as tamrin keeps it: ``step`` an int, arrays in p's dtype."""
    if value is None:
        return None
    if name == "step":
        return int(np.asarray(value))
    array = np.array(value, dtype=p.dtype)
    if array.shape != p.shape:
        raise ValueError(f"load_state_dict: state {name!r} of parameter {key} has shape "
                         f"{array.shape}, the parameter {p.shape}")
    return array
