"""``classification_report``: per-class precision, recall, F1 and support, then averages,
laid out as scikit-learn lays it out (or returned as a dict)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.metrics._checks import ZeroDivision, check_pair
from tamrin.metrics.classification import precision_recall_fscore_support

_HEADERS = ("precision", "recall", "f1-score", "support")


def _rows(t: np.ndarray, p: np.ndarray, labels: np.ndarray, names: list[str],
          zero_division: ZeroDivision, accuracy_row: bool) -> dict[str, Any]:
    """Every row of the report as {name: {header: value}} ('accuracy' a float)."""
    per_class = precision_recall_fscore_support(t, p, labels=labels, average=None,
                                                zero_division=zero_division)
    support = float(per_class[3].sum())
    rows: dict[str, Any] = {
        name: dict(zip(_HEADERS, (float(v[i]) for v in per_class)))
        for i, name in enumerate(names)
    }
    for average in ("micro", "macro", "weighted"):
        avg = precision_recall_fscore_support(t, p, labels=labels, average=average,
                                              zero_division=zero_division)
        if average == "micro" and accuracy_row:
            rows["accuracy"] = avg[0]
        else:
            rows[f"{average} avg"] = dict(zip(_HEADERS, (*avg[:3], support)))
    return rows


def _format(rows: dict[str, Any], n_classes: int, digits: int) -> str:
    """scikit-learn's layout: a header, the class rows, a blank line, the average rows."""
    width = max(max(len(name) for name in rows), len("weighted avg"), digits)
    out = f"{'':>{width}s} " + "".join(f" {h:>9}" for h in _HEADERS) + "\n\n"
    for i, (name, row) in enumerate(rows.items()):
        if i == n_classes:
            out += "\n"
        if name == "accuracy":
            support = int(rows["macro avg"]["support"])
            blanks = f" {'':>9}" * 2
            out += f"{name:>{width}s} {blanks} {row:>9.{digits}f} {support:>9}\n"
        else:
            values = "".join(f" {row[h]:>9.{digits}f}" for h in _HEADERS[:3])
            out += f"{name:>{width}s} {values} {int(row['support']):>9}\n"
    return out


def classification_report(y_true: Any, y_pred: Any, *, labels: Any = None,
                          target_names: list[str] | None = None, digits: int = 2,
                          output_dict: bool = False,
                          zero_division: ZeroDivision = "warn") -> str | dict[str, Any]:
    """A text (or dict) report of precision, recall, F1 and support per class, with the
    accuracy (or, for a subset of labels, the micro average), macro and weighted averages."""
    t, p = check_pair(y_true, y_pred)
    present = np.unique(np.concatenate([t, p]))
    given = labels is not None
    labels = np.asarray(labels) if given else present
    if target_names is not None and len(target_names) != len(labels):
        raise ValueError(f"classification_report: {len(labels)} labels but "
                         f"{len(target_names)} target_names")
    names = list(target_names) if target_names is not None else [str(x) for x in labels]
    accuracy_row = not given or set(labels.tolist()) >= set(present.tolist())
    rows = _rows(t, p, labels, names, zero_division, accuracy_row)
    return rows if output_dict else _format(rows, len(names), digits)
