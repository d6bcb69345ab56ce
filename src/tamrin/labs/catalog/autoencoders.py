"""Claims 30–32: what an autoencoder can and cannot reproduce.

30: a sigmoid output lives in (0, 1), so on raw digits (pixel values 0..16) the squared error
    cannot fall below that of the clipped targets; scaling the data or a linear output fixes it.
31: data with ~k intrinsic dimensions pass a k-unit code almost losslessly, independent
    features do not — exactly as PCA with k components predicts.
32: a denoising autoencoder's code moves less under small input perturbations than the code
    of the same autoencoder trained without noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn
from tamrin.data import DataLoader, TensorDataset, load_digits
from tamrin.labs import figures
from tamrin.labs.lab import Figure, Result, Table, verdict
from tamrin.labs.registry import register
from tamrin.models import Autoencoder, AutoencoderBase, DenoisingAutoencoder
from tamrin.train import fit, predict

PIXEL_MAX = 16.0         # the digits' pixels are integers 0..16
DIGITS_SHAPE = [32]      # hidden layer of the digits autoencoders: 64 → 32 → code → 32 → 64
DIGITS_CODE = 16
NOISE_LEVEL = 0.5        # σ of the denoising autoencoder's Gaussian corruption (data in [0, 1])
PROBE = 0.05             # σ of the small perturbation δ used to probe the codes
LATENT_NOISE = 0.1       # σ of the per-feature noise in x = A·z + noise (claim 31)

# Criteria (the numbers the measurements are judged against).
FLOOR_SLACK = 1.05       # the raw sigmoid model ends within 5 % above the clipping floor
FIX_FRACTION = 0.25      # a fix ends below a quarter of the floor
NEAR_PERFECT = 0.05      # relative error of the correlated data's reconstruction
PCA_TOLERANCE = 0.03     # |AE − (1 − k/d)| on independent features
ROBUSTER = 0.9           # the DAE's relative code sensitivity ≤ 90 % of the plain one's


def train_autoencoder(model: AutoencoderBase, x: np.ndarray, epochs: int,
                      lr: float = 1e-2) -> None:
    """Minimise the MSE between ``model(x)`` and ``x`` with Adam, mini-batches of 64."""
    loader = DataLoader(TensorDataset(x, x), batch_size=64, shuffle=True)
    fit(model, nn.MSELoss(), tamrin.optim.Adam(model.parameters(), lr=lr), loader,
        epochs=epochs, progress=False)


def encode(model: AutoencoderBase, x: np.ndarray) -> np.ndarray:
    """The codes of ``x`` (eval mode: a denoising model does not corrupt)."""
    model.eval()
    with tamrin.no_grad():
        return model.encode(tamrin.tensor(x)).numpy()


def relative_error(reconstruction: np.ndarray, x: np.ndarray) -> float:
    """‖x̂ − x‖² / ‖x − x̄‖²: the fraction of the data's variance the reconstruction misses."""
    return float(np.sum((reconstruction - x) ** 2) / np.sum((x - x.mean(axis=0)) ** 2))


