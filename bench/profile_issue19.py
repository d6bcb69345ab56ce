"""Where the time goes in the workloads issue 19 could not bring under PyTorch's time:
``python -m bench.profile_issue19 [overhead|conv|lstm|mlp ...]`` (1 thread, one process).

Each section times the parts of one workload separately (best of several repetitions, so
that a loaded machine disturbs it less) beside PyTorch's whole time for the same work:

- ``overhead``: a 2×2 and a 64×64 ``a + b`` forward — NumPy's ufunc alone, tamrin, PyTorch —
  and cProfile's split of tamrin's Python time over the functions of one op;
- ``conv``: the forward and backward of the wide 3×3 conv and of LeNet's second conv, tamrin
  and PyTorch, beside the GEMMs of tamrin's layout alone (the floor of im2col on NumPy);
- ``lstm``: the LSTM workload (T 50, B 32, 64 → 128) — tamrin's whole step, its sequence op
  forward and backward, and the GEMMs alone that any NumPy LSTM must run (the floor);
- ``mlp``: cProfile's split of the MLP training step, beside the NumPy floor and PyTorch.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import timeit
from collections.abc import Callable
from functools import partial
from operator import add

from bench.run import _limit_threads

_limit_threads()  # before NumPy and PyTorch are imported

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tamrin  # noqa: E402

torch.set_num_threads(1)


def best_us(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """The best per-call time in µs over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cprofile_split(fn: Callable[[], object], calls: int, top: int = 8) -> None:
    """Print cProfile's own time per call (µs per workload call) of the busiest functions."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        fn()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]
    for (path, line, name), (_, ncalls, tottime, _, _) in rows:
        where = f"{path.split('/src/')[-1].split('/bench/')[-1]}:{line}({name})"
        print(f"    {tottime / calls * 1e6:9.2f} µs/call  {ncalls // calls:4d}×  {where}")


def overhead() -> None:
    for n in (2, 64):
        a, b = (np.random.default_rng(k).random((n, n), np.float32) for k in (0, 1))
        ta, tb = (tamrin.tensor(x, requires_grad=True) for x in (a, b))
        pa, pb = (torch.tensor(x, requires_grad=True) for x in (a, b))
        number = 20000
        print(f"add {n}×{n} forward: NumPy ufunc {best_us(partial(add, a, b), number):.2f} "
              f"µs, tamrin {best_us(partial(add, ta, tb), number):.2f} µs, "
              f"torch {best_us(partial(add, pa, pb), number):.2f} µs")
        if n == 2:
            print("  tamrin's own time per op (cProfile, 2×2 add forward):")
            cprofile_split(partial(add, ta, tb), 20000)


def _conv_times(shape: tuple[int, ...], out_channels: int, k: int,
                pad: int) -> dict[str, float]:
    """tamrin's and torch's forward and backward (dX, dW, db) of one conv layer, in µs."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    number = 3 if shape[1] > 8 else 30
    times = {}
    for name, lib in (("tamrin", tamrin), ("torch", torch)):
        conv = lib.nn.Conv2d(shape[1], out_channels, k, padding=pad)
        xs = lib.from_numpy(x).requires_grad_(True)
        out = conv(xs)
        g = lib.from_numpy(rng.standard_normal(tuple(out.shape)).astype(np.float32))

        def backward(xs=xs, conv=conv, out=out, g=g) -> None:
            xs.grad = conv.weight.grad = conv.bias.grad = None
            out.backward(g, retain_graph=True)

        times[f"{name} forward"] = best_us(partial(conv, xs), number)
        times[f"{name} backward"] = best_us(backward, number)
    return times


def _conv_gemms(shape: tuple[int, ...], f: int, k: int,
                pad: int) -> dict[str, Callable[[], object]]:
    """The GEMMs of tamrin's layout for one conv layer, forward and backward, on arrays made
    once: per image for large images, one GEMM over the batch for batch-last small ones."""
    from tamrin.ops.conv import BATCH_LAST_MAX_PIXELS

    n, c, h, _ = shape
    pixels = (h + 2 * pad - k + 1) ** 2
    rng = np.random.default_rng(0)
    wm = rng.standard_normal((f, c * k * k)).astype(np.float32)
    if pixels <= BATCH_LAST_MAX_PIXELS:  # (F, CKK)·(CKK, N·P)
        cols = rng.standard_normal((c * k * k, n * pixels)).astype(np.float32)
        g = rng.standard_normal((f, n * pixels)).astype(np.float32)
        return {"forward": lambda: wm @ cols, "backward": lambda: (cols @ g.T, wm.T @ g)}
    cols = rng.standard_normal((n, c * k * k, pixels)).astype(np.float32)  # N × (F, CKK)·(CKK, P)
    g = rng.standard_normal((n, f, pixels)).astype(np.float32)
    return {"forward": lambda: np.matmul(wm, cols),
            "backward": lambda: (np.matmul(cols, g.transpose(0, 2, 1)), np.matmul(wm.T, g))}


