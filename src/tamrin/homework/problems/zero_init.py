"""``zero-init``: one SGD step of a sigmoid network whose weights all start at zero.

The network x → σ(W1 x + b1) → σ(W2 h1 + b2) → σ(W3 h2 + b3) = ŷ (one output), loss
BCE(ŷ, y) = −[y log ŷ + (1 − y) log(1 − ŷ)]. With every weight and bias 0::

    every pre-activation is 0, so h1 = h2 = 0.5 and ŷ = 0.5 whatever x is
    ∂L/∂z3 = ŷ − y = 0.5 − y;   ∂L/∂W3 = (0.5 − y)·h2ᵀ = (0.5 − y)·0.5 each;   ∂L/∂b3 = 0.5 − y
    ∂L/∂h2 = W3ᵀ(0.5 − y) = 0, so W2, b2, W1, b1 get zero gradients and stay 0
    W3 ← −α(0.5 − y)·0.5,  b3 ← −α(0.5 − y)

Only the output layer moves, and all its weights move alike: symmetry is never broken.
The solver builds the network from ``tamrin.nn`` layers, zero-initialised, and takes one
``tamrin.optim.SGD`` step; it asserts the formulas above agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

import tamrin
from tamrin import nn
from tamrin.homework import tex
from tamrin.homework.document import Block, Paragraph
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

LAYERS = ("W1", "b1", "W2", "b2", "W3", "b3")


def by_hand(p: Params, *, report: str = "weight", sign: float = -1.0) -> dict[str, object]:
    """ŷ and the parameters after the step by the formulas of the module docstring — or
    mistaken: ``report="gradient"`` gives ∂L/∂θ instead of the new θ, ``sign=+1`` steps up
    the gradient."""
    n_in, n1, n2 = p["sizes"]
    g3 = 0.5 - p["y"]
    grads = {"W1": np.zeros((n1, n_in)), "b1": np.zeros(n1), "W2": np.zeros((n2, n1)),
             "b2": np.zeros(n2), "W3": np.full((1, n2), g3 * 0.5), "b3": np.full(1, g3)}
    new = grads if report == "gradient" else {k: sign * p["lr"] * g for k, g in grads.items()}
    return {"output": 0.5, **{k: v.tolist() for k, v in new.items()}}


def _network(sizes: list[int]) -> nn.Sequential:
    n_in, n1, n2 = sizes
    net = nn.Sequential(nn.Linear(n_in, n1), nn.Sigmoid(), nn.Linear(n1, n2), nn.Sigmoid(),
                        nn.Linear(n2, 1), nn.Sigmoid()).double()
    for p in net.parameters():
        nn.init.zeros_(p)
    return net


class ZeroInit(Problem):
    id = "zero-init"
    title = "Zero initialisation: the first SGD step"
    summary = "output and every parameter after one SGD step of an all-zero sigmoid network"
    parameters = {"sizes": Param("integers", 1, 16, max_len=3),
                  "x": Param("array", -1000, 1000, ndim=1, max_len=16),
                  "y": Param("integer", 0, 1), "lr": Param("number", 0, 100)}
    mistakes = (
        Mistake("gradient_reported_as_weight",
                "the gradient was given where the updated parameter was asked: after the "
                "step W3 = 0 − α·∂L/∂W3",
                partial(by_hand, report="gradient")),
        Mistake("sign_flipped",
                "the step went up the gradient; gradient descent subtracts it: "
                "θ ← θ − α·∂L/∂θ",
                partial(by_hand, sign=1.0)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        sizes = [int(n) for n in rng.integers(2, 5, size=3)]
        return {"sizes": sizes, "x": tex.decimals(rng, -2, 2, sizes[0], places=1),
                "y": int(rng.integers(0, 2)),
                "lr": float(rng.choice([0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8]))}

    def course(self) -> Params:
        """Claim 11's network: two hidden layers, all weights zero."""
        return {"sizes": [3, 4, 4], "x": [1.0, -2.0, 0.5], "y": 1, "lr": 0.1}

    def check_consistency(self, params: Params) -> None:
        if len(params["sizes"]) != 3:
            raise ParameterProblem("sizes", "expected [inputs, hidden 1, hidden 2]")
        if len(params["x"]) != params["sizes"][0]:
            raise ParameterProblem("x", f"x must have {params['sizes'][0]} entries (sizes[0])")

    def quantities(self, params: Params) -> list[Quantity]:
        n_in, n1, n2 = params["sizes"]
        shapes = {"W1": f"{n1}×{n_in}", "b1": str(n1), "W2": f"{n2}×{n1}", "b2": str(n2),
                  "W3": f"1×{n2}", "b3": "1"}
        return [Quantity("output", r"the output $\hat y$ before the step"),
                *[Quantity(k, f"${k[0]}_{k[1]}$ after the step ({shapes[k]})", "array")
                  for k in LAYERS]]

    def statement(self, params: Params) -> list[Block]:
        n_in, n1, n2 = params["sizes"]
        return [
            Paragraph(f"A network with {n_in} inputs, two sigmoid hidden layers of {n1} and "
                      f"{n2} units and one sigmoid output: $h_1 = \\sigma(W_1 x + b_1)$, "
                      r"$h_2 = \sigma(W_2 h_1 + b_2)$, $\hat y = \sigma(W_3 h_2 + b_3)$ "
                      r"(weights as out × in matrices). Every weight and bias is initialised "
                      "to 0. The loss is the binary cross-entropy "
                      r"$L = -[y\log\hat y + (1-y)\log(1-\hat y)]$."),
            Paragraph(f"For the input $x = {tex.row(params['x'])}$ with label $y = "
                      f"{params['y']}$, take one SGD step with learning rate "
                      f"$\\alpha = {tex.number(params['lr'])}$."),
        ]

    def compute(self, params: Params) -> Solution:
        net = _network(params["sizes"])
        x = f64(np.asarray(params["x"])[None])
        y_hat = net(x)
        nn.BCELoss()(y_hat, f64([[params["y"]]])).backward()
        grad3 = net[4].weight.grad.numpy().copy()
        tamrin.optim.SGD(net.parameters(), lr=params["lr"]).step()
        linear = {"W1": net[0], "W2": net[2], "W3": net[4]}
        values: dict[str, object] = {"output": y_hat.item()}
        for k in LAYERS:
            layer = linear["W" + k[1]]
            values[k] = (layer.weight if k[0] == "W" else layer.bias).numpy().tolist()
        agree(self.id, values, by_hand(params))
        g = 0.5 - params["y"]
        return Solution(values, [
            Step("Forward pass", r"z = 0 \Rightarrow h_1 = h_2 = \sigma(0) = 0.5,\;"
                 r"\hat y = \sigma(0) = 0.5", {"output": values["output"]}),
            Step("Output-layer gradients", r"\partial L/\partial z_3 = \hat y - y,\;"
                 r"\partial L/\partial W_3 = (\hat y - y)\,h_2^\top,\;"
                 r"\partial L/\partial b_3 = \hat y - y", {},
                 {r"\partial L/\partial z_3": g,
                  r"\partial L/\partial W_3": grad3.tolist()}),
            Step("Hidden-layer gradients", r"\partial L/\partial h_2 = W_3^\top(\hat y - y) = 0"
                 r"\Rightarrow \partial L/\partial W_2 = \partial L/\partial b_2 = "
                 r"\partial L/\partial W_1 = \partial L/\partial b_1 = 0", {}),
            Step("SGD step", r"\theta \leftarrow \theta - \alpha\,\partial L/\partial\theta",
                 {k: values[k] for k in LAYERS}),
        ])
