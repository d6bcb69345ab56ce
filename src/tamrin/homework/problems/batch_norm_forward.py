"""``batch-norm-forward``: batch normalisation of one mini-batch in training mode.

For a batch x (B×F), per feature j::

    μⱼ = (1/B) Σᵢ xᵢⱼ,     σ²ⱼ = (1/B) Σᵢ (xᵢⱼ − μⱼ)²        (the biased variance)
    yᵢⱼ = γⱼ·(xᵢⱼ − μⱼ)/√(σ²ⱼ + ε) + βⱼ
    running mean ← (1 − m)·0 + m·μⱼ
    running var  ← (1 − m)·1 + m·σ²ⱼ·B/(B − 1)           (the unbiased variance, as PyTorch)

starting from the running statistics 0 and 1 with momentum m. The solver runs a
``tamrin.nn.BatchNorm1d`` in training mode (the batch statistics from tamrin's ``mean`` and
``var``) and asserts the formulas agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tamrin import nn
from tamrin.homework import tex
from tamrin.homework.document import Block, Formula, Paragraph
from tamrin.homework.problem import (
    Mistake,
    Param,
    ParameterProblem,
    Params,
    Problem,
    Quantity,
    Solution,
    Step,
)
from tamrin.homework.problems._common import agree, f64


def by_hand(p: Params, *, normalise_with: str = "biased",
            running_with: str = "unbiased") -> dict[str, list]:
    """The formulas of the module docstring — or mistaken: ``normalise_with="unbiased"``
    (dividing by B − 1 in the batch variance), ``running_with="biased"`` (the running
    variance fed the biased one)."""
    x = np.asarray(p["x"], float)
    b = len(x)
    mean, biased = x.mean(axis=0), x.var(axis=0)
    unbiased = biased * b / (b - 1)
    var = biased if normalise_with == "biased" else unbiased
    y = np.asarray(p["gamma"]) * (x - mean) / np.sqrt(var + p["eps"]) + np.asarray(p["beta"])
    m = p["momentum"]
    running = biased if running_with == "biased" else unbiased
    return {"mean": mean.tolist(), "var": var.tolist(), "y": y.tolist(),
            "running_mean": (m * mean).tolist(), "running_var": ((1 - m) + m * running).tolist()}


class BatchNormForward(Problem):
    id = "batch-norm-forward"
    title = "Batch normalisation of a mini-batch"
    summary = "batch mean and variance, normalised outputs and running statistics (training)"
    parameters = {"x": Param("array", -1000, 1000, ndim=2, max_len=16),
                  "gamma": Param("array", -100, 100, ndim=1, max_len=16),
                  "beta": Param("array", -100, 100, ndim=1, max_len=16),
                  "eps": Param("number", 0, 1), "momentum": Param("number", 0, 1)}
    mistakes = (
        Mistake("unbiased_variance_in_normalisation",
                "the batch was normalised with the unbiased variance (÷(B − 1)); batch norm "
                "divides by B, and keeps the unbiased one for the running variance",
                partial(by_hand, normalise_with="unbiased")),
        Mistake("biased_running_variance",
                "the running variance was fed the biased batch variance; it gets the unbiased "
                "one, σ²·B/(B − 1)",
                partial(by_hand, running_with="biased")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        b, f = int(rng.integers(3, 5)), int(rng.integers(2, 4))
        return {"x": tex.integers(rng, -5, 9, (b, f)),
                "gamma": tex.decimals(rng, 0.5, 2, f, places=1),
                "beta": tex.decimals(rng, -1, 1, f, places=1), "eps": 1e-5, "momentum": 0.1}

    def course(self) -> Params:
        """Fixed numbers: four samples, two features, PyTorch's defaults."""
        return {"x": [[1, 2], [3, 6], [5, 4], [7, 0]], "gamma": [1.0, 0.5],
                "beta": [0.0, 1.0], "eps": 1e-5, "momentum": 0.1}

    def check_consistency(self, params: Params) -> None:
        b, f = np.shape(params["x"])
        if b < 2:
            raise ParameterProblem("x", "a batch needs at least 2 samples")
        for key in ("gamma", "beta"):
            if len(params[key]) != f:
                raise ParameterProblem(key, f"expected {f} entries (one per feature)")
        if params["eps"] <= 0:
            raise ParameterProblem("eps", "ε must be positive")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        return bool(np.min(np.asarray(params["x"], float).var(axis=0)) >= 0.5)

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("mean", r"the batch mean $\mu$ (per feature)", "array"),
                Quantity("var", r"the batch variance $\sigma^2$ used to normalise", "array"),
                Quantity("y", "the outputs $y$ (B×F)", "array"),
                Quantity("running_mean", "the running mean after this batch", "array"),
                Quantity("running_var", "the running variance after this batch", "array")]

    def statement(self, params: Params) -> list[Block]:
        n = tex.number
        return [Paragraph("A batch-norm layer in training mode receives the mini-batch $x$ "
                          "(one row per sample, one column per feature), with"),
                Formula(rf"x = {tex.matrix(params['x'])},\quad \gamma = "
                        rf"{tex.row(params['gamma'])},\quad \beta = {tex.row(params['beta'])}"
                        rf",\quad \varepsilon = {n(params['eps'])}"),
                Paragraph("Its running mean and variance start at 0 and 1 and are updated with "
                          f"momentum {n(params['momentum'])} as PyTorch does: running ← "
                          "(1 − momentum)·running + momentum·batch statistic. Give the batch "
                          "statistics, the outputs and the running statistics.")]

    def compute(self, params: Params) -> Solution:
        x = f64(params["x"])
        layer = nn.BatchNorm1d(x.shape[1], eps=params["eps"],
                               momentum=params["momentum"]).double()
        layer.weight.numpy()[...] = params["gamma"]
        layer.bias.numpy()[...] = params["beta"]
        y = layer.train()(x)
        values = {"mean": x.mean(dim=0).numpy().tolist(),
                  "var": x.var(dim=0, unbiased=False).numpy().tolist(), "y": y.numpy().tolist(),
                  "running_mean": layer.running_mean.numpy().tolist(),
                  "running_var": layer.running_var.numpy().tolist()}
        agree(self.id, values, by_hand(params))
        b, m = x.shape[0], params["momentum"]
        return Solution(values, [
            Step("Batch statistics", r"\mu_j = \frac1B\sum_i x_{ij},\quad \sigma_j^2 = "
                 r"\frac1B\sum_i (x_{ij} - \mu_j)^2", {k: values[k] for k in ("mean", "var")}),
            Step("Normalise, scale and shift", r"y_{ij} = \gamma_j\,\frac{x_{ij} - \mu_j}"
                 r"{\sqrt{\sigma_j^2 + \varepsilon}} + \beta_j", {"y": values["y"]}),
            Step("Running statistics", rf"\text{{mean}} \leftarrow (1-{m})\cdot 0 + {m}\,\mu,"
                 rf"\quad \text{{var}} \leftarrow (1-{m})\cdot 1 + {m}\,\sigma^2\,"
                 rf"\tfrac{{{b}}}{{{b - 1}}}",
                 {k: values[k] for k in ("running_mean", "running_var")}),
        ])
