"""Claim 37: in screening, recall (the share of diseased patients caught) matters more than
precision, and sweeping the decision threshold trades one for the other — on real data.

Breast-cancer diagnosis (scikit-learn's Wisconsin data, malignant = positive) with
``LogisticRegression``. A screening threshold is chosen on the training data alone
(out-of-fold probabilities, recall ≥ 0.99) and judged on held-out patients, over many random
train/test splits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer

from tamrin.data import StratifiedKFold, train_test_split
from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.registry import register
from tamrin.metrics import precision_recall_curve, precision_score, recall_score
from tamrin.models.classical import LogisticRegression

TARGET = 0.99  # the screening recall asked for on the training data
HELD_OUT = 0.97  # the recall it must keep on unseen patients
SWEEP = (0.9, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02)


def _model() -> LogisticRegression:
    return LogisticRegression(lr=0.5, max_iter=1000)


def screening_threshold(scores: np.ndarray, y: np.ndarray, target: float) -> float:
    """The highest threshold whose recall on (scores, y) is at least ``target``."""
    positives = np.sort(scores[y == 1])[::-1]
    return float(positives[int(np.ceil(target * len(positives))) - 1])


def _split(x, y, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """One stratified 70/30 split: test labels, test probabilities, and the screening
    threshold chosen from 5-fold out-of-fold probabilities on the training part."""
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, random_state=seed,
                                              stratify=y)
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)  # standardise on training data only
    x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
    out_of_fold = np.zeros(len(y_tr))
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(x_tr, y_tr):
        out_of_fold[held] = _model().fit(x_tr[fit], y_tr[fit]).predict_proba(x_tr[held])[:, 1]
    tau = screening_threshold(out_of_fold, y_tr, TARGET)
    return y_te, _model().fit(x_tr, y_tr).predict_proba(x_te)[:, 1], tau


def counts(y: np.ndarray, predicted: np.ndarray) -> dict[str, int]:
    """True positives, false positives (false alarms) and false negatives (missed)."""
    return {"TP": int(np.sum(predicted & (y == 1))), "FP": int(np.sum(predicted & (y == 0))),
            "FN": int(np.sum(~predicted & (y == 1)))}


def _plot(y, p, points: dict[str, tuple[float, float]], rows, out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    precision, recall, _ = precision_recall_curve(y, p)
    axes[0].plot(recall, precision, label="precision–recall curve")
    for (name, (r, q)), marker in zip(points.items(), ("o", "s")):
        axes[0].plot(r, q, marker, ms=8, label=name)
    axes[0].set(xlabel="recall  TP/(TP + FN)", ylabel="precision  TP/(TP + FP)",
                title="held-out patients, all splits pooled")
    axes[0].legend(fontsize=8)
    thresholds = [r[0] for r in rows]
    axes[1].semilogx(thresholds, [r[1] for r in rows], "o-", label="precision")
    axes[1].semilogx(thresholds, [r[2] for r in rows], "s-", label="recall")
    axes[1].set(xlabel="threshold on P(malignant)", ylabel="precision, recall",
                title="lowering the threshold (to the left)")
    twin = axes[1].twinx()
    twin.semilogx(thresholds, [r[5] for r in rows], "^:", color="tab:red",
                  label="missed cancers (FN)")
    twin.set_ylabel("missed cancers")
    lines = axes[1].get_legend_handles_labels()
    extra = twin.get_legend_handles_labels()
    axes[1].legend(lines[0] + extra[0], lines[1] + extra[1], fontsize=8, loc="center left")
    return figures.save(fig, out_dir, "precision_recall",
                        "Left: the precision–recall curve of the classifier on held-out "
                        "patients with the default and the screening operating points. Right: "
                        "precision, recall and missed cancers as the threshold falls.")


@register("screening-recall", "Screening: recall over precision",
          "For disease screening recall matters more than precision, and sweeping the "
          "threshold trades one for the other.", (37,),
          ("tamrin.metrics:precision_recall_curve",
           "tamrin.models.classical:LogisticRegression"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    data = load_breast_cancer()
    x, y = data.data, (data.target == 0).astype(np.int64)  # malignant = 1
    splits = [_split(x, y, seed * 1000 + r) for r in range(10 if quick else 50)]
    y_all = np.concatenate([s[0] for s in splits])
    p_all = np.concatenate([s[1] for s in splits])
    screen = np.concatenate([s[1] >= s[2] for s in splits])
    taus = np.array([s[2] for s in splits])
    operating = {"default threshold 0.5": p_all >= 0.5,
                 f"screening threshold (recall ≥ {TARGET} on training folds)": screen}
    found = {name: counts(y_all, pred) for name, pred in operating.items()}
    scores = {name: (recall_score(y_all, pred), precision_score(y_all, pred))
              for name, pred in operating.items()}
    (r_default, q_default), (r_screen, q_screen) = scores.values()
    default, screening = found.values()
    ok = (screening["FN"] < default["FN"] and screening["FP"] > default["FP"]
          and r_screen >= HELD_OUT and q_screen < q_default)
    rows = []
    for t in SWEEP:
        c = counts(y_all, p_all >= t)
        rows.append([t, precision_score(y_all, p_all >= t), recall_score(y_all, p_all >= t),
                     c["TP"], c["FP"], c["FN"]])
    tp, fp, fn = screening["TP"], screening["FP"], screening["FN"]
    return Result(
        lab="screening-recall", verdict=verdict(ok),
        criterion=f"on held-out patients of {len(splits)} random splits, the screening "
                  "threshold (chosen on training data only) misses fewer cancers and raises "
                  "more false alarms than the default 0.5 — recall up, precision down — and "
                  f"keeps recall ≥ {HELD_OUT} on the unseen patients",
        measurements={"recall at 0.5": r_default, "precision at 0.5": q_default,
                      "recall at the screening threshold": r_screen,
                      "precision at the screening threshold": q_screen,
                      "missed cancers at 0.5": default["FN"],
                      "missed cancers at the screening threshold": fn,
                      "false alarms at 0.5": default["FP"],
                      "false alarms at the screening threshold": fp,
                      "false alarms added per cancer caught":
                          (fp - default["FP"]) / max(default["FN"] - fn, 1),
                      "screening threshold (mean over splits)": float(taus.mean()),
                      "held-out malignant cases (all splits)": int(y_all.sum())},
        tables=[Table("The two operating points (held-out patients, all splits pooled)",
                      ["threshold", "recall", "precision", "TP", "FP (false alarms)",
                       "FN (missed cancers)"],
                      [[name, r, q, c["TP"], c["FP"], c["FN"]]
                       for (name, (r, q)), c in zip(scores.items(), found.values())]),
                Table("Threshold sweep (held-out patients, all splits pooled)",
                      ["threshold", "precision", "recall", "TP", "FP", "FN"], rows)],
        mistakes=[Mistake("precision = TP/(TP + FN)", tp / (tp + fn),
                          "precision = TP/(TP + FP)", tp / (tp + fp), q_screen),
                  Mistake("recall = TP/(TP + FP)", tp / (tp + fp),
                          "recall = TP/(TP + FN)", tp / (tp + fn), r_screen)],
        figures=[_plot(y_all, p_all, {"threshold 0.5": (r_default, q_default),
                                      "screening threshold": (r_screen, q_screen)},
                       rows, out_dir)],
        explanation="Recall TP/(TP + FN) is the share of malignant tumours the test flags; "
                    "precision TP/(TP + FP) the share of flagged patients who really have "
                    "one. Lowering the threshold flags more patients: no flagged patient is "
                    "ever un-flagged, so recall can only rise, while the newly flagged are "
                    "increasingly benign cases, so precision falls. In screening a missed "
                    "cancer (FN) goes untreated, whereas a false alarm (FP) costs a follow-up "
                    "test, so one accepts several false alarms per cancer caught — the table "
                    "shows the measured exchange rate. The threshold is chosen on training "
                    "data only; on new patients the recall stays close to the target. Swapping "
                    "the denominators turns precision into recall and back: the mistaken "
                    "formulas give the other metric's value, not the measured one.",
    )
