"""What the reports read from the autograded notebooks: why each failed test failed, and which
module of each student's chain broke a module graded on it (the capstone's blame sentences,
tinytorch/grading/blame.py)."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from tinytorch.course import ASSIGNMENTS, GRADED_ON_OWN_CHAIN

from .files import Unreadable, cell_source, read_notebook

MAX_REASON = 300  # characters of a failure's first line shown in the report
# The sentences of tinytorch/grading/blame.py, and the module each one blames.
BROKEN_IN = re.compile(r"The chain breaks in (\d\d_[a-z_]+):")
UNBUILDABLE = re.compile(r"Your chain cannot be built, so \S+ cannot pass: (.*)")
IN_THIS_NOTEBOOK = "the problem is in this notebook"
SEVERAL = re.compile(r"More than one of your modules (\d\d-\d\d) breaks it")
CHAIN_MODULE = re.compile(r"\b(\d\d_[a-z_]+): ")
NOTEBOOK_ITSELF = "the notebook itself"


@dataclass
class Autograded:
    """What the autograded notebooks say: {(student, assignment, grade_id): first line of its
    error}, {(student, assignment): the modules blamed}, and the notebooks that could not be read."""

    reasons: dict = field(default_factory=dict)
    blamed: dict = field(default_factory=dict)
    unreadable: list = field(default_factory=list)


def read_autograded(course, submissions):
    """Reads the autograded notebook of each (student, assignment, notebook name) submission
    that has one."""
    found = Autograded()
    for student, assignment, name in submissions:
        path = Path(course) / "autograded" / student / assignment / f"{name}.ipynb"
        if not path.is_file():
            continue
        try:
            cells = read_notebook(path)["cells"]
        except Unreadable as error:
            found.unreadable.append(str(error))
            continue
        for grade_id, message in failures(cells):
            found.reasons[(student, assignment, grade_id)] = first_line(message)
            if assignment in GRADED_ON_OWN_CHAIN:
                found.blamed.setdefault((student, assignment), set()).update(blamed(message))
    return found


def failures(cells):
    """(grade_id, error message) of every graded cell whose output is an error."""
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") if isinstance(cell, dict) else None
        for output in cell.get("outputs", []) if grade_id else []:
            if isinstance(output, dict) and output.get("output_type") == "error":
                yield grade_id, f"{output.get('ename', '')}: {cell_source({'source': output.get('evalue', '')})}"


def first_line(message):
    line = message.strip().splitlines()[0] if message.strip() else "(no message)"
    return line[:MAX_REASON]


def blamed(message):
    """The modules a failure's blame sentence names."""
    modules = set(BROKEN_IN.findall(message))
    for listed in UNBUILDABLE.findall(message):
        modules.update(name for name in CHAIN_MODULE.findall(listed) if name in ASSIGNMENTS)
    if IN_THIS_NOTEBOOK in message:
        modules.add(NOTEBOOK_ITSELF)
    modules.update(f"several of {span}" for span in SEVERAL.findall(message))
    return modules
