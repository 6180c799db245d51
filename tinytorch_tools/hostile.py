"""Hostile and broken submissions (SPEC §7): what each does, and what its student must get.

Each is built from a real notebook of 01_tensor (the reference solution, or the blank release)
made hostile: a cell inserted or changed, cells deleted or duplicated, a locked test cell
edited, the file corrupted or missing. The test suite autogrades all of them together with
normal students (tests/test_hostile.py): the hostile one loses exactly `loses`, and says why
(`reason`, in its autograded notebook, or in nbgrader's log when there is no notebook to grade).
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import classroom, samples

ASSIGNMENT = "01_tensor"
TESTS = frozenset(
    ["test_dtypes", "test_arithmetic", "test_matmul", "test_shape_operations", "test_reductions"]
    + ["test_exp_log", "test_graph_recording"]
)
# Every test from test_exp_log on (the cells after a solution that breaks `exp` or `log`).
FROM_EXP = frozenset(["test_exp_log", "test_graph_recording"])


@dataclass(frozen=True)
class Hostile:
    student: str
    description: str
    build: Callable  # () -> a notebook, the text of a broken file, or None (no notebook at all)
    loses: frozenset  # the autograded tests that score zero; every other one gets full points
    reason: str  # what the student or the instructor reads about it
    graded: bool = True  # False: nbgrader cannot grade it at all and says so in its log


def cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def changed(wrong, instead, base=samples.source_notebook):
    """A notebook whose solution text `wrong` (in exactly one cell) is replaced by `instead`."""

    def build():
        notebook = base(ASSIGNMENT)
        [target] = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution") and wrong in c.source]
        target.source = target.source.replace(wrong, instead)
        return notebook

    return build


def appended(grade_id, code, base=samples.source_notebook):
    """A notebook with `code` added at the end of the solution cell `grade_id`."""

    def build():
        notebook = base(ASSIGNMENT)
        cell(notebook, grade_id).source += "\n" + code
        return notebook

    return build


EXP = "        return Tensor.from_op(np.exp(self.data), "
LOG = "        return Tensor.from_op(np.log(self.data), "
# A bug only the hidden tests catch (bug-transpose-first-axes in course/bugs/01_tensor.toml).
TRANSPOSE = "        data = np.swapaxes(self.data, dim0, dim1)"
TRANSPOSE_BUG = (
    "        data = np.swapaxes(self.data, 0, 1) if (dim0, dim1) == (-2, -1) else np.swapaxes(self.data, dim0, dim1)"
)


UNSTOPPABLE = """        import time
        while True:
            try:
                time.sleep(1)
            except BaseException:
                pass
"""


def hidden_bug(code):
    """The hidden-only transpose bug, with `code` appended to the to_array cell."""

    def build():
        notebook = changed(TRANSPOSE, TRANSPOSE_BUG)()
        cell(notebook, "to_array").source += "\n" + code
        return notebook

    return build


def without_test_cell():
    notebook = samples.source_notebook(ASSIGNMENT)
    notebook.cells.remove(cell(notebook, "test_exp_log"))
    return notebook


def with_duplicated_cells():
    notebook = samples.source_notebook(ASSIGNMENT)
    for grade_id in ("to_array", "test_matmul"):
        original = cell(notebook, grade_id)
        notebook.cells.insert(notebook.cells.index(original) + 1, copy.deepcopy(original))
    return notebook


def with_edited_test():
    """sum ignores keepdims, and the test that catches it is emptied and made worth 100 points."""
    notebook = changed("data = self.data.sum(axis=axis, keepdims=keepdims)", "data = self.data.sum(axis=axis)")()
    test = cell(notebook, "test_reductions")
    test.source = "# nothing to test here\npass"
    test.metadata["nbgrader"]["points"] = 100
    return notebook


WRITES = """
import os
import shutil
for attack in (
    lambda: open("../../../gradebook.db", "w").write("garbage"),
    lambda: os.remove("../../../gradebook.db"),
    lambda: open("../reference/tensor.ipynb", "w").write("garbage"),
    lambda: shutil.rmtree("../../../submitted/reference"),
    lambda: os.kill(os.getppid(), 9),
    lambda: os.system("rm -rf ../../../submitted"),
):
    try:
        attack()
    except PermissionError as error:
        print(error)
