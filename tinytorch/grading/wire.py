"""The message format between the grading harness and the student process.

A message is a JSON header plus raw array buffers, each framed by its length. Values are
plain data only: None, bool, int, float, str, list, tuple, dict with str keys, slices,
Ellipsis, paths, numpy arrays and scalars of the dtypes in DTYPES, numpy dtypes and scalar types,
the builtin types in BUILTIN_TYPES, and references (`{"ref": n}`) to objects that stay on
the side that owns them. Decoding never unpickles or evaluates anything: an array is rebuilt
from its bytes with a whitelisted dtype, so what arrives is always a plain numpy array.
"""

import itertools
import json
import math
import socket
import struct
from collections.abc import Iterator
from pathlib import Path, PurePath

import numpy as np

DTYPES = {
    name: np.dtype(name)
    for name in ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
    + ["float16", "float32", "float64", "complex64", "complex128"]
}
NAMES = {dtype: name for name, dtype in DTYPES.items()}  # a dict lookup: dtype.name takes longer
BUILTIN_TYPES = {kind.__name__: kind for kind in (bool, int, float, complex, str, list, tuple, dict, slice, type(None))}
MAX_MESSAGE = 256 * 2**20  # bytes of one message; a larger one closes the connection
MAX_DEPTH = 64  # nesting of lists, tuples and dicts
MAX_STRING = 2_000_000  # characters of one string (a cell's output is cut before, to 1,000,001)
LENGTH = struct.Struct("!Q")
MAX_ITEMS = 1_000_000  # items of an iterator sent as a list


class WireError(Exception):
    """A message that breaks the format: the connection cannot be trusted to stay in step."""


class ByReference:
    """A value to send as a reference even if it could be copied."""

    def __init__(self, value):
        self.value = value


class Encoder:
    """Turns a value into JSON-ready data plus buffers; `reference(obj)` encodes what cannot be
    copied, and `origin(array)`, if given, names the array a copy comes from."""

    def __init__(self, reference, origin=None, iterators_as_lists=False):
        self.reference, self.origin, self.buffers = reference, origin, []
        self.iterators_as_lists = iterators_as_lists

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError("value nested too deeply to send")
        if type(value) is ByReference:
            return self.reference(value.value)
        if value is None or type(value) is bool:
            return value
        if type(value) is str:
            return value[:MAX_STRING]
        if type(value) is int:
            return value if abs(value) < 2**63 else {"bigint": str(value)}
        if type(value) is float:
            return {"float": repr(value)}
        if type(value) in (list, tuple):
            items = [self.encode(item, depth + 1) for item in value]
            return {"list": items} if type(value) is list else {"tuple": items}
        if type(value) is dict and all(type(key) is str for key in value):
            return {"dict": {key: self.encode(item, depth + 1) for key, item in value.items()}}
        if type(value) is slice:
            return {"slice": [self.encode(part, depth + 1) for part in (value.start, value.stop, value.step)]}
        if value is Ellipsis:
            return {"ellipsis": True}
        if isinstance(value, PurePath):
            return {"path": str(value)}
        if isinstance(value, (np.ndarray, np.generic)) and (name := dtype_name(value.dtype)) in DTYPES:
            return self.encode_array(value, name)
        if self.iterators_as_lists and isinstance(value, (Iterator, range)):  # a generator of a test
            return self.encode(list(itertools.islice(value, MAX_ITEMS)), depth)
        if isinstance(value, np.dtype) and value.name in DTYPES:
            return {"dtype": value.name}
        if isinstance(value, type) and issubclass(value, np.generic) and np.dtype(value).name in DTYPES:
            return {"scalar_type": np.dtype(value).name}
        if isinstance(value, type) and BUILTIN_TYPES.get(value.__name__) is value:
            return {"builtin_type": value.__name__}
        return self.reference(value)

    def encode_array(self, value, name):
        """An array or numpy scalar as its bytes in this machine's byte order."""
        self.buffers.append(np.ascontiguousarray(value, dtype=DTYPES[name]).tobytes())
        scalar = isinstance(value, np.generic)
        data = {"array": name, "shape": list(np.shape(value)), "scalar": scalar}
        if self.origin and not scalar:
            data["origin"] = self.origin(value)
        return data


def dtype_name(dtype):
    return NAMES.get(dtype) or dtype.name


