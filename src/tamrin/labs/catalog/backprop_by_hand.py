"""Claim 22: the classic 2-2-2 sigmoid network, one gradient-descent step by the library's
autograd and by hand-written backprop formulas — and the mistaken ∂E/∂o = 1."""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin.labs import figures, stats
from tamrin.labs.lab import DETERMINISTIC, Evidence, Judgement, Lab, Mistake, Presentation, Table
from tamrin.labs.rawnet import as_tensor, leaf
from tamrin.labs.registry import register

X = np.array([0.05, 0.10])
TARGET = np.array([0.01, 0.99])
W1 = np.array([[0.15, 0.25], [0.20, 0.30]])  # w1..w4: column j feeds hidden unit j
W2 = np.array([[0.40, 0.50], [0.45, 0.55]])  # w5..w8: column k feeds output unit k
B1, B2 = 0.35, 0.60  # one bias shared by each layer's two units
LR = 0.5
COURSE_E = 0.298371  # the forward error the course states, to 6 decimals
# The course rounds E to 6 decimals, so the exact value lies within half a unit of the
# last place of it.
COURSE_ROUNDING = 5e-7
# Autograd and the hand formulas do the same float64 products in a different order; their
# results may differ by a few ulps of numbers of order 1 (ε ≈ 2.2e-16), never by 1e-12.
SAME = 1e-12
# The targets 0.01 and 0.99 lie inside the sigmoid's range, so gradient descent can drive E
# towards 0: after the training steps it must be far down — below a fifth of its start, not
# merely lower. ∂E/∂o = 1 pushes both outputs towards 0 whatever the targets, so with it the
# error must end above where it started (o₂'s target is 0.99).
FALL = 1 / 5


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
    """w1..w8 in the course's order."""
    return [float(v) for v in (*params["W1"].T.ravel(), *params["W2"].T.ravel())]


def measure(quick: bool, seed: int) -> dict:
    """The one deterministic run: the forward error, one step both ways, and E along
    ``steps`` steps with the right and the mistaken ∂E/∂o."""
    start = {"W1": W1, "b1": np.array(B1), "W2": W2, "b2": np.array(B2)}
    e0 = forward(start)[2]
    by_hand, by_autograd = hand_step(start), autograd_step(start)
    steps = 200 if quick else 10000
    curves = {"autograd": _errors(autograd_step, start, steps),
              "hand formulas": _errors(hand_step, start, steps),
              "mistaken ∂E/∂o = 1": _errors(lambda p: hand_step(p, mistaken=True), start, steps)}
    after = forward(by_autograd)
    return {
        "steps": steps, "forward E": e0, "E after one step": after[2],
        "max |hand − autograd| after one step": max(
            float(np.abs(by_hand[k] - by_autograd[k]).max()) for k in start),
        "E after the steps (autograd)": curves["autograd"][-1],
        "E after the steps (hand formulas)": curves["hand formulas"][-1],
        "E after the steps (∂E/∂o = 1)": curves["mistaken ∂E/∂o = 1"][-1],
        "outputs after one step: o₁": float(after[1][0]),
        "outputs after one step: o₂": float(after[1][1]),
        "curves": curves, "start": start, "by hand": by_hand, "by autograd": by_autograd,
    }


def judge(replicates: list[dict]) -> Judgement:
    (r,) = replicates
    e0 = r["forward E"]
    return Judgement.of(
        stats.exact("forward E", e0, COURSE_E, COURSE_ROUNDING),
        stats.exact("max |hand − autograd| after one step",
                    r["max |hand − autograd| after one step"], 0.0, SAME),
        stats.every("E after one step − forward E", [r["E after one step"] - e0], "< 0",
                    lambda v: v < 0),
        stats.every("E after the steps (autograd) / forward E",
                    [r["E after the steps (autograd)"] / e0], f"< {FALL:g}",
                    lambda v: v < FALL),
        stats.every("E after the steps (∂E/∂o = 1) / forward E",
                    [r["E after the steps (∂E/∂o = 1)"] / e0], "> 1", lambda v: v > 1),
    )


