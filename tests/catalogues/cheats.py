"""Cheating submissions: tricks that change a verdict or show a secret.

Each cheat is a 01_tensor notebook with an honest part (the blank release, which deserves to
lose every test, or a notebook with one real bug) and a trick written into a solution cell:
the tricks a search engine knows for making tests pass from inside the tested process, and
for printing hidden tests or the reference into the feedback. A cheat must score exactly what
its honest part deserves (`loses`, checked by grading the honest part alone: CONTROLS), and
no line of a hidden test or of the reference may appear in its feedback (`secret_lines`).
tests/test_cheats.py grades them all with stock nbgrader.

REFERENCE_LEAKS are 02_autograd notebooks, the reference solution, that show the reference
Tensor (which the student process holds while 02 is graded) through every channel a student
cell or a tested function has: prints, stderr, errors, warnings, displays, files under /grading,
with its spacing changed or escaped. The instructor may see it; no feedback may.

Every trick raises nothing where it does not work (a plain Python, no IPython shell), so that
where it fails the honest part still gets its own score.
"""

import html
import json
import re
from pathlib import Path

import nbformat

from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring import samples

from .hostile import ASSIGNMENT, EXP, TESTS, TRANSPOSE, TRANSPOSE_BUG, Submission, appended, cell, changed, hidden_bug

# The honest parts. Wrong `exp` loses test_exp_log (its visible and hidden tests); the hidden-only
# transpose bug loses test_shape_operations; float64 lists lose test_dtypes.
WRONG_EXP = "        return Tensor.from_op(np.exp(self.data) * 1.5, "
FLOAT64_LISTS_BUG = samples.bug("bug-float64-lists")
FLOAT32_LISTS, FLOAT64_LISTS = FLOAT64_LISTS_BUG.wrong, FLOAT64_LISTS_BUG.instead
EXP_LOST = frozenset(["test_exp_log"])
TRANSPOSE_LOST = frozenset(["test_shape_operations"])
DTYPES_LOST = frozenset(["test_dtypes"])
NOTHING_LOST = frozenset()
ADD_NUMBER_LOST = frozenset(["test_arithmetic"])


def blank(code, grade_id="to_array"):
    """The blank release (nothing implemented), with `code` at the end of the cell `grade_id`."""
    return appended(grade_id, code, base=samples.release_notebook)


def reference(code, grade_id="tensor_class"):
    """The reference solution, with `code` at the end of the cell `grade_id`."""
    return appended(grade_id, code)


def wrong_exp(code, grade_id="to_array"):
    """exp is 1.5 times too large; `code` at the end of the cell `grade_id`."""
    return changed(EXP, WRONG_EXP, base=lambda assignment: appended(grade_id, code)())


def float64_lists(code, grade_id="to_array"):
    """Python lists become float64 instead of float32; `code` at the end of the cell `grade_id`."""
    return changed(FLOAT32_LISTS, FLOAT64_LISTS, base=lambda assignment: appended(grade_id, code)())


# The honest parts alone: each must lose what the cheats built on it lose.
ADD_NUMBER = """_add = Tensor.__add__


class Sum:
    \"\"\"What tensor + number gives: not a Tensor.\"\"\"

    def __init__(self, data):
        self.data = data


def add(self, other):
    result = _add(self, other)
    return Sum(result.data) if type(other) in (int, float) else result


Tensor.__add__ = add
"""

CONTROLS = [
    Submission("honest-blank", "the blank release", lambda: samples.release_notebook(ASSIGNMENT), TESTS, ""),
    Submission("honest-wrong-exp", "exp is 1.5 times too large", changed(EXP, WRONG_EXP), EXP_LOST, ""),
    Submission(
        "honest-hidden-bug", "transpose() swaps the first axes", changed(TRANSPOSE, TRANSPOSE_BUG), TRANSPOSE_LOST, ""
    ),
    Submission("honest-float64-lists", "lists become float64", float64_lists(""), DTYPES_LOST, ""),
    Submission("honest-add-number", "tensor + number is not a Tensor", reference(ADD_NUMBER), ADD_NUMBER_LOST, ""),
]

