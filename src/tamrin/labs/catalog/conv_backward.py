"""Claim 24: the hand formulas for a convolution's dW and dX, written as plain loops, agree
with tamrin's conv2d backward and with finite differences at stride 1 and 2 — and the
mistaken kernel index of a strided dX does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.rawnet import as_tensor, leaf
from tamrin.labs.registry import register
from tamrin.nn.functional import conv2d

# kernel tap that input pixel p reads from output position i: the right one and two mistakes
Tap = Callable[[int, int, int], int]
TAPS: dict[str, Tap] = {
    "w(f,c,p−S·i,q−S·j) (correct)": lambda p, i, s: p - s * i,
    "w(f,c,p−i,q−j) (stride dropped)": lambda p, i, s: p - i,
    "w(f,c,p,q) (pixel index as kernel index)": lambda p, i, s: p,
}
CORRECT, DROPPED, LITERAL = TAPS
PROBE = (0, 0, 2, 2)  # the dX entry (b, c, p, q) quoted in the mistake rows
# L = Σ conv(x, w)·dO is linear in x and in w, so central differences are exact up to
# rounding: an error of about ε·|L|/h ≈ 1e-16·10/1e-4 = 1e-11 relative. Agreement is a
# relative error below 1e-7, four orders of magnitude above that.
TOLERANCE = 1e-7
# A wrong formula is off by an amount of the order of the gradient itself; 10% of the
# gradient's size is a million times what rounding can produce.
MISTAKE_FLOOR = 0.1
REPLICATES = Replicates(quick=3, full=10)
STRIDES = {True: (1, 2), False: (1, 2, 3)}
SIZES = {True: {"batch": 2, "channels": 2, "filters": 3, "size": 7, "kernel": 3},
         False: {"batch": 2, "channels": 3, "filters": 4, "size": 11, "kernel": 4}}
RIGHT = ("dW tamrin", "dW hand loops", "dX tamrin", f"dX {CORRECT}")

CRITERION = (
    f"in every replicate (random x, w and upstream gradient dO), at every stride (1, 2 quick; "
    f"1, 2, 3 full): tamrin's dW and dX and the hand-loop dW and dX (tap p − S·i) are within "
    f"{TOLERANCE:g} (relative) of central finite differences, and so is the stride-dropped dX "
    f"(tap p − i) at stride 1, where it is the same formula; the stride-dropped dX at every "
    f"stride > 1 and the pixel-as-kernel-index dX (tap p) at every stride are off by more "
    f"than {MISTAKE_FLOOR:g}")


def dw_by_loops(x: np.ndarray, d_out: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """dW(f,c,k,l) = Σ_b Σ_i Σ_j x(b,c,S·i+k,S·j+l)·dO(b,f,i,j), one entry at a time."""
    nb, nc = x.shape[:2]
    nf, oh, ow = d_out.shape[1:]
    dw = np.zeros((nf, nc, kernel, kernel))
    for f in range(nf):
        for c in range(nc):
            for k in range(kernel):
                for l in range(kernel):
                    for b in range(nb):
                        for i in range(oh):
                            for j in range(ow):
                                dw[f, c, k, l] += (x[b, c, stride * i + k, stride * j + l]
                                                   * d_out[b, f, i, j])
    return dw


def dx_by_loops(w: np.ndarray, d_out: np.ndarray, x_shape: tuple[int, ...], stride: int,
                tap: Tap) -> np.ndarray:
    """dX(b,c,p,q) = Σ_f Σ_i Σ_j w(f,c,tap(p,i),tap(q,j))·dO(b,f,i,j), w = 0 outside the
    kernel; with the correct tap, tap(p, i) = p − S·i."""
    nb, nc, h, wd = x_shape
    nf, kernel = w.shape[0], w.shape[2]
    oh, ow = d_out.shape[2:]
    dx = np.zeros(x_shape)
    for b in range(nb):
        for c in range(nc):
            for p in range(h):
                for q in range(wd):
                    for f in range(nf):
                        for i in range(oh):
                            for j in range(ow):
                                k, l = tap(p, i, stride), tap(q, j, stride)
                                if 0 <= k < kernel and 0 <= l < kernel:
                                    dx[b, c, p, q] += w[f, c, k, l] * d_out[b, f, i, j]
    return dx


def loss(x: np.ndarray, w: np.ndarray, d_out: np.ndarray, stride: int) -> float:
    """L = Σ conv2d(x, w)·dO, whose gradient with respect to the output is exactly dO."""
    return float((conv2d(as_tensor(x), as_tensor(w), stride=stride).numpy() * d_out).sum())


def finite_differences(f: Callable[[np.ndarray], float], a: np.ndarray,
                       h: float = 1e-4) -> np.ndarray:
    """Central differences (f(a + h·e) − f(a − h·e)) / 2h for every entry of ``a``."""
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        saved = a[idx]
        a[idx] = saved + h
        up = f(a)
        a[idx] = saved - h
        grad[idx] = (up - f(a)) / (2 * h)
        a[idx] = saved
    return grad


def autograd(x: np.ndarray, w: np.ndarray, d_out: np.ndarray,
             stride: int) -> tuple[np.ndarray, np.ndarray]:
    """tamrin's conv2d backward: (dW, dX) for the upstream gradient dO."""
    xt, wt = leaf(x), leaf(w)
    (conv2d(xt, wt, stride=stride) * as_tensor(d_out)).sum().backward()
    return wt.grad.numpy(), xt.grad.numpy()


