"""``linear-regression``: the normal equation and one gradient-descent step.

For L(w) = 1/(2n)·‖y − Xw‖² (X is n×d; its first column of ones carries the intercept)::

    ∇L(w) = (1/n)·Xᵀ(Xw − y)
    one step from w₀:   w₁ = w₀ − η·∇L(w₀)
    the minimum:        XᵀX w = Xᵀy   (the normal equation, solved — never by inverting)

The solver gets L and ∇L from tamrin's autograd and the minimum from
``tamrin.models.classical.LinearRegression(solver="normal")``; it asserts the formulas agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

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
from tamrin.models.classical import LinearRegression

MAX_CONDITION = 1e4  # a problem.json whose XᵀX is worse conditioned is refused


def by_hand(p: Params, *, mean: bool = True, residual: str = "Xw - y") -> dict[str, object]:
    """The formulas of the module docstring — or mistaken: ``mean=False`` (the gradient
    without 1/n), ``residual="y - Xw"`` (the residual's sign flipped, so the step climbs)."""
    X, y, w0 = (np.asarray(p[k], float) for k in ("X", "y", "w0"))
    n = len(y)
    r = X @ w0 - y
    grad = X.T @ (r if residual == "Xw - y" else -r) / (n if mean else 1)
    return {"loss": float(r @ r / (2 * n)), "grad": grad.tolist(),
            "w_step": (w0 - p["eta"] * grad).tolist(),
            "w_normal": np.linalg.solve(X.T @ X, X.T @ y).tolist()}


class LinearRegressionProblem(Problem):
    id = "linear-regression"
    title = "Linear regression: one gradient step and the normal equation"
    summary = "loss, gradient and one GD step at w₀; the least-squares w from XᵀXw = Xᵀy"
    parameters = {"X": Param("array", -1000, 1000, ndim=2, max_len=12),
                  "y": Param("array", -1000, 1000, ndim=1, max_len=12),
                  "w0": Param("array", -1000, 1000, ndim=1, max_len=12),
                  "eta": Param("number", 0, 100)}
    mistakes = (
        Mistake("gradient_missing_1_over_n",
                "the gradient lost its 1/n: for L = 1/(2n)‖y − Xw‖², ∇L = (1/n)·Xᵀ(Xw − y)",
                partial(by_hand, mean=False)),
        Mistake("residual_sign_flipped",
                "the residual's sign was flipped: ∇L = (1/n)·Xᵀ(Xw − y), and the step "
                "w − η∇L goes downhill",
                partial(by_hand, residual="y - Xw")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        n = int(rng.integers(4, 6))
        x = tex.integers(rng, 0, 6, n)
        X = [[1, v] for v in x]
        y = [round(1.0 + 0.8 * v + float(rng.normal(0, 0.8)), 1) for v in x]
        return {"X": X, "y": y, "w0": tex.decimals(rng, -1, 1, 2, places=1),
                "eta": float(rng.choice([0.01, 0.02, 0.05, 0.1]))}

    def course(self) -> Params:
        """Fixed numbers (claim 1 compares the two methods without an example)."""
        return {"X": [[1, 1], [1, 2], [1, 3], [1, 4]], "y": [2.0, 2.9, 4.2, 4.8],
                "w0": [0.0, 0.0], "eta": 0.1}

    def check_consistency(self, params: Params) -> None:
        X = np.asarray(params["X"])
        if len(params["y"]) != X.shape[0] or len(params["w0"]) != X.shape[1]:
            raise ParameterProblem("X", "X must be n×d with y of n and w0 of d entries")
        if np.linalg.cond(X.T @ X) > MAX_CONDITION:
            raise ParameterProblem("X", "XᵀX is singular or nearly so")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        X = np.asarray(params["X"], float)
        return bool(np.linalg.cond(X.T @ X) < 200)

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("loss", r"the loss $L(w_0)$"),
                Quantity("grad", r"the gradient $\nabla L(w_0)$", "array"),
                Quantity("w_step", r"$w_1$ after one gradient-descent step", "array"),
                Quantity("w_normal", "the least-squares weights (normal equation)", "array")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph(r"Linear regression with the loss $L(w) = \frac{1}{2n}\lVert y - "
                          r"Xw\rVert^2$ on the data (the first column of $X$ is the "
                          "intercept's):"),
                Formula(rf"X = {tex.matrix(params['X'])},\quad y = {tex.matrix(params['y'])}"
                        rf",\quad w_0 = {tex.matrix(params['w0'])}"),
                Paragraph(f"Give $L(w_0)$ and $\\nabla L(w_0)$, the weights after one step of "
                          f"gradient descent with $\\eta = {tex.number(params['eta'])}$, and "
                          "the weights that minimise $L$.")]

    def compute(self, params: Params) -> Solution:
        X, y = np.asarray(params["X"], float), np.asarray(params["y"], float)
        w = f64(params["w0"], requires_grad=True)
        residual = f64(X) @ w - f64(y)
        loss = (residual * residual).sum() / (2 * len(y))
        loss.backward()
        grad = w.grad.numpy()
        model = LinearRegression(solver="normal", fit_intercept=False).fit(X, y)
        values = {"loss": loss.item(), "grad": grad.tolist(),
                  "w_step": (w.numpy() - params["eta"] * grad).tolist(),
                  "w_normal": np.asarray(model.coef_, float).ravel().tolist()}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Loss", r"L(w_0) = \frac{1}{2n}\lVert Xw_0 - y\rVert^2", {"loss": values["loss"]},
                 {"Xw_0 - y": residual.numpy().tolist()}),
            Step("Gradient", r"\nabla L(w_0) = \frac1n X^\top (Xw_0 - y)",
                 {"grad": values["grad"]}),
            Step("Gradient-descent step", r"w_1 = w_0 - \eta\,\nabla L(w_0)",
                 {"w_step": values["w_step"]}),
            Step("Normal equation", r"X^\top X\, w = X^\top y", {"w_normal": values["w_normal"]},
                 {r"X^\top X": (X.T @ X).tolist(), r"X^\top y": (X.T @ y).tolist()}),
        ])
