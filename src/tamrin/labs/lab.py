"""What a lab is, how it is judged, and what running one gives back.

A :class:`Lab` is a declaration — a short name, a title, the claim in plain words, the
docs/course.md claim numbers it covers, the criterion (stated before anything is measured,
built from the lab's named threshold constants), the library parts and data sets it needs,
how many replicates it runs — and three functions:

``measure(quick, seed) -> dict``
    One replicate of the experiment. Numbers (int, float, bool) are the measurements the
    verdict is computed from; anything else (curves, arrays, images) is kept for figures.
``judge(replicates) -> Judgement``
    The verdict from the numbers of every replicate (a list of ``{name: number}``):
    a statistical statement with its reasons and statistics. It never runs anything, so a
    test can feed it made-up numbers.
``present(evidence) -> Presentation``
    Tables, figures, the common mistakes next to the measurements, and the explanation —
    written from the measured numbers and branching on the verdict.

A run of a lab has one of four outcomes: ``holds``, ``does not hold`` (the measurements
contradict the claim), ``not available`` (a declared library part or data set is missing;
the reason names the command that fixes it) and ``error`` (the lab raised: a bug, never a
refutation).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HOLDS = "holds"
DOES_NOT_HOLD = "does not hold"
NOT_AVAILABLE = "not available"
ERROR = "error"
OUTCOMES = (HOLDS, DOES_NOT_HOLD, NOT_AVAILABLE, ERROR)

Number = int | float | bool
Numbers = dict[str, Number]


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
    """A common mistake (docs/course.md) put to the test.

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
class Statistic:
    """One quantity the verdict rests on, over the replicates.

    ``values`` are the per-replicate values, ``estimate`` and ``low``–``high`` the summary
    and its interval (``interval`` names it, e.g. "95% t-interval of the mean"),
    ``test`` the condition in words and ``passed`` whether it was met.
    """

    name: str
    values: list[float]
    estimate: float
    low: float
    high: float
    interval: str
    test: str
    passed: bool

    def sentence(self) -> str:
        """One line for the report: the estimate, its interval, the test and its outcome."""
        spread = "" if self.low == self.high == self.estimate else \
            f" ({self.interval} {_g(self.low)} to {_g(self.high)})"
        return (f"{self.name}: {_g(self.estimate)}{spread} over {len(self.values)} "
                f"replicate{'s' if len(self.values) != 1 else ''} — "
                f"{'meets' if self.passed else 'fails'} the test {self.test}")


def _g(value: float) -> str:
    return f"{value:.4g}"


@dataclass
class Judgement:
    """A verdict with its reasons (one sentence per check) and the statistics behind it."""

    verdict: str
    reasons: list[str]
    statistics: list[Statistic] = field(default_factory=list)

    @classmethod
    def of(cls, *statistics: Statistic) -> Judgement:
        """The claim holds when every statistic passes its test."""
        return cls(verdict(all(s.passed for s in statistics)),
                   [s.sentence() for s in statistics], list(statistics))


@dataclass
class Evidence:
    """What ``present`` sees: every replicate's measurements (numbers and traces), the
    judgement, the mode, the replicate seeds, and the folder for figures."""

    replicates: list[dict[str, Any]]
    judgement: Judgement
    quick: bool
    seeds: list[int]
    out_dir: Path

    @property
    def holds(self) -> bool:
        return self.judgement.verdict == HOLDS

    def values(self, name: str) -> list[Any]:
        """``name`` in every replicate, in replicate order."""
        return [r[name] for r in self.replicates]

    @property
    def first(self) -> dict[str, Any]:
        """The first replicate (the one whose curves the figures usually show)."""
        return self.replicates[0]


@dataclass
class Presentation:
    """What a lab shows besides the verdict: tables, figures, mistakes, explanation."""

    explanation: str
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)


@dataclass
class Result:
    """Everything one run of a lab produced (saved in results.json)."""

    lab: str
    verdict: str
    criterion: str
    reasons: list[str] = field(default_factory=list)
    statistics: list[Statistic] = field(default_factory=list)
    replicates: list[Numbers] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    explanation: str = ""
    reason: str = ""
    quick: bool = True
    seed: int = 0
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.verdict not in OUTCOMES:
            raise ValueError(f"Result: verdict {self.verdict!r} is not one of {OUTCOMES}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (the inverse of :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        """Rebuild a result saved by :meth:`to_dict`."""
        d = dict(d)
        d["statistics"] = [Statistic(**s) for s in d.get("statistics", [])]
        d["tables"] = [Table(**t) for t in d.get("tables", [])]
        d["mistakes"] = [Mistake(**m) for m in d.get("mistakes", [])]
        d["figures"] = [Figure(**f) for f in d.get("figures", [])]
        return cls(**d)


MeasureFn = Callable[[bool, int], dict[str, Any]]
JudgeFn = Callable[[Sequence[Numbers]], Judgement]
PresentFn = Callable[[Evidence], Presentation]


@dataclass(frozen=True)
class Replicates:
    """How many independent replicates a lab runs in quick and in full mode (1 and 1 for
    a lab without randomness: its one run is exact)."""

    quick: int = 3
    full: int = 10

    def count(self, quick: bool) -> int:
        return self.quick if quick else self.full


DETERMINISTIC = Replicates(1, 1)


@dataclass(frozen=True)
class Lab:
    """A lab's declaration (see the module docstring).

    ``requires`` names library parts as ``"module"`` or ``"module:attribute"``;
    ``datasets`` names data sets of ``tamrin data`` (e.g. ``"fashion-mnist"``). Both are
    checked before the lab runs.
    """

    name: str
    title: str
    claim: str
    claims: tuple[int, ...]
    criterion: str
    measure: MeasureFn
    judge: JudgeFn
    present: PresentFn
    replicates: Replicates = Replicates()
    requires: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """The required parts that cannot be imported now (empty when all are present)."""
        return [part for part in self.requires if not _importable(part)]

    def unavailable_reason(self) -> str:
        """Why the lab cannot run now (naming the command that fixes it), or ""."""
        missing = self.missing()
        if missing:
            return ("needs " + ", ".join(missing) + ", which this installation of tamrin "
                    "does not provide (pip install -e '.[labs]' from the repository)")
        from tamrin.data.registry import get_dataset

        absent = [name for name in self.datasets if not get_dataset(name).is_present()]
        if absent:
            return ("needs the data set" + ("s " if len(absent) > 1 else " ")
                    + ", ".join(absent) + ", which is not on this machine: run "
                    + " && ".join(f"tamrin data fetch {name}" for name in absent))
        return ""


def _importable(part: str) -> bool:
    module, _, attribute = part.partition(":")
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return False
    return not attribute or hasattr(mod, attribute)
