"""The IDX file format of (Fashion-)MNIST, read and written with full validation.

Layout (big-endian): two zero bytes, a type code (0x08 ubyte, 0x09 sbyte, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions d, then d uint32 sizes,
then exactly ∏ sizes values. A file that is truncated, too long, or whose header is not an
IDX header is an error: short data is never returned silently.

The reader streams: ``.gz`` files are decompressed a block at a time, the header is read
and checked first (its size product in Python integers, so it cannot overflow), and the
payload is read only as far as the header declares plus one byte — memory grows with the
data actually present, never with what a header claims, and a file longer than declared
is rejected without decompressing the rest. Optionally the SHA-256 of the whole
decompressed content is checked against a known value.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}
_BLOCK = 1 << 20


class IDXError(ValueError):
    """A file that is not a valid, complete IDX file (or not the expected one)."""


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _read_exactly(f: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes, read in blocks so memory follows the data actually there."""
    chunks, got = [], 0
    while got < n:
        block = f.read(min(_BLOCK, n - got))
        if not block:
            break
        chunks.append(block)
        got += len(block)
    return b"".join(chunks)


def _header(f: BinaryIO, path: Path) -> tuple[bytes, np.dtype, tuple[int, ...]]:
    start = f.read(4)
    if len(start) < 4 or start[0] != 0 or start[1] != 0 or start[2] not in _TYPES:
        raise IDXError(f"{path}: not an IDX file (magic number {start.hex() or 'missing'}; "
                       "expected 0000 followed by a type code 08/09/0b/0c/0d/0e and the rank)")
    ndim = start[3]
    dims = f.read(4 * ndim)
    if ndim == 0 or len(dims) < 4 * ndim:
        raise IDXError(f"{path}: IDX header of rank {ndim} is incomplete")
    shape = tuple(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(ndim))
    dtype = np.dtype(_TYPES[start[2]])
    addressable = dtype.itemsize  # NumPy refuses a shape whose non-zero sizes overflow, even
    for n in shape:               # when a zero size makes the array empty
        addressable *= max(n, 1)
    if addressable > np.iinfo(np.intp).max:
        raise IDXError(f"{path}: IDX header declares shape {shape}, beyond what an array can "
                       "address (corrupt header)")
    return start + dims, dtype, shape


def read_idx(path: str | Path, sha256: str | None = None) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or raw), in native byte order.

    ``sha256``: the expected hex digest of the decompressed file; a mismatch is an
    IDXError naming the file.
    """
    path = Path(path)
    try:
        with _open(path) as f:
            header, dtype, shape = _header(f, path)
            expected = dtype.itemsize
            for n in shape:
                expected *= n  # Python integers: no overflow, whatever the header says
            payload = _read_exactly(f, expected)
            extra = f.read(1)
    except (EOFError, OSError, zlib.error) as err:
        raise IDXError(f"{path}: cannot read the file ({err}); it is truncated or corrupt, "
                       "delete it and fetch it again") from err
    if len(payload) != expected or extra:
        have = f"{len(payload)}" if not extra else f"more than {expected}"
        raise IDXError(f"{path}: an IDX array of shape {shape} and type {dtype} needs "
                       f"{expected} payload bytes, the file has {have} (truncated or corrupt)")
    if sha256 is not None:
        digest = hashlib.sha256(header)
        digest.update(payload)
        if digest.hexdigest() != sha256:
            raise IDXError(f"{path}: SHA-256 {digest.hexdigest()} does not match the expected "
                           f"{sha256} (a corrupt or different file); delete it and fetch it "
                           "again")
    data = np.frombuffer(payload, dtype).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when the name ends in ``.gz``)."""
    path = Path(path)
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise IDXError(f"write_idx: IDX cannot store dtype {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    body = header + array.astype(_TYPES[code]).tobytes()
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(body)
    else:
        path.write_bytes(body)
