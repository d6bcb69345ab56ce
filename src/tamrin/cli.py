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


@subcommand
def _add_labs(sub: argparse._SubParsersAction) -> None:
    """``tamrin labs list`` and ``tamrin labs run NAME... | --all``."""
    labs = sub.add_parser("labs", help="list or run the labs (the course's claims, measured)")
    actions = labs.add_subparsers(dest="labs_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="one line per lab").set_defaults(func=_labs("list_labs"))
    run = actions.add_parser("run", help="run labs, save results.json and the HTML report")
    run.add_argument("names", nargs="*", metavar="NAME", help="labs to run (see `labs list`)")
    run.add_argument("--all", action="store_true", help="run every lab")
    run.add_argument("--quick", action="store_true", help="small sizes (all labs in minutes)")
    _add_lab_run_options(run)
    run.set_defaults(func=_labs("run"))


@subcommand
def _add_report(sub: argparse._SubParsersAction) -> None:
    """``tamrin report``: the HTML report, from saved results or by running every lab."""
    rep = sub.add_parser("report", help="write DIR/index.html from DIR/results.json, "
                         "running every lab (quick) when there are no results yet")
    rep.add_argument("--full", action="store_true", help="full sizes when labs must run")
    rep.add_argument("--rerun", action="store_true", help="run every lab even if results exist")
    _add_lab_run_options(rep)
    rep.set_defaults(func=_labs("report"))


def _add_lab_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seed of every lab (default 0)")
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")


def _labs(handler: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports ``tamrin.labs.commands`` only when the command runs."""

    def run(args: argparse.Namespace) -> int:
        from tamrin.labs import commands

        return getattr(commands, handler)(args)

    return run


@subcommand
def _add_data(sub: argparse._SubParsersAction) -> None:
    """``tamrin data list | fetch NAME... | verify``."""
    data = sub.add_parser("data", help="the data sets: where they are, fetching, checking")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="each data set: where it is, size, checksum, licence") \
        .set_defaults(func=_data("list_sets"))
    for verb, text in (("fetch", "fetch data sets (verified, written atomically)"),
                       ("verify", "check the files of data sets against their checksums")):
        action = actions.add_parser(verb, help=text)
        action.add_argument("names", nargs="*", metavar="NAME")
        action.add_argument("--all", action="store_true", help="every data set")
        action.add_argument("--required", action="store_true",
                            help="the data sets the labs and the test suite use")
        if verb == "fetch":
            action.add_argument("--quiet", action="store_true", help="no progress output")
        action.set_defaults(func=_data(verb))


def _data(handler: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports ``tamrin.data.commands`` only when the command runs."""

    def run(args: argparse.Namespace) -> int:
        from tamrin.data import commands

        return getattr(commands, handler)(args)

    return run


@subcommand
def _add_train(sub: argparse._SubParsersAction) -> None:
    """``tamrin train``: train a model with progress, checkpoints and a JSON history."""
    tr = sub.add_parser("train", help="train a model, write checkpoints and history, print "
                        "the test metrics")
    tr.add_argument("--model", choices=("mlp", "lenet", "resnet"), default="mlp")
    tr.add_argument("--data", choices=("digits", "fashion-mnist", "mnist"), default="digits")
    tr.add_argument("--epochs", type=int, default=10)
    tr.add_argument("--lr", type=float, default=1e-3)
    tr.add_argument("--batch-size", type=int, default=64)
    tr.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    tr.add_argument("--hidden", type=lambda s: [int(n) for n in s.split(",")],
                    default=[256, 128], help="MLP hidden sizes, e.g. 256,128")
    tr.add_argument("--dropout", type=float, default=0.0, help="MLP dropout")
    tr.add_argument("--val-fraction", type=float, default=0.1)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--out", default="runs/train", help="folder for checkpoints and history")
    tr.add_argument("--resume", action="store_true", help="continue from OUT/last.safetensors")
    tr.add_argument("--no-progress", action="store_true", help="no progress bar")
    tr.set_defaults(func=_train("train"))


@subcommand
def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    """``tamrin evaluate CHECKPOINT``: the test metrics of a checkpoint of ``tamrin train``."""
    ev = sub.add_parser("evaluate", help="test metrics of a checkpoint written by train")
    ev.add_argument("checkpoint")
    ev.add_argument("--data", choices=("digits", "fashion-mnist", "mnist"), default=None,
                    help="dataset (default: the one it was trained on)")
    ev.set_defaults(func=_train("evaluate_checkpoint"))


def _train(handler: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports ``tamrin.train.commands`` only when the command runs."""

    def run(args: argparse.Namespace) -> int:
        from tamrin.train import commands

        return getattr(commands, handler)(args)

    return run


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
    from tamrin.nn import SpecError, from_spec, summary

    try:
        shape = tuple(int(n) for n in args.input.lower().replace("×", "x").split("x"))
    except ValueError:
        print(f"tamrin summary: --input must look like 1x128x128, got {args.input!r}",
              file=sys.stderr)
        return 2
    try:
        print(summary(from_spec(args.spec, shape), shape))
    except SpecError as e:
        print(f"tamrin summary: {e}", file=sys.stderr)
        return 2
    return 0


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
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
