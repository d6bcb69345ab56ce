"""The data sets' chain of places and sources, on local files: TAMRIN_DATA, the user
cache, system folders, downloads (file:// and a served folder), a Debian package built
here and fetched by a stand-in apt-get; corrupt and partial downloads; the CLI."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import stat
import tarfile
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from tamrin import cli
from tamrin.data import sources
from tamrin.data.fetch import DataFile, DataUnavailableError, FileDataSet
from tamrin.data.idx import write_idx

NAMES = ("a-images.gz", "a-labels.gz")


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """An empty user cache and no TAMRIN_DATA."""
    monkeypatch.delenv("TAMRIN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _originals(folder: Path) -> dict[str, bytes]:
    """Two small gzipped IDX files written to ``folder``; returns their bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / NAMES[0], np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28))
    write_idx(folder / NAMES[1], np.array([3, 7], np.uint8))
    return {n: (folder / n).read_bytes() for n in NAMES}


def _specs(originals: dict[str, bytes]) -> tuple[DataFile, ...]:
    return tuple(DataFile(n, hashlib.sha256(gzip.decompress(b)).hexdigest(),
                          hashlib.md5(b).hexdigest()) for n, b in originals.items())


def _tiny(originals, **kw) -> FileDataSet:
    return FileDataSet("tiny", "a tiny set", "MIT", _specs(originals), **kw)


def test_tamrin_data_then_user_cache_then_system_folder(homes, monkeypatch):
    system = homes / "system"
    originals = _originals(system)
    dataset = _tiny(originals, system_dirs=(str(system),))
    assert dataset.find(NAMES[0]) == system / NAMES[0]
    _originals(homes / "cache" / "tamrin" / "tiny")
    assert dataset.find(NAMES[0]) == homes / "cache" / "tamrin" / "tiny" / NAMES[0]
    monkeypatch.setenv("TAMRIN_DATA", str(homes / "mine"))
    _originals(homes / "mine" / "tiny")
    assert dataset.find(NAMES[0]) == homes / "mine" / "tiny" / NAMES[0]
    assert dataset.destination() == homes / "mine" / "tiny"
    assert [c.state for c in dataset.verify()] == ["verified", "verified"]


