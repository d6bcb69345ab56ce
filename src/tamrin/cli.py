"""The ``tamrin`` command line: one sub-command per job.

Each sub-command is added by a small ``_add_<name>`` function that declares its arguments
and points ``func`` at a handler; handlers import what they need lazily, so ``tamrin --help``
stays fast.

Errors: a bad argument, file or value is one line on stderr and exit status 2 (argparse's
convention); Ctrl-C is one line and 130; only a bug in tamrin prints a traceback (with a
line asking to report it) and exits 1. ``TAMRIN_DEBUG=1`` prints tracebacks always.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from tamrin.validation import MAX_SEED

_ADDERS: list[Callable[[argparse._SubParsersAction], None]] = []


def subcommand(adder: Callable[[argparse._SubParsersAction], None]) -> Callable:
    """Register a function that adds one sub-command to the parser."""
    _ADDERS.append(adder)
    return adder


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the usage itself is in ``--help``)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def _number(kind: type, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite int or float inside the given range."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        below = low is not None and (value <= low if low_open else value < low)
        above = high is not None and (value >= high if high_open else value > high)
        if below or above:
            lo = "" if low is None else f"{'>' if low_open else '≥'} {low}"
            hi = "" if high is None else f"{'<' if high_open else '≤'} {high}"
            raise argparse.ArgumentTypeError(f"must be {' and '.join(x for x in (lo, hi) if x)}"
                                             f", got {text}")
        return value

    return parse


def _sizes(text: str) -> list[int]:
    """``256,128`` → [256, 128]: positive integers separated by commas."""
    parse = _number(int, 1)
    return [int(parse(part)) for part in text.split(",")]


SEED = _number(int, 0, MAX_SEED)


def _lazy(module: str, handler: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports ``module`` only when the command runs (``tamrin --help`` stays
    fast) and calls its function ``handler``."""

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), handler)(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tamrin", description="tamrin: deep learning from scratch on NumPy, and its labs."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for adder in _ADDERS:
        adder(sub)
    return parser


@subcommand
def _add_labs(sub: argparse._SubParsersAction) -> None:
    """``tamrin labs list`` and ``tamrin labs run NAME... | --all``."""
    labs = sub.add_parser("labs", help="list or run the labs (the course's claims, measured)")
    actions = labs.add_subparsers(dest="labs_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="one line per lab") \
        .set_defaults(func=_lazy("tamrin.labs.commands", "list_labs"))
    run = actions.add_parser("run", help="run labs, save results.json and the HTML report")
    run.add_argument("names", nargs="*", metavar="NAME", help="labs to run (see `labs list`)")
    run.add_argument("--all", action="store_true", help="run every lab")
    run.add_argument("--quick", action="store_true", help="small sizes (all labs in minutes)")
    _add_lab_run_options(run)
    run.set_defaults(func=_lazy("tamrin.labs.commands", "run"))


@subcommand
def _add_report(sub: argparse._SubParsersAction) -> None:
    """``tamrin report``: the HTML report, from saved results or by running every lab."""
    rep = sub.add_parser("report", help="write DIR/index.html from DIR/results.json, "
                         "running every lab (quick) when there are no results yet")
    rep.add_argument("--full", action="store_true", help="full sizes when labs must run")
    rep.add_argument("--rerun", action="store_true", help="run every lab even if results exist")
    _add_lab_run_options(rep)
    rep.set_defaults(func=_lazy("tamrin.labs.commands", "report"))


def _add_lab_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=SEED, default=0, help="seed of every lab (default 0)")
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.add_argument("--jobs", type=_number(int, 1), default=1,
                        help="worker processes (default 1)")


@subcommand
def _add_data(sub: argparse._SubParsersAction) -> None:
    """``tamrin data list | fetch NAME... | verify``."""
    data = sub.add_parser("data", help="the data sets: where they are, fetching, checking")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="each data set: where it is, size, checksum, licence") \
        .set_defaults(func=_lazy("tamrin.data.commands", "list_sets"))
    for verb, text in (("fetch", "fetch data sets (verified, written atomically)"),
                       ("verify", "check the files of data sets against their checksums")):
        action = actions.add_parser(verb, help=text)
        action.add_argument("names", nargs="*", metavar="NAME")
        action.add_argument("--all", action="store_true", help="every data set")
        action.add_argument("--required", action="store_true",
                            help="the data sets the labs and the test suite use")
        if verb == "fetch":
            action.add_argument("--quiet", action="store_true", help="no progress output")
        action.set_defaults(func=_lazy("tamrin.data.commands", verb))


