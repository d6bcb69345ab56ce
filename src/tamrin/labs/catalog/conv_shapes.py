"""Claims 27 and 28: the shapes and parameter counts of the course's CNN (184,003 parameters),
what weight sharing and local connectivity save against a dense layer, and what a stride
does to the output size, the compute and the parameters."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn
from tamrin.labs import figures, stats
from tamrin.labs.lab import (
    Evidence,
    Judgement,
    Lab,
    Mistake,
    Presentation,
    Replicates,
    Table,
)
from tamrin.labs.measure import cpu_seconds, loglog_slope
from tamrin.labs.registry import register
from tamrin.nn.functional import conv2d, linear

SPEC = "CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3"
INPUT = (1, 128, 128)
COURSE_TOTAL = 184_003  # the course's total for SPEC on INPUT (claim 27, docs/course.md E3)
COUNTED = ("Conv2d", "MaxPool2d", "Linear")  # summary rows that the hand count lists
STRIDES = (1, 2, 3, 4)
# The conv written as a dense matrix reproduces the conv's output to rounding: float64 sums
# of a few dozen O(1) products are off by ~1e-15, so 1e-10 separates rounding from a wrong
# matrix by five orders of magnitude.
ROUNDING = 1e-10
# With padding K//2 (K odd) the output side is ⌈H/S⌉, which exceeds H/S by a factor below
# (1 + S/H); at H = 32 and S = 4 the multiply-adds are inflated by less than (1 + 4/32)² =
# 1.27 against 1/S², which moves a log-log slope over S = 1…4 by less than
# log(1.27)/log(4) = 0.17. So the fitted exponent must be −2 within 0.2.
EXPONENT_TOLERANCE = 0.2
SIZES = {True: {"batch": 8, "channels": 8, "filters": 16, "kernel": 5, "size": 32},
         False: {"batch": 16, "channels": 16, "filters": 32, "kernel": 5, "size": 64}}
REPLICATES = Replicates(quick=3, full=10)  # random kernels for the dense check, timings

CRITERION = (
    f"in every replicate: tamrin.nn.summary of from_spec(\"{SPEC}\") on "
    f"{'×'.join(map(str, INPUT))} matches the hand count layer by layer (output shape, "
    f"weights, biases) — no layer differs — and its total, the hand count's total and the "
    f"number of entries of model.parameters() all equal the course's {COURSE_TOTAL:,}; a "
    f"random conv written as a dense matrix reproduces the conv's output within {ROUNDING:g}, "
    f"has exactly (output positions × kernel weights) non-zero entries (local connectivity) "
    f"and exactly as many distinct values as the kernel has weights (weight sharing); for "
    f"every (H, K, P, S) of a grid the Conv2d output size equals ⌊(H + 2P − K)/S⌋ + 1; over "
    f"S = {', '.join(map(str, STRIDES))} the parameter count does not change and the "
    f"multiply-adds (counted from the output shape) fall as S^a with |a + 2| < "
    f"{EXPONENT_TOLERANCE:g}")


def hand_count(spec: str, shape: tuple[int, ...],
               with_input_channels: bool = True) -> list[dict]:
    """Walk the spec as on paper: valid stride-1 convs (H − K + 1), pools that divide the
    size, weights K·K·C_in·C_out (or K·K·C_out — the mistake — without input channels)."""
    rows = []
    for token in spec.split(","):
        kind, *numbers = token.strip().upper().split("-")
        c, h, w = shape if len(shape) == 3 else (shape[0], 1, 1)
        if kind == "CONV":
            k, n = map(int, numbers)
            shape = (n, h - k + 1, w - k + 1)
            weights, biases = k * k * (c if with_input_channels else 1) * n, n
        elif kind == "POOL":
            shape, weights, biases = (c, h // int(numbers[0]), w // int(numbers[0])), 0, 0
        else:  # FC-n on the flattened maps
            n = int(numbers[0])
            shape, weights, biases = (n,), c * h * w * n, n
        rows.append({"layer": token.strip(), "shape": shape, "weights": weights,
                     "biases": biases})
    return rows


def library_rows(model: nn.Module) -> tuple[list[dict], int]:
    """The summary's rows for the layers the hand count lists, and its total."""
    summary = nn.summary(model, INPUT)
    rows = [{"layer": r.type, "shape": r.output_shape, "weights": r.weights,
             "biases": r.biases} for r in summary.layers if r.type in COUNTED]
    return rows, summary.total_params


def _t(array: np.ndarray) -> tamrin.Tensor:
    return tamrin.tensor(array, dtype="float64")


