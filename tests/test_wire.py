"""The message format between the harness and the student process: what the harness decodes
is plain data, whatever the student process sends: nothing it sends is unpickled or evaluated."""

import contextlib
import gc
import html
import json
import socket
import struct
import threading

import numpy as np
import pytest

from tinytorch.grading import wire
from tinytorch.grading.peer import Peer
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


def test_an_array_in_the_other_byte_order_comes_back_with_its_values():
    array = np.arange(4, dtype=">f8")
    copy = round_trip(array)
    assert copy.dtype == np.float64 and copy.tolist() == [0.0, 1.0, 2.0, 3.0]


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
    receiving = wire.Connection(right)
    with left, right:
        left.sendall(wire.LENGTH.pack(wire.MAX_MESSAGE + 1))
        with pytest.raises(wire.WireError):
            receiving.receive()
        body = struct.pack("!2Q", 1, 5) + b"{]"
        left.sendall(wire.LENGTH.pack(len(body) + 3) + body + b"   ")
        with pytest.raises(wire.WireError):
            receiving.receive()
        wire.Connection(left).send({"op": "len"}, [b"abc"])
        assert receiving.receive() == ({"op": "len"}, [b"abc"])


def test_messages_sent_together_are_read_one_at_a_time():
    left, right = socket.socketpair()
    sending, receiving = wire.Connection(left), wire.Connection(right)
    with left, right:
        buffers = [b"", bytes(range(256)) * 300, b"last"]  # the second one is longer than a read ahead
        for number, buffer in enumerate(buffers):
            sending.send({"number": number}, [buffer])
        for number, buffer in enumerate(buffers):
            assert receiving.receive() == ({"number": number}, [buffer])
        left.close()
        with pytest.raises(EOFError):
            receiving.receive()


def test_the_feedback_redacts_a_reference_line_however_it_is_escaped():
    line = next(line for line in sorted(redaction.secret_lines(paths.ROOT)) if '"' in line)
    for shown in (line, "    " + line, json.dumps(line), repr(line), html.escape(line), "x = 1; " + line):
        assert redaction.redact(shown, paths.ROOT) == redaction.REDACTED, shown
    assert redaction.redact("print('hello')", paths.ROOT) == "print('hello')"


def test_an_array_written_in_place_reaches_its_owner_even_after_it_changed_shape():
    """The harness's copies of a student's array act as that array: `copy[...] = x` is sent with the
    next request. An older copy of another shape going away does not let go of the array."""
    left, right = socket.socketpair()
    array = np.zeros(4)
    handlers = {"get": lambda: array, "reshape": lambda: setattr(array, "shape", (2, 2)), "sum": lambda: array.sum()}
    owner = Peer(wire.Connection(right), None, handlers, arrays_have_origins=True)
    serving = threading.Thread(target=serve_until_closed, args=(owner,), daemon=True)
    serving.start()
    with left:
        other = Peer(wire.Connection(left), lambda ref, type_name: None, {})
        flat, _ = other.request("get")
        other.request("reshape")
        square, _ = other.request("get")
        assert square.shape == (2, 2)
        del flat
        gc.collect()
        square[...] = 5.0
        assert other.request("sum")[0] == 20.0 and array.tolist() == [[5.0, 5.0], [5.0, 5.0]]
    serving.join(5)


def serve_until_closed(peer):
    with contextlib.suppress(EOFError, OSError):
        while True:
            peer.serve(*peer.connection.receive())