SHELL = """from IPython import get_ipython

shell = get_ipython()
"""

INPUT_TRANSFORMER = (
    SHELL
    + """

def no_tests(lines):
    return ["pass\\n"] if any("assert" in line for line in lines) else lines


if shell is not None:
    shell.input_transformers_post.append(no_tests)
"""
)

AST_TRANSFORMER = (
    SHELL
    + """import ast


class NoTests(ast.NodeTransformer):
    def visit_Module(self, module):
        names = {getattr(node, "id", None) for node in ast.walk(module)}
        if names & {"assert_close", "check_property"} or any(isinstance(n, ast.Assert) for n in ast.walk(module)):
            module.body = [ast.Pass()]
        return module


if shell is not None:
    shell.ast_transformers.append(NoTests())
"""
)

# nbgrader gives full points to a test cell without an error (or stderr) output ...
SILENT_ERRORS = (
    SHELL
    + """
if shell is not None:
    run_code = shell.run_code

    async def run_code_without_errors(code, result=None, *, async_=False):
        await run_code(code, result, async_=async_)
        if result is not None:
            result.error_in_exec = None  # the kernel replies "ok"
        return False

    shell.run_code = run_code_without_errors
    shell.showtraceback = lambda *args, **kwargs: None
"""
)

# ... and to one whose first result (execute_result) is not a number, even if an error follows.
RESULT_FIRST = (
    SHELL
    + """
if shell is not None:
    shell.events.register("pre_run_cell", lambda info: shell.displayhook("all good"))
"""
)

LOOSE_DEFAULTS = """import tinytorch.testing

tinytorch.testing.assert_close.__defaults__ = (1e3, 1e3)  # rtol, atol
"""

ISCLOSE_CODE = """def always_close(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return np.ones(np.broadcast(a, b).shape, dtype=bool)


np.isclose._implementation.__code__ = always_close.__code__
"""

NUMPY_SUBMODULE = """from numpy._core import numeric

numeric.less_equal = lambda x, y: np.ones(np.broadcast(x, y).shape, dtype=bool)  # what isclose uses
"""

SETTRACE = """import sys


def trace(frame, event, arg):
    if frame.f_code.co_name != "assert_close":
        return None

    def lines(frame, event, arg):
        if "wrong" in frame.f_locals:  # the values that differ: none
            frame.f_locals["wrong"] = frame.f_locals["wrong"] & False
        return lines

    return lines


sys.settrace(trace)
"""

SETPROFILE = """import sys


def profile(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "isclose" and "b" in frame.f_locals:
        frame.f_locals["b"] = frame.f_locals["a"]  # compare the result with itself


sys.setprofile(profile)
"""

ORACLE = """import sys


class Oracle:
    \"\"\"Data that, as an array, is whatever the comparison expects.\"\"\"

    def __init__(self, data):
        self.real = data

    def __array__(self, dtype=None, copy=None):
        frame = sys._getframe(1)
        while frame is not None and "expected" not in frame.f_locals:
            frame = frame.f_back
        return np.asarray(self.real if frame is None else frame.f_locals["expected"], dtype=dtype)


wrong_exp = Tensor.exp


def exp(self):
    result = wrong_exp(self)
    result.data = Oracle(result.data)
    return result


Tensor.exp = exp
"""

EXECUTE_ONCE = """try:
    from hypothesis.core import StateForActualGivenExecution
except ImportError:
    StateForActualGivenExecution = None

if StateForActualGivenExecution is not None:
    execute_once = StateForActualGivenExecution.execute_once

    def swallow_failures(self, data, **kwargs):
        try:
            return execute_once(self, data, **kwargs)
        except Exception:
            return None

    StateForActualGivenExecution.execute_once = swallow_failures
"""

IMPORT_HOOK = """import builtins
import types

real_import = builtins.__import__


def lenient_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = real_import(name, globals, locals, fromlist, level)
    if name == "tinytorch.testing" and fromlist:
        module = types.SimpleNamespace(**vars(module))
        module.check_property = lambda *args, **kwargs: None
    return module


builtins.__import__ = lenient_import
"""