def dense_equivalent(channels: int, size: int, filters: int, kernel: int,
                     rng: np.random.Generator) -> dict[str, float]:
    """The conv as the dense matrix it secretly is: build the matrix by running the conv on
    every unit image, check a dense layer with it reproduces the conv, and count its entries
    (a dense layer's weights), non-zeros (local connectivity) and distinct values (sharing)."""
    w = rng.standard_normal((filters, channels, kernel, kernel))
    n_in = channels * size * size
    basis = np.eye(n_in).reshape(n_in, channels, size, size)
    x = rng.standard_normal((4, channels, size, size))
    with tamrin.no_grad():
        matrix = conv2d(_t(basis), _t(w)).numpy().reshape(n_in, -1).T
        by_conv = conv2d(_t(x), _t(w)).numpy().reshape(4, -1)
        by_dense = linear(_t(x.reshape(4, -1)), _t(matrix)).numpy()
    nonzero = matrix[matrix != 0]
    positions = (size - kernel + 1) ** 2
    return {"dense weights": matrix.size, "non-zero (local connectivity)": nonzero.size,
            "output positions × kernel weights": positions * w.size,
            "distinct values (weight sharing)": np.unique(nonzero).size,
            "conv weights": w.size,
            "max |dense − conv| output": float(np.abs(by_conv - by_dense).max())}


def per_layer_savings(hand: list[dict]) -> list[list]:
    """For each conv of the course's network: weights of a dense layer between the same
    volumes, of a locally connected layer (no sharing), and of the conv."""
    rows, shape = [], INPUT
    for row in hand:
        if row["layer"].startswith("CONV"):
            k = int(row["layer"].split("-")[1])
            c, n_out = shape[0], int(np.prod(row["shape"]))
            dense, local = int(np.prod(shape)) * n_out, k * k * c * n_out
            rows.append([row["layer"], dense, local, row["weights"], dense / row["weights"]])
        shape = row["shape"]
    return rows


