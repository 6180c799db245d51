"""Import hook that turns assignment notebooks into the modules of the `tinytorch` package.

A notebook's module is the code of its solution cells and of the cells tagged `export`,
run in order. Tests, worked examples and student scratch cells are not part of it.

Where the code comes from is a `Sources` object: the student's sibling folders by default,
the reference solution or a submitted chain while autograding (see `grading/sources.py`).
"""

import importlib.abc
import importlib.util
import linecache
import sys
import traceback
import types
from pathlib import Path

from .course import MODULES, notebook_path

PACKAGE = "tinytorch"


class ModuleUnavailable(ImportError):
    """A tinytorch module that cannot be built; the message says which notebook, cell and line."""

    def _render_traceback_(self):
        """How Jupyter shows it: the message alone, without the frames of the import machinery."""
        return [f"{type(self).__name__}: {self}"]


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
                f"{module.__name__} could not be built: cell {number} of your notebook {notebook}"
                f"{line_of(error, filename)} raised {type(error).__name__}: {error}"
            ) from None


def line_of(error, filename):
    """', line N (`text`)': where in the cell `filename` the error happened, or ''."""
    if isinstance(error, SyntaxError):
        number, text = error.lineno, error.text
    else:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
        number, text = (frames[-1].lineno, frames[-1].line) if frames else (None, None)
    return f", line {number} (`{text.strip()}`)," if number and text else ""


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

        def run(module):
            saved_when_built[path] = saved_at(path)
            module.__class__ = NotebookModule
            run_notebook_code(module, path)

        return run


saved_when_built = {}  # notebook path -> when it was saved, as it was when a module was built from it


def saved_at(path):
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return None


class NotebookModule(types.ModuleType):
    """A module built from the student's notebooks. Once one of them is saved again, the next
    name taken from any of these modules (an import cell run again) builds them all afresh: a
    fix of 01 reaches a running 02 kernel without a restart."""

    def __getattribute__(self, name):
        if name.startswith("__") or all(saved_at(path) == when for path, when in saved_when_built.items()):
            return super().__getattribute__(name)
        saved_when_built.clear()
        forget_modules()
        return getattr(importlib.import_module(super().__getattribute__("__name__")), name)


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
    forget_modules()


def forget_modules():
    """Drop the tinytorch modules built so far: the next import builds them again."""
    for fullname in [m for m in sys.modules if m.startswith(PACKAGE + ".")]:
        if fullname.partition(".")[2] in MODULES:
            del sys.modules[fullname]
