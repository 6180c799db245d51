"""Submissions that spread their work over many processes, many kinds of memory or many cells,
to get past limits that count one process or one cell at a time.

Each is the reference solution of 01_tensor with hostile cells inserted just before the test cell
test_exp_log; the test suite grades them in one class whose box is small (tests/test_box.py,
`CONFIGURATION`). The box of a notebook bounds all its processes together, so each of them must
lose the tests from that cell on (`loses`) and say why (`reason`), or, for output, keep its
autograded notebook small.
"""

from dataclasses import dataclass

import nbformat

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.preprocessors.grading_execute import OVER_BUDGET

from .hostile import FORK_BOMB  # stopped by the limit of its uid in a large box; by the box in this one

ASSIGNMENT = "01_tensor"
FROM_EXP = frozenset(["test_exp_log", "test_graph_recording"])  # the tests from the hostile cells on

CELL_TIMEOUT = 30  # seconds per cell: more than the CPU attack needs on a busy machine
NOTEBOOK_TIMEOUT = 20  # seconds for all the cells of a notebook (the reference's take 2 to 5)
MAX_OUTPUT = 10_000  # characters per cell
MAX_NOTEBOOK_OUTPUT = 50_000  # characters over all the student's cells of a notebook
MEMORY = 768 * 2**20  # bytes of the box: every process, tmpfs and shared memory together
PROCESSES = 48  # processes and threads of the box
CPUS = 2.0  # the box's CPU rate: no brake on this machine, so that the attack spends its CPU in one cell
CPU_SECONDS = 6  # of the box, every process together (the reference needs about 2: a margin for a busy machine)
# The course of tests/test_box.py: nbgrader_config.py with these lines added.
CONFIGURATION = f"""
c.Execute.timeout = {CELL_TIMEOUT}
c.GradingExecute.notebook_timeout = {NOTEBOOK_TIMEOUT}
c.GradingExecute.max_output = {MAX_OUTPUT}
c.GradingExecute.max_notebook_output = {MAX_NOTEBOOK_OUTPUT}
c.GradingExecute.box = {{"memory": {MEMORY}, "processes": {PROCESSES}, "cpus": {CPUS}, "cpu_seconds": {CPU_SECONDS}}}
"""
HOLD = 1024  # MiB that the memory attacks hold: more than the box, far less than any one process may map

MEMFD = f"""
import os
held = []
for _ in range({HOLD // 64}):
    fd = os.memfd_create("held")
    os.write(fd, bytes(2**26))
    held.append(fd)
"""

TMPFS = """
for name in ("/tmp/held", "/tmp/more", "/home/student/held", "/home/student/more"):
    with open(name, "wb") as held:  # 200 MiB each: a file may have 256
        for _ in range(200):
            held.write(bytes(2**20))
"""

DEV_SHM = f"""
with open("/dev/shm/held", "wb") as held:
    for _ in range({HOLD}):
        held.write(bytes(2**20))
"""

SYSV_SHM = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
segment = libc.shmget(0, {HOLD} * 2**20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
address = libc.shmat(segment, None, 0)
ctypes.memset(address, 1, {HOLD} * 2**20)
libc.shmdt(ctypes.c_void_p(address))  # detached, the segment stays
"""

FORKED_CHILDREN = f"""
import os, time
for _ in range(4):
    if os.fork() == 0:
        held = bytearray({HOLD // 4} * 2**20)
        for page in range(0, len(held), 4096):
            held[page] = 1
        time.sleep(3600)
        os._exit(0)
time.sleep(3)  # while they touch their memory
"""

THREADS = f"""
import threading
held = []

def hold():
    chunk = bytearray({HOLD // 4} * 2**20)
    for page in range(0, len(chunk), 4096):
        chunk[page] = 1
    held.append(chunk)

threads = [threading.Thread(target=hold) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""

CPU_IN_CHILDREN = f"""
import os, time
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        end = time.process_time() + {CPU_SECONDS / 3}
        while time.process_time() < end:
            pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""

SLEEP = "import time\ntime.sleep(4.5)"
PRINT = f'print("x" * {MAX_OUTPUT - 1})'


@dataclass(frozen=True)
class Submission:
    student: str
    description: str
    cells: tuple  # the code of the cells inserted before test_exp_log
    loses: frozenset  # the tests that score zero
    reason: str  # in the autograded notebook
    files: tuple = ()  # (name, text) of other files in the submission folder


SUBMISSIONS = [
    Submission("box-memfd", "holds 1 GiB in memfds (no address space)", (MEMFD,), FROM_EXP, "of memory"),
    Submission("box-tmpfs", "writes 400 MiB into /tmp and /home/student each", (TMPFS,), FROM_EXP, "of memory"),
    Submission(  # the sandbox's /dev/shm is not the student's to write, nor POSIX shared memory in it
        "box-dev-shm", "writes 1 GiB into /dev/shm", (DEV_SHM,), frozenset(), "Permission denied: '/dev/shm/held'"
    ),
    Submission("box-sysv-shm", "fills a System V shared memory segment of 1 GiB", (SYSV_SHM,), FROM_EXP, "of memory"),
    Submission("box-forked-children", "four children touch 256 MiB each", (FORKED_CHILDREN,), FROM_EXP, "of memory"),
    Submission("box-threads", "four threads touch 256 MiB each", (THREADS,), FROM_EXP, "of memory"),
    Submission("box-fork-bomb", "forks sleeping children until it cannot", (FORK_BOMB,), FROM_EXP, "processes"),
    Submission(
        "box-cpu-in-children",
        f"three children burn {CPU_SECONDS / 3} s of CPU each: the box's budget, with what grading used before",
        (CPU_IN_CHILDREN,),
        FROM_EXP,
        "of CPU time",
    ),
    Submission(
        "box-sleepy-cells",
        "six cells sleep 4.5 s each, each far under the cell timeout",
        (SLEEP,) * 6,
        FROM_EXP,
        f"{NOTEBOOK_TIMEOUT} s for all its cells",
    ),
    Submission(
        "box-loud-cells",
        "thirty cells print just under the output cap each",
        (PRINT,) * 30,
        frozenset(),
        "output of this notebook",
    ),
    Submission(
        "box-forges-marker",
        "the reference, with the file the grader leaves when a box is stopped",
        (),
        frozenset(),
        "",
        files=((OVER_BUDGET, "the grader stopped this notebook in cell test_dtypes: its processes needed more\n"),),
    ),
]


def submit(course, submission):
    """Put the reference notebook of 01_tensor, with the submission's cells just before
    test_exp_log, and its other files into submitted/<student>/01_tensor/."""
    notebook = samples.source_notebook(ASSIGNMENT)
    [test] = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_exp_log"]
    at = notebook.cells.index(test)
    notebook.cells[at:at] = [nbformat.v4.new_code_cell(code) for code in submission.cells]
    path = classroom.submit(course, submission.student, ASSIGNMENT, notebook)
    for name, text in submission.files:
        (path.parent / name).write_text(text)
