"""The message format between the harness and the student process: what the harness decodes
is plain data, whatever the student process sends: nothing it sends is unpickled or evaluated."""

import html
import json
import socket
import struct

import numpy as np
import pytest

from tinytorch.grading import wire
from tinytorch_tools import paths
from tinytorch_tools.preprocessors import redaction


def round_trip(value, reference=lambda value: {"ref": 7, "type": type(value).__name__}):
    encoder = wire.Encoder(reference)
    data = encoder.encode(value)
    return wire.decode(json.loads(json.dumps(data)), list(encoder.buffers), lambda ref: ("stand-in", ref["ref"]))


def test_plain_values_come_back_equal():
    value = {"a": [1, 2.5, float("inf"), None, True, "text"], "b": (slice(1, None, 2), Ellipsis, 2**70)}
    assert round_trip(value) == value
    assert round_trip(np.float32(1.5)) == np.float32(1.5) and type(round_trip(np.float32(1.5))) is np.float32
    assert round_trip(np.dtype("float64")) == np.float64 and round_trip(np.int8) is np.int8


def test_arrays_come_back_as_plain_arrays_of_their_dtype():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    array = np.arange(6, dtype=np.float32).reshape(2, 3).T.view(Lying)
    copy = round_trip(array)
    assert type(copy) is np.ndarray and copy.dtype == np.float32 and np.array_equal(copy, np.asarray(array))
    assert round_trip(np.array(3.0)).shape == ()


def test_what_cannot_be_copied_is_a_reference():
    assert round_trip(np.array([object()], dtype=object)) == ("stand-in", 7)
    assert round_trip(object()) == ("stand-in", 7)


@pytest.mark.parametrize(
    "data, buffers",
    [
        ({"array": "object", "shape": [1]}, [b"12345678"]),
        ({"array": "float64", "shape": [2]}, [b"12345678"]),
        ({"array": "float64", "shape": [-1]}, [b""]),
        ({"pickle": "..."}, []),
        ({"dtype": "O"}, []),
        ({"list": "not a list"}, []),
        ([1, 2], []),
    ],
)
def test_a_malformed_value_is_refused(data, buffers):
    with pytest.raises(wire.WireError):
        wire.decode(data, buffers, lambda ref: None)


def test_a_message_too_large_or_malformed_is_refused():
    left, right = socket.socketpair()
    with left, right:
        left.sendall(wire.LENGTH.pack(wire.MAX_MESSAGE + 1))
        with pytest.raises(wire.WireError):
            wire.receive(right)
        body = struct.pack("!2Q", 1, 5) + b"{]"
        left.sendall(wire.LENGTH.pack(len(body) + 3) + body + b"   ")
        with pytest.raises(wire.WireError):
            wire.receive(right)
        wire.send(left, {"op": "len"}, [b"abc"])
        assert wire.receive(right) == ({"op": "len"}, [b"abc"])


def test_the_feedback_redacts_a_reference_line_however_it_is_escaped():
    line = next(line for line in sorted(redaction.secret_lines(paths.ROOT)) if '"' in line)
    for shown in (line, "    " + line, json.dumps(line), repr(line), html.escape(line), "x = 1; " + line):
        assert redaction.redact(shown, paths.ROOT) == redaction.REDACTED, shown
    assert redaction.redact("print('hello')", paths.ROOT) == "print('hello')"
