"""Reading files out of a Debian package (``.deb``) with the standard library alone.

A ``.deb`` is an ``ar`` archive: the global header ``!<arch>\\n``, then members, each a
60-byte header (name 16, mtime 12, owner 6, group 6, mode 8, size 10, magic ``\\x60\\n``)
followed by ``size`` bytes and a padding byte when ``size`` is odd. Its members are
``debian-binary``, ``control.tar.*`` and ``data.tar.*`` — the installed files, a tar archive
compressed with xz, gzip, bzip2 or nothing, which :mod:`tarfile` reads.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

AR_MAGIC = b"!<arch>\n"
_HEADER = 60


class DebError(ValueError):
    """A file that is not a readable Debian package."""


def ar_members(path: str | os.PathLike) -> Iterator[tuple[str, int, int]]:
    """(name, offset, size) of every member of the ``ar`` archive at ``path``."""
    path = Path(path)
    total = path.stat().st_size
    with open(path, "rb") as f:
        if f.read(len(AR_MAGIC)) != AR_MAGIC:
            raise DebError(f"{path}: not an ar archive (a .deb starts with '!<arch>')")
        offset = len(AR_MAGIC)
        while offset < total:
            f.seek(offset)
            header = f.read(_HEADER)
            if len(header) < _HEADER or header[58:60] != b"`\n":
                raise DebError(f"{path}: member header at byte {offset} is truncated or corrupt")
            name = header[:16].decode("ascii", "replace").strip().rstrip("/")
            try:
                size = int(header[48:58].decode("ascii").strip())
            except ValueError:
                raise DebError(f"{path}: member {name!r} has an unreadable size") from None
            start = offset + _HEADER
            if size < 0 or start + size > total:
                raise DebError(f"{path}: member {name!r} claims {size} bytes but the file "
                               f"ends at {total} (truncated)")
            yield name, start, size
            offset = start + size + (size % 2)


def data_archive(path: str | os.PathLike) -> tarfile.TarFile:
    """The ``data.tar.*`` member of the package, opened for reading."""
    for name, start, size in ar_members(path):
        if name.startswith("data.tar"):
            with open(path, "rb") as f:
                f.seek(start)
                blob = f.read(size)
            try:
                return tarfile.open(fileobj=io.BytesIO(blob), mode="r:*")
            except tarfile.TarError as err:
                raise DebError(f"{path}: {name} is not a readable tar archive ({err})") from None
    raise DebError(f"{Path(path)}: no data.tar.* member (not a binary Debian package)")


def extract_files(path: str | os.PathLike, folder: str, names: list[str]) -> dict[str, bytes]:
    """The contents of ``folder/<name>`` inside the package's data archive, for each name
    found (paths in a data archive start with ``./``; regular files only)."""
    wanted = {f"{folder.strip('/')}/{name}": name for name in names}
    found: dict[str, bytes] = {}
    with data_archive(path) as archive:
        for member in archive:
            key = member.name.removeprefix("./")
            if key in wanted and member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    found[wanted[key]] = handle.read()
    return found
