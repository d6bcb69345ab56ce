"""The Tensor: an ndarray, its gradient, and the node of the graph that made it.

This file also holds the graph walk of reverse-mode autodiff (``Tensor.backward``): the
nodes are found in reverse topological order by an iterative depth-first search (no
recursion, so a chain of 100,000 ops works), each node's ``backward`` turns the gradient of
its output into gradients of its inputs, and leaves accumulate them in ``.grad``.

The differentiable operations (``+``, ``@``, ``exp``, ``sum`` …), the in-place ones
(``add_``, ``x[i] = v`` …) and the conversions (``to``, ``type``, ``float()`` …) live in
``tamrin.ops``, which installs them on this class when it is imported: the ops need Tensor
to wrap their results, so Tensor must not import them.

Storage (as PyTorch): the NumPy array is ``_array`` inside the library; ``.numpy()`` shares
it. ``.data`` is another Tensor on the same storage, cut from the graph; ``detach()`` and
the view ops (basic slicing, reshape, transpose …) share the storage *and* its version
counter (``tamrin.versions``), which every in-place write bumps.

Dtype policy (as PyTorch): floating data defaults to float32; a Python float or a float64
array becomes float32 unless ``dtype`` is given. Two tensors of different dtypes promote to
the wider one (float32 ⊕ float64 → float64) — even when one of them is 0-d, where PyTorch
would keep the dtype of the tensor with dimensions; an integer or bool tensor beside a
floating one takes the floating dtype. A Python scalar takes the tensor's dtype (so
``x * 2.0`` stays float32), except that a float scalar with an integer tensor gives float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tamrin import validation
from tamrin.device import CPU, device
from tamrin.dtypes import bool_, float16, float32
from tamrin.grad_mode import STATE, no_grad
from tamrin.versions import WRITES, check_unmodified, recorded_inputs

DEFAULT_FLOAT = float32


def as_array(data: Any, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """Turn ``data`` (nested lists, scalars, arrays or a Tensor) into an ndarray.

    Without ``dtype``, floating data becomes float32 (the library default) and integer
    or boolean data keeps its kind, as ``torch.tensor`` does; a Tensor keeps its dtype.
    """
    if isinstance(data, Tensor):
        data, dtype = data._array, dtype or data._array.dtype
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [as_array(d) for d in data]  # a list of 0-d tensors: torch.tensor([a, b])
    try:
        if dtype is not None:
            return np.array(data, dtype=np.dtype(dtype), copy=copy or None)
        arr = np.array(data, copy=copy or None)
    except ValueError as e:  # ragged nested lists, strings that are not numbers
        raise ValueError(f"tensor: cannot make a tensor from this data: {e}") from None
    if arr.dtype.kind == "f" and arr.dtype != float32 and arr.dtype != float16:
        return arr.astype(DEFAULT_FLOAT)
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor: cannot make a tensor from data of dtype {arr.dtype}; "
            "expected numbers (float, int or bool)"
        )
    return arr


def init_slots(t: Tensor, array: np.ndarray, requires_grad: bool = False, ctx: Any = None,
                index: int = 0) -> None:
    """Set every field of a new tensor. ``_base`` (the tensor a view looks into) and
    ``_history`` (its old graph places, see ``tamrin.versions``) stay unset unless needed,
    read with ``getattr(t, name, None)``: making a tensor is the hottest path there is."""
    t._array = array
    t.grad = None
    t.requires_grad = requires_grad
    t._ctx = ctx
    t._index = index
    t._hooks = None
    t._retains_grad = False
    t._version_box = [0]


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    ``_array`` is the NumPy array (``.numpy()`` outside the library), ``grad`` the
    accumulated gradient (a Tensor without history, or None), ``requires_grad`` says whether
    gradients flow to it, the private ``_ctx`` is the graph node (a
    ``tamrin.autograd.Context``) that produced it — None for leaves — and ``_version_box``
    its version counter, shared with its views.

    As a constructor it is PyTorch's ``torch.Tensor``: ``Tensor(data)`` is a float32 copy
    of ``data``, ``Tensor(2, 3)`` an uninitialised (here: zero) float32 tensor of that
    shape, ``Tensor()`` an empty one. ``tamrin.tensor(data)`` keeps integer dtypes.
    """

    __slots__ = ("_array", "grad", "requires_grad", "_ctx", "_index", "_hooks",
                 "_retains_grad", "_version_box", "_base", "_history")
    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__
    __hash__ = object.__hash__  # == is element-wise, identity is the hash (as PyTorch)

    def __init__(self, *args: Any) -> None:
        if args and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                        for a in args):
            array = np.zeros(validation.size(args, "Tensor"), DEFAULT_FLOAT)
        elif len(args) > 1:
            raise TypeError(f"Tensor: expected data or integer sizes, got {len(args)} "
                            f"arguments of types {[type(a).__name__ for a in args]}")
        else:
            array = as_array(args[0] if args else [], DEFAULT_FLOAT, copy=True)
        init_slots(self, array)

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool = False, ctx: Any = None,
              index: int = 0) -> Tensor:
        """Wrap an ndarray without copying or validating it (used by ops)."""
        t = object.__new__(Tensor)
        init_slots(t, data, requires_grad, ctx, index)
        return t

    # ---- storage ------------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """A tensor on the same storage, without history and not requiring grad (its own
        version counter: changes through ``.data`` are invisible to autograd's checks, as
        in PyTorch). ``t.data = other`` makes ``t`` use ``other``'s storage."""
        return Tensor._make(self._array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(value).__name__}")
        self._array = value._array

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's storage has had."""
        return self._version_box[0]

    # ---- array-like facts -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._array.shape

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def device(self) -> device:
        return CPU

    is_cuda = False

    def dim(self) -> int:
        return self._array.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        return self._array.shape if dim is None else self._array.shape[dim]

    def numel(self) -> int:
        return self._array.size

    def element_size(self) -> int:
        return self._array.itemsize

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    # ---- conversion ---------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared memory, as ``torch.Tensor.numpy``; unlike
        PyTorch, also for a tensor that requires grad)."""
        return self._array

    def tolist(self) -> Any:
        return self._array.tolist()

    def item(self) -> float | int | bool:
        if self._array.size != 1:
            raise ValueError(
                f"item: only a tensor with one element can be converted to a Python "
                f"number, got shape {self._array.shape}"
            )
        return self._array.item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A 0-d (or one-element) integer tensor used as an index: ``seq[t]``, ``range(t)``."""
        if self._array.dtype.kind not in "iub" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to "
                            f"an index (got dtype {self._array.dtype}, shape "
                            f"{self._array.shape})")
        return int(self._array.item())

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"bool: the truth value of a tensor of shape {self._array.shape} is ambiguous"
            )
        return bool(self._array.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.3f}"``), as in PyTorch."""
        if self._array.ndim == 0:
            return format(self._array.item(), spec)
        return format(repr(self), spec)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.array(self._array, dtype=dtype, copy=copy)

    # ---- autograd facts -----------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        """The graph node that produced this tensor (None for leaves)."""
        return self._ctx

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage and version counter, cut from the graph."""
        t = Tensor._make(self._array)
        t._version_box = self._version_box
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad of leaf tensors; "
                "use .detach() to cut a non-leaf tensor from the graph"
            )
        if requires_grad and self._array.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad_: only floating-point tensors can require gradients, "
                f"got dtype {self._array.dtype}"
            )
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on a non-leaf tensor after backward (leaves always keep it)."""
        if self._ctx is None:
            return
        self._retains_grad = True
        self._register_on_node()

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a replacement gradient. Returns a function that removes it.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        self._register_on_node()
        hooks = self._hooks

        def remove() -> None:
            if hook in hooks:
                hooks.remove(hook)

        return remove

    def _register_on_node(self) -> None:
        ctx = self._ctx
        if ctx is not None:
            if ctx.hooked is None:
                ctx.hooked = []
            if not any(t is self for t in ctx.hooked):  # identity: == is element-wise
                ctx.hooked.append(self)

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) · gradient into ``leaf.grad`` for every leaf.

        ``gradient`` is required unless this tensor holds a single element (then it is 1).
        """
        run_backward(self, gradient, retain_graph)

    # ---- printing -----------------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self._array, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self._array.dtype not in (float32, np.int64, bool_):
            extras.append(f"dtype=tamrin.{self._array.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"


def is_tensor(obj: object) -> bool:
    """True for a tamrin Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


