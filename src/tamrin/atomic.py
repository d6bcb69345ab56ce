"""Atomic file writes: a reader sees the old file or the new one, never a torn one.

The bytes go to a temporary file beside the destination, named ``.<name>.<pid>.<random>.tmp``,
are flushed to disk, and the temporary file is then renamed over the destination (an
atomic step on POSIX). A writer killed before the rename leaves only its temporary file;
the next write to the same destination removes every such leftover whose writer process
is gone (the pid in its name no longer runs), so killed writers never pile up orphans.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

Writer = Callable[[BinaryIO], None]


def atomic_write_bytes(path: str | os.PathLike, data: bytes | Writer) -> Path:
    """Write ``data`` (bytes, or a function that writes to a binary file) to ``path``
    atomically, removing stale temporaries of dead writers first. Returns the path."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, (bytes, bytearray, memoryview)):
                f.write(data)
            else:
                data(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that writers of ``path`` left when they were killed
    (those whose pid no longer runs); returns what was removed."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[^.]+\.tmp$")
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = pattern.match(name)
        if match and not _running(int(match.group(1))):
            try:
                os.remove(folder / name)
                removed.append(folder / name)
            except FileNotFoundError:  # another writer cleaned it up first
                pass
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True
