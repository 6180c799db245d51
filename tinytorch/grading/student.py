"""The student process: where the student's code runs while a notebook is graded.

It runs in the OS sandbox, started by the grader next to the harness kernel (`harness.py`),
and is untrusted: nothing it says decides a test. It runs the student's cells, handed to it as
text, in an IPython shell of its own, and answers the harness's requests on the student's
objects (attributes, calls, operators, ...). The test cells never come here.

    python -m tinytorch.grading.student <folder handed in> <channel fd> <interrupt fd>
"""

import _thread
import contextlib
import importlib
import io
import operator
import os
import socket
import sys
import threading
import warnings

import numpy as np

from . import sources, wire
from .peer import Answer, Peer

BINARY = {name: getattr(operator, name) for name in ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow"]}
BINARY.update({name: getattr(operator, name) for name in ["matmul", "and_", "or_", "xor", "lt", "le", "gt", "ge"]})
UNARY = {name: getattr(operator, name) for name in ["neg", "pos", "abs", "invert"]}
CONVERSIONS = {"float": float, "int": int, "index": operator.index, "complex": complex, "bool": bool}


class CapturedOutput(io.StringIO):
    """stdout and stderr of the student process: kept for a student cell (one character more
    than the harness shows, so that it knows when to say it cut), dropped otherwise."""

    def __init__(self, max_output):
        super().__init__()
        self.max_output = max_output

    def write(self, text):
        room = self.max_output + 1 - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)

    def take(self):
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


class StudentProcess:
    def __init__(self, shell, max_output):
        self.shell, self.output, self.error = shell, CapturedOutput(max_output), None
        shell._showtraceback = self.keep_error

    def keep_error(self, etype, evalue, stb):
        self.error = {"name": etype.__name__, "message": str(evalue), "traceback": "\n".join(stb)}

    def handlers(self):
        return {
            "run_cell": self.run_cell,
            "names": self.names,
            "import": lambda name: importlib.import_module(f"tinytorch.{name}"),
            "getattr": getattr,
            "setattr": setattr,
            "delattr": delattr,
            "call": lambda function, args, kwargs: function(*args, **kwargs),
            "callmethod": lambda owner, name, args, kwargs: getattr(owner, name)(*args, **kwargs),
            "getitem": operator.getitem,
            "setitem": operator.setitem,
            "delitem": operator.delitem,
            "len": len,
            "iter": lambda value: list(value),
            "epochs": lambda value, count: [list(value) for _ in range(count)],
            "contains": operator.contains,
            "repr": repr,
            "str": str,
            "format": format,
            "binop": lambda name, a, b: BINARY[name](a, b),
            "unop": lambda name, a: UNARY[name](a),
            "convert": lambda name, value: CONVERSIONS[name](value),
            "array": np.asarray,
            "isinstance": isinstance,
            "issubclass": issubclass,
            "subclass": subclass,
            "capstone": capstone,
            "makedirs": lambda folder: os.makedirs(folder, exist_ok=True),
        }

    def run_cell(self, source):
        self.output.take()
        self.error = None
        result = self.shell.run_cell(source, store_history=True)
        shown = None
        if result.result is not None and not result.error_in_exec:
            with contextlib.suppress(Exception):
                shown = repr(result.result)[: self.output.max_output]
        return {"output": self.output.take(), "error": self.error, "result": shown}

    def names(self):
        """[name, value] of the student's namespace: plain values as they are, every other object
        by reference. The harness binds proxies of them; it never asks what an object says it is."""
        hidden = self.shell.user_ns_hidden
        found = []
        for name, value in list(self.shell.user_ns.items()):
            if name.startswith("_") or (name in hidden and hidden[name] is value):
                continue
            plain = type(value) in (bool, int, float, str, type(None))
            found.append([name, value if plain else wire.ByReference(value)])
        return found

    def answer(self, op, handler):
        """Run a request with the student's prints dropped and its warnings sent back."""

        def run(*args):
            if op == "run_cell":
                return Answer(handler(*args))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = handler(*args)
            self.output.take()
            sent = [[w.category.__name__, str(w.message)[:1000]] for w in caught[:20]]
            return Answer(value, warnings=sent)

        return run


def subclass(name, bases, methods, attributes):
    """A class of the student process for a class a test defines on a student's class; its
    methods call the test's functions back in the harness."""

    def calling_back(function):
        def method(*args, **kwargs):
            return function(*args, **kwargs)

        method.__name__ = str(getattr(function, "__name__", "method"))
        return method

    namespace = {key: calling_back(function) for key, function in methods.items()}
    return type(name, tuple(bases), {**attributes, **namespace})


def capstone(swapped, reference):
    """The capstone module built again, with the reference for the chain modules in `swapped`
    (their code, `reference`, comes from the harness: the student process holds none before)."""
    with sources.imported_from(sources.sources.swapping(set(swapped), reference)) as module:
        return module


class HarnessFunction:
    """A function of the harness the student's code may call (a method of a test's class)."""

    def __init__(self, peer, ref):
        self.peer, self._remote_ref = peer, ref

    def __call__(self, *args, **kwargs):
        return self.peer.request("call", self, list(args), kwargs)[0]

    def __del__(self):
        self.peer.forget(self._remote_ref)


def watch_interrupts(fd):
    """A byte on the interrupt channel interrupts whatever the student's code is doing."""
    with socket.socket(fileno=fd) as channel:
        while channel.recv(1):
            _thread.interrupt_main()


def main(folder, channel_fd, interrupt_fd):
    handed_in = sources.start(folder)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # its thread would be restarted after each cell (and a fork)
    shell = InteractiveShell.instance(config=config, colors="NoColor")
    # IPython keeps every string a cell prints in its history (`_tee`), even with the history off:
    # memory a student could fill by printing, counted in the notebook's box. Keep none.
    shell._tee = lambda channel: contextlib.nullcontext()
    student = StudentProcess(shell, handed_in["max_output"])
    sys.stdout = sys.stderr = student.output
    handlers = {op: student.answer(op, handler) for op, handler in student.handlers().items()}
    peer = Peer(wire.connect(channel_fd), None, handlers, arrays_have_origins=True)
    peer.stand_in = lambda ref, type_name: HarnessFunction(peer, ref)
    threading.Thread(target=watch_interrupts, args=(interrupt_fd,), daemon=True).start()
    while True:
        try:
            header, buffers = peer.connection.receive()
            peer.serve(header, buffers)
        except KeyboardInterrupt:
            continue  # an interrupt that came after its request was answered
        except (EOFError, OSError, wire.WireError):
            return


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
    sys.exit(0)