# ---- the graph walk ---------------------------------------------------------------------

def _topological_order(root: Any) -> list:
    """Graph nodes reachable from ``root`` so that every node comes after its inputs.

    Iterative depth-first post-order: each node is appended once all the nodes it reads
    from are appended. Reversed, consumers come before producers — the order backprop needs.
    (Each stack entry keeps its node's edges as a ``zip`` iterator, resumed where it left.)
    """
    order: list = []
    visited = {root}
    stack = [(root, zip(recorded_inputs(root), root.needs_input_grad))]
    while stack:
        node, edges = stack[-1]
        for x, need in edges:
            if need:
                pnode = x._ctx
                if pnode is not None and pnode not in visited:
                    visited.add(pnode)
                    stack.append((pnode, zip(recorded_inputs(pnode), pnode.needs_input_grad)))
                    break
        else:
            stack.pop()
            order.append(node)
    return order


def _seed_gradient(root: Tensor, gradient: Any) -> np.ndarray:
    """dL/d(root): 1 for a one-element root, else the given ``gradient`` (copied)."""
    if gradient is None:
        if root._array.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs, but "
                f"this tensor has shape {root._array.shape}; pass backward(gradient=...) "
                "with a tensor of that shape"
            )
        return broadcast_to_shape(np.asarray(1, root._array.dtype), root._array.shape)
    g = np.array(gradient._array if isinstance(gradient, Tensor) else gradient,
                 dtype=root._array.dtype)
    if g.shape != root._array.shape:
        raise RuntimeError(
            f"backward: gradient has shape {g.shape} but the tensor has shape "
            f"{root._array.shape}; they must match"
        )
    return g