"""

HOSTILE = [
    Hostile(
        "hostile-infinite-loop",
        "exp loops forever",
        changed(EXP, "        while True:\n            pass\n" + EXP),
        FROM_EXP,
        "CellTimeoutError",
    ),
    Hostile(
        "hostile-unstoppable-loop",
        "exp loops forever and ignores the interrupt of the timeout",
        changed(EXP, UNSTOPPABLE + EXP),
        FROM_EXP,
        "could not be interrupted",
    ),
    Hostile(
        "hostile-sys-exit",
        "sys.exit() before the Tensor class is defined",
        changed("class Tensor:", "import sys\n\nsys.exit()\n\n\nclass Tensor:"),
        TESTS,
        "SystemExit",
    ),
    Hostile(
        "hostile-os-exit",
        "os._exit(0) in the first solution cell ends the kernel",
        appended("to_array", "import os\n\nos._exit(0)"),
        TESTS,
        "KernelStopped",
    ),
    Hostile(
        "hostile-crash",
        "exp crashes the kernel (segmentation fault)",
        changed(EXP, "        import faulthandler\n\n        faulthandler._sigsegv()\n" + EXP),
        FROM_EXP,
        "KernelStopped",
    ),
    Hostile(
        "hostile-memory-bomb",
        "log allocates 8 GiB",
        changed(LOG, "        hog = np.ones(2**30)\n" + LOG),
        FROM_EXP,
        "MemoryError",
    ),
    Hostile(
        "hostile-huge-output",
        "prints 2 GiB when the first solution cell runs",
        appended("to_array", 'for _ in range(2048):\n    print("x" * 2**20)'),
        frozenset(),
        "output truncated by the grader",
    ),
    Hostile(
        "hostile-malformed",
        "the notebook file is not JSON",
        lambda: '{"cells": [ this is not a notebook',
        TESTS,
        "There was an error processing assignment",
        graded=False,
    ),
    Hostile(
        "hostile-missing",
        "no notebook in the submission folder",
        lambda: None,
        TESTS,
        "No notebooks were matched",
        graded=False,
    ),
    Hostile(
        "hostile-deleted-cells",
        "the test cell of exp and log is deleted",
        without_test_cell,
        frozenset(["test_exp_log"]),
        "",  # nbgrader says nothing: the formgrader shows the missing test with zero points
    ),
    Hostile(
        "hostile-duplicated-cells",
        "a solution cell and a test cell are duplicated",
        with_duplicated_cells,
        frozenset(),
        "Cell with id 'test_matmul' exists multiple times",
    ),
    Hostile(
        "hostile-edited-test",
        "sum ignores keepdims, and its test cell is emptied and given 100 points",
        with_edited_test,
        frozenset(["test_reductions"]),
        "Attribute 'checksum' for cell test_reductions has changed",
    ),
    Hostile(
        "hostile-redefines-helpers",
        "a hidden-only transpose bug, with check_property replaced by a no-op",
        hidden_bug(
            "import tinytorch.testing\n\n"
            "tinytorch.testing.check_property = lambda *args, **kwargs: None\n"
            "tinytorch.testing.assert_close.__code__ = (lambda *args, **kwargs: None).__code__"
        ),
        frozenset(["test_shape_operations"]),
        "the test helpers cannot be changed",
    ),
    Hostile(
        "hostile-redefines-hypothesis",
        "a hidden-only transpose bug, with Hypothesis told to generate no examples",
        hidden_bug(
            "import hypothesis\nimport tinytorch.testing\n\n"
            'hypothesis.settings.register_profile("none", phases=[hypothesis.Phase.explicit])\n'
            'hypothesis.settings.load_profile("none")\n'
            "tinytorch.testing.GRADING = hypothesis.settings(phases=[hypothesis.Phase.explicit])"
        ),
        frozenset(["test_shape_operations"]),
        "property failed",
    ),
    Hostile(
        "hostile-imports-reference",
        "the blank release, with the reference Tensor imported",
        appended("tensor_class", "from tinytorch_ref.tensor import Tensor", base=samples.release_notebook),
        TESTS,
        "the reference solution cannot be imported while grading",
    ),
    Hostile(
        "hostile-reads-reference",
        "the blank release, with the reference's file run",
        appended(
            "tensor_class", 'exec(open("../../../tinytorch_ref/tensor.py").read())', base=samples.release_notebook
        ),
        TESTS,
        "cannot be read while grading",
    ),
    Hostile(
        "hostile-writes-outside",
        "the reference solution, which also overwrites the gradebook, other students' files, kills nbgrader",
        appended("to_array", WRITES),
        frozenset(),
        "cannot be written while grading",
    ),
]


def submit(course, hostile):
    """Put the hostile submission into submitted/<student>/01_tensor/, as `nbgrader collect` would."""
    submission = hostile.build()
    if submission is None or isinstance(submission, str):
        folder = Path(course) / "submitted" / hostile.student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        if submission is None:
            (folder / "notes.txt").write_text("I could not finish the notebook, sorry.")
        else:
            (folder / "tensor.ipynb").write_text(submission)
        return folder
    return classroom.submit(course, hostile.student, ASSIGNMENT, submission)