def decode(data, buffers, dereference, mirror=None, depth=0):
    """The value `data` encodes; `dereference(data)` gives the object for a reference, and
    `mirror(origin, array)` the array to use for a copy of the other side's array `origin`."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is not dict or len(data) == 0:
        raise WireError(f"not a value: {type(data).__name__}")
    kind = next(iter(data))
    if kind == "float":
        return float(expect(data["float"], str))
    if kind == "bigint":
        return int(expect(data["bigint"], str)[:1000])
    if kind in ("list", "tuple"):
        items = [decode(item, buffers, dereference, mirror, depth + 1) for item in expect(data[kind], list)]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {
            expect(k, str): decode(v, buffers, dereference, mirror, depth + 1)
            for k, v in expect(data[kind], dict).items()
        }
    if kind == "slice":
        return slice(*(decode(part, buffers, dereference, mirror, depth + 1) for part in expect(data[kind], list)[:3]))
    if kind == "ellipsis":
        return Ellipsis
    if kind == "path":
        return Path(expect(data[kind], str))
    if kind == "array":
        array = decode_array(data, buffers)
        origin = data.get("origin")
        return mirror(origin, array) if mirror and type(origin) is int else array
    if kind in ("dtype", "scalar_type"):
        dtype = DTYPES.get(data[kind])
        if dtype is None:
            raise WireError(f"dtype not allowed: {data[kind]!r}")
        return dtype if kind == "dtype" else dtype.type
    if kind == "builtin_type" and data[kind] in BUILTIN_TYPES:
        return BUILTIN_TYPES[data[kind]]
    if kind in ("ref", "yours"):
        expect(data[kind], int)
        return dereference(data)
    raise WireError(f"unknown value kind {kind!r}")


def decode_array(data, buffers):
    dtype = DTYPES.get(data["array"])
    shape = tuple(expect(side, int) for side in expect(data["shape"], list))
    if dtype is None or any(side < 0 for side in shape) or not buffers:
        raise WireError("malformed array")
    raw = buffers.pop(0)
    if len(raw) != dtype.itemsize * math.prod(shape):
        raise WireError("array bytes do not match its shape")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return array[()] if data.get("scalar") is True else array


def expect(value, kind):
    if type(value) is not kind:
        raise WireError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


HEADER = json.JSONEncoder(separators=(",", ":"))  # made once: json.dumps makes one per call
READ_AHEAD = 2**16  # bytes read at once: a whole small message in one recv, its length with it


class Connection:
    """One end of a connection: whole messages in and out.

    A message is its length, then the count and the sizes of its frames, the JSON header and the
    buffers. Reading ahead takes a small message in one system call instead of two (a request
    is two messages, and a test cell makes thousands of requests)."""

    def __init__(self, sock):
        self.socket, self.unread = sock, b""

    def send(self, header, buffers=()):
        frames = [HEADER.encode(header).encode(), *buffers]
        sizes = [len(frame) for frame in frames]
        length = LENGTH.size * (len(frames) + 1) + sum(sizes)
        self.socket.sendall(b"".join([struct.pack(f"!{len(frames) + 2}Q", length, len(frames), *sizes), *frames]))

    def receive(self):
        """(header, buffers) of the next message; a malformed one is read whole, then refused."""
        (length,) = LENGTH.unpack(self.read(LENGTH.size))
        if length > MAX_MESSAGE:
            raise WireError(f"message larger than {MAX_MESSAGE} bytes")
        return unpack(self.read(length))

    def read(self, size):
        chunks, have = [self.unread], len(self.unread)
        while have < size:
            chunk = self.socket.recv(min(max(size - have, READ_AHEAD), 2**24))
            if not chunk:
                raise EOFError("the other process closed the connection")
            chunks.append(chunk)
            have += len(chunk)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self.unread = data[size:]
        return data[:size]

    def settimeout(self, timeout):
        self.socket.settimeout(timeout)

    def close(self):
        self.socket.close()


def unpack(body):
    """(header, buffers) of a message's body."""
    try:
        (count,) = LENGTH.unpack_from(body)
        if not 1 <= count <= 10_000:
            raise WireError("malformed message")
        sizes = struct.unpack_from(f"!{count}Q", body, LENGTH.size)
        offset, frames = LENGTH.size * (count + 1), []
        for size in sizes:
            frames.append(body[offset : offset + size])
            offset += size
        if offset != len(body):
            raise WireError("malformed message: frames do not fill it")
        header = json.loads(frames[0])
    except (struct.error, ValueError, RecursionError) as error:
        raise WireError(f"malformed message: {error}") from None
    return expect(header, dict), frames[1:]


def connect(fd):
    return Connection(socket.socket(fileno=fd))
