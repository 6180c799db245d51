"""What the grader hands into the sandbox: the code the graded module builds on.

A grading process sees no course folder: the trusted grader reads what it needs from the course
and writes it in the format of tinytorch/grading/handed_in.py into a private folder that appears
read-only at /grading in the sandbox. Never a test cell, never the notebook with its hidden tests.
"""

from pathlib import Path

import nbformat

from tinytorch.course import ASSIGNMENTS, GRADED_ON_OWN_CHAIN, MODULES, earlier_modules, notebook_path
from tinytorch.loader import exported_cells
from tinytorch_tools.submission_files import Refused, read_submission


def chain_entry(course, student, name):
    """The cells of the student's notebook for module `name`, or why it cannot be built. It is
    read as every submission is (`submission_files`): a link or special file is never followed."""
    label = str(notebook_path(Path(), name))
    missing = {"notebook": label, "error": f"{name} is built from your notebook {label}, which does not exist."}
    if not (Path(course) / "submitted" / student / MODULES[name]).exists():
        return missing
    try:
        data = read_submission(course, student, MODULES[name]).get(f"{name}.ipynb")
        if data is None:
            return missing
        notebook = nbformat.reads(data.decode(), as_version=4)
    except Refused as error:
        return {"notebook": label, "error": f"{label} was refused: {error}"}
    except Exception as error:
        return {"notebook": label, "error": f"{label} is not a readable notebook: {error}"}
    return {"notebook": label, "cells": list(exported_cells(notebook))}


def for_student(hand_in):
    """What the student process is handed: all of it, but for a module graded on the student's
    own chain, no reference code (the blame hands in what it needs, once the tests have begun)."""
    return {**hand_in, "reference": {}} if "chain" in hand_in else hand_in


def hand_in_for(course, student, assignment, notebook, max_output):
    """What to hand in for grading `assignment` of `student`; `notebook` is the one graded."""
    graded = ASSIGNMENTS[assignment]
    earlier = earlier_modules(graded)
    reference = Path(course) / "tinytorch_ref"
    handed_in = {
        "graded": graded,
        "reference": {name: (reference / f"{name}.py").read_text() for name in earlier},
        "max_output": max_output,
    }
    if assignment in GRADED_ON_OWN_CHAIN:
        handed_in["chain"] = {name: chain_entry(course, student, name) for name in earlier}
        handed_in["chain"][graded] = {
            "notebook": str(notebook_path(Path(), graded)),
            "cells": list(exported_cells(notebook)),
        }
    return handed_in
