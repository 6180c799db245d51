"""Cheating submissions, graded with stock nbgrader in one class: each
scores exactly what its honest part deserves, and no feedback shows a hidden test or the
reference. The honest parts are graded alone too (CONTROLS), with the reference solution.

A second class of 02_autograd (REFERENCE_LEAKS) shows the reference Tensor, which its student
process holds, through every channel it has: the instructor sees it, the feedback must not."""

import pytest
from catalogues import cheats, hostile
from catalogues.cheats import AUTOGRAD, AUTOGRAD_TESTS, CHEATS, CONTROLS, REFERENCE_LEAKS
from catalogues.hostile import ASSIGNMENT, TESTS

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.nbgrader_cli import nbgrader


def graded(assignment):
    return pytest.mark.skipif(assignment not in classroom.assignments(), reason=f"{assignment} is not graded")


def grade_class(course, assignment, submissions):
    """The reference and `submissions` of `assignment` autograded once, and their feedback
    generated once, with stock nbgrader."""
    classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
    for submission in submissions:
        hostile.submit(course, submission)
    autograded = classroom.autograde(course, assignment)
    assert autograded.returncode == 0, autograded.stderr[-3000:]
    feedback = nbgrader(
        "generate_feedback", assignment, "--force", "--RefuseUngradedAnswers.enabled=False", course=course, check=False
    )
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    return course, classroom.scores(course)


@pytest.fixture(scope="module")
def cheating_class(tmp_path_factory, shared_courses):
    """The class of 01_tensor."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("cheats"), ASSIGNMENT, cell_timeout=10)
    return grade_class(course, ASSIGNMENT, CONTROLS + CHEATS)


@pytest.fixture(scope="module")
def leaking_class(tmp_path_factory, shared_courses):
    """The class of 02_autograd; 01_tensor is released too, as in a real course (what its
    release shows is public)."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("leaks"), ASSIGNMENT, AUTOGRAD)
    return grade_class(course, AUTOGRAD, REFERENCE_LEAKS)


def lost(scores, student, assignment=ASSIGNMENT, tests=TESTS):
    """The autograded tests of the student that did not get full points; each other one did."""
    grades = {grade_id: grade for grade_id, grade in scores[student, assignment].items() if grade_id in tests}
    assert set(grades) == tests, f"{student}: graded {sorted(grades)}"
    partial = {grade_id: grade for grade_id, grade in grades.items() if 0 < grade[0] < grade[1]}
    assert not partial, f"{student}: partial scores {partial}"
    return {grade_id for grade_id, (score, maximum) in grades.items() if score < maximum}


@graded(ASSIGNMENT)
@pytest.mark.parametrize("control", CONTROLS, ids=lambda h: h.student)
def test_the_honest_part_alone_loses_what_its_cheats_must_lose(cheating_class, control):
    _, scores = cheating_class
    assert lost(scores, control.student) == control.loses, control.description


@graded(ASSIGNMENT)
@pytest.mark.parametrize("cheat", CHEATS, ids=lambda h: h.student)
def test_a_cheat_scores_what_its_honest_part_deserves(cheating_class, cheat):
    _, scores = cheating_class
    tests = lost(scores, cheat.student)
    assert tests == cheat.loses, (
        f"{cheat.description}: won {sorted(cheat.loses - tests)}, lost {sorted(tests - cheat.loses)}"
    )


@graded(ASSIGNMENT)
@pytest.mark.parametrize("student", ["reference"] + [h.student for h in CONTROLS + CHEATS])
def test_no_hidden_test_or_reference_line_reaches_the_feedback(cheating_class, student):
    course, _ = cheating_class
    found = cheats.leaked(course, student, cheats.secret_lines(course))
    assert not found, f"{len(found)} secret lines in the feedback of {student}:\n{cheats.describe(found)}"


@graded(ASSIGNMENT)
@pytest.mark.parametrize("cheat", CHEATS, ids=lambda h: h.student)
def test_no_hidden_test_line_ever_reaches_the_student_process(cheating_class, cheat):
    """Unredacted: what the student's own cells printed while graded (the instructor's view) shows
    no line of a hidden test, so none was there to find."""
    course, _ = cheating_class
    printed = cheats.autograded_text(course, cheat.student, cells=lambda cell: not cheats.is_test(cell))
    hidden = {line: origin for line, origin in cheats.secret_lines(course).items() if origin.startswith("hidden")}
    found = cheats.shown_in(printed, hidden)
    assert not found, f"{cheat.description}: the student process saw {sorted(found)[:5]}"


@graded(AUTOGRAD)
@pytest.mark.parametrize("student", ["reference"] + [h.student for h in REFERENCE_LEAKS])
def test_a_reference_leak_scores_what_the_reference_deserves(leaking_class, student):
    _, scores = leaking_class
    deserved = next((h.loses for h in REFERENCE_LEAKS if h.student == student), frozenset())
    tests = lost(scores, student, AUTOGRAD, AUTOGRAD_TESTS)
    assert tests == deserved, f"{student}: won {sorted(deserved - tests)}, lost {sorted(tests - deserved)}"


@graded(AUTOGRAD)
@pytest.mark.parametrize("student", ["reference"] + [h.student for h in REFERENCE_LEAKS])
def test_no_hidden_test_or_reference_line_reaches_the_feedback_of_autograd(leaking_class, student):
    course, _ = leaking_class
    found = cheats.leaked(course, student, cheats.secret_lines(course, AUTOGRAD), AUTOGRAD)
    assert not found, f"{len(found)} secret lines in the feedback of {student}:\n{cheats.describe(found)}"


def reference_tensor_lines(course):
    """The secret lines of the reference Tensor, the one module the student process holds."""
    tensor = {line: origin for line, origin in cheats.secret_lines(course, AUTOGRAD).items() if "tensor" in origin}
    assert len(tensor) >= 10, f"too few secret lines of the reference Tensor to look for: {tensor}"
    return tensor


@graded(AUTOGRAD)
def test_the_instructor_sees_the_printed_reference_and_the_student_does_not(leaking_class):
    """The check above is not vacuous: the reference Tensor was really printed (its secret lines
    are in the autograded notebook), and only the feedback lost them."""
    course, _ = leaking_class
    student, tensor = "leak-prints-reference", reference_tensor_lines(course)
    seen = cheats.shown_in(cheats.autograded_text(course, student, AUTOGRAD), tensor)
    assert set(seen) == set(tensor), f"the instructor misses {sorted(set(tensor) - set(seen))}"
    assert not cheats.leaked(course, student, tensor, AUTOGRAD)


@graded(AUTOGRAD)
@pytest.mark.parametrize("leak", REFERENCE_LEAKS, ids=lambda h: h.student)
def test_each_leak_really_carries_the_reference_out_of_the_student_process(leaking_class, leak):
    """What each leak shows reaches the instructor's autograded notebook (or, where the channel
    does not exist while grading, what arrives instead): its feedback was really redacted."""
    course, _ = leaking_class
    text = cheats.autograded_text(course, leak.student, AUTOGRAD)
    seen = cheats.shown_in(text, reference_tensor_lines(course))
    if leak.student in cheats.NO_CHANNEL:
        assert not seen and cheats.NO_CHANNEL[leak.student] in text
    else:
        assert seen, f"{leak.description}: no line of the reference Tensor in the autograded notebook"