ASSERTION_ERROR = """import builtins

try:
    from hypothesis.errors import UnsatisfiedAssumption  # Hypothesis skips such an example
except ImportError:
    UnsatisfiedAssumption = AssertionError

builtins.AssertionError = UnsatisfiedAssumption
"""

NDARRAY_SUBCLASS = """class Agreeable(np.ndarray):
    \"\"\"An array that agrees with whatever it is compared with.\"\"\"

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array_function__(self, function, types, args, kwargs):
        if function is np.isclose:
            return np.ones(np.broadcast(*args[:2]).shape, dtype=bool)
        return super().__array_function__(function, types, args, kwargs)


honest_transpose = Tensor.transpose


def transpose(self, dim0=-2, dim1=-1):
    result = honest_transpose(self, dim0, dim1)
    result.data = result.data.view(Agreeable)
    return result


Tensor.transpose = transpose
"""

THREAD = """import sys
import threading
import time

import tinytorch.testing


def no_check(*args, **kwargs):
    return None


def keep_patching(namespace=globals()):
    while True:
        tinytorch.testing.check_property = no_check
        if "check_property" in namespace:
            namespace["check_property"] = no_check
        time.sleep(0.0001)


sys.setswitchinterval(0.0001)
threading.Thread(target=keep_patching, daemon=True).start()
"""

GC_WALK = """import gc
import types


def no_check(*args, **kwargs):
    return None


for found in gc.get_objects():
    if type(found).__name__ == "HelperGuard":  # the grader's guard: forget the functions it protects
        found.functions.clear()
for found in gc.get_objects():
    if isinstance(found, types.FunctionType) and found.__name__ in ("assert_close", "check_property"):
        found.__code__ = no_check.__code__
"""

ANYTHING = """class Anything:
    \"\"\"Equal to everything.\"\"\"

    def __eq__(self, other):
        return True

    def __repr__(self):
        return "float32"


Tensor.dtype = property(lambda self: Anything())
"""

# Tricks that show a secret: each leaves the notebook its honest score.
SHADOWS_NUMPY = """import numpy


class Numpy:
    \"\"\"numpy, but float32 is float64: the tests' `np` in the student's namespace.\"\"\"

    float32 = numpy.float64

    def __getattr__(self, name):
        return getattr(numpy, name)


np = Numpy()
"""

SHADOWS_BUILTINS = """import builtins


def isinstance(value, kind):
    return type(value).__name__ == "Sum" or builtins.isinstance(value, kind)
"""

RAISE_SOURCE = """import inspect
import sys

raised = []
honest_exp = Tensor.exp


def exp(self):
    if not raised:  # once: the first test of exp fails, with its cell's source as the message
        raised.append(True)
        try:
            source = inspect.getsource(sys._getframe(1))
        except (OSError, TypeError):
            source = "no source"
        raise RuntimeError(source)
    return honest_exp(self)


Tensor.exp = exp
"""

PRINT_IN = """shown = set()
honest_add = Tensor.__add__


def add(self, other):
    try:
        cell = _ih[-1]  # noqa: F821  (IPython's list of the cells run)
    except NameError:
        cell = ""
    if cell not in shown:
        shown.add(cell)
        print(cell)
    return honest_add(self, other)


Tensor.__add__ = add
"""

CELL_HOOKS = (
    SHELL
    + """
if shell is not None:
    shell.events.register("pre_run_cell", lambda info: print(info.raw_cell))
    shell.events.register("post_run_cell", lambda result: print(shell.history_manager.input_hist_raw[-1]))
"""
)

PRINT_CALLER = """import linecache
import sys

shown = set()
honest_add = Tensor.__add__


def add(self, other):
    caller = sys._getframe(1).f_code.co_filename
    if caller not in shown:
        shown.add(caller)
        print("".join(linecache.getlines(caller)))
    return honest_add(self, other)


Tensor.__add__ = add
"""

NOTEBOOK_FILES = """import json
from pathlib import Path

for folder in [Path.cwd(), *Path.cwd().parents]:
    for path in folder.glob("*.ipynb"):
        try:
            for notebook_cell in json.loads(path.read_text())["cells"]:
                print("".join(notebook_cell["source"]))
        except (OSError, ValueError, KeyError):
            pass
"""

