"""One box per graded notebook: the hostile submissions of tests/catalogues/box.py, graded with
stock nbgrader in a class with a small box, lose the tests from their cell on and say why; the
reference keeps every point; no box is left behind."""

import json

import pytest
from catalogues import box
from catalogues.box import ASSIGNMENT, SUBMISSIONS

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.nbgrader_cli import nbgrader
from tinytorch_tools.preprocessors.grading_execute import OVER_BUDGET, TIMED_OUT

pytestmark = pytest.mark.skipif(ASSIGNMENT not in classroom.assignments(), reason="01_tensor is not graded")


@pytest.fixture(scope="module")
def boxed_class(tmp_path_factory):
    course = classroom.copy_course(tmp_path_factory.mktemp("box"))
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(box.CONFIGURATION)
    classroom.nbgrader("generate_assignment", ASSIGNMENT, "--force", course=course)
    classroom.submit(course, "reference", ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
    for submission in SUBMISSIONS:
        classroom.submit(course, submission.student, ASSIGNMENT, box.notebook(submission))
    result = classroom.autograde(course, ASSIGNMENT)
    assert result.returncode == 0, result.stderr[-3000:]
    return course, classroom.scores(course)


def lost(scores, student):
    grades = scores[student, ASSIGNMENT].items()
    return {grade_id for grade_id, (score, maximum) in grades if grade_id.startswith("test_") and score < maximum}


def marker(course, student):
    """What GradingExecute recorded in the student's autograded folder about time and budgets."""
    folder = course / "autograded" / student / ASSIGNMENT
    return "".join((folder / name).read_text() for name in (TIMED_OUT, OVER_BUDGET) if (folder / name).exists())


def test_the_reference_keeps_every_point_in_a_small_box(boxed_class):
    course, scores = boxed_class
    assert lost(scores, "reference") == set()
    assert marker(course, "reference") == ""


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=lambda s: s.student)
def test_a_submission_over_its_box_loses_the_tests_from_that_cell_on(boxed_class, submission):
    course, scores = boxed_class
    assert lost(scores, submission.student) == submission.loses, submission.description
    outputs = json.dumps([output for _, output in classroom.autograded_outputs(course, submission.student, ASSIGNMENT)])
    assert submission.reason in outputs, f"{submission.reason!r} is not in the autograded notebook"
    if submission.loses:
        assert submission.reason in marker(course, submission.student)


def test_the_output_of_a_notebook_is_bounded_in_the_autograded_notebook_and_the_feedback(boxed_class):
    course, _ = boxed_class
    anyway = "--RefuseUngradedAnswers.enabled=False"
    for student in ("reference", "box-loud-cells"):
        result = nbgrader("generate_feedback", ASSIGNMENT, f"--student={student}", anyway, course=course, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
    sizes = {}
    for student in ("reference", "box-loud-cells"):
        notebook = classroom.notebook_in(course / "autograded" / student, ASSIGNMENT)
        feedback = (course / "feedback" / student / ASSIGNMENT / notebook.name).with_suffix(".html")
        sizes[student] = (notebook.stat().st_size, feedback.stat().st_size)
    printed = 30 * box.MAX_OUTPUT
    for reference, loud in zip(sizes["reference"], sizes["box-loud-cells"], strict=True):
        assert loud - reference < box.MAX_NOTEBOOK_OUTPUT + printed / 10, sizes
