"""Shared checks for the op tests: PyTorch parity (forward and every gradient) and gradcheck.

``check_op(fn, torch_fn, arrays)`` is the one place where an op is compared with its two
oracles; each test only says which op, which torch op and which inputs (drawn by hypothesis).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tamrin

try:  # only the parity half needs torch; gradcheck runs without it
    import torch
except ImportError:  # pragma: no cover - CI installs torch
    torch = None

DTYPES = (np.float64, np.float32)

# ---- hypothesis strategies --------------------------------------------------------------

seeds = st.integers(0, 2**32 - 1)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, including 0-d and size-1 dimensions."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, max_dims: int = 3) -> st.SearchStrategy:
    """Tuples of shapes that broadcast together (size-1 and missing leading dims)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=0, max_dims=max_dims, max_side=4
    ).map(lambda bs: bs.input_shapes)


@st.composite
def shape_and_dims(draw: Any, min_dims: int = 1, max_dims: int = 3,
                   single: bool = False) -> tuple[tuple[int, ...], Any]:
    """A shape and a ``dim`` argument for it: an int, or a tuple of distinct dims
    (each possibly negative)."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    n = len(shape)
    if single:
        axes = [draw(st.integers(0, n - 1))]
    else:
        axes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    dims = [a - n if draw(st.booleans()) else a for a in axes]
    return shape, dims[0] if single or (len(dims) == 1 and draw(st.booleans())) else tuple(dims)


def randn(seed: int, *shapes: tuple[int, ...], positive: bool = False) -> list[np.ndarray]:
    """Float64 standard-normal arrays (|x| + 0.5 when ``positive``), one per shape."""
    rng = np.random.default_rng(seed)
    out = [np.asarray(rng.standard_normal(s)) for s in shapes]
    return [np.abs(a) + 0.5 for a in out] if positive else out


# ---- the two oracles ---------------------------------------------------------------------

def _outputs(out: Any) -> list:
    """The tensors an op returned, as a list (tuples, namedtuples, torch return types)."""
    if isinstance(out, (tuple, list)) or type(out).__module__.startswith("torch.return_types"):
        return list(out)
    return [out]


def check_gradcheck(fn: Callable[..., Any], arrays: Sequence[np.ndarray]) -> None:
    """Finite differences in float64 against tamrin's backward."""
    inputs = [tamrin.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    tamrin.gradcheck(fn, inputs)


def check_parity(fn: Callable[..., Any], torch_fn: Callable[..., Any],
                 arrays: Sequence[np.ndarray], dtype: Any = np.float64,
                 grad: bool = True) -> None:
    """Same inputs through tamrin and torch: outputs (values and dtypes) and, when ``grad``,
    the gradient of every input under a random weighting of the outputs must agree."""
    from tests.oracle import to_torch, tol  # skips the test, with a reason, without torch

    rtol, atol = tol(dtype)
    xs = [tamrin.tensor(a, dtype=dtype, requires_grad=grad) for a in arrays]
    ts = [to_torch(x, requires_grad=grad) for x in xs]
    outs, touts = _outputs(fn(*xs)), _outputs(torch_fn(*ts))
    assert len(outs) == len(touts), f"{len(outs)} outputs, torch gives {len(touts)}"
    for k, (o, to) in enumerate(zip(outs, touts)):
        expected = to.detach().numpy()
        assert o.shape == tuple(to.shape), f"output {k}: shape {o.shape}, torch {to.shape}"
        assert o.dtype == expected.dtype, f"output {k}: dtype {o.dtype}, torch {expected.dtype}"
        np.testing.assert_allclose(o.numpy(), expected, rtol=rtol, atol=atol,
                                   err_msg=f"forward output {k}")
    if not grad:
        return
    rng = np.random.default_rng(0)
    pairs = [(o, to) for o, to in zip(outs, touts) if to.requires_grad]
    assert all(o.requires_grad for o, _ in pairs), "tamrin output does not require grad"
    weights = [rng.standard_normal(o.shape).astype(dtype) for o, _ in pairs]
    sum((o * tamrin.tensor(w, dtype=w.dtype)).sum() for (o, _), w in zip(pairs, weights)).backward()
    sum((to * torch.from_numpy(w)).sum() for (_, to), w in zip(pairs, weights)).backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        expected = np.zeros(x.shape, dtype) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape, dtype) if x.grad is None else x.grad.numpy()
        assert got.shape == x.shape and got.dtype == x.dtype, f"grad {i}: {got.shape} {got.dtype}"
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def check_op(fn: Callable[..., Any], torch_fn: Callable[..., Any],
             arrays: Sequence[np.ndarray], grad: bool = True, gradcheck: bool = True,
             dtypes: Sequence[Any] = DTYPES) -> None:
    """The full check of a differentiable op on float64 input ``arrays``: gradcheck in
    float64 (unless ``gradcheck=False``, e.g. at a kink), then PyTorch parity in every dtype
    of ``dtypes`` (skipped, with a reason, when torch is absent)."""
    if grad and gradcheck:
        check_gradcheck(fn, arrays)
    for dtype in dtypes:
        check_parity(fn, torch_fn, arrays, dtype, grad)


__all__ = [
    "DTYPES", "broadcastable_shapes", "check_gradcheck", "check_op", "check_parity",
    "randn", "seeds", "shape_and_dims", "shapes", "torch",
]
