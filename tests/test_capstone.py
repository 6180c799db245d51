"""The capstone is graded on the student's own chain 01-10 (12_language_model on 01-11),
and when the chain breaks the grading output names the module that breaks it."""

import pytest

from tinytorch.course import CAPSTONE, GRADED_ON_OWN_CHAIN, LANGUAGE_MODEL
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.authoring.samples import CAPSTONE_STUDENTS, LANGUAGE_MODEL_STUDENTS


def capstone_errors(course, student, tests_only=False):
    return classroom.autograded_errors(course, student, CAPSTONE, tests_only)


def test_the_complete_chain_gets_every_point(capstone_course):
    grades = classroom.scores(capstone_course)["chain-complete", CAPSTONE]
    lost = {
        grade_id: score for grade_id, score in grades.items() if grade_id.startswith("test_") and score[0] < score[1]
    }
    assert not lost, lost


def test_a_missing_module_is_named(capstone_course):
    errors = capstone_errors(capstone_course, "chain-missing-attention")
    assert errors[0].startswith("attention is built from your notebook 09_attention/attention.ipynb"), errors[:1]
    failed = capstone_errors(capstone_course, "chain-missing-attention", tests_only=True)
    assert len(failed) == 6 and all("attention.ipynb, which does not exist" in error for error in failed), failed
    grades = classroom.scores(capstone_course)["chain-missing-attention", CAPSTONE]
    assert sum(score for grade_id, (score, _) in grades.items() if grade_id.startswith("test_")) == 0


@pytest.mark.parametrize("student", [student for student, (_, bug) in CAPSTONE_STUDENTS.items() if bug])
def test_a_bug_in_the_chain_fails_the_capstone_and_is_named(capstone_course, student):
    broken, bug = CAPSTONE_STUDENTS[student]
    description = next(known.description for known in samples.BUGS if known.student == bug)
    grades = classroom.scores(capstone_course)[student, CAPSTONE]
    failed = [
        grade_id for grade_id, (score, maximum) in grades.items() if grade_id.startswith("test_") and score < maximum
    ]
    assert failed, f"{description}: the capstone should fail"
    errors = capstone_errors(capstone_course, student)
    named = [error for error in errors if f"The chain breaks in {broken}" in error]
    assert named, f"no failure names {broken}: {errors}"


@pytest.mark.parametrize("student", list(LANGUAGE_MODEL_STUDENTS))
def test_the_language_model_is_graded_on_the_chain_and_names_the_module_that_breaks_it(capstone_course, student):
    if LANGUAGE_MODEL not in classroom.assignments():
        pytest.skip(f"an authoring run without {LANGUAGE_MODEL}")
    grades = classroom.scores(capstone_course)[student, LANGUAGE_MODEL]
    failed = [
        grade_id for grade_id, (score, maximum) in grades.items() if grade_id.startswith("test_") and score < maximum
    ]
    blamed = LANGUAGE_MODEL_STUDENTS[student]
    if blamed is None:
        assert not failed, failed
        return
    assert failed, f"a chain broken in {blamed} should fail {LANGUAGE_MODEL}"
    errors = classroom.autograded_errors(capstone_course, student, LANGUAGE_MODEL, tests_only=True)
    assert len(errors) == len(failed) and all(f"The chain breaks in {blamed}" in error for error in errors), errors


@pytest.mark.parametrize(
    "bug",
    [
        bug
        for bug in samples.BUGS
        if bug.assignment in GRADED_ON_OWN_CHAIN and bug.assignment in classroom.assignments()
    ],
    ids=lambda bug: bug.student,
)
def test_a_bug_in_the_graded_notebook_itself_is_blamed_on_it(sample_course, bug):
    """A sample class student who handed in the reference chain and a buggy capstone (or 12):
    the blame swaps nothing that helps, and says so (tests/test_grading.py checks what it loses)."""
    errors = classroom.autograded_errors(sample_course(bug.assignment), bug.student, bug.assignment, tests_only=True)
    assert errors and all("the problem is in this notebook" in error for error in errors), errors
