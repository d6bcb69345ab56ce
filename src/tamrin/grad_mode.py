"""Global switches of the autograd engine: gradient recording and anomaly detection.

This is the lowest floor of the house: it imports nothing from tamrin, so that both the
Tensor (which runs the backward pass) and the ops (which record the graph) can read it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """The engine's mutable switches (one instance, module-global)."""

    grad_enabled: bool = True
    anomaly_enabled: bool = False


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations record the graph needed for ``backward()``."""
    return STATE.grad_enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns gradient recording on or off.

    As in PyTorch, the switch takes effect when the object is *created*, so
    ``set_grad_enabled(False)`` also works as a plain function call.
    """

    def __init__(self, mode: bool) -> None:
        self.prev = STATE.grad_enabled
        self.mode = bool(mode)
        STATE.grad_enabled = self.mode

    def __enter__(self) -> None:
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self.prev

    def __call__(self, fn: F) -> F:
        mode = self.mode
        STATE.grad_enabled = self.prev  # decorating must not flip the switch

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradModeContext:
    """Base of ``no_grad`` / ``enable_grad``: a context manager that is also a decorator."""

    mode: bool = True

    def __enter__(self) -> None:
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self.prev

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Disable graph recording: ``with tamrin.no_grad(): ...`` or ``@tamrin.no_grad()``."""

    mode = False


class enable_grad(_GradModeContext):
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True


class detect_anomaly:
    """Check every forward and backward result for NaN/Inf and name the op that made it.

    Slow (one ``isfinite`` scan per op), so it is off by default; turn it on to find
    where a NaN first appears: ``with tamrin.autograd.detect_anomaly(): loss.backward()``.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = STATE.anomaly_enabled
        STATE.anomaly_enabled = self.check_nan

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly_enabled = self.prev


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return STATE.anomaly_enabled