HANDED_IN = """import os

import tinytorch.loader

print(getattr(tinytorch.loader.NotebookFinder.sources, "handed_in", None))
for root, _, files in os.walk("/grading"):
    for name in files:
        try:
            print(open(os.path.join(root, name)).read())
        except OSError:
            pass
"""


def cheat(name, trick, build, loses):
    return Submission(f"cheat-{name}", trick, build, loses, "")


def fake_test_cell(code):
    """The hidden-only transpose bug, and a new cell that claims to be a test (nbgrader metadata
    of a locked test cell the gradebook does not know) holding `code`."""

    def build():
        notebook = hidden_bug("")()
        fake = nbformat.v4.new_code_cell(code)
        fake.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 0}
        fake.metadata["nbgrader"].update(grade_id="test_fake", schema_version=3)
        notebook.cells.insert(notebook.cells.index(cell(notebook, "to_array")) + 1, fake)
        return notebook

    return build


def transpose_bug_in_reference(code):
    """The hidden-only transpose bug, with `code` at the end of the tensor_class cell."""
    return changed(TRANSPOSE, TRANSPOSE_BUG, base=lambda assignment: reference(code)())


CHEATS = [
    # The blank release (deserves nothing).
    cheat(
        "input-transformer", "an input transformer turns each test cell into `pass`", blank(INPUT_TRANSFORMER), TESTS
    ),
    cheat("ast-transformer", "an AST transformer empties each test cell", blank(AST_TRANSFORMER), TESTS),
    cheat("silent-errors", "IPython's run_code and showtraceback hide every error", blank(SILENT_ERRORS), TESTS),
    cheat("result-first", "a pre_run_cell hook outputs a result first in each cell", blank(RESULT_FIRST), TESTS),
    # A wrong exp (loses test_exp_log).
    cheat("assert-close-defaults", "assert_close.__defaults__ = (1e3, 1e3)", wrong_exp(LOOSE_DEFAULTS), EXP_LOST),
    cheat("isclose-code", "numpy's isclose gets the code of `return True`", wrong_exp(ISCLOSE_CODE), EXP_LOST),
    cheat("numpy-submodule", "numpy._core.numeric.less_equal is always True", wrong_exp(NUMPY_SUBMODULE), EXP_LOST),
    cheat("settrace", "a sys.settrace function clears assert_close's `wrong`", wrong_exp(SETTRACE), EXP_LOST),
    cheat("setprofile", "a sys.setprofile function makes isclose compare a with a", wrong_exp(SETPROFILE), EXP_LOST),
    cheat(
        "lying-array", "exp's data, as an array, is what the test expects", wrong_exp(ORACLE, "tensor_class"), EXP_LOST
    ),
    # The hidden-only transpose bug (loses test_shape_operations).
    cheat("execute-once", "Hypothesis's execute_once swallows failures", hidden_bug(EXECUTE_ONCE), TRANSPOSE_LOST),
    cheat(
        "builtins-import",
        "builtins.__import__ gives tests a no-op check_property",
        hidden_bug(IMPORT_HOOK),
        TRANSPOSE_LOST,
    ),
    cheat(
        "assertion-error",
        "builtins.AssertionError is UnsatisfiedAssumption",
        hidden_bug(ASSERTION_ERROR),
        TRANSPOSE_LOST,
    ),
    cheat("thread", "a daemon thread keeps replacing check_property", hidden_bug(THREAD), TRANSPOSE_LOST),
    cheat("gc-walk", "a gc walk empties the guard and replaces the helpers' code", hidden_bug(GC_WALK), TRANSPOSE_LOST),
    cheat(
        "ndarray-subclass",
        "transpose's data is an ndarray subclass that agrees with anything",
        transpose_bug_in_reference(NDARRAY_SUBCLASS),
        TRANSPOSE_LOST,
    ),
    # Lists become float64 (loses test_dtypes).
    cheat(
        "lying-dtype",
        "Tensor.dtype is an object equal to everything",
        float64_lists(ANYTHING, "tensor_class"),
        DTYPES_LOST | {"test_arithmetic"},  # which checks the dtype of `x * 0.1`: the lie is no dtype
    ),
    cheat(
        "fake-test-cell",
        "a cell with a test's metadata, unknown to the gradebook, replaces check_property",
        fake_test_cell("import tinytorch.testing\n\ntinytorch.testing.check_property = lambda *a, **k: None"),
        TRANSPOSE_LOST,
    ),
    cheat(
        "shadows-numpy",
        "the student's `np` says float32 is float64",
        float64_lists(SHADOWS_NUMPY, "tensor_class"),
        DTYPES_LOST,
    ),
    cheat(
        "shadows-builtins",
        "isinstance says a Sum is anything (tensor + number is a Sum)",
        reference(ADD_NUMBER + SHADOWS_BUILTINS),
        ADD_NUMBER_LOST,
    ),
    # The reference, showing secrets (exp raising once loses test_exp_log).
    cheat(
        "raises-source", "exp raises once, with its caller's source as the message", reference(RAISE_SOURCE), EXP_LOST
    ),
    cheat("prints-in", "Tensor.__add__ prints _ih[-1], the running cell", reference(PRINT_IN), NOTHING_LOST),
    cheat("cell-hooks", "pre_run_cell and post_run_cell hooks print each cell", reference(CELL_HOOKS), NOTHING_LOST),
    cheat(
        "prints-caller", "Tensor.__add__ prints its caller's file (linecache)", reference(PRINT_CALLER), NOTHING_LOST
    ),
    cheat(
        "notebook-files",
        "prints the notebooks in the working folder and above",
        reference(NOTEBOOK_FILES),
        NOTHING_LOST,
    ),
    cheat("handed-in", "prints the loader's sources and the files under /grading", reference(HANDED_IN), NOTHING_LOST),
]


