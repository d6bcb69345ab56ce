"""The example lab in docs/labs.md runs as written (in its own process, so its registration
does not leak into the registry the other tests see)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "labs.md"


def test_docs_example_lab_runs_and_holds(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    done = subprocess.run([sys.executable, "-c", blocks[0]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("holds"), done.stdout
    assert (tmp_path / "report-example" / "sigmoid-slope" / "slopes.png").exists()
