"""Autograding mode: nbgrader_config.py runs `start()` in every grading kernel before any cell.

While module N is graded, modules before N come from the reference solution, so one bug in
Tensor does not zero every later module; module N itself must come from the notebook being
graded, and the reference package cannot be imported. The capstone is the exception: it is
graded on the student's own submitted chain, because only a chain that fits together passes.
"""

import importlib.abc
import sys
from pathlib import Path

from ._loader import ModuleUnavailable, StudentSources, run_reference_code, use_sources
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


def start(reference, submitted):
    """Enter grading mode for the assignment folder the kernel runs in."""
    folder = Path.cwd()
    graded = ASSIGNMENTS.get(folder.name)
    if graded is None:
        return
    chain = None
    if folder.name in GRADED_ON_OWN_CHAIN:
        chain = StudentSources(Path(submitted) / folder.parent.name)
    use_sources(GradingSources(graded, reference, chain))
    sys.meta_path.insert(0, ReferenceBlocker())
