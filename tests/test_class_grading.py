"""Class-scale autograding (`python -m tinytorch_tools grade`): a real dask cluster grades a small
class with stock nbgrader into the course's gradebook, SQLite or PostgreSQL."""

import csv
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy
from nbgrader.api import Gradebook

from tinytorch_tools import classroom, samples
from tinytorch_tools.grade_class import grade_class
from tinytorch_tools.nbgrader_cli import environment, nbgrader
from tinytorch_tools.preprocessors import UNSANDBOXED
from tinytorch_tools.report import class_report, unsandboxed

ASSIGNMENTS = [assignment for assignment in ("01_tensor", "02_autograd") if assignment in classroom.assignments()]


def first_bug(assignment):
    return next(bug for bug in samples.BUGS if bug.assignment == assignment)


def submit_class(course, assignments):
    """The reference and the blank release of every assignment, and one buggy student for each."""
    for assignment in assignments:
        classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
        classroom.submit(course, "blank", assignment, samples.release_notebook(assignment))
        bug = first_bug(assignment)
        classroom.submit(course, bug.student, assignment, samples.buggy_notebook(bug))


def grade_command(course, *arguments):
    return subprocess.run(
        [sys.executable, "-m", "tinytorch_tools", "grade", *arguments],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A class graded by the command on a local cluster of two worker processes; one student
    submitted a notebook that is not JSON: nbgrader fails on it, and on nothing else."""
    course = classroom.copy_course(tmp_path_factory.mktemp("class"))
    submit_class(course, ASSIGNMENTS)
    broken = course / "submitted" / "broken" / ASSIGNMENTS[0] / "tensor.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("this is not a notebook")
    result = grade_command(course, *ASSIGNMENTS, "--workers", "2")
    return course, result


def test_the_command_grades_the_class_as_stock_autograde_does(graded_class, scores):
    course, result = graded_class
    graded = classroom.scores(course)
    expected = {key: value for key, value in scores.items() if key[1] in ASSIGNMENTS and key in graded}
    assert len(expected) == 3 * len(ASSIGNMENTS), sorted(expected)
    assert {key: graded[key] for key in expected} == expected
    assert "submission/s]" in result.stderr  # the progress bar


def test_a_failed_submission_is_reported_and_stops_nothing_else(graded_class):
    course, result = graded_class
    assert result.returncode == 1, result.stderr[-3000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith(f"FAILED broken {ASSIGNMENTS[0]}: "), result.stdout
    assert not (course / "autograded" / "broken").exists()
    assert len(list((course / "autograded").glob("*/*/*.ipynb"))) == 3 * len(ASSIGNMENTS)


def test_stock_nbgrader_commands_work_on_the_gradebook_afterwards(graded_class):
    course, _ = graded_class
    nbgrader("export", course=course)
    with open(course / "grades.csv") as file:
        rows = {(row["student_id"], row["assignment"]): float(row["raw_score"]) for row in csv.DictReader(file)}
    scores = classroom.scores(course)
    for key, grades in scores.items():
        assert rows[key] == sum(score for score, _ in grades.values()), key
    bug = first_bug(ASSIGNMENTS[0])
    feedback = nbgrader("generate_feedback", ASSIGNMENTS[0], f"--student={bug.student}", course=course, check=False)
    assert feedback.returncode == 0, feedback.stderr[-2000:]


def grades(gradebook, assignment, student):
    return [grade for notebook in gradebook.find_submission(assignment, student).notebooks for grade in notebook.grades]


def test_a_rerun_regrades_only_resubmissions_and_keeps_manual_grades(graded_class):
    course, _ = graded_class
    assignment = ASSIGNMENTS[0]
    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        written = [grade for grade in grades(gradebook, assignment, "reference") if grade.auto_score is None]
        assert written, "the module should have a manually graded written answer"
        for grade in written:
            grade.manual_score = grade.max_score
        gradebook.db.commit()
        written = {grade.name for grade in written}
    autograded = {path: path.stat().st_mtime for path in (course / "autograded").glob("*/*/*.ipynb")}

    # The reference student resubmits, later than the first run graded it.
    resubmitted = course / "submitted" / "reference" / assignment / "tensor.ipynb"
    resubmitted.write_bytes(resubmitted.read_bytes())
    failures = grade_class(course, ASSIGNMENTS, students=["reference", "blank"], workers=2, progress=False)

    assert not failures
    regraded = {path for path, mtime in autograded.items() if path.stat().st_mtime != mtime}
    assert regraded == {course / "autograded" / "reference" / assignment / "tensor.ipynb"}
    with Gradebook(url) as gradebook:
        submission = gradebook.find_submission(assignment, "reference")
        assert all(
            grade.manual_score == grade.max_score
            for grade in grades(gradebook, assignment, "reference")
            if grade.name in written
        )
        assert submission.score == submission.max_score


def test_only_grading_without_the_sandbox_leaves_the_marker_and_the_report_lists_it(graded_class, tmp_path):
    course, _ = graded_class
    assignment = ASSIGNMENTS[0]
    marker = course / "autograded" / "reference" / assignment / UNSANDBOXED
    assert unsandboxed(course) == []  # the command grades in the sandbox by default

    result = grade_command(course, assignment, "--students", "reference", "--no-sandbox", "--force", "--workers", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WITHOUT the OS sandbox" in result.stderr
    assert marker.exists() and unsandboxed(course) == [("reference", assignment)]
    section = class_report(course, tmp_path / "reports").read_text().split("<h2>Graded without the OS sandbox</h2>")[1]
    assert f"<li>reference, {assignment}</li>" in section and "<p>none</p>" not in section

    failures = grade_class(course, [assignment], students=["reference"], workers=1, force=True, progress=False)
    assert not failures
    assert not marker.exists() and unsandboxed(course) == []


@pytest.fixture
def postgres_url():
    """A fresh database on the PostgreSQL server of $TINYTORCH_TEST_POSTGRES_URL (.ci/run starts one)."""
    server = os.environ.get("TINYTORCH_TEST_POSTGRES_URL")
    if not server:
        message = "TINYTORCH_TEST_POSTGRES_URL is not set: .ci/run starts a PostgreSQL server and sets it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"tinytorch_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    try:
        yield sqlalchemy.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def test_grading_into_a_postgresql_gradebook_on_a_given_scheduler(tmp_path, postgres_url, scores):
    from dask.distributed import LocalCluster

    course = classroom.copy_course(tmp_path / "course")
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {postgres_url!r}\n")
    assignment = ASSIGNMENTS[0]
    bug = first_bug(assignment)
    classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
    classroom.submit(course, bug.student, assignment, samples.buggy_notebook(bug))

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        failures = grade_class(course, scheduler=cluster.scheduler_address, progress=False)

    assert not failures
    assert not (course / "gradebook.db").exists()
    graded = classroom.scores(course, db_url=postgres_url)
    assert graded == {key: scores[key] for key in graded}
    assert set(graded) == {("reference", assignment), (bug.student, assignment)}
    nbgrader("export", course=course)  # stock nbgrader reads the db_url of nbgrader_config.py
    assert "reference" in (course / "grades.csv").read_text()
