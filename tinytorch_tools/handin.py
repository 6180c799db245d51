"""What the grader hands into the sandbox (SPEC §6, §7): the code the graded module builds on.

A grading kernel sees no course folder: the trusted grader reads what it needs and writes it
into `modules.json` of a private folder that appears read-only at /grading in the sandbox:

- `graded`: the module being graded (`tensor` for 01_tensor);
- `reference`: the reference source of every module before it (what one bug in an earlier
  module must not break); the student may read these, they are modules already done;
- `chain` (the capstone only): the student's own modules, as the cells that build each one
  [[cell number, source], ...] or the error that stops it (missing or unreadable notebook).
  The capstone's own cells come from the notebook being graded, after nbgrader restored its
  locked cells, and never include a test cell.
"""

import json
from pathlib import Path

from tinytorch._grading import GRADED_ON_OWN_CHAIN, ORDER
from tinytorch._loader import ModuleUnavailable, exported_cells, notebook_cells
from tinytorch.modules import ASSIGNMENTS, notebook_path

FILE = "modules.json"


def chain_entry(folder, name):
    """The cells of the student's notebook for module `name`, or why it cannot be built."""
    label = str(notebook_path(Path(), name))
    try:
        return {"notebook": label, "cells": notebook_cells(notebook_path(folder, name))}
    except ModuleUnavailable as error:
        return {"notebook": label, "error": str(error).replace(str(folder) + "/", "")}


def modules_for(course, student, assignment, notebook):
    """The handed-in modules for grading `assignment` of `student`; `notebook` is the one graded."""
    graded = ASSIGNMENTS[assignment]
    earlier = ORDER[: ORDER.index(graded)]
    reference = Path(course) / "tinytorch_ref"
    modules = {
        "graded": graded,
        "reference": {name: (reference / f"{name}.py").read_text() for name in earlier},
    }
    if assignment in GRADED_ON_OWN_CHAIN:
        submitted = Path(course) / "submitted" / student
        modules["chain"] = {name: chain_entry(submitted, name) for name in earlier}
        modules["chain"][graded] = {
            "notebook": str(notebook_path(Path(), graded)),
            "cells": list(exported_cells(notebook)),
        }
    return modules


def hand_in(folder, modules):
    """Write the modules into `folder`, readable by the sandbox's user."""
    path = Path(folder) / FILE
    path.write_text(json.dumps(modules))
    path.chmod(0o644)
