"""Class-scale autograding (`python -m tinytorch_tools grade`): a real dask cluster grades a small
class with stock nbgrader into the course's gradebook, SQLite or PostgreSQL."""

import csv
import os
import subprocess
import sys
import uuid

import nbformat
import pytest
import sqlalchemy
from catalogues import hostile
from nbgrader.api import Gradebook

from tinytorch.course import CAPSTONE
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.authoring.samples import CAPSTONE_STUDENTS, chain_submission
from tinytorch_tools.class_grading import grade_class
from tinytorch_tools.nbgrader_cli import environment, nbgrader
from tinytorch_tools.preprocessors.grading_execute import UNSANDBOXED
from tinytorch_tools.reports import class_report, timed_out, unsandboxed

ASSIGNMENTS = [a for a in ("01_tensor", "10_transformers") if a in classroom.assignments()]  # the first, the slowest
CHAINS = ["chain-complete", "chain-bug-layer-norm", "chain-missing-attention"]
CHAINS = CHAINS if CAPSTONE in classroom.assignments() else []


def first_bug(assignment):
    return next(bug for bug in samples.BUGS if bug.assignment == assignment)


def submit_class(course, assignments):
    """The reference and the blank release of every assignment, and one buggy student for each;
    students who submitted a whole chain, correct or broken, for the capstone."""
    for assignment in assignments:
        classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
        classroom.submit(course, "blank", assignment, samples.release_notebook(assignment))
        bug = first_bug(assignment)
        classroom.submit(course, bug.student, assignment, samples.buggy_notebook(bug))
    for student in CHAINS:
        for assignment, notebook in chain_submission(*CAPSTONE_STUDENTS[student]).items():
            classroom.submit(course, student, assignment, notebook)


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
    """A class graded by the command on a local cluster of four worker processes per core, many
    more than the machine can run at once; one student submitted a notebook that is not JSON:
    nbgrader fails on it, and on nothing else."""
    course = classroom.copy_course(tmp_path_factory.mktemp("class"))
    submit_class(course, ASSIGNMENTS)
    broken = course / "submitted" / "broken" / ASSIGNMENTS[0] / "tensor.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("this is not a notebook")
    chosen = ASSIGNMENTS + ([CAPSTONE] if CHAINS else [])
    result = grade_command(course, *chosen, "--workers", str(4 * os.cpu_count()))
    return course, result


def test_a_busy_machine_grades_as_stock_autograde_one_at_a_time(graded_class, scores, capstone_course):
    """A busy machine changes nothing: the heaviest module, the first and the capstone (a broken
    chain's blame included) get exactly the scores and messages stock nbgrader gave them one
    submission at a time."""
    course, result = graded_class
    graded = classroom.scores(course)
    students = {assignment: ["reference", "blank", first_bug(assignment).student] for assignment in ASSIGNMENTS}
    expected = {(student, a): scores[student, a] for a, some in students.items() for student in some}
    capstone = classroom.scores(capstone_course) if CHAINS else {}
    expected.update({(student, CAPSTONE): capstone[student, CAPSTONE] for student in CHAINS})
    assert {key: graded[key] for key in expected} == expected
    for student in CHAINS:
        assert classroom.autograded_errors(course, student, CAPSTONE) == classroom.autograded_errors(
            capstone_course, student, CAPSTONE
        )
    assert "submission/s]" in result.stderr  # the progress bar
    assert "warn" not in result.stderr.lower(), result.stderr[-3000:]  # nothing nobody can act on


