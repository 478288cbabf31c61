"""numpy arrays from Arrow arrays and back, through their buffers (pure).

pyarrow's own conversions (`np.asarray(array)`, `to_numpy`, `pa.array(ndarray)`) first
ask its pandas shim whether the object is a pandas one, and that imports pandas: about
0.13 s that a command which never builds a frame (`report aging`) need not pay. These
read and build the buffers directly: numbers and dates as their values, booleans and
validity as bits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

_WIDTH = {8: "int64", 4: "int32", 2: "int16", 1: "int8"}


def chunks(column) -> list:
    """The arrays of an Arrow array or chunked array."""
    return list(column.chunks) if hasattr(column, "chunks") else [column]


def _bits(buffer, offset: int, n: int) -> np.ndarray:
    import numpy as np

    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little", count=offset + n)
    return bits[offset:].astype(bool)


def ints(column, fill: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(int64 values, validity) of an integer or date Arrow (chunked) array; `fill` where null."""
    import numpy as np

    values, valid = [], []
    for chunk in chunks(column):
        n, off = len(chunk), chunk.offset
        kind = _WIDTH[chunk.type.bit_width // 8]
        v = np.frombuffer(chunk.buffers()[1], dtype=kind, count=off + n)[off:].astype(np.int64)
        bitmap = chunk.buffers()[0]
        if bitmap is None or chunk.null_count == 0:
            ok = np.ones(n, dtype=bool)
        else:
            ok = _bits(bitmap, off, n)
            v[~ok] = fill
        values.append(v)
        valid.append(ok)
    if not values:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return np.concatenate(values), np.concatenate(valid)


def lengths(text) -> np.ndarray:
    """The length in bytes of each string of an Arrow string (chunked) array, from its offsets
    (comparing an Arrow array with a Python number would have the shim import pandas)."""
    import numpy as np

    parts = [np.diff(np.frombuffer(c.buffers()[1], dtype=np.int32, count=c.offset + len(c) + 1)[c.offset :]) for c in chunks(text)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def floats(column) -> np.ndarray:
    """float64 values of a double Arrow (chunked) array without nulls."""
    import numpy as np

    parts = [np.frombuffer(c.buffers()[1], dtype=np.float64, count=c.offset + len(c))[c.offset :] for c in chunks(column)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)


def bools(column) -> np.ndarray:
    """A boolean Arrow (chunked) array as numpy bool, null as False."""
    import numpy as np

    parts = []
    for chunk in chunks(column):
        n, off = len(chunk), chunk.offset
        v = _bits(chunk.buffers()[1], off, n)
        bitmap = chunk.buffers()[0]
        if bitmap is not None and chunk.null_count:
            v &= _bits(bitmap, off, n)
        parts.append(v)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def valid(column) -> np.ndarray:
    """Whether each element of an Arrow (chunked) array is not null."""
    import numpy as np

    parts = []
    for chunk in chunks(column):
        bitmap = chunk.buffers()[0]
        n = len(chunk)
        parts.append(np.ones(n, dtype=bool) if bitmap is None or chunk.null_count == 0 else _bits(bitmap, chunk.offset, n))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def array(values: np.ndarray, typ: pa.DataType, ok: np.ndarray | None = None) -> pa.Array:
    """The Arrow array of `typ` over numpy `values` (of `typ`'s width), null where `ok` is False."""
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    if ok is None or ok.all():
        return pa.Array.from_buffers(typ, len(values), [None, pa.py_buffer(values)], null_count=0)
    bitmap = pa.py_buffer(np.packbits(ok, bitorder="little"))
    return pa.Array.from_buffers(typ, len(values), [bitmap, pa.py_buffer(values)])


def mask(values: np.ndarray) -> pa.Array:
    """A numpy bool array as an Arrow boolean array (for `filter`, `replace_with_mask`, `if_else`)."""
    import numpy as np
    import pyarrow as pa

    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))], null_count=0)


def of_list(values: list, typ: pa.DataType) -> pa.Array:
    """The Arrow array of `typ` (string, bool or an integer type) holding Python `values`, None as null."""
    import numpy as np
    import pyarrow as pa

    ok = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    if pa.types.is_string(typ):
        data = [v.encode("utf-8") if v is not None else b"" for v in values]
        offsets = np.zeros(len(data) + 1, dtype=np.int32)
        np.cumsum([len(b) for b in data], out=offsets[1:])
        bitmap = None if ok.all() else pa.py_buffer(np.packbits(ok, bitorder="little"))
        return pa.Array.from_buffers(typ, len(data), [bitmap, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])
    if pa.types.is_boolean(typ):
        bits = np.fromiter((bool(v) for v in values), dtype=bool, count=len(values))
        bitmap = None if ok.all() else pa.py_buffer(np.packbits(ok, bitorder="little"))
        return pa.Array.from_buffers(typ, len(bits), [bitmap, pa.py_buffer(np.packbits(bits, bitorder="little"))])
    width = np.dtype(_WIDTH[typ.bit_width // 8])
    return array(np.fromiter((0 if v is None else v for v in values), dtype=width, count=len(values)), typ, ok)
