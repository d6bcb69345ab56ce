"""Where datasets live: ``$TAMRIN_DATA``, or a per-user cache folder by default."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data directory (created if needed): ``$TAMRIN_DATA`` or ``~/.cache/tamrin``."""
    root = os.environ.get("TAMRIN_DATA")
    if root:
        path = Path(root).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "tamrin"
    path.mkdir(parents=True, exist_ok=True)
    return path
