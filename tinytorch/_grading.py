"""Autograding mode: nbgrader_config.py runs `start()` in every grading kernel before any cell.

While module N is graded, modules before N come from the reference solution, so one bug in
Tensor does not zero every later module; module N itself must come from the notebook being
graded, and the reference package cannot be imported. The capstone is the exception: it is
graded on the student's own submitted chain, because only a chain that fits together passes.

A grading kernel also runs hostile code safely enough (SPEC §7): its memory is limited, it
cannot read the reference, the source notebooks or other students' work, cannot write into the
course folder outside its own, cannot start programs, and the test helpers and Hypothesis are
put back as they were before every cell runs (`Sandbox`).
"""

import importlib
import importlib.abc
import os
import resource
import sys
import types
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
        self.chain = chain
        # Read now: once the sandbox is on, the reference folder cannot be opened.
        self.reference = {
            name: (Path(reference) / f"{name}.py").read_text()
            for name in ORDER[: ORDER.index(graded)]
            if (Path(reference) / f"{name}.py").exists()
        }

    def runner(self, name):
        if ORDER.index(name) >= ORDER.index(self.graded):
            return unavailable(
                f"tinytorch.{name} cannot be imported while {MODULES[self.graded]} is graded: "
                f"the code of tinytorch.{self.graded} must be in this notebook's own cells."
            )
        if self.chain:
            return self.chain.runner(name)
        return lambda module: run_reference_code(module, self.reference[name])


class ReferenceBlocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] == "tinytorch_ref":
            raise ImportError("the reference solution cannot be imported while grading")
        return None


# While grading a capstone: what `find_breaking_module` needs to rebuild the chain.
capstone = None


# Modules whose names the tests rely on: put back as they were before every cell runs.
PROTECTED = ["tinytorch.testing", "hypothesis", "hypothesis.strategies", "hypothesis.extra.numpy", "numpy"]
# Audit events that start another program or load native code.
FORBIDDEN = ("os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "subprocess.Popen")
FORBIDDEN += ("os.killpg", "signal.pthread_kill", "ctypes.dlopen", "ctypes.dlsym")
# Audit events that change the file system at their first argument, (second for renames).
CHANGES = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime")
CHANGES += ("os.symlink", "os.link", "shutil.rmtree", "shutil.copyfile", "shutil.copymode", "shutil.move")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


def inside(path, folders):
    return any(path == folder or path.startswith(folder + os.sep) for folder in folders)


class Sandbox:
    """An audit hook (which cannot be removed) guarding the course folder and the test helpers.

    Under the course folder, the kernel may read only the student kit, the Python environment
    and this student's own folders, and write only into the assignment folder it grades.
    """

    def __init__(self, course, student_folders, own_folder):
        self.course = os.path.realpath(course)
        kit = os.path.dirname(os.path.realpath(__file__))
        prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        self.readable = [kit, *prefixes, *(os.path.realpath(f) for f in student_folders)]
        self.writable = [os.path.realpath(own_folder)]
        self.saved = {}
        for name in PROTECTED:
            module = importlib.import_module(name)
            self.saved[name] = (module, dict(vars(module)))
        self.functions = {
            id(value): value.__code__
            for module, namespace in self.saved.values()
            for value in namespace.values()
            if isinstance(value, types.FunctionType)
        }

    def check_path(self, path, writing):
        if isinstance(path, int) or path is None:
            return
        path = os.path.realpath(os.fsdecode(path))
        if not inside(path, [self.course]) or inside(path, self.writable):
            return
        if writing or not inside(path, self.readable):
            raise PermissionError(
                f"grading: {path} is outside this submission's folder and cannot be "
                f"{'written' if writing else 'read'} while grading"
            )

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
        elif event == "open":
            path, mode, flags = arguments
            self.check_path(path, writing=any(c in (mode or "") for c in "wax+") or bool((flags or 0) & WRITE_FLAGS))
        elif event == "sqlite3.connect":
            self.check_path(arguments[0], writing=True)
        elif event in CHANGES:
            for path in arguments[:2] if event in ("os.rename", "os.link", "shutil.move") else arguments[:1]:
                self.check_path(path, writing=True)
        elif event == "os.kill" and arguments[0] != os.getpid():
            raise PermissionError("grading: a grading kernel cannot signal other processes")
        elif event.startswith(FORBIDDEN):
            raise PermissionError(f"grading: {event} is not allowed while grading")
        elif event == "object.__setattr__" and arguments[1] == "__code__" and id(arguments[0]) in self.functions:
            raise PermissionError("grading: the test helpers cannot be changed")


class CappedOutput:
    """A stream that drops what a cell writes beyond `limit` characters before it leaves the
    kernel: gigabytes printed would take minutes to reach nbgrader (which caps them too)."""

    def __init__(self, stream, limit=1_000_000):
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


def limit_memory(limit):
    """Cap the kernel's address space: a memory bomb raises MemoryError instead of
    exhausting the grading machine."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def start(reference, submitted, memory_limit=4 * 2**30):
    """Enter grading mode for the assignment folder the kernel runs in."""
    global capstone
    folder = Path.cwd()
    graded = ASSIGNMENTS.get(folder.name)
    if graded is None:
        return
    student = folder.parent.name
    chain = None
    if folder.name in GRADED_ON_OWN_CHAIN:
        chain = StudentSources(Path(submitted) / student)
    sources = GradingSources(graded, reference, chain)
    if chain:
        capstone = SwappedSources(graded, sources.reference, chain, folder / f"{graded}.ipynb")
    use_sources(sources)
    sys.meta_path.insert(0, ReferenceBlocker())
    limit_memory(memory_limit)
    sys.stdout, sys.stderr = CappedOutput(sys.stdout), CappedOutput(sys.stderr)
    course = Path(reference).resolve().parent
    sys.addaudithook(Sandbox(course, [folder.parent, Path(submitted) / student], folder))


class SwappedSources:
    """The student's chain and capstone notebook, with some modules swapped for the reference."""

    def __init__(self, graded, reference, chain, notebook, swapped=()):
        self.graded, self.reference, self.chain, self.notebook = graded, reference, chain, notebook
        self.swapped = set(swapped)

    def swapping(self, names):
        return SwappedSources(self.graded, self.reference, self.chain, self.notebook, names)

    def runner(self, name):
        if name == self.graded:
            return lambda module: run_notebook_code(module, self.notebook)
        if name in self.swapped:
            return lambda module: run_reference_code(module, self.reference[name])
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