def rel_error(a: np.ndarray, reference: np.ndarray) -> float:
    """max |a − ref| / max |ref|."""
    return float(np.abs(a - reference).max() / np.abs(reference).max())


def check_stride(stride: int, sizes: dict[str, int], rng: np.random.Generator) -> dict:
    """Every gradient of one random conv at ``stride``, and each one's error against finite
    differences."""
    x = rng.standard_normal((sizes["batch"], sizes["channels"], sizes["size"], sizes["size"]))
    w = rng.standard_normal((sizes["filters"], sizes["channels"], sizes["kernel"],
                             sizes["kernel"]))
    out_size = (sizes["size"] - sizes["kernel"]) // stride + 1
    d_out = rng.standard_normal((sizes["batch"], sizes["filters"], out_size, out_size))
    fd_w = finite_differences(lambda a: loss(x, a, d_out, stride), w.copy())
    fd_x = finite_differences(lambda a: loss(a, w, d_out, stride), x.copy())
    auto_w, auto_x = autograd(x, w, d_out, stride)
    dx = {name: dx_by_loops(w, d_out, x.shape, stride, tap) for name, tap in TAPS.items()}
    errors = {"dW tamrin": rel_error(auto_w, fd_w),
              "dW hand loops": rel_error(dw_by_loops(x, d_out, sizes["kernel"], stride), fd_w),
              "dX tamrin": rel_error(auto_x, fd_x)}
    errors |= {f"dX {name}": rel_error(value, fd_x) for name, value in dx.items()}
    return {"errors": errors, "fd_x": fd_x, "dx": dx}


def _plot_errors(checks: dict[int, dict], out_dir: Path):
    fig, (ax,) = figures.subplots(width=7.5, height=4.2)
    names = list(next(iter(checks.values()))["errors"])
    width = 0.8 / len(checks)
    for n, (stride, check) in enumerate(checks.items()):
        values = [max(check["errors"][name], 1e-17) for name in names]
        ax.bar(np.arange(len(names)) + n * width, values, width, label=f"stride {stride}")
    ax.axhline(TOLERANCE, ls=":", color="k", label=f"agreement tolerance {TOLERANCE:g}")
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(names)) + width * (len(checks) - 1) / 2)
    ax.set_xticklabels([n.replace(" (", "\n(") for n in names], fontsize=7, rotation=20)
    ax.set(ylabel="max |gradient − finite diff.| / max |finite diff.|",
           title="Gradients of a conv against finite differences")
    ax.legend(fontsize=8)
    return figures.save(fig, out_dir, "errors",
                        "Relative error of each gradient against central finite differences "
                        "in the first replicate (log scale; the dotted line is the agreement "
                        "tolerance, an exact zero is drawn at 1e-17).")


def _plot_maps(check: dict, stride: int, out_dir: Path):
    maps = {"finite differences": check["fd_x"][0, 0], **{
        name: check["dx"][name][0, 0] for name in (CORRECT, DROPPED)}}
    fig, axes = figures.subplots(3, width=3.6, height=3.6)
    limit = np.abs(maps["finite differences"]).max()
    for ax, (name, image) in zip(axes, maps.items()):
        shown = ax.imshow(image, cmap="coolwarm", vmin=-limit, vmax=limit)
        ax.set(title=name.replace(" (", "\n("), xlabel="column q", ylabel="row p")
        fig.colorbar(shown, ax=ax, fraction=0.046, label="dX(0, 0, p, q)")
    return figures.save(fig, out_dir, f"dx_stride{stride}",
                        f"dX of image 0, channel 0 at stride {stride} (first replicate): finite "
                        "differences, the correct formula, and the formula that forgets the "
                        "stride.")


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    sizes, strides = SIZES[quick], STRIDES[quick]
    checks = {s: check_stride(s, sizes, rng) for s in strides}
    out: dict = {f"stride {s}: {name}": c["errors"][name]
                 for s, c in checks.items() for name in c["errors"]}
    out["largest error of the right gradients"] = max(
        c["errors"][name] for c in checks.values() for name in RIGHT)
    out["smallest error of the stride-dropped dX, stride > 1"] = min(
        c["errors"][f"dX {DROPPED}"] for s, c in checks.items() if s > 1)
    out["largest error of the stride-dropped dX, stride 1"] = checks[1]["errors"][
        f"dX {DROPPED}"]
    out["smallest error of the pixel-as-kernel-index dX"] = min(
        c["errors"][f"dX {LITERAL}"] for c in checks.values())
    out["checks"] = checks
    out["sizes"] = sizes
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.every("largest error of the right gradients", f"< {TOLERANCE:g}",
                  lambda v: v < TOLERANCE),
        col.every("largest error of the stride-dropped dX, stride 1", f"< {TOLERANCE:g}",
                  lambda v: v < TOLERANCE),
        col.every("smallest error of the stride-dropped dX, stride > 1", f"> {MISTAKE_FLOOR:g}",
                  lambda v: v > MISTAKE_FLOOR),
        col.every("smallest error of the pixel-as-kernel-index dX", f"> {MISTAKE_FLOOR:g}",
                  lambda v: v > MISTAKE_FLOOR),
    )