def conv() -> None:
    """Each conv layer against its floor: the GEMMs of tamrin's own layout, timed alone."""
    shapes = {"conv3x3 (64×32×32×32, 32→64, pad 1)": ((64, 32, 32, 32), 64, 3, 1),
              "lenet-conv2 (64×6×14×14, 6→16)": ((64, 6, 14, 14), 16, 5, 0)}
    for title, (shape, f, k, pad) in shapes.items():
        times = _conv_times(shape, f, k, pad)
        for phase, gemm in _conv_gemms(shape, f, k, pad).items():
            gemm_us = best_us(gemm, 3 if shape[1] > 8 else 30)
            mine, torch_us = times[f"tamrin {phase}"], times[f"torch {phase}"]
            print(f"{title} {phase}: tamrin {mine / 1e3:.2f} ms ({mine / torch_us:.2f}× "
                  f"torch), torch {torch_us / 1e3:.2f} ms, its GEMMs alone "
                  f"{gemm_us / 1e3:.2f} ms ({gemm_us / torch_us:.2f}× torch)")


def lstm() -> None:
    from bench.workloads import rnn
    from tamrin.ops.recurrent_sequence import LSTMSequence

    steps, batch, inputs, hidden = rnn.T, rnn.B, rnn.I, rnn.H
    tamrin_step, torch_step = rnn.build_lstm("tamrin"), rnn.build_lstm("torch")
    rng = np.random.default_rng(0)
    xw = rng.standard_normal((steps, batch, 4 * hidden)).astype(np.float32)
    h0 = np.zeros((batch, hidden), np.float32)
    w_hh = (rng.standard_normal((4 * hidden, hidden)) * 0.1).astype(np.float32)
    g_out = rng.standard_normal((steps, batch, hidden)).astype(np.float32)
    x = rng.standard_normal((steps * batch, inputs)).astype(np.float32)
    w_ih = rng.standard_normal((4 * hidden, inputs)).astype(np.float32)

    class Ctx:
        needs_input_grad = (True,) * 4

        def save_for_backward(self, *arrays: np.ndarray) -> None:
            self.saved_arrays = arrays

    ctx = Ctx()

    def forward() -> None:
        LSTMSequence.forward(ctx, xw, h0, h0, w_hh, None, False)

    forward()
    w_t = np.ascontiguousarray(w_hh.T)
    h_rows = rng.standard_normal((batch, hidden)).astype(np.float32)
    d_rows = rng.standard_normal((batch, 4 * hidden)).astype(np.float32)
    d_all, h_all = xw.reshape(-1, 4 * hidden), rng.standard_normal(
        (steps * batch, hidden)).astype(np.float32)

    def gemms() -> None:  # every GEMM of one forward + backward, nothing else
        x @ w_ih.T
        for _ in range(steps):
            h_rows @ w_t
            d_rows @ w_hh
        d_all.T @ h_all
        d_all.T @ x
        d_all @ w_ih

    parts = {"tamrin step": tamrin_step, "torch step": torch_step,
             "sequence op forward": forward,
             "sequence op backward": lambda: LSTMSequence.backward(ctx, g_out, h0, h0),
             "GEMMs alone (NumPy floor)": gemms}
    times = {name: best_us(fn, 5) / 1e3 for name, fn in parts.items()}
    torch_ms = times["torch step"]
    print("LSTM T 50, B 32, 64 → 128, forward + backward:")
    for name, ms in times.items():
        print(f"    {name:28s} {ms:7.2f} ms  ({ms / torch_ms:.2f}× torch)")


def mlp() -> None:
    from bench.workloads import mlp as workload

    steps = {fw: workload.build_mlp_step(fw) for fw in ("tamrin", "torch", "numpy")}
    for fw, fn in steps.items():
        print(f"MLP step {fw}: {best_us(fn, 20) / 1e3:.2f} ms")
    print("  tamrin's split (cProfile, own time per step):")
    cprofile_split(steps["tamrin"], 50)


SECTIONS = {"overhead": overhead, "conv": conv, "lstm": lstm, "mlp": mlp}

if __name__ == "__main__":
    for section in sys.argv[1:] or list(SECTIONS):
        SECTIONS[section]()
