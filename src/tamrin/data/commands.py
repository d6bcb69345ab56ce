"""What ``tamrin data list``, ``tamrin data fetch`` and ``tamrin data verify`` do."""

from __future__ import annotations

import argparse
import sys

from tamrin.data.fetch import DataUnavailableError
from tamrin.data.registry import DATASETS, get_dataset


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB" if n else "-"


def list_sets(args: argparse.Namespace) -> int:
    """One block per data set: title, licence, and each file's place, size and checksum."""
    for name, dataset in DATASETS.items():
        need = "needed by the labs and tests" if dataset.required else "optional"
        print(f"{name}  ({need}; licence {dataset.licence})\n  {dataset.title}")
        for check in dataset.verify():
            where = check.path if check.path is not None else "-"
            print(f"  {check.name:<40} {_size(check.size):>9}  {check.state:<22} {where}")
    return 0


def _selected(args: argparse.Namespace, verb: str) -> list[str] | None:
    chosen = [n for n, d in DATASETS.items() if args.all or (args.required and d.required)]
    names = list(dict.fromkeys([*args.names, *chosen]))
    if not names:
        print(f"tamrin data {verb}: name data sets, or give --all or --required",
              file=sys.stderr)
        return None
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        print(f"tamrin data {verb}: no data set named {unknown[0]!r}; known: "
              f"{', '.join(DATASETS)}", file=sys.stderr)
        return None
    return names


def fetch(args: argparse.Namespace) -> int:
    """Make the named data sets present and verified; 2 if one could not be had."""
    names = _selected(args, "fetch")
    if names is None:
        return 2
    failed = 0
    for name in names:
        try:
            get_dataset(name).fetch(progress=not args.quiet)
            if not args.quiet:
                print(f"{name}: ready")
        except (DataUnavailableError, FileNotFoundError) as err:
            print(f"tamrin data fetch: {err}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def verify(args: argparse.Namespace) -> int:
    """Check every file of the named sets (default: all); 1 if one is corrupt, or missing
    while named or required (an optional set that was never fetched is not an error)."""
    named = set(args.names)
    args.all = args.all or not (args.names or args.required)
    names = _selected(args, "verify")
    if names is None:
        return 2
    bad = 0
    for name in names:
        dataset = get_dataset(name)
        for check in dataset.verify():
            ok = check.state in ("verified", "bundled", "no reference checksum")
            excused = check.state == "missing" and not (dataset.required or name in named)
            bad += not ok and not excused
            print(f"{name}/{check.name}: {check.state}")
    return 1 if bad else 0
