"""Submission and broken submissions, graded with stock nbgrader in one class with a
normal student and one whose manual grade is already in the gradebook."""

import compileall
import hashlib
import importlib.util
import json
import socket
import sqlite3
import subprocess
import sys

import nbformat
import pytest
from catalogues import hostile
from catalogues.hostile import ASSIGNMENT, ATTACKS, HOSTILE
from nbgrader.api import Gradebook

from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring import samples
from tinytorch_tools.nbgrader_cli import nbgrader
from tinytorch_tools.preprocessors.grading_execute import TIMED_OUT, UNSANDBOXED
from tinytorch_tools.sandbox import bubblewrap

pytestmark = pytest.mark.skipif(ASSIGNMENT not in classroom.assignments(), reason="01_tensor is not graded")
NORMAL = ["reference", "manual-grade"]
ANYWAY = ["--RefuseUngradedAnswers.enabled=False"]  # feedback before the written answers are graded
MANUAL_SCORE = 1.5


def autograded_tests(grades):
    return {grade_id: score for grade_id, score in grades.items() if grade_id.startswith("test_")}


def fingerprint(folder, skip=()):
    """{path: sha256} of every file under `folder`, but for the top-level entries in `skip`."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in skip
    }


def outside_the_submissions(course):
    """What no submission may change: the course (but what nbgrader writes) and the installed kit,
    its bytecode compiled first (the grader's own Python would write a missing .pyc while grading)."""
    compileall.compile_dir(paths.ROOT / "tinytorch", quiet=1)
    return fingerprint(course, skip={"autograded", "gradebook.db", "feedback"}), fingerprint(paths.ROOT / "tinytorch")


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, shared_courses):
    course = shared_courses.new_course(tmp_path_factory.mktemp("hostile"), ASSIGNMENT, cell_timeout=10)
    for student in NORMAL:
        classroom.submit(course, student, ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
    first = classroom.autograde(course, ASSIGNMENT)
    assert first.returncode == 0, first.stderr[-3000:]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("why_float64", "tensor", ASSIGNMENT, "manual-grade")
        grade.manual_score, grade.needs_manual_grade = MANUAL_SCORE, False  # as the formgrader does
        gradebook.db.commit()
    before = classroom.scores(course)
    with socket.create_server(("127.0.0.1", 0)) as listener:  # a service of the grading machine
        for submission in HOSTILE:
            hostile.submit(course, submission, port=listener.getsockname()[1])
        untouched = outside_the_submissions(course)
        result = classroom.autograde(course, ASSIGNMENT)
    assert outside_the_submissions(course) == untouched, "a submission changed files outside its own"
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
    assert failed == {h.student for h in HOSTILE if h.graded is False and hostile.build(h, course, 1) is not None}, (
        failed
    )


def test_no_hostile_submission_touched_other_students_files(hostile_class):
    course, *_ = hostile_class
    for folder in ("submitted", "autograded"):
        notebook = nbformat.read(course / folder / "reference" / ASSIGNMENT / "tensor.ipynb", as_version=4)
        nbformat.validate(notebook)


def autograded_outputs(course, student):
    """Every output of the student's autograded notebook, as JSON text ("" if there is none)."""
    path = course / "autograded" / student / ASSIGNMENT / "tensor.ipynb"
    return json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]]) if path.exists() else ""


def reason_shown(course, result, submission):
    return submission.reason in autograded_outputs(course, submission.student) or submission.reason in result.stderr


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
    from html import escape

    from tinytorch_tools.reports import AGAIN, class_report, score_table

    course, *_ = hostile_class
    html = class_report(course, tmp_path).read_text()
    most_failed = html.split('<section id="failures">')[1].split("</tr>")[1]  # the first test's row
    assert "test_exp_log" in most_failed, most_failed
    manual = html.split('<section id="manual">')[1].split("</section>")[0]
    assert "01_tensor: why_float64" in manual and "reference" in manual
    # Stock `nbgrader autograde` flags an answer graded by hand again, and the formgrader shows it: so does the report.
    assert f"manual-grade{escape(AGAIN)}" in manual
    assert "grading guide (2 points)" in manual and "relative precision of about 1e-7" in manual, manual[:2000]
    endless = next(line for line in score_table(course).splitlines() if line.startswith("hostile-infinite-loop "))
    student, module, score, failed = endless.split(maxsplit=3)
    assert module == ASSIGNMENT and set(failed.split(", ")) == hostile.FROM_EXP, endless
    grades = (tmp_path / "grades.csv").read_text()
    assert all(f",{student}," in grades for student in NORMAL + ["hostile-crash"])


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_way_out_of_the_sandbox_is_blocked(hostile_class, attack):
    course, *_ = hostile_class
    outputs = autograded_outputs(course, "hostile-escapes")
    assert f"attack {attack}: blocked" in outputs, f"{attack!r} was not blocked"
    line = outputs.split(f"attack {attack}: blocked")[1].split(")")[0]
    assert not any(mistake in line for mistake in ("NameError", "TypeError", "SyntaxError")), f"{attack}: {line}"


