"""Where datasets live: ``$TAMRIN_DATA`` if set, else a per-user cache folder."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache() -> Path:
    """``$XDG_CACHE_HOME/tamrin``, or ``~/.cache/tamrin`` by default."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tamrin"


def data_dir() -> Path:
    """Where fetched data goes (created if needed): ``$TAMRIN_DATA`` or the user cache."""
    root = os.environ.get("TAMRIN_DATA")
    path = Path(root).expanduser() if root else user_cache()
    path.mkdir(parents=True, exist_ok=True)
    return path