def _run_tensor_hooks(t: Tensor, g: np.ndarray) -> np.ndarray:
    """Apply ``t``'s hooks to its gradient; keep it as ``t.grad`` if asked to."""
    if t._hooks:
        for hook in list(t._hooks):
            out = hook(Tensor._make(g))
            if out is not None:
                g = out._array if isinstance(out, Tensor) else np.asarray(out)
    if t._retains_grad:
        _accumulate_grad(t, g.copy())  # a copy: g itself flows on to t's inputs
    return g


def _accumulate_grad(t: Tensor, g: np.ndarray) -> None:
    """``t.grad += g`` (out of place, so that no two tensors ever share a grad array)."""
    if g.dtype != t._array.dtype:
        g = g.astype(t._array.dtype)
    if t.grad is None:
        if g.shape != t._array.shape:
            g = np.array(np.broadcast_to(g, t._array.shape))
        elif not g.flags.writeable:  # a spread gradient (``broadcast_to_shape``)
            g = np.array(g)
        t.grad = Tensor._make(g)
    else:
        t.grad._array = t.grad._array + g


def sum_to_shape(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum ``g`` over the axes that broadcasting added or stretched.

    If y = f(broadcast(x)), then dL/dx is dL/d(broadcast x) summed over every axis where x
    had size 1 (or did not exist).
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


# From this many elements on, a spread gradient is a read-only stride-0 view (PyTorch's
# ``expand``) instead of a new array: the ops after it read it without a 1 MiB fill (a 512×512
# float32 ``(a * b).sum()`` backward: two products read the view instead of a filled array),
# and a leaf that keeps it as ``.grad`` copies it once (``_accumulate_grad``). Below it the
# new array is several times faster than making the view, and a leaf keeps it as it is.
SPREAD_VIEW_FROM = 2**14


def broadcast_to_shape(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The reverse of ``sum_to_shape``: ``g`` repeated along its size-1 axes — a new array,
    or for ``SPREAD_VIEW_FROM`` elements and more a read-only broadcast view. Nothing
    writes into a gradient it was handed, so either serves."""
    if math.prod(shape) >= SPREAD_VIEW_FROM:
        return np.broadcast_to(g, shape)
    out = np.empty(shape, g.dtype)
    out[...] = g
    return out


def _check_finite(node: Any, grads: tuple) -> None:
    for i, g in enumerate(grads):
        if g is not None and g.dtype.kind == "f" and not np.isfinite(g).all():
            raise RuntimeError(
                f"detect_anomaly: the backward of {node.name()} returned NaN/Inf in the "
                f"gradient of its input {i} (shape {g.shape})"
            )


def run_backward(root: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Reverse-mode autodiff from ``root``: see ``Tensor.backward``.

    ``grads`` maps each node still to be visited to dL/d(its output) (a list of them for a
    node with several outputs), summed over all its consumers. Visiting the nodes in reverse
    topological order guarantees every consumer has contributed before a node is visited.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; did you "
            "forget requires_grad=True on an input, or compute it under no_grad()?"
        )
    seed = _seed_gradient(root, gradient)
    if root._ctx is None:  # backward on a leaf: d(leaf)/d(leaf) = 1
        _accumulate_grad(root, _run_tensor_hooks(root, seed))
        return
    grads: dict = {root._ctx: _node_slot(root._ctx, seed, root._index, None)}
    hooked_leaves: dict[int, list] = {}  # leaves with hooks: [leaf, summed gradient]
    anomaly = STATE.anomaly_enabled
    with no_grad():
        for node in reversed(_topological_order(root._ctx)):
            g_out = grads.pop(node, None)
            if g_out is None:  # no path from this node to the root carries a gradient
                continue
            if node.released:
                raise _freed_graph_error(node)
            if node.hooked is not None:
                g_out = _hooked_output_grads(node, g_out)
            if node.stamp != WRITES[0]:  # some tensor was changed in place since recording
                check_unmodified(node)
            g_in = node.fn.backward(node, g_out) if node.n_outputs == 1 else \
                _backward_of_outputs(node, g_out)
            if type(g_in) is not tuple:
                g_in = (g_in,)
            if anomaly:
                _check_finite(node, g_in)
            if not retain_graph:
                node.release()
            _send_to_parents(node, g_in, grads, hooked_leaves)
        for leaf, g in hooked_leaves.values():  # each leaf's hooks see its whole gradient
            _accumulate_grad(leaf, _run_tensor_hooks(leaf, g))


def _freed_graph_error(node: Any) -> RuntimeError:
    return RuntimeError(
        f"backward: trying to backward through the graph a second time (through "
        f"{node.name()}): its saved arrays were freed by an earlier backward(). Pass "
        "retain_graph=True to the first call if you need to backward twice."
    )


def _backward_of_outputs(node: Any, g_out: list) -> Any:
    """The backward of a node with several outputs (zeros for the outputs nothing used)."""
    return node.fn.backward(node, *(np.zeros(shape, dtype) if g is None else g
                                    for g, (shape, dtype) in zip(g_out, node.output_meta)))


def _node_slot(node: Any, g: np.ndarray, index: int, current: Any) -> Any:
    """Add gradient ``g`` of output ``index`` into a node's pending gradient(s)."""
    if node.n_outputs == 1:
        return g if current is None else current + g
    slots = current if current is not None else [None] * node.n_outputs
    slots[index] = g if slots[index] is None else slots[index] + g
    return slots


def _hooked_output_grads(node: Any, g_out: Any) -> Any:
    for t in node.hooked:
        if node.n_outputs == 1:
            g_out = _run_tensor_hooks(t, g_out)
        elif g_out[t._index] is not None:
            g_out[t._index] = _run_tensor_hooks(t, g_out[t._index])
    return g_out


def _send_to_parents(node: Any, g_in: tuple, grads: dict, hooked_leaves: dict) -> None:
    """Hand each input that needs it its gradient: leaves accumulate it (a leaf with hooks
    collects the sum over all its uses first, so its hooks run once, as in PyTorch), other
    nodes wait for the rest."""
    handed_out: list[int] = []  # ids of arrays already given to an input of this node
    for parent, need, g in zip(recorded_inputs(node), node.needs_input_grad, g_in):
        if not need or g is None:
            continue
        if g.shape != parent._array.shape:
            g = sum_to_shape(g, parent._array.shape)
        if id(g) in handed_out:  # one array handed to two inputs (a + b): give each its own
            g = g.copy()
        handed_out.append(id(g))
        pnode = parent._ctx
        if pnode is None:
            if parent._hooks:
                slot = hooked_leaves.setdefault(id(parent), [parent, None])
                slot[1] = g if slot[1] is None else slot[1] + g
            else:
                _accumulate_grad(parent, g)
        else:
            if g.dtype != parent._array.dtype:
                g = g.astype(parent._array.dtype)
            grads[pnode] = _node_slot(pnode, g, parent._index, grads.get(pnode))
