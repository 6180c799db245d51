"""Scratch courses graded with real stock nbgrader, one submission at a time: for each assignment,
the reference, the blank release and every buggy sample (a sample class of its own); and the
capstone (and for some, 12_language_model) of students who submitted a whole chain.

Each class is graded once per test session, by whichever pytest-xdist worker needs it first, in a
folder all workers share (pytest-xdist's recipe: a file lock, then a marker that it is done), so
that the workers split the grading instead of one worker doing it all."""

import functools
import os
import shutil
from pathlib import Path

import pytest
from catalogues import report as report_catalogue
from filelock import FileLock

from tinytorch.course import CAPSTONE, LANGUAGE_MODEL
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.authoring.samples import CAPSTONE_STUDENTS, LANGUAGE_MODEL_STUDENTS, chain_submission
from tinytorch_tools.blank_gradebook import blank_gradebook
from tinytorch_tools.nbgrader_cli import generate_assignments

# Tests that share a module's expensive fixture (a graded class of its own) run on one worker.
SHARED_CLASSES = {
    "cheating_class": "cheats",
    "leaking_class": "cheats",
    "hostile_class": "hostile",
    "graded_class": "class-grading",
    "boxed_class": "box",
    "inference_course": "inference",
    "loud_course": "output-cap",
    "report_class": "dashboard",  # tests/test_dashboard.py and the browser's dashboard test
    "stock_class": "files",
    "graded_with_grade": "files",
    "sealed_class": "seal",
    "gradient_class": "seal",
    "capstone_class": "seal",
    "layer_gradient_class": "seal",
    "transformer_gradient_class": "seal",
    "leaderboard_class": "leaderboard",
}


def pytest_xdist_auto_num_workers(config):
    """One worker more than the machine has cores: a worker often waits (for a kernel to start, a
    cell to time out, a class another worker grades), and the suite is bound by the CPU: three
    workers keep two cores 98% busy, and the suite took 40 s less than with two (2026-12-07)."""
    return (os.cpu_count() or 1) + 1


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        groups = {SHARED_CLASSES[name] for name in item.fixturenames if name in SHARED_CLASSES}
        assignment = sample_class_read(item)
        if groups:
            (group,) = groups
            item.add_marker(pytest.mark.xdist_group(group))
        elif assignment:
            item.add_marker(pytest.mark.xdist_group(f"samples-{assignment}"))


def sample_class_read(item):
    """The assignment whose sample class a test reads, when it is parametrized by one (or by one of
    its bugs): such tests run on one worker, so that the other never waits for that class to be
    graded (a minute and a half idle for 12_language_model's), but grades another meanwhile."""
    if not {"scores", "sample_course"} & set(item.fixturenames) or not hasattr(item, "callspec"):
        return None
    parameters = item.callspec.params
    return parameters["bug"].assignment if "bug" in parameters else parameters.get("assignment")