def digits_split(quick: bool, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Raw digit images (64 float32 pixels in 0..16): a training and a test part."""
    x = load_digits().data.astype(np.float32)
    order = rng.permutation(len(x))
    n_train = 1000 if quick else 1400
    return x[order[:n_train]], x[order[n_train:]]


# ---- claim 30: the output range --------------------------------------------------------

def output_range(train: np.ndarray, test: np.ndarray, epochs: int) -> dict:
    """Test MSE (in raw pixel units²) of three set-ups, and the reconstructions of the first
    two (for the scatter plot)."""
    setups = {"sigmoid output, raw 0..16 data": (1.0, "sigmoid"),
              "sigmoid output, data ÷ 16": (PIXEL_MAX, "sigmoid"),
              "linear output, raw 0..16 data": (1.0, "linear")}
    mse, recon = {}, {}
    for name, (scale, output) in setups.items():
        model = Autoencoder(64, DIGITS_SHAPE, DIGITS_CODE, output_activation=output)
        train_autoencoder(model, train / scale, epochs)
        recon[name] = predict(model, test / scale) * scale
        mse[name] = float(np.mean((recon[name] - test) ** 2))
    return {"mse": mse, "recon": recon,
            "floor": float(np.mean((test - np.clip(test, 0.0, 1.0)) ** 2)),
            "mean predictor": float(np.mean((test - train.mean(axis=0)) ** 2))}


def _plot_range(res: dict, test: np.ndarray, out_dir: Path) -> Figure:
    fig, (bars, scatter) = figures.subplots(2, width=5.4)
    names = list(res["mse"])
    bars.bar(range(len(names)), [res["mse"][n] for n in names], color=["C3", "C0", "C2"],
             label="measured test MSE")
    bars.axhline(res["floor"], ls="--", color="k", label="floor: MSE of clip(x, 0, 1)")
    bars.axhline(res["mean predictor"], ls=":", color="gray", label="predicting the mean image")
    bars.set_xticks(range(len(names)), [n.replace(", ", ",\n") for n in names], fontsize=7)
    bars.set(ylabel="test MSE (pixel units²)", title="Reconstruction error")
    bars.legend(fontsize=7)
    for name, color in (names[2], "C2"), (names[0], "C3"):  # the sigmoid model on top
        scatter.scatter(test.ravel() + np.random.default_rng(0).uniform(-.2, .2, test.size),
                        res["recon"][name].ravel(), s=2, alpha=.15, color=color, label=name)
    scatter.plot([0, PIXEL_MAX], [0, PIXEL_MAX], ls="--", color="k", label="x̂ = x")
    scatter.set(xlabel="target pixel value x (jittered)", ylabel="reconstruction x̂",
                title="Test pixels")
    scatter.legend(fontsize=7, markerscale=4)
    return figures.save(fig, out_dir, "output_range",
                        "Left: test MSE of the three set-ups against the floor a sigmoid "
                        "cannot beat. Right: reconstructed against target pixel — the sigmoid "
                        "model's outputs never exceed 1.")


# ---- claim 31: compression through a k-unit code ---------------------------------------

def latent_data(n: int, d: int, k: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """2n samples of d features: correlated (x = A·z + noise, z ~ N(0, I_k)) and independent
    (x ~ N(0, I_d)); both have unit variance per feature up to the small noise."""
    a = rng.standard_normal((k, d)) / np.sqrt(k)
    z = rng.standard_normal((2 * n, k))
    correlated = z @ a + LATENT_NOISE * rng.standard_normal((2 * n, d))
    return {"correlated (k latent dims)": correlated.astype(np.float32),
            "independent": rng.standard_normal((2 * n, d)).astype(np.float32)}


def pca_error(train: np.ndarray, test: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """Relative test error of the projection onto the top-k principal components of
    ``train``, and the variance along every component (descending)."""
    mean = train.mean(axis=0)
    _, s, vt = np.linalg.svd(train - mean, full_matrices=False)
    v = vt[:k].T
    return relative_error((test - mean) @ v @ v.T + mean, test), s ** 2 / len(train)


def compression(n: int, d: int, k: int, epochs: int, rng: np.random.Generator) -> dict:
    """For each kind of data: the linear autoencoder's and PCA's relative test error, and
    the PCA spectrum. Adam's steps are ~lr per weight, so lr shrinks like the weights, 1/√d."""
    out = {}
    for name, x in latent_data(n, d, k, rng).items():
        train, test = x[:n], x[n:]
        model = Autoencoder(d, [], k, output_activation="linear")
        train_autoencoder(model, train, epochs, lr=0.07 / np.sqrt(d))  # weights are ~1/√d
        pca, spectrum = pca_error(train, test, k)
        out[name] = {"ae": relative_error(predict(model, test), test), "pca": pca,
                     "spectrum": spectrum}
    return out


def _plot_compression(res: dict, d: int, k: int, out_dir: Path) -> Figure:
    fig, (spec, bars) = figures.subplots(2, width=5.2)
    for name, r in res.items():
        spec.semilogy(np.arange(1, len(r["spectrum"]) + 1), r["spectrum"], label=name)
    spec.axvline(k, ls="--", color="k", label=f"code size k = {k}")
    spec.set(xlabel="principal component", ylabel="variance along it (training data)",
             title=f"PCA spectrum, d = {d}")
    spec.legend(fontsize=7)
    names = list(res)
    width = 0.25
    for i, (what, label) in enumerate((("ae", "autoencoder"), ("pca", f"PCA, {k} comps"))):
        bars.bar(np.arange(len(names)) + (i - .5) * width, [res[n][what] for n in names],
                 width, label=label)
    bars.axhline(1 - k / d, ls="--", color="k", label="1 − k/d")
    bars.set_xticks(range(len(names)), names, fontsize=8)
    bars.set(yscale="log", ylim=(1e-3, 2), ylabel="relative test error ‖x̂ − x‖²/‖x − x̄‖²",
             title=f"{k}-unit code")
    bars.legend(fontsize=7, loc="upper left")
    return figures.save(fig, out_dir, "compression",
                        "Left: variance per principal component — the correlated data have "
                        f"{k} large ones, the independent data none. Right: relative "
                        "reconstruction error on test data (log scale).")


# ---- claim 32: denoising makes the code robust -----------------------------------------

def code_sensitivity(model: AutoencoderBase, x: np.ndarray, sigma: float,
                     rng: np.random.Generator) -> float:
    """Mean over samples of ‖code(x + δ) − code(x)‖ / ‖δ‖ with δ ~ N(0, σ²I), divided by
    the code's spread (RMS distance between codes of two random samples over the RMS
    distance between the samples): how much a small change moves the code compared with how
    much moving to another digit moves it. Scale-free, so a shrunken code gains nothing."""
    delta = (sigma * rng.standard_normal(x.shape)).astype(np.float32)
    z, z_moved = encode(model, x), encode(model, x + delta)
    ratio = np.mean(np.linalg.norm(z_moved - z, axis=1) / np.linalg.norm(delta, axis=1))
    pair = rng.permutation(len(x))
    spread = np.sqrt(np.sum((z - z[pair]) ** 2) / np.sum((x - x[pair]) ** 2))
    return float(ratio / spread)


def denoising(train: np.ndarray, epochs: int, seed: int) -> dict[str, AutoencoderBase]:
    """A plain and a denoising autoencoder, same architecture, initial weights and budget,
    trained on digits scaled to [0, 1]."""
    models = {}
    for name in ("plain", "denoising"):
        tamrin.manual_seed(seed)
        model = Autoencoder(64, DIGITS_SHAPE, DIGITS_CODE, output_activation="sigmoid")
        if name == "denoising":
            model = DenoisingAutoencoder(model, "gaussian", NOISE_LEVEL)
        train_autoencoder(model, train / PIXEL_MAX, epochs)
        models[name] = model
    return models


def _plot_sensitivity(curves: dict[str, list[float]], sigmas: np.ndarray,
                      out_dir: Path) -> Figure:
    fig, (ax,) = figures.subplots(width=5.6)
    for name, values in curves.items():
        ax.plot(sigmas, values, marker="o", label=f"{name} autoencoder")
    ax.axvline(PROBE, ls=":", color="k", label=f"σ used in the criterion ({PROBE})")
    ax.set_ylim(0, 1.1 * max(max(v) for v in curves.values()))
    ax.set(xscale="log", xlabel="perturbation size σ (pixels in [0, 1])",
           ylabel="relative code sensitivity",
           title="How far a small input change moves the code")
    ax.legend(fontsize=8)
    return figures.save(fig, out_dir, "code_sensitivity",
                        "‖code(x + δ) − code(x)‖/‖δ‖ relative to the code's spread between "
                        "different digits, for perturbations of growing size.")


@register("autoencoders", "Autoencoders: output range, compression, denoising",
          "An autoencoder with a sigmoid output cannot reproduce targets in 0..16 — its error "
          "stays at the floor of the clipped targets — unless the data are scaled to [0, 1] "
          "or the output is linear. Many correlated features with ~k intrinsic dimensions "
          "pass a k-unit code almost perfectly, independent ones do not (as PCA predicts). "
          "A denoising autoencoder's code is more robust to small input changes than a plain "
          "one's.", (30, 31, 32), ("tamrin.models:Autoencoder",
                                   "tamrin.models:DenoisingAutoencoder"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    train, test = digits_split(quick, rng)
    epochs = 10 if quick else 60
    ranges = output_range(train, test, epochs)
    mse, floor = ranges["mse"], ranges["floor"]
    raw, scaled, linear = mse.values()
    ok30 = floor <= raw <= FLOOR_SLACK * floor and max(scaled, linear) < FIX_FRACTION * floor

    d, k, n = (200, 10, 1000) if quick else (2000, 20, 4000)
    comp = compression(n, d, k, 30, rng)
    corr, indep = comp.values()
    ok31 = (corr["ae"] < NEAR_PERFECT and abs(indep["ae"] - (1 - k / d)) < PCA_TOLERANCE)

    models = denoising(train, epochs, seed)
    probe = test / PIXEL_MAX
    sigmas = np.array([0.01, 0.02, 0.05, 0.1, 0.2])
    curves = {name: [code_sensitivity(m, probe, s, rng) for s in sigmas]
              for name, m in models.items()}
    at_probe = {name: values[int(np.flatnonzero(sigmas == PROBE)[0])]
                for name, values in curves.items()}
    recon = {name: float(m.reconstruction_error(probe).mean()) for name, m in models.items()}
    ok32 = at_probe["denoising"] <= ROBUSTER * at_probe["plain"]

    return Result(
        lab="autoencoders", verdict=verdict(ok30 and ok31 and ok32),
        criterion=f"(30) the sigmoid model on raw digits ends between the clipping floor and "
                  f"{FLOOR_SLACK}× it, and both fixes below {FIX_FRACTION}× the floor; "
                  f"(31) on correlated data the autoencoder's relative test error is below "
                  f"{NEAR_PERFECT}, on independent data within {PCA_TOLERANCE} of PCA's "
                  f"1 − k/d; (32) at σ = {PROBE} the denoising model's relative code "
                  f"sensitivity is at most {ROBUSTER}× the plain model's",
        measurements={
            "(30) floor: MSE of clip(x, 0, 1)": floor,
            **{f"(30) test MSE, {name}": v for name, v in mse.items()},
            "(30) test MSE of predicting the mean image": ranges["mean predictor"],
            f"(31) correlated, d = {d}, k = {k}: AE relative error": corr["ae"],
            "(31) correlated: PCA relative error": corr["pca"],
            "(31) independent: AE relative error": indep["ae"],
            "(31) independent: PCA relative error": indep["pca"],
            "(31) independent: 1 − k/d": 1 - k / d,
            "(32) relative code sensitivity, plain": at_probe["plain"],
            "(32) relative code sensitivity, denoising": at_probe["denoising"],
            "(32) clean reconstruction MSE, plain": recon["plain"],
            "(32) clean reconstruction MSE, denoising": recon["denoising"]},
        tables=[
            Table("Claim 30: test MSE on raw digit pixels (0..16)",
                  ["set-up", "measured MSE", "clipping floor", "MSE / floor"],
                  [[name, v, floor, v / floor] for name, v in mse.items()]),
            Table(f"Claim 31: relative test error through a {k}-unit code ({d} features, "
                  f"{n} training samples)",
                  ["data", "linear autoencoder", f"PCA, {k} components", "1 − k/d"],
                  [[name, r["ae"], r["pca"], 1 - k / d] for name, r in comp.items()]),
            Table("Claim 32: relative code sensitivity against the perturbation size σ",
                  ["σ", *[f"{name} autoencoder" for name in curves]],
                  [[float(s), *[curves[name][i] for name in curves]]
                   for i, s in enumerate(sigmas)])],
        figures=[_plot_range(ranges, test, out_dir), _plot_compression(comp, d, k, out_dir),
                 _plot_sensitivity(curves, sigmas, out_dir)],
        explanation="(30) A sigmoid output is below 1, so every pixel of value x > 1 costs at "
                    "least (x − 1)²: the floor is the MSE of the targets clipped to [0, 1], "
                    "and the trained network sits right on it — worse than predicting the "
                    "mean image. Dividing the data by 16 (then multiplying the output back) "
                    "or a linear output removes the floor. (31) A linear autoencoder with "
                    "the squared error learns the same subspace as PCA. The correlated data "
                    f"have {k} large principal components and small noise, so a {k}-unit "
                    "code keeps all but the noise; independent features spread their "
                    f"variance evenly over all {d} directions, so any {k} of them keep only "
                    f"k/d of it and the error is 1 − k/d. (32) Both models share the "
                    f"architecture, initial weights and epochs; the denoising one saw inputs "
                    f"corrupted by N(0, {NOISE_LEVEL}²) and learnt to map them back to the "
                    "clean digit, so its encoder flattens directions that do not lead along "
                    "the digits. The sensitivity is divided by the spread of the codes "
                    "between different digits, so it cannot improve just by shrinking the "
                    "code.",
    )
