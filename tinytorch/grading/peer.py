"""One end of the connection between the grading harness and the student process.

Either end sends a request ({"op", "args"}) and, while it waits for the answer, serves the
requests of the other end (a student's method may call back a function the test passed in).
Objects that cannot be copied stay where they live: the other end gets a reference and holds
a stand-in made by `stand_in(ref, type_name)`. Errors come back as the names of the
exception's classes and its message; the receiving end decides what to raise.
"""

import functools
import gc
import weakref

import numpy as np

from . import wire

MAX_ERROR_MESSAGE = 100_000  # characters of its message
MIRRORS_BEFORE_COLLECTING = 64  # copies of the other end's arrays kept before garbage is first collected


class PeerError(Exception):
    """An error raised on the other end, of a type this end does not re-raise as itself."""


class ProcessStopped(Exception):
    """The other process stopped answering (it ended, broke the format, or did not stop in time)."""


class Peer:
    """`arrays_have_origins`: arrays this end sends are its own objects (the student's), whose
    copies on the other end act as the same array (`mirror`)."""

    other = "the other process"  # how messages name the other end

    def __init__(self, connection, stand_in, handlers, may_share=lambda value: True, arrays_have_origins=False):
        self.connection, self.stand_in, self.handlers, self.may_share = connection, stand_in, handlers, may_share
        self.arrays_have_origins = arrays_have_origins
        self.iterators_as_lists = not arrays_have_origins  # the harness sends a test's generator as a list
        self.owned, self.owned_ids, self.next_ref = {}, {}, 1
        self.remotes = weakref.WeakValueDictionary()  # ref -> stand-in of an object of the other end
        self.mirrors = {}  # ref -> weak reference to the copy here of an array of the other end
        self.mirrored = {}  # ref -> the bytes of that array when the two last agreed
        self.held = []  # copies kept alive until the next message, so that `x.data[...] = y` gets sent
        self.released = []  # refs of the other end's objects no stand-in holds any more
        self.lost = None  # why the connection cannot be used any more
        self.late_error = None  # the error of a request sent without waiting, for the next answer
        self.stale = 0  # answers still to come of requests whose wait was interrupted
        self.collect_at = MIRRORS_BEFORE_COLLECTING  # mirrors that make it time to collect garbage

    # References.
    def reference(self, value):
        ref = getattr(value, "_remote_ref", None)
        if ref is not None and self.remotes.get(ref) is value:
            return {"yours": ref}
        if not self.may_share(value):
            raise TypeError(f"a {type(value).__name__} cannot be passed to the other process")
        return {"ref": self.own(value), "type": type(value).__name__[:100]}

    def own(self, value):
        ref = self.owned_ids.get(id(value))
        if ref is None:
            ref, self.next_ref = self.next_ref, self.next_ref + 1
            self.owned[ref], self.owned_ids[id(value)] = value, ref
        return ref

    def mirror(self, ref, array):
        """The copy here of the other end's array `ref`: the same object each time it comes
        back, brought up to date, as if both ends held the one array."""
        if ref in self.released:
            self.released.remove(ref)
        weak = self.mirrors.get(ref)
        copy = weak() if weak else None
        if copy is None or copy.shape != array.shape or copy.dtype != array.dtype:
            self.collect_dead_mirrors()
            copy = array
            self.mirrors[ref] = weakref.ref(copy, functools.partial(self.forget_mirror, ref))
        else:
            copy[...] = array
        self.mirrored[ref] = copy.tobytes()
        self.held.append(copy)
        return copy

    def collect_dead_mirrors(self, at=None):
        """Copies only a reference cycle keeps alive (the traceback of each failed example Hypothesis
        tried) still cost a comparison at every message: collect them once there are `at` mirrors,
        by default twice as many as after the last time (a failed test's shrinking took 8 s, not 5)."""
        if len(self.mirrors) >= (at or self.collect_at):
            gc.collect()
            self.collect_at = max(MIRRORS_BEFORE_COLLECTING, 2 * len(self.mirrors))

    def forget_mirror(self, ref, copy):
        """The copy of the other end's array `ref` is gone (`copy` is its weak reference): the
        array there may go too. A copy replaced by another (the array changed its shape) is not."""
        if self.mirrors.get(ref) is copy:
            del self.mirrors[ref]
            self.mirrored.pop(ref, None)
            self.forget(ref)

    def changed_mirrors(self):
        """[ref, array] of the copies changed here since the two ends last agreed (`a[...] = x`)."""
        changed = []
        for ref, weak in list(self.mirrors.items()):
            copy = weak()
            if copy is None:
                continue
            current = copy.tobytes()
            if current != self.mirrored.get(ref):
                self.mirrored[ref] = current
                changed.append([ref, copy])
        self.held = []
        return changed

    def dereference(self, data):
        if "yours" in data:
            try:
                return self.owned[data["yours"]]
            except KeyError:
                raise wire.WireError(f"no object {data['yours']}") from None
        ref = data["ref"]
        if ref in self.released:
            self.released.remove(ref)
        stand_in = self.remotes.get(ref)
        if stand_in is None:
            stand_in = self.stand_in(ref, str(data.get("type", "object"))[:100])
            self.remotes[ref] = stand_in
        return stand_in

    def forget(self, ref):
        """Called when the stand-in of the other end's object `ref` is gone."""
        if self.lost is None:
            self.released.append(ref)

    def release(self, refs):
        for ref in refs:
            value = self.owned.pop(ref, None)
            if value is not None:
                self.owned_ids.pop(id(value), None)

    # Messages.
    def send(self, header, values):
        encoder = wire.Encoder(self.reference, self.own if self.arrays_have_origins else None, self.iterators_as_lists)
        header["values"] = [encoder.encode(value) for value in values]
        header["writes"] = [[ref, encoder.encode(copy)] for ref, copy in self.changed_mirrors()]
        self.connection.send(header, encoder.buffers)

    def values(self, header, buffers):
        mirror = None if self.arrays_have_origins else self.mirror
        values = [wire.decode(item, buffers, self.dereference, mirror) for item in wire.expect(header["values"], list)]
        for ref, data in wire.expect(header.get("writes", []), list):
            self.write(ref, wire.decode(data, buffers, self.dereference))
        return values

    def write(self, ref, array):
        """The other end changed its copy of this end's array `ref` in place: so does this end."""
        target = self.owned.get(ref)
        if isinstance(target, np.ndarray) and target.shape == array.shape and target.flags.writeable:
            target[...] = array

    def post(self, op, *args):
        """Send `op(*args)` without waiting: an error it raises comes with the next answer."""
        self.request(op, *args, post=True)

    def request(self, op, *args, post=False):
        """The other end's answer to `op(*args)`, and the header that came with it."""
        if self.lost:
            raise ProcessStopped(self.lost)
        if self.stale:
            self.catch_up()
        released, self.released = self.released, []
        try:
            self.send({"op": op, "release": released, "post": post}, args)
        except TypeError:
            self.released += released
            raise  # a value this end cannot pass: nothing was sent
        if post:
            return None, {}
        try:
            header, values = self.wait_for_answer()
        except KeyboardInterrupt:
            self.interrupted()
            raise
        except EOFError:
            self.lose(f"{self.other} stopped answering: it ended (an exit, a crash or a limit)")
            raise ProcessStopped(self.lost) from None
        except (OSError, wire.WireError, KeyError, TypeError, ValueError) as error:
            self.lose(f"{self.other} stopped answering: it broke the connection ({type(error).__name__}: {error})")
            raise ProcessStopped(self.lost) from None
        if "error" in header or "late_error" in header:
            raise self.error_for(header.get("late_error") or header["error"])
        return (values[0] if values else None), header

    def wait_for_answer(self):
        while True:
            header, buffers = self.connection.receive()
            if "op" in header:
                self.serve(header, buffers)
            else:
                return header, self.values(header, buffers)

    def interrupted(self):
        """The wait for an answer was interrupted: that answer, when it comes, is stale."""
        self.stale += 1

    def catch_up(self, timeout=5):
        """Read and drop the answers of interrupted requests, waiting at most `timeout` s for each."""
        self.connection.settimeout(timeout)
        try:
            while self.stale:
                self.wait_for_answer()
                self.stale -= 1
        except (OSError, EOFError, wire.WireError, KeyError, TypeError, ValueError):
            self.lose(f"{self.other} stopped answering: it did not stop when it was interrupted")
            raise ProcessStopped(self.lost) from None
        finally:
            if self.lost is None:
                self.connection.settimeout(None)

    def lose(self, why):
        self.lost = self.lost or why

    def serve(self, header, buffers):
        """Answer one request of the other end."""
        self.release(int(ref) for ref in wire.expect(header.get("release", []), list))
        handler = self.handlers[wire.expect(header["op"], str)]
        arguments = self.values(header, buffers)
        try:
            value = handler(*arguments)
            if header.get("post"):
                return
            answer = value if isinstance(value, Answer) else Answer(value)
            late, self.late_error = self.late_error, None
            self.send({"answer": True, **answer.extra, **({"late_error": late} if late else {})}, [answer.value])
        except BaseException as error:  # noqa: BLE001 - every error of the request goes back to the caller
            if header.get("post"):
                self.late_error = self.late_error or describe(error)
                return
            late, self.late_error = self.late_error, None
            self.send({"answer": True, "error": late or describe(error)}, [])

    def error_for(self, description):
        return exception_from(description)


