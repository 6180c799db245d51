"""Autograding mode: nbgrader_config.py runs `start()` in every grading kernel before any cell.

While module N is graded, modules before N come from the reference solution, so one bug in
Tensor does not zero every later module; module N itself must come from the notebook being
graded, and the reference package cannot be imported. The capstone is the exception: it is
graded on the student's own submitted chain, because only a chain that fits together passes.
"""

import importlib
import importlib.abc
import sys
from contextlib import contextmanager
from pathlib import Path

from ._loader import (
    ModuleUnavailable,
    NotebookFinder,
    StudentSources,
    run_notebook_code,
    run_reference_code,
    use_sources,
)
from .modules import ASSIGNMENTS, MODULES

GRADED_ON_OWN_CHAIN = {"11_tinygpt"}
ORDER = list(MODULES)


def unavailable(message):
    def run(module):
        raise ModuleUnavailable(message)

    return run


class GradingSources:
    """Earlier modules from the reference (or the student's chain); no later module at all."""

    def __init__(self, graded, reference, chain=None):
        self.graded = graded
        self.reference = Path(reference)
        self.chain = chain

    def runner(self, name):
        if ORDER.index(name) >= ORDER.index(self.graded):
            return unavailable(
                f"tinytorch.{name} cannot be imported while {MODULES[self.graded]} is graded: "
                f"the code of tinytorch.{self.graded} must be in this notebook's own cells."
            )
        if self.chain:
            return self.chain.runner(name)
        path = self.reference / f"{name}.py"
        return lambda module: run_reference_code(module, path)


class ReferenceBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] == "tinytorch_ref":
            raise ImportError("the reference solution cannot be imported while grading")
        return None


# While grading a capstone: what `find_breaking_module` needs to rebuild the chain.
capstone = None


def start(reference, submitted):
    """Enter grading mode for the assignment folder the kernel runs in."""
    global capstone
    folder = Path.cwd()
    graded = ASSIGNMENTS.get(folder.name)
    if graded is None:
        return
    chain = None
    if folder.name in GRADED_ON_OWN_CHAIN:
        chain = StudentSources(Path(submitted) / folder.parent.name)
        capstone = SwappedSources(graded, reference, chain, folder / f"{graded}.ipynb")
    use_sources(GradingSources(graded, reference, chain))
    sys.meta_path.insert(0, ReferenceBlocker())


class SwappedSources:
    """The student's chain and capstone notebook, with some modules swapped for the reference."""

    def __init__(self, graded, reference, chain, notebook, swapped=()):
        self.graded, self.reference, self.chain, self.notebook = graded, Path(reference), chain, notebook
        self.swapped = set(swapped)

    def swapping(self, names):
        return SwappedSources(self.graded, self.reference, self.chain, self.notebook, names)

    def runner(self, name):
        if name == self.graded:
            return lambda module: run_notebook_code(module, self.notebook)
        if name in self.swapped:
            return lambda module: run_reference_code(module, self.reference / f"{name}.py")
        return self.chain.runner(name)


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
    if capstone is None:
        return "To find the module that breaks it, run the tests of your notebooks 01-10 again."
    earlier = ORDER[: ORDER.index(capstone.graded)]
    for name in earlier:
        if passes(check, capstone.swapping({name})):
            return (
                f"The chain breaks in {MODULES[name]}: with the reference {MODULES[name]} instead of yours, it passes."
            )
    if passes(check, capstone.swapping(set(earlier))):
        return "More than one of your modules 01-10 breaks it: with all of them from the reference, it passes."
    return (
        f"It fails even on the reference modules 01-10: the problem is in this notebook ({MODULES[capstone.graded]})."
    )
