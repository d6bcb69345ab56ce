"""How the cost of linear regression grows: normal equation vs m steps of gradient descent.

    normal equation   O(n·d² + d³)   (XᵀX, then Cholesky)   → slope 1 in n, ~2 (to 3) in d
    gradient descent  O(m·n·d)        (2 products per step)  → slope 1 in n, 1 in d

Times ``tamrin.models.classical.LinearRegression`` fits with ``solver='normal'`` and with
``solver='gd'`` for exactly m epochs, sweeping n at fixed d and d at fixed n, prints a table
and the log-log slopes fitted over the larger sizes (small problems are dominated by fixed
Python/NumPy overheads, which flatten the slope), and can save a plot.

    OMP_NUM_THREADS=1 python -m bench.classical_scaling [--quick] [--steps 100] [--png PATH]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread variables)

from tamrin.models.classical import LinearRegression  # noqa: E402

FULL = {"n_grid": (1_000, 3_000, 10_000, 30_000, 100_000), "d_fixed": 200,
        "d_grid": (10, 30, 100, 300, 1_000, 2_000), "n_fixed": 10_000, "repeats": 3}
QUICK = {"n_grid": (1_000, 3_000, 10_000, 30_000), "d_fixed": 100,
         "d_grid": (10, 30, 100, 300, 600), "n_fixed": 3_000, "repeats": 1}


@dataclass
class Row:
    n: int
    d: int
    normal_s: float
    gd_s: float


def _best_time(fn: Callable[[], object], repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(n: int, d: int, steps: int, repeats: int, seed: int = 0) -> Row:
    """Best-of-``repeats`` fit times for one (n, d) problem."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + rng.standard_normal(n)
    normal = LinearRegression(solver="normal")
    gd = LinearRegression(solver="gd", lr=0.1, max_iter=steps, tol=None)
    return Row(n, d, _best_time(lambda: normal.fit(X, y), repeats),
               _best_time(lambda: gd.fit(X, y), repeats))


def slope(sizes: Sequence[int], times: Sequence[float], last: int = 3) -> float:
    """Least-squares slope of log(time) against log(size) over the ``last`` largest sizes."""
    x, t = np.log(np.asarray(sizes[-last:], float)), np.log(np.asarray(times[-last:]))
    return float(np.polyfit(x, t, 1)[0])


def sweep(label: str, rows: list[Row], key: str, steps: int) -> dict[str, float]:
    sizes = [getattr(r, key) for r in rows]
    print(f"\n{label}")
    print(f"| {'n':>7} | {'d':>5} | normal eq. (s) | GD {steps} steps (s) | GD / normal |")
    print("|--------:|------:|---------------:|-----------------:|------------:|")
    for r in rows:
        print(f"| {r.n:>7,} | {r.d:>5} | {r.normal_s:>14.4f} | {r.gd_s:>16.4f} | "
              f"{r.gd_s / r.normal_s:>11.2f} |")
    slopes = {"normal": slope(sizes, [r.normal_s for r in rows]),
              "gd": slope(sizes, [r.gd_s for r in rows])}
    print(f"log-log slope in {key} (3 largest sizes): normal equation {slopes['normal']:.2f}, "
          f"GD {slopes['gd']:.2f}")
    return slopes


def plot(n_rows: list[Row], d_rows: list[Row], steps: int, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, rows, key, fixed in ((axes[0], n_rows, "n", f"d={n_rows[0].d}"),
                                 (axes[1], d_rows, "d", f"n={d_rows[0].n:,}")):
        sizes = [getattr(r, key) for r in rows]
        ax.loglog(sizes, [r.normal_s for r in rows], "o-", label="normal equation O(nd²+d³)")
        ax.loglog(sizes, [r.gd_s for r in rows], "s-", label=f"GD, {steps} steps O(mnd)")
        ax.set_xlabel(key)
        ax.set_ylabel("fit time (s)")
        ax.set_title(f"time vs {key} ({fixed})")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"\nplot saved to {path}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grid, one repeat")
    parser.add_argument("--steps", type=int, default=100, help="GD epochs m (default 100)")
    parser.add_argument("--png", default=None, help="save a log-log plot to this path "
                        "(e.g. bench/results/classical_scaling.png)")
    args = parser.parse_args(argv)
    grid = QUICK if args.quick else FULL
    start = time.perf_counter()
    n_rows = [measure(n, grid["d_fixed"], args.steps, grid["repeats"]) for n in grid["n_grid"]]
    d_rows = [measure(grid["n_fixed"], d, args.steps, grid["repeats"]) for d in grid["d_grid"]]
    sweep(f"Sweep over n (d = {grid['d_fixed']})", n_rows, "n", args.steps)
    sweep(f"Sweep over d (n = {grid['n_fixed']:,})", d_rows, "d", args.steps)
    if args.png:
        plot(n_rows, d_rows, args.steps, args.png)
    print(f"\ntotal {time.perf_counter() - start:.1f} s (OMP_NUM_THREADS="
          f"{os.environ['OMP_NUM_THREADS']})")


if __name__ == "__main__":
    main()
