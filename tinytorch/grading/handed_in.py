"""What the grader hands into the sandbox: one JSON file, read-only at /grading.

The grader (tinytorch_tools/sandbox/handin.py) writes it into a private folder of its own; the
sandboxed processes only read it. Its fields:

- `graded`: the module being graded (`tensor` for 01_tensor);
- `reference`: {module: source} of the reference of every module before it, so that one bug in
  an earlier module does not break this one; these are modules already done;
- `chain` (modules graded on the student's own chain only): {module: {"notebook", "cells"}} of
  the student's own earlier modules and of the graded notebook's own cells after nbgrader
  restored its locked cells, or {"notebook", "error"} for one that cannot be built; never a test;
- `max_output`: the characters of output a cell may keep (the grader's configuration).
"""

import json
from pathlib import Path

FILE = "modules.json"


def read(folder):
    return json.loads((Path(folder) / FILE).read_text())


def write(folder, handed_in):
    """Write the hand-in into `folder`, readable by the sandbox's user."""
    path = Path(folder) / FILE
    path.write_text(json.dumps(handed_in))
    path.chmod(0o644)
