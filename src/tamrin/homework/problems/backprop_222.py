"""``backprop-222``: one gradient-descent step of the classic 2-2-2 sigmoid network.

Weights: w1: i1→h1, w2: i2→h1, w3: i1→h2, w4: i2→h2, w5: h1→o1, w6: h2→o1, w7: h1→o2,
w8: h2→o2; b1 is shared by both hidden units, b2 by both outputs::

    net_hj = Σᵢ w·iᵢ + b1,  hj = σ(net_hj);   net_ok = Σⱼ w·hⱼ + b2,  ok = σ(net_ok)
    E = ½ Σₖ (tₖ − oₖ)²
    δ_ok = (oₖ − tₖ)·oₖ(1 − oₖ);   ∂E/∂w(h_j→o_k) = δ_ok·hⱼ;   ∂E/∂b2 = δ_o1 + δ_o2
    δ_hj = (Σₖ w(h_j→o_k)·δ_ok)·hⱼ(1 − hⱼ);   ∂E/∂w(i_i→h_j) = δ_hj·iᵢ;   ∂E/∂b1 = δ_h1 + δ_h2
    w ← w − η·∂E/∂w   (biases too when update_biases)

The solver runs tamrin's autograd (the δ are the gradients at net_h and net_o, kept with
``retain_grad``) and asserts that the hand formulas above give the same numbers.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

import tamrin
from tamrin.homework import tex
from tamrin.homework.document import Block, Paragraph, Table
from tamrin.homework.problem import Mistake, Param, Params, Problem, Quantity, Solution, Step
from tamrin.homework.problems._common import agree, f64

WEIGHTS = [f"w{i}" for i in range(1, 9)]
GRADIENTS = [f"dE_d{w}" for w in WEIGHTS] + ["dE_db1", "dE_db2"]
CONNECTIONS = ["i1→h1", "i2→h1", "i1→h2", "i2→h2", "h1→o1", "h2→o1", "h1→o2", "h2→o2"]
DELTAS = "Output deltas"  # the step where ∂E/∂o and σ′ enter
SATURATION = 3.0  # |net| ≤ 3: σ′ ≥ 0.045, no saturated unit in a drawn variant


def _arrays(p: Params) -> tuple[np.ndarray, ...]:
    """x, t, W1 (row j: weights into hidden unit j), W2 (row k: into output k), b1, b2."""
    w = [p[name] for name in WEIGHTS]
    return (np.array([p["i1"], p["i2"]]), np.array([p["t1"], p["t2"]]),
            np.array(w[:4]).reshape(2, 2), np.array(w[4:]).reshape(2, 2),
            float(p["b1"]), float(p["b2"]))


def _named(W1: np.ndarray, W2: np.ndarray, prefix: str = "") -> dict[str, float]:
    """{prefix+w1: …, …, prefix+w8: …} from the two weight matrices."""
    flat = [*np.ravel(W1), *np.ravel(W2)]
    return {prefix + name: float(v) for name, v in zip(WEIGHTS, flat)}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _error(x, t, W1, W2, b1, b2) -> float:
    """E = ½Σ(t − o)² of the forward pass."""
    o = _sigmoid(W2 @ _sigmoid(W1 @ x + b1) + b2)
    return float(0.5 * np.sum((t - o) ** 2))


def by_hand(p: Params, *, d_out: str = "o - t", slope: str = "output",
            bias: str = "sum") -> dict[str, float]:
    """Every quantity by the hand formulas of the module docstring — or by a mistaken
    variant: ``d_out="1"`` (∂E/∂o taken as 1), ``slope="net"`` (σ′ as net·(1 − net)),
    ``bias="first"`` (a shared bias gets only its first unit's δ)."""
    x, t, W1, W2, b1, b2 = _arrays(p)
    net_h = W1 @ x + b1
    h = _sigmoid(net_h)
    net_o = W2 @ h + b2
    o = _sigmoid(net_o)
    slope_h, slope_o = (h * (1 - h), o * (1 - o)) if slope == "output" else \
        (net_h * (1 - net_h), net_o * (1 - net_o))
    delta_o = (o - t if d_out == "o - t" else np.ones(2)) * slope_o
    delta_h = (W2.T @ delta_o) * slope_h
    g1, g2 = np.outer(delta_h, x), np.outer(delta_o, h)
    gb1, gb2 = (delta_h.sum(), delta_o.sum()) if bias == "sum" else (delta_h[0], delta_o[0])
    eta, step_b = p["eta"], p["eta"] if p["update_biases"] else 0.0
    new = (W1 - eta * g1, W2 - eta * g2, b1 - step_b * gb1, b2 - step_b * gb2)
    return {"h1": h[0], "h2": h[1], "o1": o[0], "o2": o[1],
            "E": float(0.5 * np.sum((t - o) ** 2)), **_named(g1, g2, "dE_d"),
            "dE_db1": float(gb1), "dE_db2": float(gb2), **_named(new[0], new[1]),
            "b1": float(new[2]), "b2": float(new[3]), "E_after": _error(x, t, *new[:2],
                                                                         *new[2:])}


def _forward(x, t, W1, b1, W2, b2) -> dict[str, tamrin.Tensor]:
    """The forward pass in tamrin, keeping the pre-activations' gradients (the δ)."""
    net_h = W1 @ x + b1
    h = tamrin.sigmoid(net_h)
    net_o = W2 @ h + b2
    o = tamrin.sigmoid(net_o)
    return {"net_h": net_h, "h": h, "net_o": net_o, "o": o,
            "E": 0.5 * ((t - o) ** 2).sum()}


class Backprop222(Problem):
    id = "backprop-222"
    title = "Backpropagation by hand: the 2-2-2 sigmoid network"
    summary = "forward pass, every gradient and one gradient-descent step of a 2-2-2 network"
    parameters = {**{k: Param("number", -10, 10) for k in ("i1", "i2", "t1", "t2")},
                  **{w: Param("number", -10, 10) for w in WEIGHTS},
                  "b1": Param("number", -10, 10), "b2": Param("number", -10, 10),
                  "eta": Param("number", 0, 10), "update_biases": Param("bool")}
    mistakes = (
        Mistake("dE_do_is_one",
                "∂E/∂o was taken as 1; it is o − t (the derivative of ½(t − o)²), so the "
                "targets drop out of every gradient",
                partial(by_hand, d_out="1"), step=DELTAS),
        Mistake("sigmoid_derivative_of_preactivation",
                "σ′ was computed from the pre-activation, net·(1 − net); it is "
                "σ(net)·(1 − σ(net)) = o·(1 − o), from the unit's output",
                partial(by_hand, slope="net"), step=DELTAS),
        Mistake("bias_gradient_not_summed",
                "a bias shared by two units gets the sum of their δ (∂E/∂b2 = δ_o1 + δ_o2), "
                "not the δ of one unit",
                partial(by_hand, bias="first")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        d = partial(tex.decimals, rng)
        return {"i1": d(0.05, 1), "i2": d(0.05, 1), "t1": d(0.01, 0.99), "t2": d(0.01, 0.99),
                **{w: d(-1, 1) for w in WEIGHTS}, "b1": d(-1, 1), "b2": d(-1, 1),
                "eta": float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 0.8, 1.0])),
                "update_biases": bool(rng.random() < 0.5)}

    def course(self) -> Params:
        """E1 of docs/course.md: claim 22's network, η = 0.3, biases updated."""
        weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
        return {"i1": 0.05, "i2": 0.10, "t1": 0.01, "t2": 0.99,
                **dict(zip(WEIGHTS, weights)), "b1": 0.35, "b2": 0.60, "eta": 0.3,
                "update_biases": True}

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        x, t, W1, W2, b1, b2 = _arrays(params)
        h = _sigmoid(W1 @ x + b1)
        nets = np.concatenate([W1 @ x + b1, W2 @ h + b2])
        o = np.array([solution.values["o1"], solution.values["o2"]])
        return bool(np.abs(nets).max() <= SATURATION and np.abs(t - o).min() >= 0.05)

    def quantities(self, params: Params) -> list[Quantity]:
        step = "after the step" + ("" if params["update_biases"] else " (biases are not updated)")
        return [Quantity("h1", r"output of hidden unit 1, $h_1$"),
                Quantity("h2", r"output of hidden unit 2, $h_2$"),
                Quantity("o1", r"output 1, $o_1$"), Quantity("o2", r"output 2, $o_2$"),
                Quantity("E", r"the error $E = \tfrac12\sum_k (t_k - o_k)^2$"),
                *[Quantity(f"dE_d{w}", rf"$\partial E/\partial w_{w[1]}$") for w in WEIGHTS],
                Quantity("dE_db1", r"$\partial E/\partial b_1$"),
                Quantity("dE_db2", r"$\partial E/\partial b_2$"),
                *[Quantity(w, rf"$w_{w[1]}$ after the step") for w in WEIGHTS],
                Quantity("b1", rf"$b_1$ {step}"), Quantity("b2", rf"$b_2$ {step}"),
                Quantity("E_after", "the error $E$ after the step")]

    def statement(self, params: Params) -> list[Block]:
        biases = ("Update the biases too" if params["update_biases"]
                  else "Keep the biases fixed")
        n = tex.number
        return [
            Paragraph("A network with two inputs $i_1, i_2$, two sigmoid hidden units "
                      "$h_1, h_2$ and two sigmoid outputs $o_1, o_2$, "
                      r"$\sigma(z) = 1/(1 + e^{-z})$. The bias $b_1$ is shared by both "
                      "hidden units and $b_2$ by both outputs; the error is "
                      r"$E = \tfrac12\sum_k (t_k - o_k)^2$."),
            Paragraph(f"Inputs $i_1 = {n(params['i1'])}$, $i_2 = {n(params['i2'])}$; targets "
                      f"$t_1 = {n(params['t1'])}$, $t_2 = {n(params['t2'])}$; biases "
                      f"$b_1 = {n(params['b1'])}$, $b_2 = {n(params['b2'])}$."),
            Table(["weight", "connection", "value"],
                  [[f"$w_{w[1]}$", c, f"${n(params[w])}$"]
                   for w, c in zip(WEIGHTS, CONNECTIONS)]),
            Paragraph(f"Do one step of gradient descent with learning rate "
                      rf"$\eta = {n(params['eta'])}$. {biases}."),
        ]

    def compute(self, params: Params) -> Solution:
        x, t, W1, W2, b1, b2 = _arrays(params)
        leaves = [f64(a, requires_grad=True) for a in (W1, b1, W2, b2)]
        fwd = _forward(f64(x), f64(t), *leaves)
        for name in ("net_h", "net_o"):
            fwd[name].retain_grad()
        fwd["E"].backward()
        g1, gb1, g2, gb2 = (p.grad.numpy() for p in leaves)
        eta, eta_b = params["eta"], params["eta"] if params["update_biases"] else 0.0
        new = [a.numpy() - rate * g for a, g, rate in
               zip(leaves, (g1, gb1, g2, gb2), (eta, eta_b, eta, eta_b))]
        with tamrin.no_grad():
            e_after = _forward(f64(x), f64(t), *(f64(a) for a in new))["E"].item()
        h, o = fwd["h"].numpy(), fwd["o"].numpy()
        values = {"h1": h[0], "h2": h[1], "o1": o[0], "o2": o[1], "E": fwd["E"].item(),
                  **_named(g1, g2, "dE_d"), "dE_db1": float(gb1), "dE_db2": float(gb2),
                  **_named(new[0], new[2]), "b1": float(new[1]), "b2": float(new[3]),
                  "E_after": e_after}
        values = {k: float(v) for k, v in values.items()}
        agree(self.id, values, by_hand(params))
        return Solution(values, self._steps(params, values, fwd))

    def _steps(self, params: Params, v: dict[str, float], fwd: dict[str, Any]) -> list[Step]:
        net_h, net_o = fwd["net_h"].numpy(), fwd["net_o"].numpy()
        delta_h, delta_o = fwd["net_h"].grad.numpy(), fwd["net_o"].grad.numpy()

        def pick(names: list[str]) -> dict[str, float]:
            return {k: v[k] for k in names}

        update = (r"w \leftarrow w - \eta\,\partial E/\partial w" +
                  (r",\quad b \leftarrow b - \eta\,\partial E/\partial b"
                   if params["update_biases"] else r"\quad(\text{biases kept})"))
        return [
            Step("Hidden layer", r"\mathrm{net}_{h_1} = w_1 i_1 + w_2 i_2 + b_1,\;"
                 r"\mathrm{net}_{h_2} = w_3 i_1 + w_4 i_2 + b_1,\; h_j = \sigma("
                 r"\mathrm{net}_{h_j})", pick(["h1", "h2"]),
                 {r"\mathrm{net}_{h_1}": net_h[0], r"\mathrm{net}_{h_2}": net_h[1]}),
            Step("Output layer", r"\mathrm{net}_{o_1} = w_5 h_1 + w_6 h_2 + b_2,\;"
                 r"\mathrm{net}_{o_2} = w_7 h_1 + w_8 h_2 + b_2,\; o_k = \sigma("
                 r"\mathrm{net}_{o_k})", pick(["o1", "o2"]),
                 {r"\mathrm{net}_{o_1}": net_o[0], r"\mathrm{net}_{o_2}": net_o[1]}),
            Step("Error", r"E = \tfrac12\left[(t_1 - o_1)^2 + (t_2 - o_2)^2\right]",
                 pick(["E"])),
            Step(DELTAS, r"\delta_{o_k} = \frac{\partial E}{\partial \mathrm{net}_{o_k}}"
                 r" = (o_k - t_k)\,o_k(1 - o_k)", {},
                 {r"\delta_{o_1}": delta_o[0], r"\delta_{o_2}": delta_o[1]}),
            Step("Gradients of the output weights and of b2",
                 r"\partial E/\partial w_5 = \delta_{o_1} h_1,\; \partial E/\partial w_6 = "
                 r"\delta_{o_1} h_2,\; \partial E/\partial w_7 = \delta_{o_2} h_1,\; "
                 r"\partial E/\partial w_8 = \delta_{o_2} h_2,\; \partial E/\partial b_2 = "
                 r"\delta_{o_1} + \delta_{o_2}", pick(GRADIENTS[4:8] + ["dE_db2"])),
            Step("Hidden deltas", r"\delta_{h_1} = (w_5\delta_{o_1} + w_7\delta_{o_2})\,"
                 r"h_1(1 - h_1),\; \delta_{h_2} = (w_6\delta_{o_1} + w_8\delta_{o_2})\,"
                 r"h_2(1 - h_2)", {},
                 {r"\delta_{h_1}": delta_h[0], r"\delta_{h_2}": delta_h[1]}),
            Step("Gradients of the hidden weights and of b1",
                 r"\partial E/\partial w_1 = \delta_{h_1} i_1,\; \partial E/\partial w_2 = "
                 r"\delta_{h_1} i_2,\; \partial E/\partial w_3 = \delta_{h_2} i_1,\; "
                 r"\partial E/\partial w_4 = \delta_{h_2} i_2,\; \partial E/\partial b_1 = "
                 r"\delta_{h_1} + \delta_{h_2}", pick(GRADIENTS[:4] + ["dE_db1"])),
            Step(f"Gradient-descent step (η = {tex.number(params['eta'])})", update,
                 pick(WEIGHTS + ["b1", "b2"])),
            Step("Error after the step", r"E' = \tfrac12\sum_k (t_k - o_k')^2 \text{ with "
                 r"the new weights}", pick(["E_after"])),
        ]