def test_no_sandboxed_process_loads_the_debugger():
    """debugpy is installed (JupyterLab's debugger), yet a sandbox sees an empty folder in its place:
    the harness kernel does not import it (0.15 s a notebook), and nothing there can be debugged."""
    assert importlib.util.find_spec("debugpy"), "debugpy is in the lock: installed for JupyterLab's debugger"
    probe = "import ipykernel.debugger as d, importlib.util as u\n"
    probe += "print(d._is_debugpy_available, u.find_spec('debugpy.server'))"
    command = bubblewrap.bwrap_command([sys.executable, "-c", probe], paths.ROOT / "tests", bubblewrap.Limits())
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "None"], result.stdout + result.stderr


def test_every_output_channel_is_capped(hostile_class):
    course, *_ = hostile_class
    for student in ("hostile-huge-error", "hostile-display-updates", "hostile-huge-output"):
        size = (course / "autograded" / student / ASSIGNMENT / "tensor.ipynb").stat().st_size
        assert size < 3_000_000, f"{student}: the autograded notebook has {size} bytes"


def test_student_html_is_inert_in_the_formgrader_and_the_feedback(hostile_class):
    course, *_ = hostile_class
    result = nbgrader("generate_feedback", ASSIGNMENT, "--student=hostile-scripts", *ANYWAY, course=course, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    feedback = (course / "feedback" / "hostile-scripts" / ASSIGNMENT / "tensor.html").read_text()
    notebook = nbformat.read(course / "autograded" / "hostile-scripts" / ASSIGNMENT / "tensor.ipynb", as_version=4)
    answers = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    outputs = json.dumps([c.get("outputs", []) for c in notebook.cells])  # (the code itself is not HTML)
    for shown in (feedback, outputs, *answers):
        assert "<script>alert" not in shown and "<img src=x onerror" not in shown
    assert "Because of precision." in feedback


def test_under_grade_too_no_way_out_and_nothing_outside_changes(tmp_path, shared_courses):
    """The same escapes, graded by `python -m tinytorch_tools grade` on a dask worker."""
    from tinytorch_tools.class_grading import grade_class

    course = shared_courses.new_course(tmp_path / "course", ASSIGNMENT)  # release/ exists before
    classroom.submit(course, "reference", ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
    escapes = next(h for h in HOSTILE if h.student == "hostile-escapes")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        hostile.submit(course, escapes, port=listener.getsockname()[1])
        untouched = outside_the_submissions(course)
        assert grade_class(course, [ASSIGNMENT], workers=1, progress=False).exit_status == 0
    assert outside_the_submissions(course) == untouched
    outputs = autograded_outputs(course, "hostile-escapes")
    assert all(f"attack {attack}: blocked" in outputs for attack in ATTACKS), outputs[:3000]
    scores = classroom.scores(course)
    for student in ("reference", "hostile-escapes"):
        grades = autograded_tests(scores[student, ASSIGNMENT])
        assert all(score == maximum for score, maximum in grades.values()), (student, grades)


def test_a_timeout_names_its_cell_and_only_the_grader_marks_it(hostile_class):
    course, *_ = hostile_class
    marked = {path.parent.parent.name: path.read_text() for path in (course / "autograded").glob(f"*/*/{TIMED_OUT}")}
    assert set(marked) == {"hostile-infinite-loop", "hostile-unstoppable-loop"}, marked
    assert marked["hostile-infinite-loop"].startswith("cell test_exp_log ran longer than the grader's limit of 10 s")
    assert not list((course / "autograded").glob(f"*/*/{UNSANDBOXED}")), "a submitted marker was kept"
    result = nbgrader(
        "generate_feedback", ASSIGNMENT, "--student=hostile-infinite-loop", *ANYWAY, course=course, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    feedback = (course / "feedback" / "hostile-infinite-loop" / ASSIGNMENT / "tensor.html").read_text()
    assert "cell test_exp_log ran longer than the grader" in feedback
