"""Labs: every claim of the course as an experiment that measures, plots and judges.

A lab is one module in :mod:`tamrin.labs.catalog` that declares itself with
:func:`register`; :func:`run_labs` runs labs and saves their results, and
:func:`write_report` turns results into a self-contained HTML page. See docs/labs.md.
"""

from tamrin.labs.lab import (
    DOES_NOT_HOLD,
    HOLDS,
    NOT_AVAILABLE,
    Figure,
    Lab,
    Mistake,
    Result,
    Table,
    verdict,
)
from tamrin.labs.registry import all_labs, get, pending, register
from tamrin.labs.report import write_report
from tamrin.labs.runner import load_results, run_lab, run_labs, save_results

__all__ = [
    "DOES_NOT_HOLD", "HOLDS", "NOT_AVAILABLE", "Figure", "Lab", "Mistake", "Result", "Table",
    "all_labs", "get", "load_results", "pending", "register", "run_lab", "run_labs",
    "save_results", "verdict", "write_report",
]
