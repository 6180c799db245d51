"""One scratch course, graded once per test session with real nbgrader: the reference, the
blank release and every buggy sample submission of every module."""

import pytest

from tinytorch_tools import classroom, samples


def submit_samples(course):
    for assignment in classroom.assignments():
        classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
        classroom.submit(course, "blank", assignment, samples.release_notebook(assignment))
    for bug in samples.BUGS:
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
