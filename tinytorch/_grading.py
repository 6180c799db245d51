"""Autograding mode: the code that builds the tinytorch modules inside a grading kernel.

The grading kernel runs in the OS sandbox (tinytorch_tools/sandbox.py), which holds no course
folder. Before any cell, nbgrader's kernel runs `start(folder)`: `folder/modules.json` is what
the grader handed in (tinytorch_tools/handin.py). While module N is graded, modules before N
are built from the reference code handed in, so one bug in Tensor does not zero every later
module; module N must come from the notebook's own cells. The capstone is graded on the
student's own chain, and its failures are explained by `find_breaking_module`.

The sandbox is the boundary. What is here besides is a courtesy to honest output and a second
layer: each cell's output is capped before it leaves the kernel, and the test helpers,
Hypothesis and numpy are put back as they were before every cell runs.
"""

import importlib
import json
import sys
import types
from contextlib import contextmanager
from pathlib import Path

from ._loader import ModuleUnavailable, NotebookFinder, run_cells, run_reference_code, use_sources
from .modules import MODULES

GRADED_ON_OWN_CHAIN = {"11_tinygpt"}
ORDER = list(MODULES)
MAX_OUTPUT = 1_000_000  # characters a cell may print or display before the kernel drops the rest
MAX_ERROR = 10_000  # characters of an error's message, and of its traceback


def unavailable(message):
    def run(module):
        raise ModuleUnavailable(message)

    return run


class HandedInSources:
    """The tinytorch modules while grading, from the handed-in code.

    `swapped` names chain modules replaced by the reference one (to find the one that breaks).
    """

    def __init__(self, modules, swapped=()):
        self.modules = modules
        self.graded = modules["graded"]
        self.chain = modules.get("chain")
        self.swapped = set(swapped)

    def swapping(self, names):
        return HandedInSources(self.modules, names)

    def runner(self, name):
        if self.chain and name in self.chain and name not in self.swapped:
            entry = self.chain[name]
            if "error" in entry:
                return unavailable(entry["error"])
            return lambda module: run_cells(module, entry["cells"], entry["notebook"])
        if name in self.modules["reference"]:
            source = self.modules["reference"][name]
            return lambda module: run_reference_code(module, source)
        return unavailable(
            f"tinytorch.{name} cannot be imported while {MODULES[self.graded]} is graded: "
            f"the code of tinytorch.{self.graded} must be in this notebook's own cells."
        )


# The handed-in sources while grading (None in a student's own Jupyter): the capstone's blame uses them.
grading = None


# Modules whose names the tests rely on: put back as they were before every cell runs.
PROTECTED = ["tinytorch.testing", "hypothesis", "hypothesis.strategies", "hypothesis.extra.numpy", "numpy"]


class HelperGuard:
    """An audit hook (which cannot be removed) that restores the test helpers before each cell."""

    def __init__(self):
        self.saved = {}
        for name in PROTECTED:
            module = importlib.import_module(name)
            self.saved[name] = (module, dict(vars(module)))
        self.functions = {
            id(value)
            for module, namespace in self.saved.values()
            for value in namespace.values()
            if isinstance(value, types.FunctionType)
        }

    def restore(self):
        """Put back every name of the protected modules that a cell replaced or deleted."""
        for name, (module, namespace) in self.saved.items():
            sys.modules[name] = module
            current = vars(module)
            for key, value in namespace.items():
                if current.get(key) is not value:
                    current[key] = value

    def __call__(self, event, arguments):
        if event == "exec":
            self.restore()
            for stream in (sys.stdout, sys.stderr):
                if isinstance(stream, CappedOutput):
                    stream.written = 0
        elif event == "object.__setattr__" and arguments[1] == "__code__" and id(arguments[0]) in self.functions:
            raise PermissionError("grading: the test helpers cannot be changed")


class CappedOutput:
    """A stream that drops what a cell writes beyond `limit` characters before it leaves the
    kernel: gigabytes printed would take minutes to reach nbgrader (which caps them too)."""

    def __init__(self, stream, limit=MAX_OUTPUT):
        self.stream, self.limit, self.written = stream, limit, 0

    def write(self, text):
        self.written += len(text)
        if self.written <= self.limit:
            return self.stream.write(text)
        if self.written - len(text) <= self.limit:
            self.stream.write(f"\n... output truncated by the grader after {self.limit} characters ...\n")
        return len(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def shorten(text, limit):
    return text if len(text) <= limit else text[:limit] + f" ... ({len(text) - limit} more characters cut)"


def cap_displays_and_errors(shell):
    """Cap what IPython sends as displays and errors, as CappedOutput does for streams."""
    publish, show_traceback = shell.display_pub.publish, shell._showtraceback

    def capped_publish(data, *args, **kwargs):
        data = {kind: shorten(value, MAX_OUTPUT) if isinstance(value, str) else value for kind, value in data.items()}
        return publish(data, *args, **kwargs)

    def capped_traceback(etype, evalue, stb):
        return show_traceback(etype, shorten(str(evalue), MAX_ERROR), [shorten("\n".join(stb), MAX_ERROR)])

    shell.display_pub.publish, shell._showtraceback = capped_publish, capped_traceback


def start(folder):
    """Enter grading mode with the modules handed in at `folder`/modules.json."""
    global grading
    grading = HandedInSources(json.loads((Path(folder) / "modules.json").read_text()))
    use_sources(grading)
    sys.stdout, sys.stderr = CappedOutput(sys.stdout), CappedOutput(sys.stderr)
    from IPython import get_ipython

    if get_ipython() is not None:
        cap_displays_and_errors(get_ipython())
    sys.addaudithook(HelperGuard())


@contextmanager
def built_from(sources):
    """Import a fresh tinytorch (all of it) from `sources`, then put the previous one back."""
    previous_sources = NotebookFinder.sources
    previous_modules = {name: module for name, module in sys.modules.items() if name.startswith("tinytorch.")}
    use_sources(sources)
    try:
        yield importlib.import_module(f"tinytorch.{sources.graded}")
    finally:
        for name in [name for name in sys.modules if name.startswith("tinytorch.")]:
            del sys.modules[name]
        sys.modules.update(previous_modules)
        NotebookFinder.sources = previous_sources


def passes(check, sources):
    try:
        with built_from(sources) as module:
            check(module)
    except Exception:
        return False
    return True


def find_breaking_module(check):
    """Which of the student's modules makes `check(capstone_module)` fail, as a sentence.

    Swaps the student's modules for the reference one at a time: the module whose swap
    makes the check pass is the one that breaks the chain.
    """
    if grading is None or not grading.chain:
        return "To find the module that breaks it, run the tests of your notebooks 01-10 again."
    earlier = ORDER[: ORDER.index(grading.graded)]
    for name in earlier:
        if passes(check, grading.swapping({name})):
            return (
                f"The chain breaks in {MODULES[name]}: with the reference {MODULES[name]} instead of yours, it passes."
            )
    if passes(check, grading.swapping(set(earlier))):
        return "More than one of your modules 01-10 breaks it: with all of them from the reference, it passes."
    return f"It fails even on the reference modules 01-10: the problem is in this notebook ({MODULES[grading.graded]})."