def present(ev: Evidence) -> Presentation:
    r = ev.first
    curves, steps, e0 = r["curves"], r["steps"], r["forward E"]
    start, by_hand, by_autograd = r["start"], r["by hand"], r["by autograd"]
    fig, (ax,) = figures.subplots(width=6)
    for name, errors in curves.items():
        ax.plot(errors, label=name, ls="--" if name == "hand formulas" else "-")
    ax.set(xlabel=f"gradient-descent step (η = {LR})", ylabel="E = ½Σ(t − o)²",
           title="The 2-2-2 network")
    ax.legend()
    facts = (
        f"The forward pass gives E = {e0:.9f} (the course: {COURSE_E}). After one step of "
        f"η = {LR} the hand formulas and autograd differ by at most "
        f"{r['max |hand − autograd| after one step']:.1e} in any parameter, and E is "
        f"{r['E after one step']:.9f} (outputs {r['outputs after one step: o₁']:.6f}, "
        f"{r['outputs after one step: o₂']:.6f}). After {steps} steps E is "
        f"{r['E after the steps (autograd)']:.3g} with the right gradient and "
        f"{r['E after the steps (∂E/∂o = 1)']:.3g} with ∂E/∂o = 1. ")
    if ev.holds:
        reading = (
            "The hand step applies the chain rule layer by layer: δₒ = (o − t)·o(1 − o) at the "
            "outputs, ∂E/∂w = (input of w)·δ, δₕ = (W₂δₒ)·h(1 − h) one layer down, and a bias "
            "shared by two units collects the sum of their δ. Autograd performs exactly these "
            "products, so the two steps agree to rounding. Replacing o − t by 1 drops the "
            "targets from the gradient: it pushes both outputs down whatever the targets are, "
            "so o₂ (target 0.99) moves away and the error grows.")
    else:
        reading = "The claim is not borne out in this run: see which of the tests above failed."
    return Presentation(
        explanation=facts + reading + " The mistake row shows E after the training steps "
                    "(measured = autograd).",
        tables=[Table(f"Weights after one step (η = {LR})",
                      ["weight", "start", "hand formulas", "autograd"],
                      [[f"w{i + 1}", a, b, c] for i, (a, b, c) in enumerate(
                          zip(_weights(start), _weights(by_hand), _weights(by_autograd)))]
                      + [[name, float(start[k]), float(by_hand[k]), float(by_autograd[k])]
                         for name, k in (("b1", "b1"), ("b2", "b2"))])],
        mistakes=[Mistake("∂E/∂o = 1", r["E after the steps (∂E/∂o = 1)"],
                          "∂E/∂o = o − t", r["E after the steps (hand formulas)"],
                          r["E after the steps (autograd)"])],
        figures=[figures.save(fig, ev.out_dir, "error_vs_step",
                              "Error of the 2-2-2 network under gradient descent: autograd, "
                              "the hand formulas, and the mistaken ∂E/∂o = 1.")],
    )


CRITERION = (
    f"the forward E is within {COURSE_ROUNDING:g} of the course's {COURSE_E}; autograd and the "
    f"hand formulas give the same updated parameters to {SAME:g}; the step lowers E; after "
    f"the steps (200 quick, 10,000 full) E is below {FALL:g} of its start with the right "
    f"gradient and above its start with ∂E/∂o = 1 (one deterministic run: nothing is random)")

LAB = register(Lab(
    name="backprop-by-hand", title="Backprop by hand: the 2-2-2 network",
    claim="For the classic 2-2-2 sigmoid network (inputs 0.05, 0.10; weights 0.15 … 0.55; "
          "biases 0.35, 0.60; targets 0.01, 0.99) the forward error is E = 0.298371, and one "
          "gradient step computed by the library's autograd equals the step computed by the "
          "hand-derived formulas; using ∂E/∂o = 1 instead of o − t does not move the outputs "
          "towards the targets.",
    claims=(22,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=DETERMINISTIC,
))
