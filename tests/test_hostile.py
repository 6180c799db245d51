"""Hostile and broken submissions (SPEC §7), graded with stock nbgrader in one class with a
normal student and one whose manual grade is already in the gradebook."""

import json
import sqlite3

import nbformat
import pytest
from nbgrader.api import Gradebook

from tinytorch_tools import classroom, hostile, samples
from tinytorch_tools.hostile import ASSIGNMENT, HOSTILE

pytestmark = pytest.mark.skipif(ASSIGNMENT not in classroom.assignments(), reason="01_tensor is not graded")
NORMAL = ["reference", "manual-grade"]
MANUAL_SCORE = 1.5


def autograded_tests(grades):
    return {grade_id: score for grade_id, score in grades.items() if grade_id.startswith("test_")}


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    course = classroom.copy_course(tmp_path_factory.mktemp("hostile"))
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Execute.timeout = 60  # the infinite loops cost a timeout each\n")
    classroom.nbgrader("generate_assignment", ASSIGNMENT, "--force", course=course)
    for student in NORMAL:
        classroom.submit(course, student, ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
    first = classroom.autograde(course, ASSIGNMENT)
    assert first.returncode == 0, first.stderr[-3000:]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("why_float64", "tensor", ASSIGNMENT, "manual-grade")
        grade.manual_score, grade.needs_manual_grade = MANUAL_SCORE, False  # as the formgrader does
        gradebook.db.commit()
    before = classroom.scores(course)
    for submission in HOSTILE:
        hostile.submit(course, submission)
    result = classroom.autograde(course, ASSIGNMENT)
    return course, result, before, classroom.scores(course)


def test_the_rest_of_the_class_is_graded_and_no_grade_is_lost(hostile_class):
    course, result, before, after = hostile_class
    for student in NORMAL:
        grades = autograded_tests(after[student, ASSIGNMENT])
        assert all(score == maximum for score, maximum in grades.values()), (student, grades)
        assert after[student, ASSIGNMENT] == before[student, ASSIGNMENT], student
    assert after["manual-grade", ASSIGNMENT]["why_float64"] == (MANUAL_SCORE, 2.0)
    with sqlite3.connect(course / "gradebook.db") as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    failed = {line.rsplit("'", 2)[-2] for line in result.stderr.splitlines() if "for student '" in line}
    assert failed == {h.student for h in HOSTILE if h.graded is False and h.build() is not None}, failed


def test_no_hostile_submission_touched_other_students_files(hostile_class):
    course, *_ = hostile_class
    for folder in ("submitted", "autograded"):
        notebook = nbformat.read(course / folder / "reference" / ASSIGNMENT / "tensor.ipynb", as_version=4)
        nbformat.validate(notebook)


def reason_shown(course, result, submission):
    path = course / "autograded" / submission.student / ASSIGNMENT / "tensor.ipynb"
    outputs = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]]) if path.exists() else ""
    return submission.reason in outputs or submission.reason in result.stderr


@pytest.mark.parametrize("submission", HOSTILE, ids=lambda h: h.student)
def test_a_hostile_submission_loses_what_it_broke_and_says_why(hostile_class, submission):
    course, result, _, scores = hostile_class
    grades = autograded_tests(scores.get((submission.student, ASSIGNMENT), {}))
    lost = {grade_id for grade_id, (score, maximum) in grades.items() if score < maximum}
    if not grades:
        assert not submission.graded, "the submission was not graded"
        lost = set(hostile.TESTS)
    assert lost == submission.loses, f"{submission.description}: lost {sorted(lost)}"
    assert reason_shown(course, result, submission), f"{submission.reason!r} is shown nowhere"


def test_class_report_names_failing_tests_and_manual_grading(hostile_class, tmp_path):
    from PIL import Image

    from tinytorch_tools.report import class_report

    course, *_ = hostile_class
    html = class_report(course, tmp_path).read_text()
    most_failed = html.split("Tests failed most often")[1].split("<li>")[1]
    assert "test_exp_log" in most_failed, most_failed
    manual = html.split("needing manual grading")[1]
    assert "reference, 01_tensor: why_float64" in manual
    assert "manual-grade, 01_tensor: why_float64" not in manual, "a graded answer is listed"
    for image in ("score_distribution.png", "failed_tests.png"):
        with Image.open(tmp_path / image) as png:
            png.verify()
            assert png.format == "PNG"
    grades = (tmp_path / "grades.csv").read_text()
    assert all(f",{student}," in grades for student in NORMAL + ["hostile-crash"])
