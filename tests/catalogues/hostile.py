"""Submission and broken submissions: what each does, and what its student must get.

Each is built from a real notebook of 01_tensor (the reference solution, or the blank release)
made hostile: a cell inserted or changed, cells deleted or duplicated, a locked test cell
edited, the file corrupted or missing. The test suite autogrades all of them together with
normal students (tests/test_hostile.py): the hostile one loses exactly `loses`, and says why
(`reason`, in its autograded notebook, or in nbgrader's log when there is no notebook to grade).
"""

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.preprocessors.grading_execute import TIMED_OUT, UNSANDBOXED

ASSIGNMENT = "01_tensor"
TESTS = frozenset(
    ["test_dtypes", "test_arithmetic", "test_matmul", "test_shape_operations", "test_reductions"]
    + ["test_exp_log", "test_graph_recording"]
)
# Every test from test_exp_log on (the cells after a solution that breaks `exp` or `log`).
FROM_EXP = frozenset(["test_exp_log", "test_graph_recording"])


@dataclass(frozen=True)
class Submission:
    student: str
    description: str
    build: Callable  # () -> a notebook, the text of a broken file, or None (no notebook at all)
    loses: frozenset  # the autograded tests that score zero; every other one gets full points
    reason: str  # what the student or the instructor reads about it
    graded: bool = True  # False: nbgrader cannot grade it at all and says so in its log
    assignment: str = ASSIGNMENT  # the assignment it is a submission of
    files: tuple = ()  # (name, text) of other files in the submission folder


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
# A bug only the hidden tests catch: it loses test_shape_operations.
TRANSPOSE_FIRST_AXES = samples.bug("bug-transpose-first-axes")
TRANSPOSE, TRANSPOSE_BUG = TRANSPOSE_FIRST_AXES.wrong, TRANSPOSE_FIRST_AXES.instead


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
    """A solution cell and a test cell copied and pasted: each copy has the same nbgrader
    metadata as the original, and its own cell id, as JupyterLab gives a pasted cell."""
    notebook = samples.source_notebook(ASSIGNMENT)
    for grade_id in ("to_array", "test_matmul"):
        original = cell(notebook, grade_id)
        pasted = copy.deepcopy(original)
        pasted.id = f"{original.id}-pasted"
        notebook.cells.insert(notebook.cells.index(original) + 1, pasted)
    return notebook


def with_edited_test():
    """sum ignores keepdims, and the test that catches it is emptied and made worth 100 points."""
    notebook = changed("data = self.data.sum(axis=axis, keepdims=keepdims)", "data = self.data.sum(axis=axis)")()
    test = cell(notebook, "test_reductions")
    test.source = "# nothing to test here\npass"
    test.metadata["nbgrader"]["points"] = 100
    return notebook


