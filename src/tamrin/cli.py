"""The ``tamrin`` command line: one sub-command per job.

Each sub-command is added by a small ``_add_<name>`` function that declares its arguments
and points ``func`` at a handler; handlers import what they need lazily, so ``tamrin --help``
stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

_ADDERS: list[Callable[[argparse._SubParsersAction], None]] = []


def subcommand(adder: Callable[[argparse._SubParsersAction], None]) -> Callable:
    """Register a function that adds one sub-command to the parser."""
    _ADDERS.append(adder)
    return adder


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tamrin", description="tamrin: deep learning from scratch on NumPy, and its labs."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for adder in _ADDERS:
        adder(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
