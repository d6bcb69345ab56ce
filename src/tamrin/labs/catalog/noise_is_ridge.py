"""Claim 16: input noise δ ~ N(0, σ²I) in linear regression with the 1/(2n) loss adds, in
expectation, (σ²/2)‖w‖² — a ridge penalty (diabetes data)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

import tamrin
from tamrin import nn, optim
from tamrin.data import load_diabetes
from tamrin.data.transforms import GaussianNoise, Standardize
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.train import Callback, fit

SIGMA = 0.5
# A Monte-Carlo mean misses its expectation by more than 4 standard errors with probability
# 6·10⁻⁵: the formula must pass this test for every tested w, and the mistaken formula
# (no ½, twice the extra loss) must fail it.
Z_MAX = 4.0
# Noisy gradient descent minimises L(w) + (λ/2)‖w‖² for the λ nearest its end point. The
# correct result is λ = σ²; the mistake (dropping the ½) says 2σ², no effect at all says 0.
# The 95% interval of λ/σ² must lie where 1 is the nearest of the three: inside (0.5, 1.5).
LAMBDA_BAND = (0.5, 1.5)
GD_LR = 0.1
REPLICATES = Replicates(quick=3, full=10)

CRITERION = (
    f"in every replicate (fresh noise and a fresh random w each), for every tested w the "
    f"Monte-Carlo extra loss E[noisy loss] − L(w) is within {Z_MAX:g} standard errors of "
    f"(σ²/2)‖w‖² and more than {Z_MAX:g} away from the mistaken σ²‖w‖²; and the ridge "
    f"strength λ whose solution is nearest to where noisy gradient descent ends, divided by "
    f"σ², has its 95% interval over the replicates inside ({LAMBDA_BAND[0]:g}, "
    f"{LAMBDA_BAND[1]:g})")


def loss(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """L(w) = (1/2n)Σ(y − xᵀw)²."""
    return float(np.mean((y - x @ w) ** 2) / 2)


def noisy_losses(x, y, w, draws: int, rng: np.random.Generator) -> np.ndarray:
    """The loss on noisy inputs x + δ, one value per noise draw."""
    return np.array([loss(x + SIGMA * rng.standard_normal(x.shape), y, w) for _ in range(draws)])


def ridge(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin L(w) + (λ/2)‖w‖²: (XᵀX/n + λI) w = Xᵀy/n."""
    n, d = x.shape
    return np.linalg.solve(x.T @ x / n + lam * np.eye(d), x.T @ y / n)


