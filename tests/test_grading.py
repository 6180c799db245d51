"""Autograding with stock nbgrader: who gets which points, and why."""

import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from tinytorch.course import ASSIGNMENTS
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.hidden_tests import hidden_tests
from tinytorch_tools.nbgrader_cli import nbgrader


def autograded_tests(grades):
    return {grade_id: score for grade_id, score in grades.items() if grade_id.startswith("test_")}


@pytest.mark.parametrize("assignment", classroom.assignments())
def test_reference_gets_every_autograded_point(scores, assignment):
    grades = autograded_tests(scores["reference", assignment])
    assert grades, "no autograded tests found"
    lost = {grade_id: score for grade_id, score in grades.items() if score[0] != score[1]}
    assert not lost, f"the reference solution lost points: {lost}"


@pytest.mark.parametrize("assignment", classroom.assignments())
def test_blank_release_gets_zero(scores, assignment):
    earned = {grade_id: score for grade_id, score in autograded_tests(scores["blank", assignment]).items() if score[0]}
    assert not earned, f"the untouched release notebook earned points: {earned}"


@pytest.mark.parametrize(
    "bug",
    [bug for bug in samples.BUGS if bug.assignment in classroom.assignments()],
    ids=lambda bug: bug.student,
)
def test_a_bug_loses_exactly_the_tests_that_target_it(scores, bug):
    grades = autograded_tests(scores[bug.student, bug.assignment])
    failed = {grade_id for grade_id, (score, max_score) in grades.items() if score < max_score}
    assert failed == bug.loses, f"{bug.description}: failed {sorted(failed)}, expected {sorted(bug.loses)}"


@pytest.mark.parametrize("assignment", classroom.assignments())
def test_a_correct_solution_writes_nothing_to_stderr(sample_course, assignment):
    stderr = [
        (grade_id, output.get("text", "")[:500])
        for grade_id, output in classroom.autograded_outputs(sample_course(assignment), "reference", assignment)
        if output.output_type == "error" or output.get("name") == "stderr"
    ]
    assert not stderr, stderr


# This bug passes the visible examples (2-D) and only fails the hidden tests (3-D and more).
HIDDEN_ONLY = next(bug for bug in samples.BUGS if bug.student == "bug-transpose-first-axes")


def skip_unless_graded(bug):
    if bug.assignment not in classroom.assignments():
        pytest.skip(f"an authoring run that does not grade {bug.assignment}")


def test_a_failed_hidden_test_names_the_property_and_smallest_input(sample_course):
    bug = HIDDEN_ONLY
    skip_unless_graded(bug)
    outputs = classroom.autograded_outputs(sample_course(bug.assignment), bug.student, bug.assignment)
    errors = [output for _, output in outputs if output.output_type == "error"]
    messages = [error.evalue for error in errors if error.ename == "PropertyFailed"]
    assert messages, [error.ename for error in errors]
    assert all("property failed:" in m and "smallest failing input:" in m for m in messages), messages


def test_regrading_gives_the_same_scores(sample_course, scores, tmp_path):
    """A correct and a buggy submission, regraded (Hypothesis is derandomized: the same inputs),
    in a copy of their course: other tests read the shared one meanwhile."""
    bug = samples.BUGS[0]  # of the first module: the quickest to grade
    regraded = [("reference", bug.assignment), (bug.student, bug.assignment)]
    before = {key: scores[key] for key in regraded}
    course = shutil.copytree(sample_course(bug.assignment), tmp_path / "course")
    for student, assignment in regraded:
        classroom.autograde(course, assignment, student)
    assert {key: classroom.scores(course)[key] for key in regraded} == before


@pytest.mark.parametrize("assignment", classroom.assignments())
def test_grading_writes_no_cache_into_course_folders(sample_course, assignment):
    caches = [
        path
        for folder in ("release", "submitted", "autograded")
        for path in (sample_course(assignment) / folder).rglob("*")
        if path.name in (".hypothesis", "__pycache__", ".ipynb_checkpoints")
    ]
    assert not caches, caches


def test_feedback_shows_the_failed_property_but_no_hidden_test_source(sample_course):
    bug = HIDDEN_ONLY
    skip_unless_graded(bug)
    graded_course = sample_course(bug.assignment)
    result = nbgrader(
        "generate_feedback",
        bug.assignment,
        f"--student={bug.student}",
        "--RefuseUngradedAnswers.enabled=False",
        course=graded_course,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    name = ASSIGNMENTS[bug.assignment]
    html = (graded_course / "feedback" / bug.student / bug.assignment / f"{name}.html").read_text()
    assert "property failed" in html and "smallest failing input" in html
    source = nbformat.read(graded_course / "source" / bug.assignment / f"{name}.ipynb", as_version=4)
    hidden = [part for cell in source.cells for part in hidden_tests(cell.source)]
    hidden_definitions = re.findall(r"def (\w+)\(", "".join(hidden))
    assert hidden_definitions, "the source notebook should have hidden tests"
    leaked = [name for name in hidden_definitions if name in html]
    assert not leaked, f"feedback shows hidden test source: {leaked}"
    assert "BEGIN HIDDEN TESTS" not in html


def test_stock_nbgrader_commands_work_from_the_course_root(sample_course):
    assignment = classroom.assignments()[0]
    graded_course = sample_course(assignment)
    listing = nbgrader("db", "assignment", "list", course=graded_course)
    assert assignment in listing.stdout


# Run last at exit (atexit runs its handlers in reverse): whether Python's final garbage collection
# will still walk every object of the process.
REPORT_FROZEN_AT_EXIT = "import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))"


@pytest.mark.parametrize(
    "command",
    [
        "from nbgrader.apps.nbgraderapp import main; sys.argv = ['nbgrader', 'db', 'student', 'list']; main()",
        "import runpy; sys.argv = ['x', '--help']; runpy.run_module('tinytorch_tools', run_name='__main__')",
    ],
    ids=["nbgrader", "tinytorch_tools"],
)
def test_commands_end_without_a_final_garbage_collection(command, tmp_path):
    """Python's last collection walks the 1,400 modules an nbgrader command imports: 0.2 s of every
    command, a tenth of what stock autograde adds to a notebook (README, "Performance")."""
    course = classroom.copy_course(tmp_path / "course")
    result = subprocess.run(
        [sys.executable, "-c", f"{REPORT_FROZEN_AT_EXIT}; {command}"], cwd=course, capture_output=True, text=True
    )
    assert result.stdout.splitlines()[-1] == "frozen True", result.stdout[-2000:] + result.stderr[-2000:]
