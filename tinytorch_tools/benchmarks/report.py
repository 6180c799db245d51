"""The class report of a large synthetic class: a gradebook of N students and every module, made
with nbgrader's Gradebook API (no notebook graded), then `report` timed on it."""

import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment, SubmittedNotebook, new_uuid

from tinytorch.course import MODULES
from tinytorch_tools import paths
from tinytorch_tools.nbgrader_cli import environment

TESTS_PER_MODULE = 8  # autograded test cells, each of 3 points, and one written answer of 2


def synthetic_gradebook(course, students, seed=0):
    """gradebook.db in `course`: every student submitted every module, with random scores. The
    modules through nbgrader's API; the submissions as rows with their keys set, added at once
    (its add_submission, or objects joined by relationships, load every sibling: minutes)."""
    url = f"sqlite:///{Path(course) / 'gradebook.db'}"
    generator = random.Random(seed)
    os.environ["PATH"] = environment()["PATH"]  # a new gradebook runs `alembic`, of this environment
    with Gradebook(url) as gradebook:
        modules = [module_cells(gradebook, name, assignment) for name, assignment in MODULES.items()]
        rows = []
        for number in range(students):
            student = f"student{number:03d}"
            rows.append(
                Student(id=student, first_name="Student", last_name=str(number), email=f"{student}@example.org")
            )
            for notebook, cells in modules:
                submitted = SubmittedAssignment(id=new_uuid(), assignment_id=notebook.assignment_id, student_id=student)
                submitted_notebook = SubmittedNotebook(
                    id=new_uuid(), assignment_id=submitted.id, notebook_id=notebook.id
                )
                rows += [submitted, submitted_notebook]
                rows += [
                    Grade(
                        notebook_id=submitted_notebook.id,
                        cell_id=cell_id,
                        auto_score=generator.choice([0.0, points]),
                        needs_manual_grade=manual,
                    )
                    for cell_id, points, manual in cells
                ]
        gradebook.db.add_all(rows)
        gradebook.db.commit()
    return url


def module_cells(gradebook, name, assignment):
    """The module's notebook and [(cell id, points, graded by hand)] of its grade cells."""
    gradebook.add_assignment(assignment)
    notebook = gradebook.add_notebook(name, assignment)
    cells = [
        gradebook.add_grade_cell(f"test_{test}", name, assignment, max_score=3, cell_type="code")
        for test in range(TESTS_PER_MODULE)
    ]
    cells.append(gradebook.add_grade_cell("written", name, assignment, max_score=2, cell_type="markdown"))
    return notebook, [(cell.id, cell.max_score, cell.cell_type == "markdown") for cell in cells]


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
    print(f"report: {seconds:.1f} s (grades.csv included); a page of {size / 1e6:.1f} MB")
