"""Autograding mode: the code that builds the tinytorch modules in the student process.

The student process (`_student.py`) runs in the OS sandbox (tinytorch_tools/sandbox.py), which
holds no course folder. It first runs `start(folder)`: `folder/modules.json` is what the grader
handed in (tinytorch_tools/handin.py). While module N is graded, modules before N are built
from the reference code handed in, so one bug in Tensor does not zero every later module;
module N must come from the notebook's own cells. The capstone (and 12_language_model, which
trains it) is built from the student's own chain, and `built_from` builds it again with some
modules swapped for the reference, for the blame (`_blame.py`).
"""

import importlib
import json
import sys
from contextlib import contextmanager
from pathlib import Path

from ._loader import ModuleUnavailable, NotebookFinder, run_cells, run_reference_code, use_sources
from .modules import MODULES

GRADED_ON_OWN_CHAIN = {"11_tinygpt", "12_language_model"}  # the capstone, and what builds on it
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
    """Build the tinytorch modules from the code handed in at `folder`/modules.json."""
    global grading
    grading = HandedInSources(json.loads((Path(folder) / "modules.json").read_text()))
    use_sources(grading)


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
