"""Sample submissions: the reference, the blank release, and deliberately buggy solutions.

Each bug (course/bugs/<assignment>.toml) is a realistic student mistake, written as a change
to the reference solution, with the tests it must fail. The test suite autogrades every one
(a hidden test is only good if a wrong solution fails it); the demo grades them as students.
"""

import tomllib
from dataclasses import dataclass

import nbformat

from . import classroom, paths


@dataclass(frozen=True)
class Bug:
    student: str  # the sample student's id, e.g. "bug-max-gradient"
    assignment: str
    description: str
    wrong: str  # text of a solution cell of the reference ...
    instead: str  # ... and what the buggy student wrote instead
    loses: frozenset  # the grade_ids of the tests that must fail


def load_bugs():
    """The bugs of every module, from course/bugs/<assignment>.toml."""
    bugs = []
    for path in sorted((paths.COURSE / "bugs").glob("*.toml")):
        for bug in tomllib.loads(path.read_text())["bug"]:
            bugs.append(Bug(assignment=path.stem, **dict(bug, loses=frozenset(bug["loses"]))))
    return bugs


BUGS = load_bugs()


def graded_alone(bug):
    """Whether a bug is graded as a notebook of its own; a capstone bug needs a chain 01-10."""
    return bug.assignment != CAPSTONE


def source_notebook(assignment):
    return nbformat.read(classroom.notebook_in(paths.SOURCE, assignment), as_version=4)


def release_notebook(assignment):
    return nbformat.read(classroom.notebook_in(paths.RELEASE, assignment), as_version=4)


def buggy_notebook(bug):
    """The reference notebook with the bug written into its solution cells."""
    notebook = source_notebook(bug.assignment)
    solutions = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    matches = [cell for cell in solutions if bug.wrong in cell.source]
    if len(matches) != 1:
        raise ValueError(f"{bug.student}: the reference line must appear in exactly one solution cell")
    matches[0].source = matches[0].source.replace(bug.wrong, bug.instead)
    return notebook


# Capstone students: a whole chain 01-10 plus the reference capstone, with one module missing
# (no bug) or replaced by a buggy one. The capstone must fail and name that module. A bug of the
# capstone itself is graded the same way: the reference chain 01-10 and the buggy capstone.
CAPSTONE = "11_tinygpt"
CHAIN_STUDENTS = {
    "chain-missing-attention": ("09_attention", None),
    "chain-bug-attention": ("09_attention", "bug-mask-after-softmax"),
    "chain-bug-layer-norm": ("10_transformers", "bug-layernorm-gradient-no-mean-terms"),
    "chain-bug-embedding-gradient": ("08_embeddings", "bug-embedding-fancy-index-add"),
    "chain-bug-adam": ("07_optimizers", "bug-adam-gradient-not-squared"),
    **{f"chain-{bug.student}": (CAPSTONE, bug.student) for bug in BUGS if bug.assignment == CAPSTONE},
}
CAPSTONE_STUDENTS = {"chain-complete": (None, None), **CHAIN_STUDENTS}  # the tests' capstone class


def chain_submission(broken=None, bug=None):
    """{assignment: notebook} of a student who did the whole course, `broken` missing or buggy."""
    bugs = {known.student: known for known in BUGS}
    notebooks = {}
    for assignment in [paths.module_name(course_file)[0] for course_file in paths.course_files()]:
        if assignment != broken:
            notebooks[assignment] = source_notebook(assignment)
        elif bug:
            notebooks[assignment] = buggy_notebook(bugs[bug])
    return notebooks
