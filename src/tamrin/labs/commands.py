"""What ``tamrin labs list``, ``tamrin labs run`` and ``tamrin report`` do."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tamrin.labs import registry
from tamrin.labs.lab import ERROR, HOLDS, NOT_AVAILABLE, Lab, Result
from tamrin.labs.report import outcome_summary, write_report
from tamrin.labs.runner import RESULTS_FILE, load_results, run_labs


def list_labs(args: argparse.Namespace) -> int:
    """Print one line per lab: name, title, the course claims it covers."""
    labs = registry.all_labs()
    width = max(len(lab.name) for lab in labs)
    for lab in labs:
        print(f"{lab.name:<{width}}  {lab.title}  (claims {', '.join(map(str, lab.claims))})")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the named labs (or all), write results.json and the report. Exit status: 0 when
    every lab holds, 1 when some claim does not hold (and every lab ran), 3 when a lab raised
    or was not available."""
    if args.all == bool(args.names):
        print("tamrin labs run: give lab names or --all (not both)", file=sys.stderr)
        return 2
    try:
        labs = registry.all_labs() if args.all else [registry.get(n) for n in args.names]
    except KeyError as exc:
        print(f"tamrin labs run: {exc.args[0]}", file=sys.stderr)
        return 2
    _writable(Path(args.out))
    results = run_labs(labs, quick=args.quick, seed=args.seed, out_dir=args.out, jobs=args.jobs)
    return _finish(list(zip(labs, results)), Path(args.out))


def _writable(out: Path) -> None:
    """Create the output folder now, so a bad --out fails before any lab runs."""
    out.mkdir(parents=True, exist_ok=True)
    probe = out / ".tamrin-write-test"
    probe.write_bytes(b"")
    probe.unlink()


def report(args: argparse.Namespace) -> int:
    """Write the report from saved results, or run every lab first when there are none."""
    out = Path(args.out)
    if (out / RESULTS_FILE).exists() and not args.rerun:
        results = load_results(out)
        try:
            pairs = [(registry.get(r.lab), r) for r in results]
        except KeyError as exc:
            print(f"tamrin report: {out / RESULTS_FILE}: {exc.args[0]}", file=sys.stderr)
            return 2
        return _finish(pairs, out)
    labs = registry.all_labs()
    _writable(out)
    results = run_labs(labs, quick=not args.full, seed=args.seed, out_dir=out, jobs=args.jobs)
    return _finish(list(zip(labs, results)), out)


def _finish(pairs: list[tuple[Lab, Result]], out: Path) -> int:
    """Write the report, name the labs that did not hold, and end with the outcome counts."""
    path = write_report(pairs, out)
    print(f"report: {path.resolve()}")
    for lab, r in pairs:
        if r.verdict != HOLDS:
            first = (r.reason.strip().splitlines() or [""])[-1] if r.reason else \
                "; ".join(x for x in r.reasons if "fails" in x)
            print(f"  {lab.name}: {r.verdict} — {first}", file=sys.stderr)
    print(outcome_summary([r for _, r in pairs]))
    if any(r.verdict in (ERROR, NOT_AVAILABLE) for _, r in pairs):
        return 3
    return 0 if all(r.verdict == HOLDS for _, r in pairs) else 1
