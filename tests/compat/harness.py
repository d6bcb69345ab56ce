"""Running a learner's PyTorch script on PyTorch and on tamrin, and comparing its numbers.

A script in ``scripts/`` is plain PyTorch code (``import torch``, ``import torch.nn as nn``,
``from torch.utils.data import DataLoader`` …). ``run(path, "tamrin", folder)`` executes it
with tamrin installed under PyTorch's module names — the one change a student makes is the
import line, and here not even that — and returns what it printed. ``numbers(text)`` takes
every number out of the printout: that is what is compared with the PyTorch run, since the
way a value is printed differs in details (``torch.Size([2, 3])`` against ``(2, 3)``,
``torch.float32`` against ``float32``) where the numbers do not. The names of graph nodes
(``grad_fn=<SubBackward0>``: the 0 is part of PyTorch's name) and object addresses are not
numbers of the computation and are left out.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

SCRIPTS = Path(__file__).parent / "scripts"

TORCH_NAMES = {  # the module PyTorch code imports -> the tamrin module that stands for it
    "torch": "tamrin",
    "torch.nn": "tamrin.nn",
    "torch.nn.functional": "tamrin.nn.functional",
    "torch.nn.init": "tamrin.nn.init",
    "torch.optim": "tamrin.optim",
    "torch.optim.lr_scheduler": "tamrin.optim.lr_scheduler",
    "torch.utils": "tamrin.utils",
    "torch.utils.data": "tamrin.utils.data",
    "torch.autograd": "tamrin.autograd",
}
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
NOT_NUMBERS = re.compile(r"grad_fn=<\w+>|<\w+ object at 0x[0-9a-f]+>")


@contextlib.contextmanager
def torch_is(library: str) -> Iterator[None]:
    """Within the block, ``import torch`` (and its submodules) gives ``library``."""
    if library == "torch":
        yield
        return
    saved = {name: sys.modules.get(name) for name in TORCH_NAMES}
    try:
        for name, target in TORCH_NAMES.items():
            sys.modules[name] = importlib.import_module(target)
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def run(path: Path, library: str, folder: Path) -> str:
    """Execute the script at ``path`` as ``__main__`` on ``library`` ("torch" or "tamrin"),
    in ``folder`` (for the files it writes); return what it printed."""
    code = compile(path.read_text(), str(path), "exec")
    printed = io.StringIO()
    here = os.getcwd()
    os.chdir(folder)
    try:
        with torch_is(library), contextlib.redirect_stdout(printed):
            exec(code, {"__name__": "__main__", "__file__": str(path)})
    finally:
        os.chdir(here)
    return printed.getvalue()


def numbers(text: str) -> list[float]:
    """Every number printed, in order."""
    return [float(n) for n in NUMBER.findall(NOT_NUMBERS.sub("", text))]
