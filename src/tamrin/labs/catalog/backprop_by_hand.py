"""Claim 22: the classic 2-2-2 sigmoid network, one gradient-descent step by the library's
autograd and by hand-written backprop formulas — and the mistaken ∂E/∂o = 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, leaf
from tamrin.labs.registry import register

X = np.array([0.05, 0.10])
TARGET = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.25], [0.20, 0.30]])  # w1..w4: column j feeds hidden unit j
W2 = np.array([[0.40, 0.50], [0.45, 0.55]])  # w5..w8: column k feeds output unit k
B1, B2 = 0.35, 0.60  # one bias shared by each layer's two units
LR = 0.5
COURSE_E = 0.298371  # the forward error the course states, to 6 decimals


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def forward(params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, float]:
    """Hidden outputs h, outputs o and E = ½Σ(t − o)²."""
    h = sigmoid(X @ params["W1"] + params["b1"])
    o = sigmoid(h @ params["W2"] + params["b2"])
    return h, o, float(0.5 * np.sum((TARGET - o) ** 2))


def hand_step(params: dict[str, np.ndarray], mistaken: bool = False) -> dict[str, np.ndarray]:
    """One GD step with the chain rule written out:
    δₒ = ∂E/∂o · o(1 − o) with ∂E/∂o = o − t (or 1, the mistake); ∂E/∂W2 = h δₒᵀ;
    δₕ = (W2 δₒ) · h(1 − h); ∂E/∂W1 = x δₕᵀ; a shared bias gets the sum of its units' δ."""
    h, o, _ = forward(params)
    d_out = np.ones_like(o) if mistaken else o - TARGET
    delta_o = d_out * o * (1 - o)
    delta_h = (params["W2"] @ delta_o) * h * (1 - h)
    grads = {"W2": np.outer(h, delta_o), "b2": delta_o.sum(),
             "W1": np.outer(X, delta_h), "b1": delta_h.sum()}
    return {k: params[k] - LR * grads[k] for k in params}


def autograd_step(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same step with tamrin's autograd doing the derivatives."""
    p = {k: leaf(v) for k, v in params.items()}
    h = tamrin.sigmoid(as_tensor(X) @ p["W1"] + p["b1"])
    o = tamrin.sigmoid(h @ p["W2"] + p["b2"])
    (0.5 * ((as_tensor(TARGET) - o) ** 2).sum()).backward()
    return {k: v.numpy() - LR * v.grad.numpy() for k, v in p.items()}


def _errors(step, params, steps: int) -> list[float]:
    errors = [forward(params)[2]]
    for _ in range(steps):
        params = step(params)
        errors.append(forward(params)[2])
    return errors


def _weights(params) -> list[float]:
    return [*params["W1"].T.ravel(), *params["W2"].T.ravel()]  # w1..w8 in the course's order


@register("backprop-by-hand", "Backprop by hand: the 2-2-2 network",
          "For the classic 2-2-2 sigmoid network (inputs 0.05, 0.10; weights 0.15 … 0.55; "
          "biases 0.35, 0.60; targets 0.01, 0.99) the forward error is E = 0.298371, and one "
          "gradient step computed by the library's autograd equals the step computed by the "
          "hand-derived formulas; using ∂E/∂o = 1 instead of o − t does not move the outputs "
          "towards the targets.", (22,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    start = {"W1": W1, "b1": np.array(B1), "W2": W2, "b2": np.array(B2)}
    e0 = forward(start)[2]
    by_hand, by_autograd = hand_step(start), autograd_step(start)
    diff = max(float(np.abs(by_hand[k] - by_autograd[k]).max()) for k in start)
    steps = 200 if quick else 10000
    curves = {"autograd": _errors(autograd_step, start, steps),
              "hand formulas": _errors(hand_step, start, steps),
              "mistaken ∂E/∂o = 1": _errors(lambda p: hand_step(p, mistaken=True), start, steps)}
    final_o = forward(by_autograd)[1]
    ok = (abs(e0 - COURSE_E) < 5e-7 and diff < 1e-12 and forward(by_autograd)[2] < e0
          and curves["autograd"][-1] < e0 / 5 and curves["mistaken ∂E/∂o = 1"][-1] > e0)
    fig, (ax,) = figures.subplots(width=6)
    for name, errors in curves.items():
        ax.plot(errors, label=name, ls="--" if name == "hand formulas" else "-")
    ax.set(xlabel="gradient-descent step (η = 0.5)", ylabel="E = ½Σ(t − o)²",
           title="The 2-2-2 network")
    ax.legend()
    return Result(
        lab="backprop-by-hand", verdict=verdict(ok),
        criterion=f"forward E within 5e-7 of {COURSE_E}; autograd and hand formulas give the "
                  "same updated parameters to 1e-12; the step lowers E, and after "
                  f"{steps} steps E is below a fifth of its start with the right gradient "
                  "but above its start with ∂E/∂o = 1",
        measurements={"forward E": e0, "E after one step": forward(by_autograd)[2],
                      "max |hand − autograd| after one step": diff,
                      f"E after {steps} steps (autograd)": curves["autograd"][-1],
                      f"E after {steps} steps (∂E/∂o = 1)": curves["mistaken ∂E/∂o = 1"][-1],
                      "outputs after one step: o₁": float(final_o[0]),
                      "outputs after one step: o₂": float(final_o[1])},
        tables=[Table("Weights after one step (η = 0.5)", ["weight", "start", "hand formulas",
                                                           "autograd"],
                      [[f"w{i + 1}", a, b, c] for i, (a, b, c) in enumerate(
                          zip(_weights(start), _weights(by_hand), _weights(by_autograd)))]
                      + [[name, float(start[k]), float(by_hand[k]), float(by_autograd[k])]
                         for name, k in (("b1", "b1"), ("b2", "b2"))])],
        mistakes=[Mistake("∂E/∂o = 1", curves["mistaken ∂E/∂o = 1"][-1],
                          "∂E/∂o = o − t", curves["hand formulas"][-1],
                          curves["autograd"][-1])],
        figures=[figures.save(fig, out_dir, "error_vs_step",
                              "Error of the 2-2-2 network under gradient descent: autograd, "
                              "the hand formulas, and the mistaken ∂E/∂o = 1.")],
        explanation="The hand step applies the chain rule layer by layer: δₒ = (o − t)·o(1 − o) "
                    "at the outputs, ∂E/∂w = (input of w)·δ, δₕ = (W₂δₒ)·h(1 − h) one layer "
                    "down, and a bias shared by two units collects the sum of their δ. "
                    "Autograd performs exactly these products, so the two steps agree to "
                    "rounding. Replacing o − t by 1 drops the targets from the gradient: it "
                    "pushes both outputs down whatever the targets are, so o₂ (target 0.99) "
                    "moves away and the error grows. The mistake row shows E after the "
                    "training steps (measured = autograd).",
    )
