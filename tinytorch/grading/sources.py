"""While grading: the code each tinytorch module is built from in the student process.

The student process runs in the OS sandbox, which holds no course folder: it builds every
module from what the grader handed in (`handed_in.py`). While module N is graded, modules before
N are built from the reference code handed in, so one bug in Tensor does not zero every later
module; module N must come from the notebook's own cells. A module graded on the student's own
chain (the capstone, and the language model that trains it) is built from the student's chain,
and `imported_from` builds it again with some modules swapped for the reference, for the blame
(`blame.py`).
"""

import importlib
import sys
from contextlib import contextmanager

from tinytorch.course import MODULES
from tinytorch.loader import ModuleUnavailable, NotebookFinder, run_cells, run_reference_code, use_sources

from . import handed_in


def unavailable(message):
    def run(module):
        raise ModuleUnavailable(message)

    return run


class HandedInSources:
    """The tinytorch modules while grading, from the handed-in code.

    `swapped` names chain modules replaced by the reference one (to find the one that breaks).
    """

    def __init__(self, handed_in, swapped=()):
        self.handed_in = handed_in
        self.graded = handed_in["graded"]
        self.chain = handed_in.get("chain")
        self.swapped = set(swapped)

    def swapping(self, names, reference):
        """These sources with the modules `names` built from the reference code `reference`."""
        handed_in = {**self.handed_in, "reference": {**self.handed_in["reference"], **reference}}
        return HandedInSources(handed_in, names)

    def runner(self, name):
        if self.chain and name in self.chain and name not in self.swapped:
            entry = self.chain[name]
            if "error" in entry:
                return unavailable(entry["error"])
            return lambda module: run_cells(module, entry["cells"], entry["notebook"])
        if name in self.handed_in["reference"]:
            source = self.handed_in["reference"][name]
            return lambda module: run_reference_code(module, source)
        return unavailable(
            f"tinytorch.{name} cannot be imported while {MODULES[self.graded]} is graded: "
            f"the code of tinytorch.{self.graded} must be in this notebook's own cells."
        )


# The handed-in sources while grading (None in a student's own Jupyter): the capstone's blame uses them.
sources = None


def start(folder):
    """Build the tinytorch modules from the code handed in at `folder`; returns the hand-in."""
    global sources
    sources = HandedInSources(handed_in.read(folder))
    use_sources(sources)
    return sources.handed_in


@contextmanager
def imported_from(other_sources):
    """Import a fresh tinytorch (all of it) from `other_sources`, then put the previous one back."""
    previous_sources = NotebookFinder.sources
    previous_modules = {name: module for name, module in sys.modules.items() if name.startswith("tinytorch.")}
    use_sources(other_sources)
    try:
        yield importlib.import_module(f"tinytorch.{other_sources.graded}")
    finally:
        for name in [name for name in sys.modules if name.startswith("tinytorch.")]:
            del sys.modules[name]
        sys.modules.update(previous_modules)
        NotebookFinder.sources = previous_sources
