"""`demo`: generate every assignment, autograde sample students (stock nbgrader on all cores,
see class_grading/) in this course folder, print the gradebook, train the leaderboard of
12_language_model (every sample student who handed it in, and two entries of their own: one that
beats the reference's entry, one that diverges), and train the reference TinyGPT.
The samples are the course's own notebooks: where the OS sandbox cannot run, they are graded
without it (and the demo says why)."""

import subprocess
import sys

from tinytorch.course import CAPSTONE, LANGUAGE_MODEL
from tinytorch_tools import classroom, paths, sandbox
from tinytorch_tools.authoring import samples
from tinytorch_tools.class_grading import grade_class
from tinytorch_tools.leaderboard import run_leaderboard, table
from tinytorch_tools.reports import score_table

# By default, one buggy sample per module and two broken chains keep the demo to a few minutes.
DEMO_CHAINS = ("chain-missing-attention", "chain-bug-layer-norm")


def sample_submissions(every=False):
    """(student, graded assignment, {assignment: notebook} handed in) for the reference, the blank
    release and the bugs (one per module, or `every` one), and the broken chains (two, or every
    one), graded on the capstone alone, which builds on all of their modules."""
    for assignment in classroom.assignments():
        yield "sample-reference", assignment, samples.submission(assignment, samples.source_notebook(assignment))
        yield "sample-blank", assignment, {assignment: samples.release_notebook(assignment)}
        bugs = [bug for bug in samples.BUGS if bug.assignment == assignment]
        for bug in bugs if every else bugs[:1]:
            yield f"sample-{bug.student}", assignment, samples.submission(assignment, samples.buggy_notebook(bug))
    for student, (broken, bug) in samples.CHAIN_STUDENTS.items():
        if every or student in DEMO_CHAINS:
            yield f"sample-{student}", CAPSTONE, samples.chain_submission(broken, bug)


def demo(course=paths.ROOT, every=False):
    print("1. Generating every assignment into release/ (nbgrader generate_assignment)")
    classroom.generate_all(course)
    submissions = list(sample_submissions(every))
    handed_in = {
        (student, assignment): notebook
        for student, _, notebooks in submissions
        for assignment, notebook in notebooks.items()
    }
    print(f"2. Submitting {len(handed_in)} sample notebooks into submitted/")
    for (student, assignment), notebook in handed_in.items():
        classroom.submit(course, student, assignment, notebook)
    pairs = sorted({(student, assignment) for student, assignment, _ in submissions})
    print(f"3. Autograding {len(pairs)} of them on all cores (python -m tinytorch_tools grade)")
    reason = sandbox.unavailable_reason()
    if reason:
        print(f"   without the OS sandbox (trusted sample notebooks only): {reason}")
    outcome = grade_class(course, pairs=pairs, force=True, sandbox=not reason)
    for (student, assignment), error in sorted(outcome.failed.items()):
        print(f"   FAILED {student} {assignment}: {error.splitlines()[0]}")
    for (student, assignment), cells in sorted(outcome.timed_out.items()):
        print(f"   TIMED OUT {student} {assignment}: {cells.splitlines()[0]}")
    print("4. The gradebook (gradebook.db); written answers await manual grading in the formgrader:\n")
    print(score_table(course))
    if LANGUAGE_MODEL in classroom.assignments():
        print("\n5. The leaderboard of 12_language_model (python -m tinytorch_tools leaderboard)", flush=True)
        for student in ("leaderboard-better", "leaderboard-diverging"):
            for assignment, notebook in samples.leaderboard_submission(samples.LEADERBOARD_ENTRIES[student]).items():
                classroom.submit(course, f"sample-{student}", assignment, notebook)
        print(table(run_leaderboard(course, force=True, sandbox=not reason)[0]))
    print("\n6. The reference TinyGPT (python -m tinytorch_ref), trained on random tokens:\n", flush=True)
    subprocess.run([sys.executable, "-m", "tinytorch_ref"], cwd=course, check=True)


HELP = "generate, autograde sample students, print the gradebook, train the leaderboard"


def add_arguments(parser):
    parser.add_argument("--all", dest="every", action="store_true", help="every buggy sample, not one per module")


def run(arguments):
    demo(every=arguments.every)
