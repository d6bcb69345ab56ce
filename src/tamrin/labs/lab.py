"""What a lab is and what running one gives back.

A :class:`Lab` is a declaration: a short name, a title, the claim in plain words, the
COURSE.md claim numbers it covers, the library parts it needs, and the experiment — a
function ``run(quick, seed, out_dir) -> Result``. The :class:`Result` holds what was
measured (named numbers, small tables, "mistaken formula vs measurement" rows, figures),
the verdict computed from those numbers and the criterion it was computed against.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HOLDS = "holds"
DOES_NOT_HOLD = "does not hold"
NOT_AVAILABLE = "not available"
VERDICTS = (HOLDS, DOES_NOT_HOLD, NOT_AVAILABLE)


def verdict(ok: bool) -> str:
    """The verdict for a criterion that evaluated to ``ok``."""
    return HOLDS if ok else DOES_NOT_HOLD


@dataclass
class Table:
    """A small table of numbers: a title, column headers and rows (cells: str or number)."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Mistake:
    """A common mistake (COURSE.md §3) put to the test.

    ``mistaken`` and ``correct`` are the two formulas in words, ``*_value`` what each
    predicts, ``measured`` what the experiment found.
    """

    mistaken: str
    mistaken_value: float
    correct: str
    correct_value: float
    measured: float


@dataclass
class Figure:
    """A PNG written by the lab: its path relative to the output folder, and a caption."""

    path: str
    caption: str


@dataclass
class Result:
    """Everything one run of a lab produced."""

    lab: str
    verdict: str
    criterion: str
    measurements: dict[str, float] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    explanation: str = ""
    reason: str = ""
    quick: bool = True
    seed: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"Result: verdict {self.verdict!r} is not one of {VERDICTS}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (the inverse of :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        """Rebuild a result saved by :meth:`to_dict`."""
        d = dict(d)
        d["tables"] = [Table(**t) for t in d.get("tables", [])]
        d["mistakes"] = [Mistake(**m) for m in d.get("mistakes", [])]
        d["figures"] = [Figure(**f) for f in d.get("figures", [])]
        return cls(**d)


RunFn = Callable[[bool, int, Path], Result]


@dataclass(frozen=True)
class Lab:
    """A lab's declaration.

    ``requires`` names the library parts the experiment uses, as ``"module"`` or
    ``"module:attribute"``; ``run`` is None while the experiment is not written yet.
    """

    name: str
    title: str
    claim: str
    claims: tuple[int, ...]
    requires: tuple[str, ...] = ()
    run: RunFn | None = None

    def missing(self) -> list[str]:
        """The required parts that cannot be imported now (empty when all are present)."""
        return [part for part in self.requires if not _importable(part)]

    def unavailable_reason(self) -> str:
        """Why the lab cannot run now, or "" when it can."""
        missing = self.missing()
        if missing:
            return "needs " + ", ".join(missing) + ", which the library does not provide yet"
        if self.run is None:
            return "the experiment is not written yet (its library parts are now present)"
        return ""


def _importable(part: str) -> bool:
    module, _, attribute = part.partition(":")
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return False
    return not attribute or hasattr(mod, attribute)
