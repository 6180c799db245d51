"""Import hook that turns assignment notebooks into the modules of the `tinytorch` package.

A notebook's module is the code of its solution cells and of the cells tagged `export`,
run in order. Tests, worked examples and student scratch cells are not part of it.

Where the code comes from is a `Sources` object: the student's sibling folders by default,
the reference solution or a submitted chain while autograding (see `_grading.py`).
"""

import importlib.abc
import importlib.util
import linecache
import sys
from pathlib import Path

from .modules import MODULES, notebook_path

PACKAGE = "tinytorch"


class ModuleUnavailable(ImportError):
    """A tinytorch module that cannot be built; the message says which notebook and why."""


def exported_cells(notebook):
    """The source of each code cell that belongs to the module, with its cell number."""
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        is_solution = cell.metadata.get("nbgrader", {}).get("solution", False)
        if is_solution or "export" in cell.metadata.get("tags", []):
            yield number, cell.source


def notebook_cells(path):
    """[(cell number, source)] of the module's cells of the notebook at `path`."""
    path = Path(path)
    if not path.exists():
        raise ModuleUnavailable(
            f"{path.stem} is built from your notebook {path}, which does not exist. "
            f"Put assignment {path.parent.name} next to this one (same parent folder)."
        )
    import nbformat  # here, not at the top: importing it takes a second, and grading never needs it

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:
        raise ModuleUnavailable(f"{path} is not a readable notebook: {error}") from None
    return list(exported_cells(notebook))


def run_cells(module, cells, notebook):
    """Run a notebook's module cells [(number, source)] inside `module`."""
    for number, source in cells:
        filename = f"{Path(notebook).name}, cell {number}"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        except Exception as error:
            raise ModuleUnavailable(
                f"{module.__name__} could not be built: cell {number} of your notebook {notebook} "
                f"raised {type(error).__name__}: {error}"
            ) from error


def run_notebook_code(module, path):
    """Run the module's cells of the notebook at `path` inside `module`."""
    run_cells(module, notebook_cells(path), path)


def run_reference_code(module, source):
    """Run the source of a reference module; it is deliberately kept out of tracebacks."""
    exec(compile(source, f"<reference {module.__name__}>", "exec"), module.__dict__)


class StudentSources:
    """Every module comes from a notebook in `folder` (the parent of the assignment folders)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def runner(self, name):
        path = notebook_path(self.folder, name)
        return lambda module: run_notebook_code(module, path)


class NotebookLoader(importlib.abc.Loader):
    def __init__(self, run):
        self.run = run

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__package__ = PACKAGE
        self.run(module)


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds `tinytorch.<module>`; `sources` decides which code builds it."""

    sources = None

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.partition(".")
        if package != PACKAGE or name not in MODULES:
            return None
        sources = NotebookFinder.sources or StudentSources(Path.cwd().parent)
        return importlib.util.spec_from_loader(fullname, NotebookLoader(sources.runner(name)))


def use_sources(sources):
    """Build every tinytorch module imported from now on from `sources`."""
    NotebookFinder.sources = sources
    for fullname in [m for m in sys.modules if m.startswith(PACKAGE + ".")]:
        if fullname.partition(".")[2] in MODULES:
            del sys.modules[fullname]