@subcommand
def _add_train(sub: argparse._SubParsersAction) -> None:
    """``tamrin train``: train a model with progress, checkpoints and a JSON history."""
    tr = sub.add_parser("train", help="train a model, write checkpoints and history, print "
                        "the test metrics")
    tr.add_argument("--model", choices=("mlp", "lenet", "resnet"), default="mlp")
    tr.add_argument("--data", choices=("digits", "fashion-mnist", "mnist"), default="digits")
    tr.add_argument("--epochs", type=_number(int, 1), default=10)
    tr.add_argument("--lr", type=_number(float, 0, low_open=True), default=1e-3)
    tr.add_argument("--batch-size", type=_number(int, 1), default=64)
    tr.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    tr.add_argument("--hidden", type=_sizes, default=[256, 128],
                    help="MLP hidden sizes, e.g. 256,128")
    tr.add_argument("--dropout", type=_number(float, 0, 1, high_open=True), default=0.0,
                    help="MLP dropout, in [0, 1)")
    tr.add_argument("--val-fraction", type=_number(float, 0, 1, True, True), default=0.1,
                    help="share of the training data held out for validation, in (0, 1)")
    tr.add_argument("--seed", type=SEED, default=0)
    tr.add_argument("--out", default="runs/train", help="folder for checkpoints and history")
    tr.add_argument("--resume", action="store_true", help="continue from OUT/last.safetensors")
    tr.add_argument("--no-progress", action="store_true", help="no progress bar")
    tr.set_defaults(func=_lazy("tamrin.train.commands", "train"))


@subcommand
def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    """``tamrin evaluate CHECKPOINT``: the test metrics of a checkpoint of ``tamrin train``."""
    ev = sub.add_parser("evaluate", help="test metrics of a checkpoint written by train")
    ev.add_argument("checkpoint")
    ev.add_argument("--data", choices=("digits", "fashion-mnist", "mnist"), default=None,
                    help="dataset (default: the one it was trained on)")
    ev.set_defaults(func=_lazy("tamrin.train.commands", "evaluate_checkpoint"))


@subcommand
def _add_summary(sub: argparse._SubParsersAction) -> None:
    """``tamrin summary "CONV-9-32, POOL-2, FC-3" --input 1x128x128``: the layer table."""
    su = sub.add_parser("summary", help="per-layer output shapes and parameter counts of a "
                        "network written in the course's notation")
    su.add_argument("spec", help='e.g. "CONV-9-32, POOL-2, CONV-5-64, POOL-2, FC-3"')
    su.add_argument("--input", required=True, metavar="CxHxW",
                    help="input shape without the batch axis, e.g. 1x128x128")
    su.set_defaults(func=_summary)


def _summary(args: argparse.Namespace) -> int:
    from tamrin.nn import summarize_spec

    text = args.input.lower().replace("×", "x")
    parts = text.split("x")
    if not all(p.isascii() and p.isdigit() and 0 < len(p) <= 9 and int(p) > 0 for p in parts):
        raise ValueError(f"--input must look like 1x128x128 (positive sizes), got "
                         f"{args.input[:40]!r}")
    print(summarize_spec(args.spec, tuple(int(p) for p in parts)))
    return 0


