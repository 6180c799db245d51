"""SPEC §6: the capstone is graded on the student's own chain 01-10, and when the chain breaks
the grading output names the module that breaks it."""

import pytest

from tinytorch_tools import classroom, samples
from tinytorch_tools.samples import CAPSTONE, CAPSTONE_STUDENTS


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


@pytest.mark.parametrize(
    "student", [student for student, (broken, bug) in CAPSTONE_STUDENTS.items() if bug and broken != CAPSTONE]
)
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


@pytest.mark.parametrize(
    "bug", [bug for bug in samples.BUGS if bug.assignment == CAPSTONE], ids=lambda bug: bug.student
)
def test_a_capstone_bug_loses_exactly_the_tests_that_target_it(capstone_course, bug):
    grades = classroom.scores(capstone_course)[f"chain-{bug.student}", CAPSTONE]
    failed = {
        grade_id for grade_id, (score, maximum) in grades.items() if grade_id.startswith("test_") and score < maximum
    }
    assert failed == bug.loses, f"{bug.description}: lost {sorted(failed)}, expected {sorted(bug.loses)}"
    errors = capstone_errors(capstone_course, f"chain-{bug.student}", tests_only=True)
    assert all("the problem is in this notebook" in error for error in errors), errors
