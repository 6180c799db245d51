"""Sample submissions: the reference, the blank release, and deliberately buggy solutions.

Each bug (course/bugs/<assignment>.toml) is a realistic student mistake, written as a change
to the reference solution, with the tests it must fail. The test suite autogrades every one
(a hidden test is only good if a wrong solution fails it); the demo grades them as students.
"""

import re
import tomllib
from dataclasses import dataclass

import nbformat

from tinytorch.course import ASSIGNMENTS, GRADED_ON_OWN_CHAIN, LANGUAGE_MODEL, MODULES, earlier_modules
from tinytorch.leaderboard import DEFAULT_ENTRY
from tinytorch_tools import classroom, paths
from tinytorch_tools.leaderboard.entries import ENTRY_CELL, ENTRY_NAME

from . import alternative_solutions


@dataclass(frozen=True)
class Bug:
    student: str  # the sample student's id, e.g. "bug-max-gradient"
    assignment: str
    description: str
    wrong: str  # text of a solution cell of the reference ...
    instead: str  # ... and what the buggy student wrote instead
    loses: frozenset  # the grade_ids of the tests that must fail


def load_bugs():
    """The bugs of every module, from course/bugs/<assignment>.toml. Each is a student of its
    own: one id for two bugs would grade one on the other's submissions."""
    bugs, seen = [], {}
    for path in sorted((paths.COURSE / "bugs").glob("*.toml")):
        for bug in tomllib.loads(path.read_text())["bug"]:
            student = bug["student"]
            if student in seen:
                raise ValueError(f"course/bugs: the student {student!r} is in {seen[student]} and {path.name}")
            seen[student] = path.name
            bugs.append(Bug(assignment=path.stem, **dict(bug, loses=frozenset(bug["loses"]))))
    return bugs


BUGS = load_bugs()


def bug(student):
    """The buggy sample of this student id."""
    return next(known for known in BUGS if known.student == student)


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
# (no bug) or replaced by a buggy one. The capstone must fail and name that module.
CHAIN_STUDENTS = {
    "chain-missing-attention": ("09_attention", None),
    "chain-bug-attention": ("09_attention", "bug-mask-after-softmax"),
    "chain-bug-layer-norm": ("10_transformers", "bug-layernorm-gradient-no-mean-terms"),
    "chain-bug-embedding-gradient": ("08_embeddings", "bug-embedding-fancy-index-add"),
    "chain-bug-adam": ("07_optimizers", "bug-adam-gradient-not-squared"),
}
CAPSTONE_STUDENTS = {"chain-complete": (None, None), **CHAIN_STUDENTS}  # the tests' capstone class

# 12_language_model trains the capstone: the tests grade it for two of the capstone students too.
LANGUAGE_MODEL_STUDENTS = {"chain-complete": None, "chain-bug-adam": "07_optimizers"}  # -> the module blamed


def chain_submission(broken=None, bug=None):
    """{assignment: notebook} of a student who did the whole course, `broken` missing or buggy."""
    bugs = {known.student: known for known in BUGS}
    notebooks = {}
    for assignment in paths.all_assignments():
        if assignment != broken:
            notebooks[assignment] = source_notebook(assignment)
        elif bug:
            notebooks[assignment] = buggy_notebook(bugs[bug])
    return notebooks


# The leaderboard's sample entries (12_language_model's entry cell) with a whole chain each: the
# reference's entry, one that beats it (one block, so more steps in the budget, and a larger
# learning rate), and one that diverges (a weight decay that multiplies the weights by -4 per step).
LEADERBOARD_ENTRIES = {
    "leaderboard-reference": DEFAULT_ENTRY,
    "leaderboard-better": dict(DEFAULT_ENTRY, num_layers=1, steps=1950, max_lr=0.02),
    "leaderboard-diverging": dict(DEFAULT_ENTRY, max_lr=5.0, warmup_steps=0, max_norm=100.0, weight_decay=1.0),
}


def with_entry(notebook, entry):
    """The notebook with `entry` written into its leaderboard entry cell, as a student writes it."""
    cell = next(cell for cell in notebook.cells if cell.get("id") == ENTRY_CELL)
    written = f"{ENTRY_NAME} = {entry!r}"
    cell.source = re.sub(rf"{ENTRY_NAME} = \{{.*?\}}", lambda _: written, cell.source, flags=re.DOTALL)
    return notebook


def leaderboard_submission(entry, broken=None):
    """{assignment: notebook} of a student who did the whole course and entered `entry`."""
    notebooks = chain_submission(broken)
    notebooks[LANGUAGE_MODEL] = with_entry(notebooks[LANGUAGE_MODEL], entry)
    return notebooks


def submission(assignment, notebook):
    """{assignment: notebook} a sample student hands in for `assignment`: the notebook, and for a
    module graded on the student's own chain, the reference notebook of every module before it."""
    earlier = [MODULES[name] for name in earlier_modules(ASSIGNMENTS[assignment])]
    chain = {before: source_notebook(before) for before in earlier} if assignment in GRADED_ON_OWN_CHAIN else {}
    return {**chain, assignment: notebook}


# The similarity check's sample students (reports/similarity.py): two who hand in the same
# 06_losses with the variables renamed, and one who wrote it on their own.
SIMILARITY_ASSIGNMENT = "06_losses"
COPIED_PAIR = ("copy-original", "copy-renamed")
HONEST_STUDENT = "honest-alternative"
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?", re.MULTILINE | re.DOTALL)


def with_solutions(notebook, solutions):
    """The notebook with the BEGIN/END SOLUTION regions of each cell in `solutions` replaced by
    its code, as a student hands it in (no markers)."""
    for cell in notebook.cells:
        regions = solutions.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if regions:
            cell.source = replace_regions(cell.source, regions)
    return notebook


def replace_regions(source, regions):
    """`source` with its solution regions replaced, in order, by the texts of `regions`."""
    bodies = iter(regions)
    return SOLUTION.sub(lambda _: next(bodies), source)


def renamed(solutions, names):
    """The same code with each variable of `names` renamed."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return {
        cell: [pattern.sub(lambda found: names[found.group(1)], code) for code in codes]
        for cell, codes in solutions.items()
    }


def similarity_students():
    """{student: notebook of SIMILARITY_ASSIGNMENT}: the copied pair and the honest student."""
    original, renamed_copy = COPIED_PAIR
    return {
        original: with_solutions(source_notebook(SIMILARITY_ASSIGNMENT), alternative_solutions.COPIED),
        renamed_copy: with_solutions(
            source_notebook(SIMILARITY_ASSIGNMENT), renamed(alternative_solutions.COPIED, alternative_solutions.RENAMED)
        ),
        HONEST_STUDENT: with_solutions(source_notebook(SIMILARITY_ASSIGNMENT), alternative_solutions.HONEST),
    }