@subcommand
def _add_homework(sub: argparse._SubParsersAction) -> None:
    """``tamrin homework list | new | solve | check | grade``."""
    hw = sub.add_parser("homework", help="the course's exercises: per-student variants, "
                        "worked solutions, a checker that names the mistake")
    actions = hw.add_subparsers(dest="homework_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="the problem types and the mistakes each one names") \
        .set_defaults(func=_lazy("tamrin.homework.commands", "list_problems"))
    new = actions.add_parser("new", help="write problems.md/.html, problem.json and an "
                             "empty answers.toml")
    which = new.add_mutually_exclusive_group()
    which.add_argument("--problems", metavar="ID,...", help="problem ids (see `list`)")
    which.add_argument("--all", action="store_true", help="every problem (the default)")
    numbers = new.add_mutually_exclusive_group(required=True)
    numbers.add_argument("--seed", type=SEED, help="the variant: numbers drawn from this seed")
    numbers.add_argument("--course", action="store_true", help="the course's own numbers")
    new.add_argument("--out", required=True, metavar="DIR", help="output folder")
    new.add_argument("--force", action="store_true", help="overwrite an existing answers.toml")
    new.set_defaults(func=_lazy("tamrin.homework.commands", "new"))
    solve = actions.add_parser("solve", help="the worked solution and a correct answers file")
    solve.add_argument("dir", metavar="DIR", help="folder with problem.json (or the file)")
    solve.add_argument("--format", choices=("md", "html"), default="md")
    solve.set_defaults(func=_lazy("tamrin.homework.commands", "solve"))
    check = actions.add_parser("check", help="mark an answers file and name the mistakes "
                               "(exit 0 all correct, 1 some wrong, 2 unreadable)")
    check.add_argument("answers", metavar="ANSWERS.toml")
    check.add_argument("--problem", metavar="FILE", help="the problem.json (default: beside "
                       "the answers, or the file's `problem` key)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_rtol(check)
    check.set_defaults(func=_lazy("tamrin.homework.commands", "check"))
    grade = actions.add_parser("grade", help="grade a folder of answers files: grades.csv "
                               "and summary.html")
    grade.add_argument("folder", metavar="DIR_OF_ANSWER_FILES")
    grade.add_argument("--out", required=True, metavar="DIR")
    _add_rtol(grade)
    grade.set_defaults(func=_lazy("tamrin.homework.commands", "grade"))


def _add_rtol(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rtol", type=_number(float, 0, 1, True, True), default=1e-3,
                        help="relative tolerance of a correct answer, in (0, 1) (default 1e-3)")


@subcommand
def _add_playground(sub: argparse._SubParsersAction) -> None:
    """``tamrin playground [--port N] [--host H] [--open]``: the live web page."""
    pg = sub.add_parser("playground", help="a local web page: train a network live and watch "
                        "its loss, decision boundary, gradients and activations")
    pg.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    pg.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1: this machine only)")
    pg.add_argument("--open", action="store_true", help="open the page in a web browser")
    pg.set_defaults(func=_playground)


def _playground(args: argparse.Namespace) -> int:
    try:
        from tamrin.playground.server import serve
    except ImportError as err:
        print(f"tamrin playground needs the web packages ({err.name} is missing): "
              "pip install 'tamrin[web]'", file=sys.stderr)
        return 2
    return serve(args.host, args.port, args.open)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    action = getattr(args, f"{args.command}_command", None)
    name = " ".join(["tamrin", args.command, *([action] if action else [])])
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, TypeError, KeyError) as err:
        if os.environ.get("TAMRIN_DEBUG"):
            traceback.print_exc()
        print(f"{name}: {describe(err)}", file=sys.stderr)
        return 2
    except Exception:  # a bug: the traceback is what the report needs
        traceback.print_exc()
        print(f"{name}: this is a bug in tamrin; please report it with the command you ran "
              "and the traceback above", file=sys.stderr)
        return 1


def describe(err: BaseException) -> str:
    """An exception as one line: an OS error names its file, a KeyError loses its quotes."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    elif isinstance(err, KeyError) and err.args:
        text = str(err.args[0])
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