class SharedCourses:
    """Courses graded once per session, in a folder every worker sees."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def get(self, name, grade):
        """The course `name`, graded by `grade(course)` unless a worker already did."""
        course, done = self.folder / name, self.folder / f"{name}.graded"
        with FileLock(self.folder / f"{name}.lock"):
            if not done.exists():
                shutil.rmtree(course, ignore_errors=True)
                grade(classroom.copy_course(course))
                done.touch()
        return course

    def release(self, course, *assignments):
        """What `nbgrader generate_assignment` of each of `assignments` writes into `course` (fresh from
        copy_course): its gradebook and release/, copied from a course where stock nbgrader generated
        them once this session (1.5 s of nbgrader a time, about fifty times a run otherwise)."""
        assert (Path(course) / "gradebook.db").read_bytes() == blank_gradebook(), f"{course} is not fresh"
        generate = functools.partial(generate_assignments, assignments=assignments)
        generated = self.get("released-" + "-".join(assignments), generate)
        shutil.copy(generated / "gradebook.db", Path(course) / "gradebook.db")
        shutil.copytree(generated / "release", Path(course) / "release", dirs_exist_ok=True)
        return course

    def new_course(self, folder, *assignments, **options):
        """A fresh course in `folder` (`classroom.copy_course`'s `options`), `assignments` released."""
        return self.release(classroom.copy_course(folder, **options), *assignments)


@pytest.fixture(scope="session")
def shared_courses(tmp_path_factory, worker_id):
    base = tmp_path_factory.getbasetemp()
    return SharedCourses(base if worker_id == "master" else base.parent)


def submit_samples(course, assignment):
    """The reference, the blank release and the bugs of `assignment` (with the reference of
    every module before it, for one graded on the student's own chain)."""
    submissions = [("reference", samples.submission(assignment, samples.source_notebook(assignment)))]
    submissions.append(("blank", {assignment: samples.release_notebook(assignment)}))
    for bug in samples.BUGS:
        if bug.assignment == assignment:
            submissions.append((bug.student, samples.submission(assignment, samples.buggy_notebook(bug))))
    for student, notebooks in submissions:
        for submitted, notebook in notebooks.items():
            classroom.submit(course, student, submitted, notebook)


def grade_samples(assignment, shared_courses):
    def grade(course):
        shared_courses.release(course, assignment)
        submit_samples(course, assignment)
        result = classroom.autograde(course, assignment)
        assert result.returncode == 0, result.stderr[-3000:]

    return grade


@pytest.fixture(scope="session")
def sample_course(shared_courses):
    """sample_course(assignment): the course where the samples of `assignment` are graded."""
    return lambda assignment: shared_courses.get(f"samples-{assignment}", grade_samples(assignment, shared_courses))


class SampleScores:
    """{(student, assignment): {grade_id: (score, max_score)}} of the sample classes, each class
    graded when a test first asks for one of its scores."""

    def __init__(self, sample_course):
        self.sample_course, self.graded = sample_course, {}

    def __getitem__(self, key):
        assignment = key[1]
        if assignment not in self.graded:
            self.graded[assignment] = classroom.scores(self.sample_course(assignment))
        return self.graded[assignment][key]


@pytest.fixture(scope="session")
def scores(sample_course):
    return SampleScores(sample_course)


def grade_capstone_students(course, shared_courses):
    """Students who submitted a whole chain, correct or with one module missing or buggy; only
    the capstone is autograded, and 12_language_model for LANGUAGE_MODEL_STUDENTS."""
    language_model = LANGUAGE_MODEL in classroom.assignments()
    shared_courses.release(course, CAPSTONE, *([LANGUAGE_MODEL] if language_model else []))
    for student, (broken, bug) in CAPSTONE_STUDENTS.items():
        for assignment, notebook in chain_submission(broken, bug).items():
            classroom.submit(course, student, assignment, notebook)
    result = classroom.autograde(course, CAPSTONE)
    assert result.returncode == 0, result.stderr[-3000:]
    if language_model:
        for student in LANGUAGE_MODEL_STUDENTS:
            result = classroom.autograde(course, LANGUAGE_MODEL, student)
            assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="session")
def capstone_course(shared_courses):
    if CAPSTONE not in classroom.assignments():
        pytest.skip("an authoring run without the capstone")
    return shared_courses.get("capstone", functools.partial(grade_capstone_students, shared_courses=shared_courses))


@pytest.fixture(scope="session")
def report_class(tmp_path_factory, shared_courses):
    """The graded class with feedback for one student and the hostile files planted: (course, students)."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("dashboard"), report_catalogue.ASSIGNMENT)
    for student, email in report_catalogue.EMAILS.items():
        classroom.nbgrader("db", "student", "add", student, f"--email={email}", "--first-name=Ada", course=course)
    students = report_catalogue.submit_class(course)
    result = classroom.autograde(course, report_catalogue.ASSIGNMENT)
    assert result.returncode == 0, result.stderr[-3000:]
    feedback = [f"--student={report_catalogue.FEEDBACK_FOR}", "--RefuseUngradedAnswers.enabled=False"]
    classroom.nbgrader("generate_feedback", report_catalogue.ASSIGNMENT, *feedback, course=course)
    report_catalogue.plant_hostile_files(course)
    return course, students
