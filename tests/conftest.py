"""Scratch courses graded once per test session with real stock nbgrader, one submission at a
time: the reference, the blank release and every buggy sample submission of every module; and
the capstone (and for some, 12_language_model) of students who submitted a whole chain."""

import pytest
from catalogues import report as report_catalogue

from tinytorch.course import CAPSTONE, LANGUAGE_MODEL
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.authoring.samples import CAPSTONE_STUDENTS, LANGUAGE_MODEL_STUDENTS, chain_submission

# Tests that share an expensive session fixture (a graded class) run on one pytest-xdist worker,
# so that it is built once; other tests go wherever a worker is free.
SHARED_CLASSES = {
    "graded_course": "sample-class",
    "scores": "sample-class",
    "capstone_course": "sample-class",
    "graded_class": "sample-class",  # tests/test_class_grading.py, compared with the sample class
    "cheating_class": "cheats",
    "leaking_class": "cheats",
    "hostile_class": "hostile",
    "report_class": "dashboard",  # tests/test_dashboard.py and the browser's dashboard test
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        groups = {SHARED_CLASSES[name] for name in item.fixturenames if name in SHARED_CLASSES}
        if groups:
            (group,) = groups
            item.add_marker(pytest.mark.xdist_group(group))


def submit_samples(course, assignment):
    """The reference, the blank release and the bugs of `assignment` (with the reference of
    every other module, for one graded on the student's own chain)."""
    submissions = [("reference", samples.submission(assignment, samples.source_notebook(assignment)))]
    submissions.append(("blank", {assignment: samples.release_notebook(assignment)}))
    for bug in samples.BUGS:
        if bug.assignment == assignment:
            submissions.append((bug.student, samples.submission(assignment, samples.buggy_notebook(bug))))
    for student, notebooks in submissions:
        for submitted, notebook in notebooks.items():
            classroom.submit(course, student, submitted, notebook)


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """Each assignment's samples are submitted just before it is graded: a buggy student's chain
    of reference notebooks (for 12_language_model) is not graded as submissions of 01-11."""
    course = classroom.copy_course(tmp_path_factory.mktemp("course"))
    classroom.generate_all(course)
    for assignment in classroom.assignments():
        submit_samples(course, assignment)
        result = classroom.autograde(course, assignment)
        assert result.returncode == 0, result.stderr[-3000:]
    return course


@pytest.fixture(scope="session")
def scores(graded_course):
    return classroom.scores(graded_course)


@pytest.fixture(scope="session")
def capstone_course(tmp_path_factory):
    """Students who submitted a whole chain, correct or with one module missing or buggy; only
    the capstone is autograded, and 12_language_model for LANGUAGE_MODEL_STUDENTS."""
    if CAPSTONE not in classroom.assignments():
        pytest.skip("an authoring run without the capstone")
    course = classroom.copy_course(tmp_path_factory.mktemp("capstone"))
    classroom.nbgrader("generate_assignment", CAPSTONE, "--force", course=course)
    for student, (broken, bug) in CAPSTONE_STUDENTS.items():
        for assignment, notebook in chain_submission(broken, bug).items():
            classroom.submit(course, student, assignment, notebook)
    result = classroom.autograde(course, CAPSTONE)
    assert result.returncode == 0, result.stderr[-3000:]
    if LANGUAGE_MODEL in classroom.assignments():
        classroom.nbgrader("generate_assignment", LANGUAGE_MODEL, "--force", course=course)
        for student in LANGUAGE_MODEL_STUDENTS:
            result = classroom.autograde(course, LANGUAGE_MODEL, student)
            assert result.returncode == 0, result.stderr[-3000:]
    return course


@pytest.fixture(scope="session")
def report_class(tmp_path_factory):
    """The graded class with feedback for one student and the hostile files planted: (course, students)."""
    course = classroom.copy_course(tmp_path_factory.mktemp("dashboard"))
    for student, email in report_catalogue.EMAILS.items():
        classroom.nbgrader("db", "student", "add", student, f"--email={email}", "--first-name=Ada", course=course)
    classroom.nbgrader("generate_assignment", report_catalogue.ASSIGNMENT, "--force", course=course)
    students = report_catalogue.submit_class(course)
    result = classroom.autograde(course, report_catalogue.ASSIGNMENT)
    assert result.returncode == 0, result.stderr[-3000:]
    feedback = [f"--student={report_catalogue.FEEDBACK_FOR}", "--RefuseUngradedAnswers.enabled=False"]
    classroom.nbgrader("generate_feedback", report_catalogue.ASSIGNMENT, *feedback, course=course)
    report_catalogue.plant_hostile_files(course)
    return course, students
