"""Benchmarks: how long autograding one student's course takes, module by module, and a
whole class, serially with stock nbgrader and in parallel with `python -m tinytorch_tools grade`.

`benchmark`, for each module, the median of a few rounds (each round in another order: the machine's
speed drifts, by a third within an hour here): the wall time of stock `nbgrader autograde` on the
reference submission (kernel start included), with the OS sandbox and without it
(`--GradingExecute.sandbox=False`), and their ratio; then the peer of grading in two processes: the
same notebook, hidden tests included, run in one ordinary kernel as a student runs it (what grading
cost when tests ran in the student's process), with the ratio of grading to it and the difference
(SPEC §8: at most 1.5 s), and the time of the graded notebook's test cells read from the execution
timestamps Jupyter records. A failed autograde shows as nan. Then the whole course of that student
with `grade` on all cores, and the capstone of each sample chain against the complete chain's.
`benchmark-class`: both wall times of a synthetic class and the speed-up. Nothing here is
asserted: it is a report.
"""

import os
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

from tinytorch.course import CAPSTONE
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.class_grading import grade_class
from tinytorch_tools.nbgrader_cli import nbgrader
from tinytorch_tools.sandbox import require_sandbox

MAX_OVER_PLAIN = 1.5  # SPEC §8: seconds stock autograde of a notebook may take over the plain kernel


def cell_seconds(cell):
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()


def test_cell_seconds(notebook):
    """{grade_id: seconds} of each test cell of an executed notebook."""
    return {
        cell.metadata.nbgrader["grade_id"]: cell_seconds(cell)
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
    }


def slowest(cells, timeout):
    name = max(cells, key=cells.get)
    return f"{name} ({cells[name]:.1f} s, {cells[name] / timeout:.1%} of the cell timeout)"


def one_process_seconds(folder, assignment):
    """Wall time of the completed notebook run in one kernel as a student."""
    start = time.perf_counter()
    classroom.run_as_student(classroom.notebook_in(folder, assignment))
    return time.perf_counter() - start


def autograde_seconds(course, assignment, student="benchmark", sandbox=True):
    """Wall time of stock `nbgrader autograde` of the student, with or without the OS sandbox,
    and {grade_id: seconds} of the test cells of the notebook it autograded."""
    switch = [] if sandbox else ["--GradingExecute.sandbox=False"]
    start = time.perf_counter()
    result = nbgrader(
        "autograde", assignment, "--create", "--force", f"--student={student}", *switch, course=course, check=False
    )
    seconds = time.perf_counter() - start if result.returncode == 0 else float("nan")
    autograded = classroom.notebook_in(Path(course) / "autograded" / student, assignment)
    return seconds, test_cell_seconds(nbformat.read(autograded, as_version=4)) if autograded.exists() else {"-": 0.0}


def median_seconds(course, assignment, student_folder, runs):
    """{way: median seconds} of `runs` rounds of the three ways to run the notebook, each round in
    another order (the machine's speed drifts: a way run always first or last would carry it),
    and the test cells' seconds of the first sandboxed autograde."""
    ways = [True, False, "one process"]
    seconds, cells = {way: [] for way in ways}, None
    for round_number in range(runs):
        shift = round_number % len(ways)
        for way in ways[shift:] + ways[:shift]:
            if way == "one process":
                took = one_process_seconds(student_folder, assignment)
            else:
                took, graded_cells = autograde_seconds(course, assignment, sandbox=way)
                if way is True:
                    cells = cells or graded_cells
            seconds[way].append(took)
    return {way: statistics.median(times) for way, times in seconds.items()}, cells


def row(seconds):
    sandbox, unsandboxed, single = seconds[True], seconds[False], seconds["one process"]
    return f"{sandbox:>12.1f}{unsandboxed:>16.1f}{sandbox / unsandboxed:>6.2f}x{single:>17.1f}{sandbox / single:>6.2f}x"


def over_plain(seconds):
    """How much longer stock autograde took than the plain kernel, '!' past SPEC §8's limit."""
    over = seconds[True] - seconds["one process"]
    return f"{over:>11.2f}{' ' if over <= MAX_OVER_PLAIN else '!'}"