def present(ev: Evidence) -> Presentation:
    n, rep = len(ev.replicates), ev.first
    checks, sizes = rep["checks"], rep["sizes"]
    strides = list(checks)
    names = list(checks[1]["errors"])
    s2 = checks[2]
    worst = {name: {s: max(r["checks"][s]["errors"][name] for r in ev.replicates)
                    for s in strides} for name in names}
    dropped_s1 = max(ev.values("largest error of the stride-dropped dX, stride 1"))
    facts = (
        f"Over {n} replicates, the largest relative error of tamrin's backward and of the hand "
        f"loops against finite differences was "
        f"{max(ev.values('largest error of the right gradients')):.1e}; the stride-dropped dX "
        f"was off by at most {dropped_s1:.1e} at stride 1 but by at least "
        f"{min(ev.values('smallest error of the stride-dropped dX, stride > 1')):.2f} at "
        f"larger strides, and the pixel-as-kernel-index dX by at least "
        f"{min(ev.values('smallest error of the pixel-as-kernel-index dX')):.2f}. ")
    if ev.holds:
        reading = (
            "Finite differences need no formula at all: nudge one entry of x or w, rerun the "
            "forward pass, and see how L = Σ O·dO changes. The hand loops (one multiply-add at "
            "a time) and tamrin's backward (im2col and two matrix products) agree with them to "
            "rounding, so the formulas are right. Output (i, j) reads input pixel p through "
            "kernel tap k = p − S·i; forgetting the S changes nothing at stride 1 — which is "
            "why the mistake survives tests with S = 1 — but at larger strides it pairs pixels "
            "with the wrong kernel taps (and with outputs that never saw them). Using the "
            "pixel's own coordinates as the kernel index is wrong at any stride.")
    else:
        reading = "The claim is not borne out in this run: see which of the tests above failed."
    mistakes = [Mistake(f"dX{PROBE} with {name}", float(s2["dx"][name][PROBE]),
                        f"dX{PROBE} with {CORRECT}", float(s2["dx"][CORRECT][PROBE]),
                        float(s2["fd_x"][PROBE])) for name in (DROPPED, LITERAL)]
    return Presentation(
        explanation=facts + reading + " The mistake rows quote one entry of dX at stride 2 "
                    "in the first replicate; 'measured' is its finite difference.",
        tables=[Table("Largest relative error over the replicates against finite differences "
                      f"(max |g − fd| / max |fd|); x: {sizes['batch']}×{sizes['channels']}×"
                      f"{sizes['size']}×{sizes['size']}, w: {sizes['filters']}×"
                      f"{sizes['channels']}×{sizes['kernel']}×{sizes['kernel']}",
                      ["gradient", *[f"stride {s}" for s in strides]],
                      [[name, *[worst[name][s] for s in strides]] for name in names])],
        mistakes=mistakes,
        figures=[_plot_errors(checks, ev.out_dir), _plot_maps(s2, 2, ev.out_dir)],
    )


LAB = register(Lab(
    name="conv-backward", title="Convolution backward, by hand and by finite differences",
    claim="For a convolution with stride S, dW(f,c,k,l) = Σ_b Σ_i Σ_j x(b,c,S·i+k,S·j+l)·"
          "dO(b,f,i,j) and dX(b,c,p,q) = Σ_f Σ_i Σ_j w(f,c,p−S·i,q−S·j)·dO(b,f,i,j) (w = 0 "
          "outside the kernel); written as plain loops they match the library's backward and "
          "finite differences at stride 1 and 2, while indexing the kernel without the stride "
          "does not.",
    claims=(24,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES, requires=("tamrin.nn.functional:conv2d",),
))
