"""The class report of a large synthetic class: a gradebook of N students and every module, made
with nbgrader's Gradebook API (no notebook graded), then `report` timed on it."""

import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from nbgrader.api import Grade, Gradebook, SubmittedAssignment, SubmittedNotebook

from tinytorch.course import MODULES
from tinytorch_tools import paths
from tinytorch_tools.nbgrader_cli import environment

TESTS_PER_MODULE = 8  # autograded test cells, each of 3 points, and one written answer of 2


def synthetic_gradebook(course, students, seed=0):
    """gradebook.db in `course`: every student submitted every module, with random scores. The
    modules through nbgrader's API, the submissions as its objects added at once (its
    add_submission commits each one: minutes for a class)."""
    url = f"sqlite:///{Path(course) / 'gradebook.db'}"
    generator = random.Random(seed)
    os.environ["PATH"] = environment()["PATH"]  # a new gradebook runs `alembic`, of this environment
    with Gradebook(url) as gradebook:
        cells = {}
        for name, assignment in MODULES.items():
            gradebook.add_assignment(assignment)
            notebook = gradebook.add_notebook(name, assignment)
            tests = [
                gradebook.add_grade_cell(f"test_{test}", name, assignment, max_score=3, cell_type="code")
                for test in range(TESTS_PER_MODULE)
            ]
            cells[assignment] = (
                notebook,
                [*tests, gradebook.add_grade_cell("written", name, assignment, max_score=2, cell_type="markdown")],
            )
        for number in range(students):
            student = gradebook.add_student(f"student{number:03d}", first_name="Student", last_name=str(number))
            for notebook, grade_cells in cells.values():
                submitted = SubmittedAssignment(assignment=notebook.assignment, student=student)
                submitted_notebook = SubmittedNotebook(assignment=submitted, notebook=notebook)
                gradebook.db.add_all([submitted, submitted_notebook])
                gradebook.db.add_all(
                    Grade(
                        notebook=submitted_notebook,
                        cell=cell,
                        auto_score=generator.choice([0.0, cell.max_score]),
                        needs_manual_grade=cell.cell_type == "markdown",
                    )
                    for cell in grade_cells
                )
        gradebook.db.commit()
    return url


def benchmark_report(students):
    """Prints the seconds `report` takes on a synthetic class of `students` and every module."""
    from tinytorch_tools.reports import class_report

    with tempfile.TemporaryDirectory(prefix="tinytorch-report-") as folder:
        course = Path(folder)
        shutil.copy(paths.ROOT / "nbgrader_config.py", course)
        shutil.copytree(paths.ROOT / "source", course / "source")
        start = time.perf_counter()
        synthetic_gradebook(course, students)
        made = time.perf_counter() - start
        start = time.perf_counter()
        page = class_report(course, course / "reports")
        seconds = time.perf_counter() - start
        size = page.stat().st_size
    print(f"synthetic gradebook of {students} students x {len(MODULES)} modules made in {made:.1f} s")
    print(f"report: {seconds:.1f} s (grades.csv by stock `nbgrader export` included); page of {size / 1e6:.1f} MB")
