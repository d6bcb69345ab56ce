"""Claims 27 and 28: the shapes and parameter counts of the course's CNN (184,003 parameters),
what weight sharing and local connectivity save against a dense layer, and what a stride
does to the output size, the compute and the parameters."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn
from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import as_tensor
from tamrin.labs.registry import register
from tamrin.nn.functional import conv2d, linear

SPEC = "CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3"
INPUT = (1, 128, 128)
COUNTED = ("Conv2d", "MaxPool2d", "Linear")  # summary rows that the hand count lists
STRIDES = (1, 2, 3, 4)
SLOWEST_TIME_EXPONENT = -1.2  # time must fall at least as fast as S^(this)


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


def dense_equivalent(channels: int, size: int, filters: int, kernel: int,
                     rng: np.random.Generator) -> dict[str, float]:
    """The conv as the dense matrix it secretly is: build the matrix by running the conv on
    every unit image, check a dense layer with it reproduces the conv, and count its entries
    (a dense layer's weights), non-zeros (local connectivity) and distinct values (sharing)."""
    w = rng.standard_normal((filters, channels, kernel, kernel))
    n_in = channels * size * size
    basis = np.eye(n_in).reshape(n_in, channels, size, size)
    matrix = conv2d(as_tensor(basis), as_tensor(w)).numpy().reshape(n_in, -1).T
    x = rng.standard_normal((4, channels, size, size))
    by_conv = conv2d(as_tensor(x), as_tensor(w)).numpy().reshape(4, -1)
    by_dense = linear(as_tensor(x.reshape(4, -1)), as_tensor(matrix)).numpy()
    nonzero = matrix[matrix != 0]
    return {"dense weights": float(matrix.size), "non-zero (local connectivity)":
            float(nonzero.size), "distinct values (weight sharing)":
            float(np.unique(nonzero).size), "conv weights": float(w.size),
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
    """Per stride: parameters, output size, multiply-adds (from the actual output shape)
    and the fastest of ``repeats`` timed forward passes."""
    x = tamrin.randn(sizes["batch"], sizes["channels"], sizes["size"], sizes["size"])
    rows = []
    for s in STRIDES:
        layer = nn.Conv2d(sizes["channels"], sizes["filters"], sizes["kernel"], stride=s,
                          padding=sizes["kernel"] // 2)
        times = []
        with tamrin.no_grad():
            for _ in range(repeats):
                start = time.perf_counter()
                out = layer(x)
                times.append(time.perf_counter() - start)
        macs = out.numel() * sizes["channels"] * sizes["kernel"] ** 2
        rows.append({"stride": s, "params": sum(p.numel() for p in layer.parameters()),
                     "output": out.shape[2], "macs": macs, "seconds": min(times)})
    return rows


def loglog_slope(strides: np.ndarray, values: np.ndarray) -> float:
    """The exponent a of the least-squares fit values ∝ S^a."""
    return float(np.polyfit(np.log(strides), np.log(values), 1)[0])


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


@register("conv-shapes", "CNN shapes, parameter counts and stride",
          "The network CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3 on a "
          "1×128×128 input (valid convs, stride 1) has 184,003 parameters, most of them in the "
          "convs' K·K·C_in·C_out weights; sharing a small kernel over all positions needs far "
          "fewer weights than a dense layer between the same volumes. A stride S gives outputs "
          "of size ⌊(H + 2P − K)/S⌋ + 1, cuts the compute by about S², and leaves the "
          "parameters unchanged.", (27, 28), requires=("tamrin.nn:Conv2d", "tamrin.nn:summary",
                                                        "tamrin.nn:from_spec"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    model = nn.from_spec(SPEC, input_shape=INPUT)
    lib, total = library_rows(model)
    hand = hand_count(SPEC, INPUT)
    mistaken = hand_count(SPEC, INPUT, with_input_channels=False)
    hand_total = sum(r["weights"] + r["biases"] for r in hand)
    wrong_total = sum(r["weights"] + r["biases"] for r in mistaken)
    counted = sum(p.numel() for p in model.parameters())
    same = all((a["shape"], a["weights"], a["biases"]) == (b["shape"], b["weights"], b["biases"])
               for a, b in zip(hand, lib)) and len(hand) == len(lib)
    dense = dense_equivalent(2, 8 if quick else 12, 3, 3, rng)
    checks = output_size_checks()
    size_errors = sum(formula != actual for *_, formula, actual in checks)
    sizes = ({"batch": 8, "channels": 8, "filters": 16, "kernel": 5, "size": 32} if quick else
             {"batch": 16, "channels": 16, "filters": 32, "kernel": 5, "size": 64})
    costs = stride_costs(sizes, 11 if quick else 21)
    strides = np.array(STRIDES, dtype=float)
    mac_exp = loglog_slope(strides, np.array([c["macs"] for c in costs], dtype=float))
    time_exp = loglog_slope(strides, np.array([c["seconds"] for c in costs]))
    ok = (same and hand_total == total == counted and size_errors == 0
          and len({c["params"] for c in costs}) == 1 and abs(mac_exp + 2) < 0.2
          and time_exp <= SLOWEST_TIME_EXPONENT and dense["max |dense − conv| output"] < 1e-10
          and dense["distinct values (weight sharing)"] == dense["conv weights"])
    savings = per_layer_savings(hand)
    return Result(
        lab="conv-shapes", verdict=verdict(ok),
        criterion="tamrin.nn.summary of from_spec(…) matches the hand count layer by layer "
                  "(output shape, weights, biases) and in total, and the total equals the "
                  "number of parameter entries; the conv equals a dense layer whose matrix has "
                  "exactly as many distinct values as the kernel has weights; for all "
                  f"{len(checks)} (H, K, P, S) combinations the Conv2d output size equals "
                  "⌊(H + 2P − K)/S⌋ + 1; over S = 1…4 the parameters do not change, the "
                  "multiply-adds scale as S^a with |a + 2| < 0.2 and the measured time falls at "
                  f"least as fast as S^{SLOWEST_TIME_EXPONENT}",
        measurements={"total parameters (summary)": float(total),
                      "total parameters (hand count)": float(hand_total),
                      "total parameters (entries of model.parameters())": float(counted),
                      "total with the mistaken conv count": float(wrong_total),
                      "output sizes that differ from the formula": float(size_errors),
                      "multiply-add exponent a (∝ S^a)": mac_exp,
                      "time exponent a (∝ S^a)": time_exp,
                      **{f"small conv as dense: {k}": v for k, v in dense.items()}},
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
                      f"{sizes['channels']}×{sizes['size']}×{sizes['size']}",
                      ["stride", "output size", "parameters", "multiply-adds",
                       "MACs / MACs(S=1)", "1/S²", "time (ms)"],
                      [[c["stride"], c["output"], c["params"], c["macs"],
                        c["macs"] / costs[0]["macs"], 1 / c["stride"] ** 2,
                        1e3 * c["seconds"]] for c in costs])],
        mistakes=[Mistake("conv weights K·K·C_out (5·5·64 for the second conv)",
                          float(wrong_total), "conv weights K·K·C_in·C_out (5·5·32·64)",
                          float(hand_total), float(total))],
        figures=[_plot(savings, costs, checks, out_dir)],
        explanation="Each valid K×K conv shrinks the maps by K − 1 (128 → 120, 60 → 56, "
                    "28 → 24) and each POOL-2 halves them, so 64 maps of 12×12 = 9216 numbers "
                    "reach the FC layer (27,651 parameters). A filter spans all input "
                    "channels, so the second conv has 5·5·32·64 = 51,200 weights: forgetting "
                    "C_in undercounts the whole network by a factor of more than 5. A dense "
                    "layer between the same volumes would need up to tens of billions of "
                    "weights; local connectivity (each output sees K×K pixels) removes almost "
                    "all of them and sharing one kernel across positions removes the rest — "
                    "the small conv written as a dense matrix shows exactly this: mostly "
                    "zeros, and the non-zeros repeat only the kernel's values. A stride S "
                    "visits every S-th position in each direction, so outputs and multiply-"
                    "adds shrink by about S² (the floor makes it a little uneven), while the "
                    "kernel — the parameters — is the same. The measured time follows the "
                    "multiply-adds until fixed per-call costs take over at large strides.",
    )