def test_a_failed_submission_is_reported_and_stops_nothing_else(graded_class):
    course, result = graded_class
    assert result.returncode == 1, result.stderr[-3000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith(f"FAILED broken {ASSIGNMENTS[0]}: "), result.stdout
    assert not (course / "autograded" / "broken").exists()
    chain_notebooks = len(CHAINS) * (len(ASSIGNMENTS) + 1)  # their modules of ASSIGNMENTS, and the capstone
    assert len(list((course / "autograded").glob("*/*/*.ipynb"))) == 3 * len(ASSIGNMENTS) + chain_notebooks


def test_stock_nbgrader_commands_work_on_the_gradebook_afterwards(graded_class):
    course, _ = graded_class
    nbgrader("export", course=course)
    with open(course / "grades.csv") as file:
        rows = {(row["student_id"], row["assignment"]): float(row["raw_score"]) for row in csv.DictReader(file)}
    scores = classroom.scores(course)
    for key, grades in scores.items():
        assert rows[key] == sum(score for score, _ in grades.values()), key

    # Feedback waits for the written answers: refused, naming them; written once they are graded.
    assignment, student = ASSIGNMENTS[0], first_bug(ASSIGNMENTS[0]).student
    refused = nbgrader("generate_feedback", assignment, f"--student={student}", course=course, check=False)
    assert refused.returncode == 1 and "not graded yet: why_float64" in refused.stderr, refused.stderr[-2000:]
    assert not (course / "feedback" / student).exists()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("why_float64", "tensor", assignment, student)
        grade.manual_score, grade.needs_manual_grade = 1.0, False  # as the formgrader does
        gradebook.db.commit()
    feedback = nbgrader("generate_feedback", assignment, f"--student={student}", course=course, check=False)
    assert feedback.returncode == 0 and "WARNING" not in feedback.stderr, feedback.stderr[-2000:]
    assert "Score: 1.0 / 2.0" in (course / "feedback" / student / assignment / "tensor.html").read_text()


def grades(gradebook, assignment, student):
    return [grade for notebook in gradebook.find_submission(assignment, student).notebooks for grade in notebook.grades]


def test_a_rerun_regrades_only_resubmissions_and_keeps_manual_grades(graded_class):
    """Manual grades stay, and stay graded while the answer is the one graded: nbgrader would
    flag an unchanged answer for manual grading again at every regrade."""
    course, _ = graded_class
    assignment = ASSIGNMENTS[0]
    url = f"sqlite:///{course / 'gradebook.db'}"
    students = ["reference", "blank"]
    with Gradebook(url) as gradebook:
        for student in students:
            written = [grade for grade in grades(gradebook, assignment, student) if grade.cell.cell_type == "markdown"]
            assert written, "the module should have a manually graded written answer"
            for grade in written:
                grade.manual_score, grade.needs_manual_grade = grade.max_score, False  # as the formgrader does
        gradebook.db.commit()
        written = {grade.name for grade in written}
    autograded = {path: path.stat().st_mtime for path in (course / "autograded").glob("*/*/*.ipynb")}

    # Both resubmit, later than the first run graded them: the reference with the same answer,
    # the blank student with a new one.
    for student in students:
        resubmitted = course / "submitted" / student / assignment / "tensor.ipynb"
        notebook = nbformat.read(resubmitted, as_version=4)
        if student == "blank":
            for cell in notebook.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") in written:
                    cell.source = "float64 keeps 16 digits; float32 only 7."
        nbformat.write(notebook, resubmitted)
    outcome = grade_class(course, ASSIGNMENTS, students=students, workers=2, progress=False)

    assert outcome.exit_status == 0
    regraded = {path for path, mtime in autograded.items() if path.stat().st_mtime != mtime}
    assert regraded == {course / "autograded" / student / assignment / "tensor.ipynb" for student in students}
    with Gradebook(url) as gradebook:
        for student in students:
            for grade in grades(gradebook, assignment, student):
                if grade.name in written:
                    assert grade.manual_score == grade.max_score, (student, grade.name)
                    assert grade.needs_manual_grade == (student == "blank"), (student, grade.name)
        submission = gradebook.find_submission(assignment, "reference")
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
    html = class_report(course, tmp_path / "reports").read_text()
    section = html.split("<h3>Graded without the OS sandbox (1)</h3>")[1].split("<h3>")[0]
    assert f"<td>reference</td><td>{assignment}</td>" in section and "<p>none</p>" not in section

    outcome = grade_class(course, [assignment], students=["reference"], workers=1, force=True, progress=False)
    assert outcome.exit_status == 0
    assert not marker.exists() and unsandboxed(course) == []


def test_a_submission_out_of_time_is_graded_twice_then_reported_apart(tmp_path):
    """A timeout is never a silent zero: `grade` grades it once more, then its summary, its exit
    status and the report say which cell ran out of time; the grades are recorded."""
    course = classroom.copy_course(tmp_path / "course", cell_timeout=5)
    endless = next(h for h in hostile.HOSTILE if h.student == "hostile-infinite-loop")
    hostile.submit(course, endless)
    classroom.submit(course, "reference", hostile.ASSIGNMENT, samples.source_notebook(hostile.ASSIGNMENT))

    result = grade_command(course, "--workers", "2")

    assert result.returncode == 4, result.stdout + result.stderr[-3000:]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("TIMED OUT")]
    assert line.startswith(f"TIMED OUT {endless.student} {hostile.ASSIGNMENT} (graded twice"), line
    assert "cell test_exp_log ran longer than the grader's limit of 5 s" in line
    graded = classroom.scores(course)
    grades = graded[endless.student, hostile.ASSIGNMENT]
    assert {grade_id for grade_id, (score, top) in grades.items() if grade_id.startswith("test_") and score < top} == (
        endless.loses
    )
    assert list(timed_out(course)) == [(endless.student, hostile.ASSIGNMENT)]
    section = class_report(course, tmp_path / "reports").read_text().split("<h3>Ran out of time (1)</h3>")[1]
    assert f"<td>{endless.student}</td><td>{hostile.ASSIGNMENT}</td><td><pre>cell test_exp_log ran longer" in section


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

    course = classroom.copy_course(tmp_path / "course", db_url=postgres_url)
    assignment = ASSIGNMENTS[0]
    bug = first_bug(assignment)
    classroom.submit(course, "reference", assignment, samples.source_notebook(assignment))
    classroom.submit(course, bug.student, assignment, samples.buggy_notebook(bug))

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        outcome = grade_class(course, scheduler=cluster.scheduler_address, progress=False)

    assert outcome.exit_status == 0
    assert not (course / "gradebook.db").exists()
    graded = classroom.scores(course, db_url=postgres_url)
    assert graded == {key: scores[key] for key in graded}
    assert set(graded) == {("reference", assignment), (bug.student, assignment)}
    nbgrader("export", course=course)  # stock nbgrader reads the db_url of nbgrader_config.py
    assert "reference" in (course / "grades.csv").read_text()
    html = class_report(course, tmp_path / "reports").read_text()  # so does the report
    assert "<p>2 students, " in html and "gradebook postgresql://" in html and bug.student in html
    assert not (course / "gradebook.db").exists()
