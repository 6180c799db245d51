"""Scratch courses graded once per test session with real stock nbgrader, one submission at a
time: the reference, the blank release and every buggy sample submission of every module; and
the capstone of students who submitted a whole chain."""

import pytest

from tinytorch_tools import classroom, samples
from tinytorch_tools.samples import CAPSTONE, CAPSTONE_STUDENTS, chain_submission

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
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        groups = {SHARED_CLASSES[name] for name in item.fixturenames if name in SHARED_CLASSES}
        if groups:
            (group,) = groups
            item.add_marker(pytest.mark.xdist_group(group))


def submit_samples(course):
    for assignment in classroom.assignments():
        classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
        classroom.submit(course, "blank", assignment, samples.release_notebook(assignment))
    for bug in filter(samples.graded_alone, samples.BUGS):
        if bug.assignment in classroom.assignments():
            classroom.submit(course, bug.student, bug.assignment, samples.buggy_notebook(bug))


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    course = classroom.copy_course(tmp_path_factory.mktemp("course"))
    classroom.generate_all(course)
    submit_samples(course)
    for assignment in classroom.assignments():
        result = classroom.autograde(course, assignment)
        assert result.returncode == 0, result.stderr[-3000:]
    return course


@pytest.fixture(scope="session")
def scores(graded_course):
    return classroom.scores(graded_course)


@pytest.fixture(scope="session")
def capstone_course(tmp_path_factory):
    """Students who submitted a whole chain, correct or with one module missing or buggy; only
    the capstone is autograded."""
    if CAPSTONE not in classroom.assignments():
        pytest.skip("an authoring run without the capstone")
    course = classroom.copy_course(tmp_path_factory.mktemp("capstone"))
    classroom.nbgrader("generate_assignment", CAPSTONE, "--force", course=course)
    for student, (broken, bug) in CAPSTONE_STUDENTS.items():
        for assignment, notebook in chain_submission(broken, bug).items():
            classroom.submit(course, student, assignment, notebook)
    result = classroom.autograde(course, CAPSTONE)
    assert result.returncode == 0, result.stderr[-3000:]
    return course
