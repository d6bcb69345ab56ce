"""``precision-recall``: the screening metrics from a confusion matrix::

    precision = TP/(TP + FP)     of the predicted positives, how many are real
    recall    = TP/(TP + FN)     of the real positives, how many are found
    F1        = 2·P·R/(P + R)    the harmonic mean
    accuracy  = (TP + TN)/(TP + FP + FN + TN)

The solver builds label vectors with these counts and calls ``tamrin.metrics``; it asserts
the formulas above agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tamrin import metrics
from tamrin.homework.document import Block, Paragraph, Table
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
from tamrin.homework.problems._common import agree

COUNTS = ("tp", "fp", "fn", "tn")


def by_hand(p: Params, *, swapped: bool = False, f1: str = "harmonic") -> dict[str, float]:
    """The four metrics by the formulas — or mistaken: ``swapped`` denominators of
    precision and recall, ``f1="arithmetic"`` (F1 as (P + R)/2)."""
    tp, fp, fn, tn = (p[k] for k in COUNTS)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    if swapped:
        precision, recall = recall, precision
    f1_value = (2 * precision * recall / (precision + recall) if f1 == "harmonic"
                else (precision + recall) / 2)
    return {"precision": precision, "recall": recall, "f1": f1_value,
            "accuracy": (tp + tn) / (tp + fp + fn + tn)}


def labels(p: Params) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) with exactly the counts TP, FP, FN, TN."""
    pairs = [(1, 1)] * p["tp"] + [(0, 1)] * p["fp"] + [(1, 0)] * p["fn"] + [(0, 0)] * p["tn"]
    y_true, y_pred = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
    return y_true, y_pred


class PrecisionRecall(Problem):
    id = "precision-recall"
    title = "Precision, recall, F1 and accuracy"
    summary = "the four metrics of a screening test from its TP, FP, FN and TN"
    parameters = {k: Param("integer", 0, 1_000_000) for k in COUNTS}
    mistakes = (
        Mistake("swapped",
                "precision and recall were swapped: precision = TP/(TP + FP) (of the predicted "
                "positives), recall = TP/(TP + FN) (of the real positives)",
                partial(by_hand, swapped=True)),
        Mistake("f1_arithmetic_mean",
                "F1 is the harmonic mean 2PR/(P + R), not the arithmetic mean (P + R)/2",
                partial(by_hand, f1="arithmetic")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        return {"tp": int(rng.integers(1, 41)), "fp": int(rng.integers(1, 21)),
                "fn": int(rng.integers(1, 21)), "tn": int(rng.integers(1, 61))}

    def course(self) -> Params:
        """E4 of docs/course.md."""
        return {"tp": 3, "fp": 2, "fn": 1, "tn": 4}

    def check_consistency(self, params: Params) -> None:
        if params["tp"] == 0 or sum(params.values()) > 1_000_000:
            raise ParameterProblem("tp", "TP must be positive (else precision and recall are "
                                         "0/0 or 0) and the counts at most 1,000,000 in all")

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("precision", "precision"), Quantity("recall", "recall"),
                Quantity("f1", "the F1 score"), Quantity("accuracy", "accuracy")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph("A screening test for a disease, on patients whose true status is "
                          "known, gives this confusion matrix:"),
                Table(["", "predicted positive", "predicted negative"],
                      [["really positive", f"TP = {params['tp']}", f"FN = {params['fn']}"],
                       ["really negative", f"FP = {params['fp']}", f"TN = {params['tn']}"]]),
                Paragraph("Give its precision, recall, F1 score and accuracy.")]

    def compute(self, params: Params) -> Solution:
        y_true, y_pred = labels(params)
        values = {"precision": metrics.precision_score(y_true, y_pred),
                  "recall": metrics.recall_score(y_true, y_pred),
                  "f1": metrics.f1_score(y_true, y_pred),
                  "accuracy": metrics.accuracy_score(y_true, y_pred)}
        values = {k: float(v) for k, v in values.items()}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Precision", r"P = \frac{TP}{TP + FP}", {"precision": values["precision"]}),
            Step("Recall", r"R = \frac{TP}{TP + FN}", {"recall": values["recall"]}),
            Step("F1", r"F_1 = \frac{2PR}{P + R}", {"f1": values["f1"]}),
            Step("Accuracy", r"\frac{TP + TN}{TP + FP + FN + TN}",
                 {"accuracy": values["accuracy"]}),
        ])