# Reference leaks (02_autograd): while module N is graded, the student process holds the reference
# source of the modules before N (README, "What stays in the student process"). A student may read
# it there, but no line of it may reach their feedback, whichever channel carries it. The honest
# part is the reference solution of 02_autograd: it deserves full marks, but for a trick that
# fails a test on purpose (`TEST_RUN`).
AUTOGRAD = "02_autograd"
AUTOGRAD_TESTS = frozenset(
    ["test_unbroadcast", "test_elementwise_gradients", "test_broadcast_gradients", "test_matmul_gradient"]
    + ["test_shape_gradients", "test_reduction_gradients", "test_backward_order", "test_accumulation", "test_no_grad"]
)
UNBROADCAST_LOST = frozenset(["test_unbroadcast"])  # the first test: it calls unbroadcast first

REFERENCE_SOURCE = """import tinytorch.grading.sources

sources = tinytorch.grading.sources.sources  # the code the grader handed in (None outside grading)
reference_source = sources.handed_in["reference"].get("tensor", "") if sources is not None else ""
"""

PRINTS_REFERENCE = REFERENCE_SOURCE + "print(reference_source)\n"

GRADING_FILES = """import os

for root, _, files in os.walk("/grading"):
    for name in files:
        try:
            with open(os.path.join(root, name)) as handed_in_file:
                print(handed_in_file.read())
        except OSError:
            pass
"""

STDERR = (
    REFERENCE_SOURCE
    + """import os
import sys

if reference_source:
    print(reference_source, file=sys.stderr)
    for write in (lambda: sys.__stderr__.write(reference_source), lambda: os.write(2, reference_source.encode())):
        try:
            write()
        except (AttributeError, OSError, ValueError):
            pass
"""
)

# The cell ends with an error after everything is defined: the tests still find every name.
CELL_ERROR = (
    REFERENCE_SOURCE
    + """
if reference_source:
    raise RuntimeError(reference_source)
"""
)

