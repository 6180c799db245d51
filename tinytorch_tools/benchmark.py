"""Benchmark: how long autograding one student's course takes, module by module.

For each module: the wall time of stock `nbgrader autograde` on the reference submission
(kernel start included), and the time of its test cells (visible and hidden tests), read
from the execution timestamps Jupyter records. Nothing here is asserted: it is a report.
"""

import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from . import classroom, samples


def cell_seconds(cell):
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()


def test_cell_seconds(folder, assignment):
    """{grade_id: seconds} of each test cell, running the completed notebook as a student."""
    path = folder / assignment / f"{assignment.split('_', 1)[1]}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    ).execute()
    return {
        cell.metadata.nbgrader["grade_id"]: cell_seconds(cell)
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
    }


def benchmark():
    scratch = Path(tempfile.mkdtemp(prefix="tinytorch-benchmark-"))
    try:
        course = classroom.copy_course(scratch / "course")
        classroom.generate_all(course)
        student = scratch / "student"
        print(f"{'module':<16}{'autograde (s)':>14}{'test cells (s)':>16}  slowest test cell")
        total = 0.0
        for assignment in classroom.assignments():
            notebook = samples.source_notebook(assignment)
            classroom.submit(course, "benchmark", assignment, notebook)
            path = student / assignment / f"{assignment.split('_', 1)[1]}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(notebook, path)
            start = time.perf_counter()
            classroom.autograde(course, assignment, "benchmark")
            seconds = time.perf_counter() - start
            total += seconds
            cells = test_cell_seconds(student, assignment)
            slowest = max(cells, key=cells.get)
            print(f"{assignment:<16}{seconds:>14.1f}{sum(cells.values()):>16.1f}  {slowest} ({cells[slowest]:.1f} s)")
        print(f"{'one student':<16}{total:>14.1f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