def test_download_from_a_file_url_is_verified_and_lands_in_the_cache(homes):
    originals = _originals(homes / "mirror")
    dataset = _tiny(originals, sources=(sources.URLSource((
        "file:///nonexistent/", (homes / "mirror").as_uri() + "/")),))
    report = dataset.fetch()
    cache = homes / "cache" / "tamrin" / "tiny"
    assert sorted(os.listdir(cache)) == sorted(NAMES)
    assert (cache / NAMES[0]).read_bytes() == originals[NAMES[0]]
    assert report.fetched and not report.failures  # the file:// mirror answered
    assert dataset.path(NAMES[1]) == cache / NAMES[1]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; ``/cut/<name>`` announces the whole file but sends half of it."""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path.startswith("/cut/"):
            body = (Path(self.directory) / self.path[5:]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.close()
            return
        super().do_GET()


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on loopback: (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             partial(_Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_download_over_http(homes, served):
    folder, url = served
    originals = _originals(folder)
    _tiny(originals, sources=(sources.URLSource((url,)),)).fetch()
    assert (homes / "cache" / "tamrin" / "tiny" / NAMES[1]).read_bytes() == originals[NAMES[1]]


def test_corrupt_download_is_rejected_and_the_next_source_used(homes, served):
    folder, url = served
    originals = _originals(homes / "good")
    for name, data in originals.items():  # the served copies decompress to other content
        (folder / name).write_bytes(gzip.compress(gzip.decompress(data)[:-1] + b"\x01"))
    dataset = _tiny(originals, sources=(sources.URLSource((url,)),
                                        sources.URLSource(((homes / "good").as_uri() + "/",))))
    report = dataset.fetch()
    assert "SHA-256" in report.failures[0] and url in report.failures[0]
    cache = homes / "cache" / "tamrin" / "tiny"
    assert sorted(os.listdir(cache)) == sorted(NAMES)  # only the verified files, no temps


def test_partial_download_leaves_nothing_behind(homes, served):
    folder, url = served
    originals = _originals(folder)
    dataset = _tiny(originals, sources=(sources.URLSource((url + "cut/",)),))
    with pytest.raises(DataUnavailableError) as err:
        dataset.fetch()
    message = str(err.value)
    assert "cut/a-images.gz" in message and "could not be found or fetched" in message
    cache = homes / "cache" / "tamrin" / "tiny"
    assert not cache.exists() or os.listdir(cache) == []


def _ar(members: list[tuple[str, bytes]]) -> bytes:
    out = bytearray(b"!<arch>\n")
    for name, data in members:
        header = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n"
        out += header.encode("ascii") + data + (b"\n" if len(data) % 2 else b"")
    return bytes(out)


def _deb(path: Path, files: dict[str, bytes], folder: str) -> None:
    """A minimal binary .deb: debian-binary, control.tar.gz, data.tar.xz with ``files``."""
    def tar(entries: dict[str, bytes], mode: str) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode=mode) as archive:
            for name, data in entries.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    data = tar({f"./{folder}/{n}": b for n, b in files.items()}, "w:xz")
    control = tar({"./control": b"Package: tiny\n"}, "w:gz")
    path.write_bytes(_ar([("debian-binary", b"2.0\n"), ("control.tar.gz", control),
                          ("data.tar.xz", data)]))


@pytest.fixture
def fake_apt(tmp_path, monkeypatch):
    """A stand-in apt-get whose `download PKG` copies a prepared .deb into the current
    folder (as the real one does) and logs its arguments."""
    deb = tmp_path / "tiny_1.0_all.deb"
    log = tmp_path / "apt.log"
    script = tmp_path / "apt-get"
    script.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n"
                      f"if [ \"$1\" = download ]; then cp {deb} .; fi\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sources, "APT_GET", str(script))
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "deb.example_dists_main_binary-amd64_Packages.lz4").write_bytes(b"")
    monkeypatch.setattr(sources, "APT_LISTS", lists)
    return deb, log


def test_debian_package_is_downloaded_and_read_without_installing(homes, fake_apt):
    deb, log = fake_apt
    originals = _originals(homes / "originals")
    repacked = {n: gzip.compress(gzip.decompress(b), mtime=1) for n, b in originals.items()}
    _deb(deb, repacked, "usr/share/datasets/tiny")  # re-gzipped, as Debian did: MD5 differs
    dataset = _tiny(originals, sources=(sources.DebianPackage("dataset-tiny",
                                                              "usr/share/datasets/tiny"),))
    dataset.fetch()
    assert log.read_text().split() == ["download", "dataset-tiny"]
    cache = homes / "cache" / "tamrin" / "tiny"
    assert sorted(os.listdir(cache)) == sorted(NAMES)
    assert [c.state for c in dataset.verify()] == ["verified", "verified"]


def test_debian_package_with_a_corrupt_file_is_rejected(homes, fake_apt):
    deb, _ = fake_apt
    originals = _originals(homes / "originals")
    _deb(deb, {NAMES[0]: gzip.compress(b"\0" * 10), NAMES[1]: originals[NAMES[1]]},
         "usr/share/datasets/tiny")
    dataset = _tiny(originals, sources=(sources.DebianPackage("dataset-tiny",
                                                              "usr/share/datasets/tiny"),))
    with pytest.raises(DataUnavailableError, match="SHA-256"):
        dataset.fetch()
    assert NAMES[0] not in os.listdir(homes / "cache" / "tamrin" / "tiny")


def test_apt_get_update_runs_only_as_root_with_empty_lists(homes, fake_apt, monkeypatch):
    _, log = fake_apt
    empty = homes / "empty-lists"
    empty.mkdir()
    monkeypatch.setattr(sources, "APT_LISTS", empty)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    sources._update_lists_if_empty()
    assert not log.exists()
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    sources._update_lists_if_empty()
    assert log.read_text().split() == ["update", "-qq"]


def test_when_every_source_fails_the_error_lists_them_all(homes, monkeypatch):
    monkeypatch.setattr(sources, "APT_GET", "no-such-apt-get")
    originals = _originals(homes / "nowhere")
    dataset = _tiny(originals, system_dirs=(str(homes / "system"),),
                    sources=(sources.URLSource(("file:///nonexistent/",)),
                             sources.DebianPackage("dataset-tiny", "x")))
    with pytest.raises(DataUnavailableError) as err:
        dataset.path(NAMES[0])
    message = str(err.value)
    for part in (str(homes / "cache" / "tamrin" / "tiny"), str(homes / "system"),
                 "file:///nonexistent/a-images.gz", "Debian package dataset-tiny",
                 "no-such-apt-get is not available", "tamrin data fetch tiny"):
        assert part in message
    with pytest.raises(DataUnavailableError, match="tamrin data fetch tiny"):
        dataset.path(NAMES[0], fetch=False)


def test_a_corrupt_cached_file_is_fetched_again_but_a_system_one_left_alone(homes):
    originals = _originals(homes / "mirror")
    mirror = sources.URLSource(((homes / "mirror").as_uri() + "/",))
    dataset = _tiny(originals, sources=(mirror,))
    dataset.fetch()
    cache = homes / "cache" / "tamrin" / "tiny"
    (cache / NAMES[0]).write_bytes(gzip.compress(b"wrong"))
    assert dataset.verify()[0].state.startswith("corrupt")
    dataset.fetch()
    assert (cache / NAMES[0]).read_bytes() == originals[NAMES[0]]
    system = homes / "system"
    system.mkdir()
    (system / NAMES[0]).write_bytes(gzip.compress(b"wrong"))
    (system / NAMES[1]).write_bytes(originals[NAMES[1]])
    other = _tiny(originals, system_dirs=(str(system),), sources=(mirror,))
    (cache / NAMES[0]).unlink()
    (cache / NAMES[1]).unlink()
    with pytest.raises(DataUnavailableError, match="left alone"):
        other.fetch()


def test_data_commands(homes, monkeypatch, capsys):
    from tamrin.data import registry

    originals = _originals(homes / "mirror")
    tiny = _tiny(originals, sources=(sources.URLSource(((homes / "mirror").as_uri() + "/",)),))
    monkeypatch.setattr(registry, "DATASETS", {"tiny": tiny})
    monkeypatch.setattr("tamrin.data.commands.DATASETS", {"tiny": tiny})
    assert cli.main(["data", "verify", "tiny"]) == 1
    assert "tiny/a-images.gz: missing" in capsys.readouterr().out
    assert cli.main(["data", "fetch", "tiny", "--quiet"]) == 0
    assert cli.main(["data", "verify"]) == 0
    assert cli.main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    assert "a-images.gz" in listing and "verified" in listing and "MIT" in listing
    assert cli.main(["data", "fetch", "nope"]) == 2
    assert "no data set named 'nope'" in capsys.readouterr().err
    assert cli.main(["data", "fetch"]) == 2