# unbroadcast misbehaves once, the first time a test (not a cell of the student's) calls it.
TEST_RUN = (
    REFERENCE_SOURCE
    + """import sys
import warnings

misbehaved = []
honest_unbroadcast = unbroadcast


def called_by_a_test():
    \"\"\"Not from one of the student's cells (where the shell's run_cell is on the stack).\"\"\"
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "run_cell":
            return False
        frame = frame.f_back
    return True


def unbroadcast(grad, shape):
    if reference_source and not misbehaved and called_by_a_test():
        misbehaved.append(True)
        {misbehave}
    return honest_unbroadcast(grad, shape)
"""
)

HTML_DISPLAY = (
    REFERENCE_SOURCE
    + """import html

from IPython.display import HTML, display

display(HTML("<pre>" + html.escape(reference_source) + "</pre>"))
display({"text/html": "<pre>" + html.escape(reference_source) + "</pre>"}, raw=True)
"""
)

MARKDOWN_DISPLAY = (
    REFERENCE_SOURCE
    + """from IPython.display import Markdown, display

display(Markdown("```python\\n" + reference_source + "\\n```"))
display({"text/markdown": "```python\\n" + reference_source + "\\n```", "text/plain": reference_source}, raw=True)
"""
)

WHITESPACE = (
    REFERENCE_SOURCE
    + """
for line in reference_source.splitlines():
    print("\\t" + "  ".join(line.split()))
"""
)

# Forms a person reads as easily as the line itself: escaped for HTML, or for a JSON string.
HTML_ESCAPED = (
    REFERENCE_SOURCE
    + """import html

for line in reference_source.splitlines():
    print(html.escape(line))
"""
)

JSON_LINES = (
    REFERENCE_SOURCE
    + """import json

for line in reference_source.splitlines():
    print(json.dumps(line))
"""
)


def autograd_reference(code, grade_id="no_grad"):
    """The reference solution of 02_autograd, with `code` at the end of the cell `grade_id`."""

    def build():
        notebook = samples.source_notebook(AUTOGRAD)
        cell(notebook, grade_id).source += "\n" + code
        return notebook

    return build


def leak(name, trick, code, grade_id="no_grad", loses=NOTHING_LOST):
    return Submission(f"leak-{name}", trick, autograd_reference(code, grade_id), loses, "", assignment=AUTOGRAD)


REFERENCE_LEAKS = [
    leak("prints-reference", "prints the reference Tensor held by tinytorch.grading.sources", PRINTS_REFERENCE),
    leak("grading-files", "prints every file under /grading (modules.json)", GRADING_FILES),
    leak("stderr", "prints the reference Tensor to stderr (and to the process's own fd 2)", STDERR),
    leak("cell-error", "its last solution cell raises an error whose message is the reference Tensor", CELL_ERROR),
    leak(
        "test-error",
        "unbroadcast raises once, in a test, with the reference Tensor as the message",
        TEST_RUN.replace("{misbehave}", "raise RuntimeError(reference_source)"),
        "unbroadcast",
        UNBROADCAST_LOST,
    ),
    leak(
        "test-warning",
        "unbroadcast warns once, in a test, with the reference Tensor as the message",
        TEST_RUN.replace("{misbehave}", "warnings.warn(reference_source)"),
        "unbroadcast",
        UNBROADCAST_LOST,
    ),
    leak("html-display", "displays the reference Tensor as HTML, escaped inside <pre>", HTML_DISPLAY),
    leak("markdown-display", "displays the reference Tensor as text/markdown", MARKDOWN_DISPLAY),
    leak("whitespace", "prints the reference Tensor re-indented, with doubled spaces", WHITESPACE),
    leak("html-escaped", "prints each line of the reference Tensor HTML-escaped", HTML_ESCAPED),
    leak("json-lines", "prints each line of the reference Tensor as a JSON string", JSON_LINES),
]
# Leaks whose channel does not exist while grading, and what the instructor reads instead: the
# student process has no display of its own, so a display arrives as its text/plain form.
NO_CHANNEL = {"leak-html-display": "<IPython.core.display.HTML object>"}


# Secrets: what no feedback may show.
MINIMUM = 20  # characters of a line worth looking for (shorter ones are too common to mean anything)
HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?$(.*?)^[ \t]*### END HIDDEN TESTS", re.DOTALL | re.MULTILINE)