# Ways out of the sandbox that a search engine knows, each tried by one submission (the reference
# solution, so it deserves full marks). `{course}` is the real course folder and `{port}` a port
# open on the grading machine's loopback; each attack raises when it is blocked.
ATTACKS = {
    "read the gradebook by its path": 'open("{course}/gradebook.db", "rb").read()',
    "read the reference by its path": 'open("{course}/tinytorch_ref/tensor.py").read()',
    "read the reference next to the working folder": 'open("../../../tinytorch_ref/tensor.py").read()',
    "read another student's submission": 'open("{course}/submitted/reference/01_tensor/tensor.ipynb").read()',
    "open relative to a folder descriptor": 'os.open("{course}/gradebook.db"[1:], os.O_RDONLY, dir_fd=os.open("/", os.O_RDONLY))',
    "read the gradebook through /proc/1/root": 'open("/proc/1/root{course}/gradebook.db", "rb").read()',
    "follow a symlink into the course": 'os.symlink("{course}/gradebook.db", "link") or open("link", "rb").read()',
    "delete the gradebook": 'os.remove("{course}/gradebook.db")',
    "zero grades with sqlite3": 'sqlite3.connect("file:{course}/gradebook.db?mode=rw", uri=True).execute("UPDATE grade SET auto_score = 0")',
    "find nbgrader's folder through /proc": "next(p for p in os.listdir('/proc') if p.isdigit() and b'nbgrader' in open(f'/proc/{{p}}/cmdline', 'rb').read())",
    "signal nbgrader": "os.kill(next(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) > os.getpid() + 10**6), 9)",
    "signal nbgrader with a pidfd": "signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)",
    "append to the installed kit": 'open(tinytorch.testing.__file__, "a").write("\\n")',
    "write into the Python environment": 'open(os.path.join(os.path.dirname(np.__file__), "x.py"), "w").write("")',
    "overwrite the handed-in modules": 'open("/grading/modules.json", "w").write("{{}}")',
    "a shell writes into the course": 'subprocess.run(["/bin/sh", "-c", "echo pwned > {course}/pwned"], check=True)',
    "a shell started without an audit event": "(lambda r, w: (os.waitpid(_posixsubprocess.fork_exec([b'/bin/sh', b'-c', b'echo pwned > {course}/pwned'], [b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, False, False, -1, None, None, -1, -1, None, False), 0), open('{course}/pwned')))(*os.pipe())",
    "a program started by os.posix_spawn writes into the course": '(os.waitpid(os.posix_spawn("/bin/sh", ["sh", "-c", "echo pwned > {course}/pwned"], {{}}), 0), open("{course}/pwned"))',
    "signal every process it may": "os.kill(-1, signal.SIGKILL)",
    "a raw kill system call": "libc = ctypes.CDLL(None, use_errno=True)\nif libc.syscall(62, os.getppid(), 9) != 0:\n    raise OSError(ctypes.get_errno(), 'kill')",
    "connect to the grading machine": 'socket.create_connection(("127.0.0.1", {port}), timeout=5)',
    "connect to the internet": 'socket.create_connection(("1.1.1.1", 53), timeout=5)',
    "raise the memory limit": "resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))",
    "become root": "os.setuid(0)",
}

ESCAPE = """
import ctypes, os, signal, socket, sqlite3, subprocess, resource, _posixsubprocess
import numpy as np
import tinytorch.testing

for name, attack in {attacks!r}.items():
    try:
        exec(attack)
    except BaseException as error:
        print(f"attack {{name}}: blocked ({{type(error).__name__}})")
    else:
        print(f"attack {{name}}: SUCCEEDED")
"""


def escape(course, port):
    """The reference solution, with every attack tried when its first solution cell runs."""
    attacks = {name: code.format(course=course, port=port) for name, code in ATTACKS.items()}
    return appended("to_array", ESCAPE.format(attacks=attacks))()


STEAL = """
import os
top = [f"/{{name}}" for name in os.listdir("/") if name not in ("proc", "sys", "dev", "usr")]
found = [os.path.join(root, "tensor.py") for folder in top for root, _, _ in os.walk(folder) if root.endswith("tinytorch_ref")]
for path in found + ["{course}/tinytorch_ref/tensor.py"]:
    exec(open(path).read())
"""

FORK_BOMB = """
import os, time
children = 0
while children < 10_000:
    try:
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
    except OSError as error:
        print(f"fork bomb stopped after {children} processes: {error}")
        break
    children += 1
"""

FILL_DISK = """
for folder in (".", "/tmp"):
    try:
        with open(f"{folder}/filler", "wb") as filler:
            for _ in range(4096):
                filler.write(bytes(2**20))
    except OSError as error:
        print(f"the disk did not fill: {error}")
"""

FAKE_TIMEOUT = """
class CellTimeoutError(Exception):
    pass

raise CellTimeoutError("cell test_dtypes ran longer than the grader's limit of 10 s per cell: it was stopped")
"""

HUGE_ERROR = 'raise ValueError("x" * 30_000_000)'