def benchmark(runs=3):
    require_sandbox()
    scratch = Path(tempfile.mkdtemp(prefix="tinytorch-benchmark-"))
    try:
        course = classroom.copy_course(scratch / "course")
        classroom.generate_all(course)
        student = scratch / "student"
        timeout = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config().Execute.timeout
        print(f"median of {runs} runs each, in turn; '!' marks more than {MAX_OVER_PLAIN} s over the plain kernel")
        header = f"{'module':<16}{'sandbox (s)':>12}{'no sandbox (s)':>16}{'ratio':>7}{'one process (s)':>17}"
        print(f"{header}{'ratio':>7}{'over (s)':>12}{'test cells (s)':>16}  slowest test cell, graded")
        totals = {True: 0.0, False: 0.0, "one process": 0.0}
        overs = {}
        for assignment in classroom.assignments():
            notebook = samples.source_notebook(assignment)
            classroom.submit(course, "benchmark", assignment, notebook)
            path = classroom.notebook_in(student, assignment)
            path.parent.mkdir(parents=True)
            nbformat.write(notebook, path)
            seconds, cells = median_seconds(course, assignment, student, runs)
            for way in totals:
                totals[way] += seconds[way]
            overs[assignment] = seconds[True] - seconds["one process"]
            test_cells = f"{sum(cells.values()):>16.1f}  {slowest(cells, timeout)}"
            print(f"{assignment:<16}{row(seconds)}{over_plain(seconds)}{test_cells}")
        print(f"{'one student':<16}{row(totals)}")
        worst = max(overs, key=overs.get)
        print(
            f"stock `nbgrader autograde` over the plain kernel: {statistics.mean(overs.values()):.2f} s per notebook "
            f"on average, at most {overs[worst]:.2f} s ({worst}); SPEC §8: at most {MAX_OVER_PLAIN} s"
        )
        graded = statistics.median([grade_seconds(course) for _ in range(runs)])
        ratio = graded / totals["one process"]  # SPEC §8: at most 1
        print(f"one student, `grade` on {os.cpu_count()} cores: {graded:.1f} s, {ratio:.2f}x one process, serially")
        capstone_blame(course, timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_seconds(course):
    start = time.perf_counter()
    grade_class(course, students=["benchmark"], force=True, progress=False)
    return time.perf_counter() - start


def capstone_blame(course, timeout):
    """Wall time of autograding the capstone of each sample chain, against the complete chain's."""
    print(f"\n{'capstone of':<32}{'sandbox (s)':>12}{'ratio':>7}  slowest test cell")
    seconds = {}
    for student, (broken, bug) in samples.CAPSTONE_STUDENTS.items():
        for assignment, notebook in samples.chain_submission(broken, bug).items():
            classroom.submit(course, student, assignment, notebook)
        seconds[student], cells = autograde_seconds(course, CAPSTONE, student)
        ratio = seconds[student] / seconds["chain-complete"]
        print(f"{student:<32}{seconds[student]:>12.1f}{ratio:>6.2f}x  {slowest(cells, timeout)}")


def synthetic_class(course, students):
    """`students` students who each submit every module: the reference, the blank release or a bug."""
    bugs = {
        assignment: [bug for bug in samples.BUGS if bug.assignment == assignment]
        for assignment in classroom.assignments()
    }
    for number in range(students):
        for assignment in classroom.assignments():
            kinds = [samples.source_notebook, samples.release_notebook] + [
                lambda _, bug=bug: samples.buggy_notebook(bug) for bug in bugs[assignment]
            ]
            notebook = kinds[number % len(kinds)](assignment)
            classroom.submit(course, f"student-{number:03d}", assignment, notebook)


def benchmark_class(students=40, workers=None):
    """Wall time of a synthetic class: stock `nbgrader autograde` of each module, one after the
    other, against `python -m tinytorch_tools grade` on all cores."""
    scratch = Path(tempfile.mkdtemp(prefix="tinytorch-benchmark-class-"))
    try:
        courses = {}
        for way in ("serial", "parallel"):
            courses[way] = classroom.copy_course(scratch / way)
            classroom.generate_all(courses[way])
            synthetic_class(courses[way], students)
        submissions = students * len(classroom.assignments())
        print(f"a class of {students} students, {submissions} submissions, {workers or os.cpu_count()} workers")

        start = time.perf_counter()
        for assignment in classroom.assignments():
            classroom.autograde(courses["serial"], assignment)
        serial = time.perf_counter() - start
        print(f"{'serial (stock nbgrader autograde)':<40}{serial:8.1f} s")

        start = time.perf_counter()
        outcome = grade_class(courses["parallel"], workers=workers)
        parallel = time.perf_counter() - start
        print(f"{'parallel (python -m tinytorch_tools grade)':<40}{parallel:8.1f} s  ({len(outcome.failed)} failed)")
        print(f"speed-up: {serial / parallel:.2f}x on {os.cpu_count()} cores")
        same = classroom.scores(courses["serial"]) == classroom.scores(courses["parallel"])
        print(f"same scores in both gradebooks: {same}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