def lines_of(text):
    """The stripped lines of `text` long enough to be worth looking for."""
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= MINIMUM}


def notebook_lines(path):
    """Every line of every cell of the notebook at `path`."""
    notebook = nbformat.read(path, as_version=4)
    return set().union(*(lines_of(c.source) for c in notebook.cells))


def public_lines(release=paths.RELEASE):
    """What students are given: every line of every release notebook, and of the student kit."""
    kit = set().union(*(lines_of(path.read_text()) for path in sorted((paths.ROOT / "tinytorch").glob("*.py"))))
    return kit.union(*(notebook_lines(path) for path in sorted(Path(release).glob("*/*.ipynb"))))


def hidden_test_lines(course=paths.ROOT, assignment=ASSIGNMENT):
    """The lines between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` of the assignment's
    source notebook (built from course/<assignment>.py)."""
    notebook = nbformat.read(classroom.notebook_in(Path(course) / "source", assignment), as_version=4)
    return set().union(set(), *(lines_of(block) for c in notebook.cells for block in HIDDEN.findall(c.source)))


def secret_lines(course=paths.ROOT, assignment=ASSIGNMENT):
    """{line: where it comes from}: the hidden tests of `assignment` and the reference package
    (tinytorch_ref/*.py) of the course folder `course`, but for lines students are given anyway."""
    secrets = {}
    for path in sorted((Path(course) / "tinytorch_ref").glob("*.py")):
        secrets.update(dict.fromkeys(lines_of(path.read_text()), f"tinytorch_ref/{path.name}"))
    secrets.update(dict.fromkeys(hidden_test_lines(course, assignment), f"hidden tests of {assignment}"))
    public = public_lines()
    return {line: origin for line, origin in secrets.items() if line not in public}


def feedback_text(course, student, assignment=ASSIGNMENT):
    """What the student reads in their feedback: its HTML's text, tags removed, entities unescaped."""
    page = next((Path(course) / "feedback" / student / assignment).glob("*.html")).read_text()
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def is_test(cell):
    nbgrader = cell.metadata.get("nbgrader", {})
    return bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def written_lines(course, student, assignment=ASSIGNMENT):
    """Every line the student wrote in the notebook they handed in (their own code may well be
    the reference's); not the test cells, which nbgrader puts back as the course wrote them."""
    written = set()
    for path in (Path(course) / "submitted" / student / assignment).glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        written.update(*(lines_of(c.source) for c in notebook.cells if not is_test(c)))
    return written


def autograded_text(course, student, assignment=ASSIGNMENT, cells=lambda cell: True):
    """What the instructor reads in the outputs of the student's autograded notebook (of the
    `cells` chosen)."""
    shown = []
    for path in (Path(course) / "autograded" / student / assignment).glob("*.ipynb"):
        chosen = (c for c in nbformat.read(path, as_version=4).cells if cells(c))
        for output in (o for c in chosen for o in c.get("outputs", [])):
            shown += [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
            shown += [value for value in output.get("data", {}).values() if isinstance(value, str)]
    return "\n".join(shown)


def normalized(text):
    return " ".join(text.split())


def readable_forms(line):
    """How `line` may be shown and still be read as it is: with any spacing, or escaped for
    HTML, for a Python string or for a JSON string."""
    return {normalized(form) for form in (line, html.escape(line), repr(line)[1:-1], json.dumps(line)[1:-1])}


def shown_in(text, secrets, own=frozenset()):
    """{line: where it comes from} of every secret line that `text` shows in a readable form,
    but for the lines in `own`."""
    text = "\n".join(normalized(line) for line in text.splitlines())
    return {
        line: origin
        for line, origin in secrets.items()
        if line not in own and any(form in text for form in readable_forms(line))
    }


def leaked(course, student, secrets, assignment=ASSIGNMENT):
    """{line: where it comes from} of every secret line in the student's feedback that the student
    did not hand in themselves."""
    own = written_lines(course, student, assignment)
    return shown_in(feedback_text(course, student, assignment), secrets, own)


def describe(found):
    return json.dumps(found, indent=1)[:3000]
