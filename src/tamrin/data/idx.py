"""The IDX file format of (Fashion-)MNIST, read and written with full validation.

Layout (big-endian): two zero bytes, a type code (0x08 ubyte, 0x09 sbyte, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions d, then d uint32 sizes,
then exactly ∏ sizes values. A file that is truncated, too long, or whose header is not an
IDX header is an error: short data is never returned silently. ``.gz`` files are
decompressed on the fly.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}


class IDXError(ValueError):
    """A file that is not a valid, complete IDX file."""


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (EOFError, OSError, zlib.error) as err:
        raise IDXError(f"{path}: cannot read the file ({err}); it is truncated or corrupt, "
                       "delete it and fetch it again") from err


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or raw), in native byte order."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise IDXError(f"{path}: not an IDX file (magic number {raw[:4].hex() or 'missing'}; "
                       "expected 0000 followed by a type code 08/09/0b/0c/0d/0e and the rank)")
    dtype = np.dtype(_TYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise IDXError(f"{path}: IDX header of rank {ndim} is incomplete ({len(raw)} bytes)")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise IDXError(f"{path}: an IDX array of shape {shape} and type {dtype} needs "
                       f"{expected} bytes, the file has {len(raw)} (truncated or corrupt)")
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
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
