"""Checks of the notebooks' nbgrader metadata that nbgrader itself does not make.

nbgrader silently blanks a whole solution cell that has no BEGIN/END SOLUTION markers, grades
an unlocked test cell that students may have edited, and happily gives a module any total.
"""

import re
import tomllib

import nbformat

from tinytorch.course import CAPSTONE
from tinytorch_tools import paths
from tinytorch_tools.hidden_tests import balanced


def cell_problems(cell):
    meta = cell.metadata.get("nbgrader", {})
    grade_id = meta.get("grade_id", "?")
    if meta.get("solution") and cell.cell_type == "code":
        if not re.search(r"### BEGIN SOLUTION", cell.source) or not re.search(r"### END SOLUTION", cell.source):
            yield f"solution cell {grade_id} has no BEGIN/END SOLUTION markers (nbgrader would blank it all)"
    if meta.get("grade") and not meta.get("solution"):
        if not meta.get("locked"):
            yield f"test cell {grade_id} is not locked"
        if not meta.get("points"):
            yield f"test cell {grade_id} has no points"
    if not balanced(cell.source):
        yield f"cell {grade_id} has unbalanced HIDDEN TESTS markers"
    yield from output_problems(cell)


def output_problems(cell):
    if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
        yield f"cell {cell.metadata.get('nbgrader', {}).get('grade_id', cell.get('id'))} is committed with outputs"


def notebook_problems(notebook, declared_points):
    problems, seen = [], set()
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            continue
        if grade_id in seen:
            problems.append(f"grade_id {grade_id} is used twice")
        seen.add(grade_id)
    for cell in notebook.cells:
        problems += cell_problems(cell)
    total = sum(cell.metadata.get("nbgrader", {}).get("points") or 0 for cell in notebook.cells)
    if total != declared_points:
        problems.append(f"points add up to {total}, course/syllabus.toml declares {declared_points}")
    return problems


def declared_points():
    return tomllib.loads((paths.COURSE / "syllabus.toml").read_text())["points"]


def course_problems():
    """Every problem of every source and release notebook, as 'path: problem' lines."""
    points = declared_points()
    problems = []
    for course_file in paths.course_files():
        assignment, name = paths.module_name(course_file)
        for folder in (paths.SOURCE, paths.RELEASE):
            path = folder / assignment / f"{name}.ipynb"
            if not path.exists():
                problems.append(f"{path}: missing (run python -m tinytorch_tools build)")
                continue
            notebook = nbformat.read(path, as_version=4)
            if folder == paths.SOURCE:
                found = notebook_problems(notebook, points.get(assignment))
            else:
                found = [problem for cell in notebook.cells for problem in output_problems(cell)]
            problems += [f"{path.relative_to(paths.ROOT)}: {problem}" for problem in found]
    others = {assignment: total for assignment, total in points.items() if assignment != CAPSTONE}
    rival = max(others, key=others.get, default=None)
    if CAPSTONE in points and rival and others[rival] >= points[CAPSTONE]:
        problems.append(f"course/syllabus.toml: the capstone must be worth the most, {rival} is worth as much or more")
    return problems


def lint_course():
    problems = course_problems()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in the course notebooks")
    return 1 if problems else 0