def output_size_checks() -> list[tuple[int, int, int, int, int, int]]:
    """(H, K, P, S, formula, actual) for a grid of sizes: ⌊(H + 2P − K)/S⌋ + 1 against the
    height of a Conv2d's output."""
    rows = []
    for h, k, p, s in itertools.product((28, 31, 64), (3, 5), (0, 1, 2), STRIDES):
        layer = nn.Conv2d(1, 1, k, stride=s, padding=p)
        with tamrin.no_grad():
            actual = layer(tamrin.zeros(1, 1, h, h)).shape[2]
        rows.append((h, k, p, s, (h + 2 * p - k) // s + 1, actual))
    return rows


def stride_costs(sizes: dict[str, int], repeats: int) -> list[dict]:
    """Per stride: parameters, output size, multiply-adds (output elements × C_in·K², from
    the actual output shape) and the smallest CPU time of ``repeats`` forward passes."""
    x = tamrin.randn(sizes["batch"], sizes["channels"], sizes["size"], sizes["size"])
    rows = []
    for s in STRIDES:
        layer = nn.Conv2d(sizes["channels"], sizes["filters"], sizes["kernel"], stride=s,
                          padding=sizes["kernel"] // 2)
        with tamrin.no_grad():
            out = layer(x)
            seconds = cpu_seconds(layer, x, repeats=repeats)
        macs = out.numel() * sizes["channels"] * sizes["kernel"] ** 2
        rows.append({"stride": s, "params": sum(p.numel() for p in layer.parameters()),
                     "output": out.shape[2], "macs": macs, "seconds": seconds})
    return rows


def _plot(savings: list[list], costs: list[dict], checks: list[tuple], out_dir: Path):
    fig, axes = figures.subplots(3, width=4.6, height=3.8)
    x = np.arange(len(savings))
    for n, (label, col) in enumerate((("dense layer", 1), ("locally connected", 2),
                                      ("convolution", 3))):
        axes[0].bar(x + (n - 1) * 0.27, [r[col] for r in savings], 0.27, label=label)
    axes[0].set_yscale("log")
    axes[0].set_xticks(x)
    axes[0].set_xticklabels([r[0] for r in savings], fontsize=8)
    axes[0].set(ylabel="weights", title="Same input and output volumes")
    axes[0].legend(fontsize=8)
    shown = [c for c in checks if c[1] == 5 and c[2] == 2]  # K = 5, P = 2
    for size in sorted({c[0] for c in shown}):
        rows = [c for c in shown if c[0] == size]
        line, = axes[1].plot([c[3] for c in rows], [c[4] for c in rows], "x-", lw=1,
                             label=f"⌊(H + 2P − K)/S⌋ + 1, H = {size}")
        axes[1].plot([c[3] for c in rows], [c[5] for c in rows], "o", mfc="none", ms=9,
                     color=line.get_color())
    axes[1].set_xticks(STRIDES)
    axes[1].set(xlabel="stride S", ylabel="output height (x: formula, o: Conv2d)",
                title="Output size (K = 5, P = 2)")
    axes[1].legend(fontsize=7)
    strides = np.array([c["stride"] for c in costs], dtype=float)
    for key, label in (("macs", "multiply-adds"), ("seconds", "measured time"),
                       ("params", "parameters")):
        values = np.array([c[key] for c in costs], dtype=float)
        axes[2].loglog(strides, values / values[0], "o-", label=label)
    axes[2].loglog(strides, strides ** -2.0, "k:", label="1/S²")
    axes[2].set_xticks(STRIDES, [str(s) for s in STRIDES])
    axes[2].minorticks_off()
    axes[2].set(xlabel="stride S", ylabel="relative to S = 1", title="Cost of one conv layer")
    axes[2].legend(fontsize=8)
    return figures.save(fig, out_dir, "shapes_and_stride",
                        "Left: weights of a dense, a locally connected and a convolutional layer "
                        "between the same volumes. Middle: output height against stride. "
                        "Right: compute, time and parameters against stride (log–log).")


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _total(rows: list[dict]) -> int:
    return sum(r["weights"] + r["biases"] for r in rows)


def measure(quick: bool, seed: int) -> dict:
    """One replicate: the counts (exact), a random conv as a dense matrix, the output-size
    grid, and the stride sweep (counted and timed)."""
    rng = np.random.default_rng(seed)
    model = nn.from_spec(SPEC, input_shape=INPUT)
    lib, total = library_rows(model)
    hand = hand_count(SPEC, INPUT)
    differing = sum((a["shape"], a["weights"], a["biases"]) != (b["shape"], b["weights"],
                                                                 b["biases"])
                    for a, b in zip(hand, lib)) + abs(len(hand) - len(lib))
    dense = dense_equivalent(2, 8 if quick else 12, 3, 3, rng)
    checks = output_size_checks()
    sizes = SIZES[quick]
    costs = stride_costs(sizes, 5 if quick else 11)
    column = lambda key: np.array([c[key] for c in costs], dtype=float)  # noqa: E731
    return {
        "layers where summary and hand count differ": differing,
        "total parameters (summary)": total,
        "total parameters (hand count)": _total(hand),
        "total parameters (entries of model.parameters())":
            sum(p.numel() for p in model.parameters()),
        "total with the mistaken conv count (no C_in)":
            _total(hand_count(SPEC, INPUT, with_input_channels=False)),
        **{f"small conv as dense: {k}": v for k, v in dense.items()},
        "(H, K, P, S) combinations checked": len(checks),
        "output sizes that differ from the formula": sum(f != a for *_, f, a in checks),
        "distinct parameter counts over the strides": len({c["params"] for c in costs}),
        "multiply-add exponent a (∝ S^a)": loglog_slope(column("stride"), column("macs")),
        "CPU-time exponent a (∝ S^a)": loglog_slope(column("stride"), column("seconds")),
        "hand": hand, "library": lib, "checks": checks, "costs": costs, "sizes": sizes,
    }


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    equals = lambda target: (lambda v: v == target)  # noqa: E731
    dense = "small conv as dense: "
    return Judgement.of(
        col.every("layers where summary and hand count differ", "= 0", equals(0)),
        *(col.every(name, f"= {COURSE_TOTAL:,}", equals(COURSE_TOTAL))
          for name in ("total parameters (summary)", "total parameters (hand count)",
                       "total parameters (entries of model.parameters())")),
        stats.every(f"{dense}max |dense − conv| output", col(f"{dense}max |dense − conv| "
                                                              "output"),
                    f"< {ROUNDING:g}", lambda v: v < ROUNDING),
        stats.every(f"{dense}non-zero entries − output positions × kernel weights",
                    [a - b for a, b in zip(col(f"{dense}non-zero (local connectivity)"),
                                           col(f"{dense}output positions × kernel weights"))],
                    "= 0", equals(0)),
        stats.every(f"{dense}distinct values − conv weights",
                    [a - b for a, b in zip(col(f"{dense}distinct values (weight sharing)"),
                                           col(f"{dense}conv weights"))], "= 0", equals(0)),
        col.every("output sizes that differ from the formula", "= 0", equals(0)),
        col.every("distinct parameter counts over the strides", "= 1", equals(1)),
        col.every("multiply-add exponent a (∝ S^a)", f"|a + 2| < {EXPONENT_TOLERANCE:g}",
                  lambda v: abs(v + 2) < EXPONENT_TOLERANCE),
    )


def present(ev: Evidence) -> Presentation:
    first = ev.first
    hand, lib, costs, sizes = first["hand"], first["library"], first["costs"], first["sizes"]
    hand_total, total = first["total parameters (hand count)"], \
        first["total parameters (summary)"]
    wrong_total = first["total with the mistaken conv count (no C_in)"]
    savings = per_layer_savings(hand)
    mac_exp = first["multiply-add exponent a (∝ S^a)"]
    time_exps = ev.values("CPU-time exponent a (∝ S^a)")
    dense = {k.removeprefix("small conv as dense: "): v for k, v in first.items()
             if k.startswith("small conv as dense: ")}
    fc = hand[-1]
    counts = (f"Each valid K×K conv shrinks the maps by K − 1 and each POOL-2 halves them, so "
              f"{'×'.join(map(str, hand[-2]['shape']))} = {int(np.prod(hand[-2]['shape'])):,} "
              f"numbers reach the FC layer ({fc['weights'] + fc['biases']:,} parameters). A "
              f"filter spans all input channels, so the second conv has "
              f"{hand[2]['weights']:,} weights; forgetting C_in gives {wrong_total:,} in "
              f"total instead of {hand_total:,} (a factor {hand_total / wrong_total:.1f}). ")
    if ev.holds:
        verdict = (f"tamrin's summary agrees with the hand count in every layer and in total "
                   f"({total:,}, the course's number). A dense layer between the same volumes "
                   f"would need {min(r[1] for r in savings):,} to {max(r[1] for r in savings):,}"
                   f" weights per layer; a small conv written as a dense matrix "
                   f"({dense['dense weights']:,} entries) has only "
                   f"{dense['non-zero (local connectivity)']:,} non-zeros — each output sees a "
                   f"K×K window — and those repeat just {dense['distinct values (weight sharing)']}"
                   f" distinct values, the kernel's weights. ")
    else:
        failed = [s for s in ev.judgement.statistics if not s.passed]
        verdict = ("The counts or shapes did NOT all come out as the course says: "
                   + "; ".join(f"{s.name} fails the test {s.test}" for s in failed) + ". ")
    stride = (f"Over strides {STRIDES[0]}…{STRIDES[-1]} the output side went "
              f"{', '.join(str(c['output']) for c in costs)}, the multiply-adds fell as "
              f"S^{mac_exp:.2f} (1/S² with the ceiling ⌈H/S⌉) and the parameters stayed at "
              f"{costs[0]['params']:,}. The CPU time of one forward pass (not judged: the "
              f"claim is about the operation count) fell as S^a with a from "
              f"{min(time_exps):.2f} to {max(time_exps):.2f} over the replicates"
              + ("; it falls less steeply than the count because fixed per-call costs weigh "
                 "more as the work shrinks." if min(time_exps) > mac_exp else
                 ", as steeply as the count or more."))
    return Presentation(
        counts + verdict + stride,
        tables=[Table(f"{SPEC} on {_shape(INPUT)}: hand count vs tamrin.nn.summary",
                      ["layer", "shape (hand)", "shape (summary)", "weights (hand)",
                       "weights (summary)", "biases (hand)", "biases (summary)"],
                      [[h["layer"], _shape(h["shape"]), _shape(s["shape"]), h["weights"],
                        s["weights"], h["biases"], s["biases"]] for h, s in zip(hand, lib)]
                      + [["total", "", "", hand_total, total, "", ""]]),
                Table("Weights between the same input and output volumes",
                      ["conv layer", "dense layer", "locally connected (no sharing)",
                       "convolution", "dense / conv"], savings),
                Table(f"One conv layer {sizes['channels']}→{sizes['filters']}, K = "
                      f"{sizes['kernel']}, P = {sizes['kernel'] // 2}, on {sizes['batch']}×"
                      f"{sizes['channels']}×{sizes['size']}×{sizes['size']} (replicate 1)",
                      ["stride", "output size", "parameters", "multiply-adds",
                       "MACs / MACs(S=1)", "1/S²", "CPU time (ms)"],
                      [[c["stride"], c["output"], c["params"], c["macs"],
                        c["macs"] / costs[0]["macs"], 1 / c["stride"] ** 2,
                        1e3 * c["seconds"]] for c in costs])],
        mistakes=[Mistake("conv weights K·K·C_out (5·5·64 for the second conv)",
                          float(wrong_total), "conv weights K·K·C_in·C_out (5·5·32·64)",
                          float(hand_total), float(total))],
        figures=[_plot(savings, costs, first["checks"], ev.out_dir)],
    )


LAB = register(Lab(
    name="conv-shapes", title="CNN shapes, parameter counts and stride",
    claim="The network CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3 on a "
          "1×128×128 input (valid convs, stride 1) has 184,003 parameters, most of them in the "
          "convs' K·K·C_in·C_out weights; local connectivity and sharing a small kernel over "
          "all positions need far fewer weights than a dense layer between the same volumes. "
          "A stride S gives outputs of size ⌊(H + 2P − K)/S⌋ + 1, cuts the compute (the "
          "multiply-adds) by about S², and leaves the parameters unchanged.",
    claims=(27, 28), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES, requires=("tamrin.nn:Conv2d", "tamrin.nn:summary",
                                     "tamrin.nn:from_spec"),
))
