"""``adam-moments``: Adam's moments, their bias correction and its steps, for given
gradients g₁ … g_T of one parameter θ (m₀ = v₀ = 0)::

    mₜ = β₁ mₜ₋₁ + (1 − β₁) gₜ          vₜ = β₂ vₜ₋₁ + (1 − β₂) gₜ²
    m̂ₜ = mₜ / (1 − β₁ᵗ)                v̂ₜ = vₜ / (1 − β₂ᵗ)
    stepₜ = θₜ − θₜ₋₁ = −η m̂ₜ / (√v̂ₜ + ε)

Unrolled, m_T = (1 − β₁) Σₜ β₁^(T−t) gₜ, so for stationary gradients
E[m_T] = (1 − β₁ᵀ)·E[g] and E[v_T] = (1 − β₂ᵀ)·E[g²]: the factors the correction divides by.

The solver runs ``tamrin.optim.Adam`` on one parameter with these gradients and reads its
moments from the optimizer state; the expectation factors come from running it on the
constant gradient 1 (for which mₜ is exactly its factor times g). The formulas above are
asserted to agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tamrin import optim
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

PER_STEP = ("m", "v", "m_hat", "v_hat", "step")


def by_hand(p: Params, *, correction: str = "power t") -> dict[str, float]:
    """Every quantity by the formulas of the module docstring — or mistaken:
    ``correction="no power"`` divides by (1 − β) instead of (1 − βᵗ) (and gives the factors
    as 1 − β), ``correction="none"`` does not correct (factors 1)."""
    b1, b2, eps, lr = p["beta1"], p["beta2"], p["eps"], p["lr"]
    m = v = 0.0
    out: dict[str, float] = {}
    for t, g in enumerate(p["gradients"], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        c1, c2 = {"power t": (1 - b1**t, 1 - b2**t), "no power": (1 - b1, 1 - b2),
                  "none": (1.0, 1.0)}[correction]
        m_hat, v_hat = m / c1, v / c2
        step = -lr * m_hat / (np.sqrt(v_hat) + eps)
        out |= {f"m_{t}": m, f"v_{t}": v, f"m_hat_{t}": m_hat, f"v_hat_{t}": v_hat,
                f"step_{t}": step}
    T = len(p["gradients"])
    factors = {"power t": (1 - b1**T, 1 - b2**T), "no power": (1 - b1, 1 - b2),
               "none": (1.0, 1.0)}[correction]
    return out | {"E_m_factor": factors[0], "E_v_factor": factors[1]}


def _run_adam(p: Params, gradients: list[float]) -> list[tuple[float, float, float]]:
    """(mₜ, vₜ, θₜ − θₜ₋₁) of ``tamrin.optim.Adam`` fed ``gradients``, one per step."""
    theta = f64([0.0], requires_grad=True)
    opt = optim.Adam([theta], lr=p["lr"], betas=(p["beta1"], p["beta2"]), eps=p["eps"])
    trace = []
    for g in gradients:
        before = theta.numpy()[0].item()
        theta.grad = f64([g])
        opt.step()
        state = opt.state[theta]
        trace.append((state["exp_avg"][0].item(), state["exp_avg_sq"][0].item(),
                      theta.numpy()[0].item() - before))
    return trace


def _step_formula(t: int) -> str:
    """The update of step t in TeX."""
    formula = (r"m_T = \beta_1 m_P + (1-\beta_1) g_T,\; v_T = \beta_2 v_P + (1-\beta_2) g_T^2,"
               r"\; \hat m_T = \frac{m_T}{1-\beta_1^T},\; \hat v_T = \frac{v_T}{1-\beta_2^T},"
               r"\; \theta_T - \theta_P = -\eta\,\frac{\hat m_T}{\sqrt{\hat v_T} + \varepsilon}")
    return formula.replace("_T", f"_{{{t}}}").replace("^T", f"^{{{t}}}") \
        .replace("_P", f"_{{{t - 1}}}")


class AdamMoments(Problem):
    id = "adam-moments"
    title = "Adam's moments and bias correction"
    summary = "mₜ, vₜ, their bias-corrected m̂ₜ, v̂ₜ and the steps; E[m_T] and E[v_T] factors"
    parameters = {"gradients": Param("array", -1e6, 1e6, ndim=1, max_len=10),
                  "beta1": Param("number", 0, 0.9999), "beta2": Param("number", 0, 0.99999),
                  "eps": Param("number", 0, 1), "lr": Param("number", 0, 100)}
    mistakes = (
        Mistake("no_power_t",
                "the correction divided by (1 − β) instead of (1 − βᵗ): with m₀ = 0, "
                "E[mₜ] = (1 − β₁ᵗ)·E[g] — the power t counts the steps taken",
                partial(by_hand, correction="no power")),
        Mistake("no_bias_correction",
                "the moments were not bias-corrected: m̂ₜ = mₜ/(1 − β₁ᵗ) and "
                "v̂ₜ = vₜ/(1 − β₂ᵗ), because mₜ starts at 0 and E[mₜ] = (1 − β₁ᵗ)·E[g]",
                partial(by_hand, correction="none")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        return {"gradients": tex.decimals(rng, -2, 2, 3, places=1),
                "beta1": float(rng.choice([0.5, 0.8, 0.9])),
                "beta2": float(rng.choice([0.9, 0.99, 0.999])),
                "eps": 1e-8, "lr": float(rng.choice([0.1, 0.01, 0.001]))}

    def course(self) -> Params:
        """PyTorch's defaults (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, η = 1e-3), three gradients."""
        return {"gradients": [0.5, -1.0, 2.0], "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                "lr": 0.001}

    def check_consistency(self, params: Params) -> None:
        if params["eps"] <= 0:
            raise ParameterProblem("eps", "ε must be positive (it keeps the step finite)")

    def quantities(self, params: Params) -> list[Quantity]:
        def texts(t: int) -> dict[str, str]:
            return {"m": f"first moment $m_{{{t}}}$", "v": f"second moment $v_{{{t}}}$",
                    "m_hat": rf"bias-corrected $\hat m_{{{t}}}$",
                    "v_hat": rf"bias-corrected $\hat v_{{{t}}}$",
                    "step": rf"the step $\theta_{{{t}}} - \theta_{{{t - 1}}}$"}

        out = [Quantity(f"{k}_{t}", texts(t)[k])
               for t in range(1, len(params["gradients"]) + 1) for k in PER_STEP]
        return out + [Quantity("E_m_factor", r"$c$ in $E[m_T] = c\,E[g]$ (stationary $g$)"),
                      Quantity("E_v_factor", r"$c$ in $E[v_T] = c\,E[g^2]$")]

    def statement(self, params: Params) -> list[Block]:
        g = ", ".join(f"$g_{t} = {tex.number(x)}$" for t, x in
                      enumerate(params["gradients"], start=1))
        n = tex.number
        return [
            Paragraph(f"Adam with $\\beta_1 = {n(params['beta1'])}$, $\\beta_2 = "
                      f"{n(params['beta2'])}$, $\\varepsilon = {n(params['eps'])}$ and "
                      f"learning rate $\\eta = {n(params['lr'])}$ updates one parameter "
                      f"$\\theta$, starting with $m_0 = v_0 = 0$. Its gradients are {g}."),
            Paragraph(r"For each step t give $m_t$, $v_t$, the bias-corrected $\hat m_t$, "
                      r"$\hat v_t$ and the step $\theta_t - \theta_{t-1} = -\eta\,\hat m_t/"
                      r"(\sqrt{\hat v_t} + \varepsilon)$. Then, for stationary gradients, the "
                      f"factors $c$ with $E[m_T] = c\\,E[g]$ and $E[v_T] = c\\,E[g^2]$ at "
                      f"$T = {len(params['gradients'])}$."),
        ]

    def compute(self, params: Params) -> Solution:
        b1, b2 = params["beta1"], params["beta2"]
        values: dict[str, float] = {}
        steps: list[Step] = []
        for t, (m, v, step) in enumerate(_run_adam(params, params["gradients"]), start=1):
            now = {f"m_{t}": m, f"v_{t}": v, f"m_hat_{t}": m / (1 - b1**t),
                   f"v_hat_{t}": v / (1 - b2**t), f"step_{t}": step}
            values |= now
            steps.append(Step(f"Step {t} (g = {tex.number(params['gradients'][t - 1])})",
                              _step_formula(t), now))
        T = len(params["gradients"])
        m_T, v_T, _ = _run_adam(params, [1.0] * T)[-1]
        values |= {"E_m_factor": m_T, "E_v_factor": v_T}
        steps.append(Step("Expectations", rf"m_T = (1-\beta_1)\sum_t \beta_1^{{T-t}} g_t "
                          rf"\Rightarrow E[m_T] = (1-\beta_1^{{T}})E[g],\; E[v_T] = "
                          rf"(1-\beta_2^{{T}})E[g^2]\quad (T = {T})",
                          {"E_m_factor": m_T, "E_v_factor": v_T}))
        agree(self.id, values, by_hand(params))
        return Solution(values, steps)
