"""Labs: every claim of the course as an experiment that measures, judges and explains.

A lab is one module in :mod:`tamrin.labs.catalog` that declares itself with
:func:`register` (``LAB = register(Lab(...))``); :func:`run_labs` runs its replicates,
judges and presents them, and saves results; :func:`write_report` turns results into a
self-contained HTML page. See docs/labs.md.
"""

from tamrin.labs import figures, stats
from tamrin.labs.lab import (
    DETERMINISTIC,
    DOES_NOT_HOLD,
    ERROR,
    HOLDS,
    NOT_AVAILABLE,
    OUTCOMES,
    Evidence,
    Figure,
    Judgement,
    Lab,
    Mistake,
    Presentation,
    Replicates,
    Result,
    Statistic,
    Table,
    verdict,
)
from tamrin.labs.registry import all_labs, get, register
from tamrin.labs.report import write_report
from tamrin.labs.runner import load_results, replicate_seeds, run_lab, run_labs, save_results

__all__ = [
    "DETERMINISTIC", "DOES_NOT_HOLD", "ERROR", "HOLDS", "NOT_AVAILABLE", "OUTCOMES",
    "Evidence", "Figure", "Judgement", "Lab", "Mistake", "Presentation", "Replicates",
    "Result", "Statistic", "Table", "all_labs", "figures", "get", "load_results", "register",
    "replicate_seeds", "run_lab", "run_labs", "save_results", "stats", "verdict",
    "write_report",
]