# Bypasses the kernel's own caps (they are the student's to undo): nbgrader caps again.
DISPLAY_UPDATES = """
import sys
from IPython.display import display

handle = display("small", display_id=True)
for _ in range(6):
    handle.update("x" * 1_000_000)
sys.__stdout__.write("z" * 3_000_000)  # the process's own stdout, which nobody reads
print("y" * 3_000_000)
"""

SCRIPT = "<script>alert('pwned')</script><img src=x onerror=\"alert('pwned')\">"


def with_scripts():
    """Scripts in an HTML output and in the written answer."""
    notebook = appended("to_array", f"from IPython.display import HTML, display\n\ndisplay(HTML({SCRIPT!r}))")()
    cell(notebook, "why_float64").source = f"Because of precision. {SCRIPT}"
    return notebook


HOSTILE = [
    Submission(
        "hostile-infinite-loop",
        "exp loops forever",
        changed(EXP, "        while True:\n            pass\n" + EXP),
        FROM_EXP,
        "cell test_exp_log ran longer than the grader's limit",
    ),
    Submission(
        "hostile-unstoppable-loop",
        "exp loops forever and ignores the interrupt of the timeout",
        changed(EXP, UNSTOPPABLE + EXP),
        FROM_EXP,
        "did not stop when it was interrupted",
    ),
    Submission(
        "hostile-sys-exit",
        "sys.exit() before the Tensor class is defined",
        changed("class Tensor:", "import sys\n\nsys.exit()\n\n\nclass Tensor:"),
        TESTS,
        "SystemExit",
    ),
    Submission(
        "hostile-os-exit",
        "os._exit(0) in the first solution cell ends the student process",
        appended("to_array", "import os\n\nos._exit(0)"),
        TESTS,
        "the student process stopped answering",
    ),
    Submission(
        "hostile-crash",
        "exp crashes the student process (segmentation fault)",
        changed(EXP, "        import faulthandler\n\n        faulthandler._sigsegv()\n" + EXP),
        FROM_EXP,
        "the student process stopped answering",
    ),
    Submission(
        "hostile-memory-bomb",
        "log allocates 8 GiB",
        changed(LOG, "        hog = np.ones(2**30)\n" + LOG),
        FROM_EXP,
        "MemoryError",
    ),
    Submission(
        "hostile-huge-output",
        "prints 2 GiB when the first solution cell runs",
        appended("to_array", 'for _ in range(2048):\n    print("x" * 2**20)'),
        frozenset(),
        "output truncated by the grader",
    ),
    Submission(
        "hostile-malformed",
        "the notebook file is not JSON",
        lambda: '{"cells": [ this is not a notebook',
        TESTS,
        "There was an error processing assignment",
        graded=False,
    ),
    Submission(
        "hostile-missing",
        "no notebook in the submission folder",
        lambda: None,
        TESTS,
        "No notebooks were matched",
        graded=False,
    ),
    Submission(
        "hostile-deleted-cells",
        "the test cell of exp and log is deleted",
        without_test_cell,
        frozenset(["test_exp_log"]),
        "",  # nbgrader says nothing: the formgrader shows the missing test with zero points
    ),
    Submission(
        "hostile-duplicated-cells",
        "a solution cell and a test cell are duplicated",
        with_duplicated_cells,
        frozenset(),
        "Cell with id 'test_matmul' exists multiple times",
    ),
    Submission(
        "hostile-edited-test",
        "sum ignores keepdims, and its test cell is emptied and given 100 points",
        with_edited_test,
        frozenset(["test_reductions"]),
        "Attribute 'checksum' for cell test_reductions has changed",
    ),
    Submission(
        "hostile-redefines-helpers",
        "a hidden-only transpose bug, with check_property replaced by a no-op",
        hidden_bug(
            "import tinytorch.testing\n\n"
            "tinytorch.testing.check_property = lambda *args, **kwargs: None\n"
            "tinytorch.testing.assert_close.__code__ = (lambda *args, **kwargs: None).__code__"
        ),
        frozenset(["test_shape_operations"]),
        "property failed:",
    ),
    Submission(
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
    Submission(
        "hostile-imports-reference",
        "the blank release, with the reference Tensor imported",
        appended("tensor_class", "from tinytorch_ref.tensor import Tensor", base=samples.release_notebook),
        TESTS,
        "No module named 'tinytorch_ref'",
    ),
    Submission(
        "hostile-reads-reference",
        "the blank release, with the reference's file run",
        appended(
            "tensor_class", 'exec(open("../../../tinytorch_ref/tensor.py").read())', base=samples.release_notebook
        ),
        TESTS,
        "No such file or directory",
    ),
    Submission(
        "hostile-escapes",
        "the reference solution, which also tries every way out of the sandbox (ATTACKS)",
        escape,
        frozenset(),
        "blocked",
    ),
    Submission(
        "hostile-steals-reference",
        "the blank release, which looks for the reference everywhere and runs it",
        lambda course, port: appended("tensor_class", STEAL.format(course=course), base=samples.release_notebook)(),
        TESTS,
        "No such file or directory",
    ),
    Submission(
        "hostile-fork-bomb",
        "the reference solution, which also forks until it cannot",
        appended("to_array", FORK_BOMB),
        frozenset(),
        "fork bomb stopped after",
    ),
    Submission(
        "hostile-fills-disk",
        "the reference solution, which also writes 4 GiB files in its folder and /tmp",
        appended("to_array", FILL_DISK),
        frozenset(),
        "the disk did not fill",
    ),
    Submission(
        "hostile-huge-error",
        "the reference solution, whose first cell raises an error of 30,000,000 characters",
        appended("to_array", HUGE_ERROR),
        frozenset(),
        "more characters cut",
    ),
    Submission(
        "hostile-display-updates",
        "the reference solution, which sends 12,000,000 characters in display updates, prints and its own stdout",
        appended("to_array", DISPLAY_UPDATES),
        frozenset(),
        "output truncated by the grader",
    ),
    Submission(
        "hostile-fake-timeout",
        "the reference solution, whose first cell raises its own CellTimeoutError naming a test cell",
        appended("to_array", FAKE_TIMEOUT),
        frozenset(),
        "cell test_dtypes ran longer than the grader's limit",  # shown as its error, never recorded
    ),
    Submission(
        "hostile-forges-markers",
        "the reference solution, with the files the grader leaves when a cell ran out of time or ran unsandboxed",
        lambda: samples.source_notebook(ASSIGNMENT),
        frozenset(),
        "",
        files=((TIMED_OUT, "cell test_dtypes ran longer than the grader's limit\n"), (UNSANDBOXED, "no sandbox\n")),
    ),
    Submission(
        "hostile-scripts",
        "the reference solution, with a script in an HTML output and in the written answer",
        with_scripts,
        frozenset(),
        "",  # the script shows as text
    ),
]


def build(hostile, course, port):
    """The hostile submission; some attacks need the course folder and a port of the machine."""
    parameters = inspect.signature(hostile.build).parameters
    return hostile.build(course, port) if parameters else hostile.build()


def submit(course, hostile, port=1):
    """Put the hostile submission into submitted/<student>/<assignment>/ (01_tensor unless it
    says otherwise), as `nbgrader collect` would."""
    submission = build(hostile, Path(course).resolve(), port)
    if submission is None or isinstance(submission, str):
        path = classroom.notebook_in(Path(course) / "submitted" / hostile.student, hostile.assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        if submission is None:
            (path.parent / "notes.txt").write_text("I could not finish the notebook, sorry.")
        else:
            path.write_text(submission)
        return path.parent
    path = classroom.submit(course, hostile.student, hostile.assignment, submission)
    for name, text in hostile.files:
        (path.parent / name).write_text(text)
    return path