def nearest_ridge(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """The λ whose ridge solution is nearest to ``w`` (searched over log λ)."""
    found = minimize_scalar(lambda t: float(np.sum((ridge(x, y, 10.0 ** t) - w) ** 2)),
                            bounds=(-4, 2), method="bounded", options={"xatol": 1e-6})
    return float(10.0 ** found.x)


class NoisyInputs:
    """A loader of one full batch whose inputs get fresh Gaussian noise N(0, σ²) on every
    pass (``tamrin.data.transforms.GaussianNoise``, not clipped)."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y, self.noise = x, tamrin.tensor(y), GaussianNoise(sigma=SIGMA, clip=False)

    def __iter__(self):
        yield tamrin.tensor(self.noise(self.x)), self.y

    def __len__(self) -> int:
        return 1


class TailAverage(Callback):
    """The average of the weights after each epoch of the second half of training."""

    def __init__(self, epochs: int) -> None:
        self.start, self.sum, self.count = epochs // 2, 0.0, 0

    def on_epoch_end(self, run, logs) -> None:
        if run.epoch > self.start:
            self.sum = self.sum + run.model.weight.numpy()[0]
            self.count += 1

    @property
    def mean(self) -> np.ndarray:
        return self.sum / self.count


def half_mse(output: tamrin.Tensor, target: tamrin.Tensor) -> tamrin.Tensor:
    """(1/2n)Σ(y − ŷ)²."""
    return nn.functional.mse_loss(output, target) / 2


def noisy_gd(x: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
    """Gradient descent (``fit``, one full batch per epoch) on the loss of noisy inputs; the
    average of the second half of the iterates."""
    model = nn.Linear(x.shape[1], 1, bias=False).double()
    nn.init.zeros_(model.weight)
    tail = TailAverage(steps)
    fit(model, half_mse, optim.SGD(model.parameters(), lr=GD_LR), NoisyInputs(x, y[:, None]),
        epochs=steps, callbacks=[tail], progress=False)
    return tail.mean


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    data = load_diabetes()
    x = Standardize().fit(data.data)(data.data)  # all of it is training data
    target = data.target[:, None]
    y = Standardize().fit(target)(target)[:, 0]
    draws = 300 if quick else 3000
    names = ["¼ least squares", "½ least squares", "least squares", "random N(0, I)"]
    ws = [ridge(x, y, 0.0) * s for s in (0.25, 0.5, 1.0)] + [rng.standard_normal(x.shape[1])]
    samples = [noisy_losses(x, y, w, draws, rng) - loss(x, y, w) for w in ws]
    excess = np.array([s.mean() for s in samples])
    se = np.array([s.std(ddof=1) / np.sqrt(draws) for s in samples])
    norms = np.array([float(w @ w) for w in ws])
    z_right = np.abs(excess - SIGMA ** 2 / 2 * norms) / se
    z_wrong = np.abs(excess - SIGMA ** 2 * norms) / se
    steps = 400 if quick else 4000
    w_gd = noisy_gd(x, y, steps)
    lam = nearest_ridge(x, y, w_gd)
    out: dict = {
        "noise draws per w": draws, "noisy GD steps": steps,
        "largest |z| against (σ²/2)‖w‖²": float(z_right.max()),
        "smallest |z| against σ²‖w‖²": float(z_wrong.min()),
        "extra loss / (σ²/2)‖w‖², random w": float(excess[-1] / (SIGMA ** 2 / 2 * norms[-1])),
        "ridge λ nearest to noisy GD / σ²": lam / SIGMA ** 2,
        "rows": [[name, float(n), float(e), float(s), float(SIGMA ** 2 / 2 * n),
                  float(SIGMA ** 2 * n)] for name, n, e, s in zip(names, norms, excess, se)],
        "solutions": {"noisy GD": w_gd, "ridge λ = σ²": ridge(x, y, SIGMA ** 2),
                      "mistaken λ = 2σ²": ridge(x, y, 2 * SIGMA ** 2),
                      "least squares": ridge(x, y, 0.0)},
    }
    for name, w in out["solutions"].items():
        if name != "noisy GD":
            out[f"‖w_noisyGD − w_{name}‖"] = float(np.linalg.norm(w_gd - w))
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.every("largest |z| against (σ²/2)‖w‖²", f"≤ {Z_MAX:g}", lambda v: v <= Z_MAX),
        col.every("smallest |z| against σ²‖w‖²", f"> {Z_MAX:g}", lambda v: v > Z_MAX),
        col.mean_within("ridge λ nearest to noisy GD / σ²", *LAMBDA_BAND),
    )


def _plot(ev: Evidence):
    rows, solutions = ev.first["rows"], ev.first["solutions"]
    norms = np.array([r[1] for r in rows])
    excess, se = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
    fig, (a, b) = figures.subplots(2, width=5.4)
    grid = np.linspace(0, max(norms) * 1.05, 50)
    a.errorbar(norms, excess, yerr=2 * se, fmt="o", label="Monte Carlo (±2 SE)")
    a.plot(grid, SIGMA ** 2 / 2 * grid, label="(σ²/2)‖w‖²")
    a.plot(grid, SIGMA ** 2 * grid, "--", label="mistaken σ²‖w‖²")
    a.set(xlabel="‖w‖²", ylabel="E[noisy loss] − L(w)", title=f"Input noise σ = {SIGMA}")
    a.legend()
    idx = np.arange(len(next(iter(solutions.values()))))
    for k, (name, w) in enumerate(solutions.items()):
        b.bar(idx + 0.2 * k - 0.3, w, width=0.2, label=name)
    b.set(xlabel="feature", ylabel="weight", title="Where noisy GD ends")
    b.legend(fontsize=8)
    return figures.save(fig, ev.out_dir, "noise_is_ridge",
                        "Left: the extra loss caused by input noise against ‖w‖² (replicate "
                        "1). Right: noisy GD's weights next to the ridge, the mistaken ridge "
                        "and least squares.")


def present(ev: Evidence) -> Presentation:
    rows = ev.first["rows"]
    random_row = rows[-1]
    ratio = ev.values("extra loss / (σ²/2)‖w‖², random w")
    lam = stats.mean_within("", ev.values("ridge λ nearest to noisy GD / σ²"), *LAMBDA_BAND)
    z_right = max(ev.values("largest |z| against (σ²/2)‖w‖²"))
    z_wrong = min(ev.values("smallest |z| against σ²‖w‖²"))
    n = len(ev.replicates)
    measured = (
        f"Over {n} replicates the Monte-Carlo extra loss was at most {z_right:.2f} standard "
        f"errors from (σ²/2)‖w‖² and at least {z_wrong:.3g} from σ²‖w‖²; for the random w it "
        f"was {min(ratio):.3f} to {max(ratio):.3f} times (σ²/2)‖w‖² — the mistaken formula "
        f"says 2. Noisy gradient descent ended nearest to the ridge solution with λ = "
        f"{lam.estimate:.3f}·σ² (95% interval {lam.low:.3f} to {lam.high:.3f}); the ½ says "
        f"1, the mistake 2. ")
    verdict = ("Both checks side with the ½." if ev.holds else
               "The criterion is not met — see which test failed above.")
    return Presentation(
        explanation=(
            "Expanding (y − (x + δ)ᵀw)², the cross term has mean zero and E[(δᵀw)²] = "
            "σ²‖w‖²; the 1/(2n) in front turns that into (σ²/2)‖w‖² per example. So noisy "
            "training minimises L(w) + (σ²/2)‖w‖², whose minimiser solves (XᵀX/n + σ²I)w = "
            "Xᵀy/n — ridge with λ = σ² in the (λ/2)‖w‖² convention. Dropping the ½ predicts "
            "twice the extra loss and twice the penalty. " + measured + verdict),
        tables=[Table(f"Extra loss from input noise σ = {SIGMA} (replicate 1, "
                      f"{ev.first['noise draws per w']} draws per w)",
                      ["w", "‖w‖²", "Monte Carlo", "± SE", "(σ²/2)‖w‖²", "σ²‖w‖²"], rows)],
        mistakes=[Mistake("E[noisy loss] = L(w) + σ²‖w‖² (no ½), for the random w",
                          random_row[5], "L(w) + (σ²/2)‖w‖²", random_row[4], random_row[2]),
                  Mistake("noisy GD ends at ridge λ = 2σ² (no ½), as λ/σ²", 2.0,
                          "ridge λ = σ², as λ/σ²", 1.0, lam.estimate)],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="noise-is-ridge", title="Input noise is ridge regression",
    claim="Adding Gaussian noise of variance σ² to the inputs of linear regression with the "
          "loss (1/2n)Σ(y − xᵀw)² adds (σ²/2)‖w‖² to the loss in expectation — with the ½ — so "
          "gradient descent on noisy inputs settles at the ridge solution.",
    claims=(16,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
