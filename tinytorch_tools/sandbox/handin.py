"""What the grader hands into the sandbox: the code the graded module builds on.

A grading process sees no course folder: the trusted grader reads what it needs from the course
and writes it in the format of tinytorch/grading/handed_in.py into a private folder that appears
read-only at /grading in the sandbox. Never a test cell, never the notebook with its hidden tests.
"""

from pathlib import Path

from tinytorch.course import ASSIGNMENTS, GRADED_ON_OWN_CHAIN, earlier_modules, notebook_path
from tinytorch.loader import ModuleUnavailable, exported_cells, notebook_cells


def chain_entry(folder, name):
    """The cells of the student's notebook for module `name`, or why it cannot be built."""
    label = str(notebook_path(Path(), name))
    try:
        return {"notebook": label, "cells": notebook_cells(notebook_path(folder, name))}
    except ModuleUnavailable as error:
        return {"notebook": label, "error": str(error).replace(str(folder) + "/", "")}


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
        submitted = Path(course) / "submitted" / student
        handed_in["chain"] = {name: chain_entry(submitted, name) for name in earlier}
        handed_in["chain"][graded] = {
            "notebook": str(notebook_path(Path(), graded)),
            "cells": list(exported_cells(notebook)),
        }
    return handed_in