class Answer:
    """A handler's answer with extra header fields (captured output, warnings)."""

    def __init__(self, value, **extra):
        self.value, self.extra = value, extra


def describe(error):
    """What the other end learns of an error: its types' names and its message (not its traceback)."""
    return {"types": [kind.__name__ for kind in type(error).__mro__][:20], "message": str(error)[:MAX_ERROR_MESSAGE]}


# The exception types an error of the other end is raised as (tests expect some of them);
# any other becomes a PeerError, so no error of the other end can steer this one's control
# flow (KeyboardInterrupt, StopIteration, Hypothesis's own exceptions).
RAISED_AS = {
    kind.__name__: kind
    for kind in (ValueError, TypeError, IndexError, KeyError, AttributeError, ZeroDivisionError, OverflowError)
    + (FloatingPointError, ArithmeticError, LookupError, NotImplementedError, RuntimeError, RecursionError)
    + (AssertionError, ImportError, MemoryError, NameError, UnicodeError)
}


def exception_from(description):
    types = [str(name) for name in wire.expect(description.get("types", []), list)]
    message = str(description.get("message", ""))[:MAX_ERROR_MESSAGE]
    kind = next((RAISED_AS[name] for name in types if name in RAISED_AS), PeerError)
    error = kind(message) if kind is not PeerError else PeerError(f"{types[0] if types else 'Error'}: {message}")
    error.remote_types = types
    return error
