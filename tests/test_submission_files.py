"""A submission is data: the file attacks of tests/catalogues/files.py, read directly, through stock
`nbgrader autograde` and `generate_feedback`, through `python -m tinytorch_tools grade`, and in
the capstone's chain; plus what else a student controls: the hand-in time and the student id."""

import csv
import datetime
import os
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from catalogues import files
from catalogues.files import ASSIGNMENT, ATTACKS, NOTEBOOK, VICTIM
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from tinytorch.course import CAPSTONE
from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring import samples
from tinytorch_tools.nbgrader_cli import environment, nbgrader
from tinytorch_tools.sandbox.handin import hand_in_for
from tinytorch_tools.submission_files import REFUSED, Refused, check_id, check_notebooks, quoted, read_submission

pytestmark = pytest.mark.skipif(ASSIGNMENT not in classroom.assignments(), reason="01_tensor is not graded")
LATE = "late"  # an honest student who handed in a day after the due date
DUE, A_DAY_LATE = "2026-01-01 00:00:00 UTC", "2026-01-02 00:00:00.000000 UTC"
FOLDER_IDS = ["eve,0,22", "eve\nALL SUBMISSIONS GRADED, NONE FAILED", "eve\x1b[2J", "eve\u202egnp.exe"]
HOSTILE_IDS = ["eve,0,22", 'eve"', "eve\nALL SUBMISSIONS GRADED", "eve\x1b[2J", "eve\u202egnp.exe", "..", "a/b"]


def course_with_attacks(folder, shared_courses, attacks=ATTACKS):
    """A course with 01_tensor due on DUE (late work scores zero), an honest student, a late one
    and the attacks; the gradebook's bytes are returned, to look for them where they must not be."""
    course = shared_courses.new_course(folder, ASSIGNMENT, cell_timeout=10)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    nbgrader("db", "assignment", "add", ASSIGNMENT, f"--duedate={DUE}", course=course)
    files.submit_honest(course)
    late = classroom.submit(course, LATE, ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
    (late.parent / "timestamp.txt").write_text(A_DAY_LATE)
    for attack in attacks:
        files.submit(course, attack)
    return course


def autograded_scores(scores, student):
    """[(score, max_score)] of the autograded tests of the student's 01_tensor."""
    return [points for grade_id, points in scores[student, ASSIGNMENT].items() if grade_id.startswith("test_")]


def late_penalty(course, student=LATE):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission(ASSIGNMENT, student).late_submission_penalty


def leaked(course, folder):
    """Files under course/folder holding the gradebook or the instructor's notebook."""
    secrets = {(course / "gradebook.db").read_bytes()[:4096], (course / "source" / ASSIGNMENT / NOTEBOOK).read_bytes()}
    return [
        path
        for path in (course / folder).rglob("*")
        if path.is_file() and any(secret in path.read_bytes() for secret in secrets if secret)
    ]


# Reading a submission


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.student)
def test_each_attack_is_refused_with_its_reason(tmp_path, attack):
    course = tmp_path
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "source" / ASSIGNMENT / NOTEBOOK).write_text("{}")
    (course / "gradebook.db").write_text("the gradebook")
    files.submit_honest(course)
    files.submit(course, attack)
    with pytest.raises(Refused, match=attack.reason):
        check_notebooks(read_submission(course, attack.student, ASSIGNMENT))
    assert set(read_submission(course, VICTIM, ASSIGNMENT)) == {NOTEBOOK}


def test_a_student_folder_that_is_a_link_is_refused(tmp_path):
    files.submit_honest(tmp_path)
    os.symlink(VICTIM, tmp_path / "submitted" / "copier")
    with pytest.raises(Refused, match="a symbolic link"):
        read_submission(tmp_path, "copier", ASSIGNMENT)


def test_a_link_swapped_in_while_reading_never_redirects_the_read(tmp_path):
    """A file replaced by a link to a secret and back, again and again, while the submission is
    read: each read gets the student's bytes or a refusal, never the secret."""
    files.submit_honest(tmp_path)
    secret, swapped = tmp_path / "secret.txt", tmp_path / "submitted" / VICTIM / ASSIGNMENT / "notes.txt"
    secret.write_text("SECRET")
    swapped.write_text("mine")
    stop = threading.Event()

    def swap():
        while not stop.is_set():
            os.symlink(secret, tmp_path / "link")
            os.replace(tmp_path / "link", swapped)
            time.sleep(0.0005)
            (tmp_path / "file").write_text("mine")
            os.replace(tmp_path / "file", swapped)
            time.sleep(0.0005)

    swapper = threading.Thread(target=swap)
    swapper.start()
    outcomes = []
    try:
        for _ in range(300):
            try:
                outcomes.append(read_submission(tmp_path, VICTIM, ASSIGNMENT)["notes.txt"])
            except Refused as error:
                outcomes.append(str(error))
    finally:
        stop.set()
        swapper.join()
    assert all(outcome == b"mine" or isinstance(outcome, str) for outcome in outcomes), set(outcomes)
    assert "'notes.txt' is a symbolic link" in outcomes and b"mine" in outcomes, "the swap was not seen both ways"


@pytest.mark.parametrize("student", HOSTILE_IDS, ids=ascii)
def test_a_student_id_that_could_forge_a_row_a_line_or_a_path_is_refused_and_shown_quoted(student):
    with pytest.raises(Refused) as refused:
        check_id("student", student)
    for shown in (str(refused.value), quoted(student)):
        assert shown.isascii() and shown.isprintable(), shown
    assert quoted(student) == ascii(student) and quoted("alice.b-2@x") == "alice.b-2@x"


# Stock nbgrader


@pytest.fixture(scope="module")
def stock_class(tmp_path_factory, shared_courses):
    course = course_with_attacks(tmp_path_factory.mktemp("files-stock"), shared_courses)
    gradebook_before = (course / "gradebook.db").stat().st_size
    result = nbgrader("autograde", ASSIGNMENT, "--create", "--force", course=course, check=False, timeout=900)
    os.symlink(course / "gradebook.db", course / "autograded" / LATE / ASSIGNMENT / "notes.txt")  # tampered with
    feedback = nbgrader(
        "generate_feedback", ASSIGNMENT, "--force", "--RefuseUngradedAnswers.enabled=False", course=course, check=False
    )
    assert gradebook_before
    return course, result, feedback


def test_stock_autograde_refuses_each_attack_and_grades_the_others(stock_class):
    course, result, _ = stock_class
    assert result.returncode == 0, result.stderr[-3000:]
    scores = classroom.scores(course)
    for student in (VICTIM, LATE):
        assert all(score == maximum for score, maximum in autograded_scores(scores, student)), student
    for attack in ATTACKS:
        assert all(score == 0 for score, _ in scores[attack.student, ASSIGNMENT].values()), attack.student
        reason = (course / "autograded" / attack.student / ASSIGNMENT / REFUSED).read_text()
        assert attack.reason in reason and attack.reason in result.stderr, attack.student
        assert (course / "refused" / attack.student / ASSIGNMENT / REFUSED).exists()


def test_stock_autograde_reads_copies_and_hands_back_nothing_outside_a_submission(stock_class):
    course, _, feedback = stock_class
    assert f"NO FEEDBACK for {LATE} {ASSIGNMENT}: its autograded folder was refused" in feedback.stderr
    assert (course / "feedback" / VICTIM / ASSIGNMENT / "tensor.html").exists(), feedback.stderr[-3000:]
    assert leaked(course, "autograded") == [] and leaked(course, "feedback") == []
    assert nbformat.read(course / "submitted" / VICTIM / ASSIGNMENT / NOTEBOOK, as_version=4).cells


# python -m tinytorch_tools grade


@pytest.fixture(scope="module")
def graded_with_grade(tmp_path_factory, shared_courses):
    course = course_with_attacks(tmp_path_factory.mktemp("files-grade"), shared_courses)
    for student in FOLDER_IDS:
        files.submit_honest(course, student)
    result = subprocess.run(
        [sys.executable, "-m", "tinytorch_tools", "grade", "--workers", "1"],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    return course, result


def test_grade_refuses_each_attack_and_keeps_the_late_penalty_of_stock_nbgrader(graded_with_grade, stock_class):
    course, result = graded_with_grade
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    scores = classroom.scores(course)
    assert all(score == maximum for score, maximum in autograded_scores(scores, VICTIM))
    for attack in ATTACKS:
        assert all(score == 0 for score, _ in scores[attack.student, ASSIGNMENT].values()), attack.student
        assert attack.reason in (course / "autograded" / attack.student / ASSIGNMENT / REFUSED).read_text()
        assert f"REFUSED {attack.student} {ASSIGNMENT}" in result.stdout
    assert leaked(course, "autograded") == []
    stock_course, *_ = stock_class
    assert late_penalty(course) == late_penalty(stock_course) > 0


def test_grade_refuses_hostile_student_ids_shows_them_quoted_and_writes_them_nowhere(graded_with_grade):
    course, result = graded_with_grade
    for student in FOLDER_IDS:
        assert f"REFUSED {ascii(student)} {ASSIGNMENT}" in result.stdout
        assert not (course / "autograded" / student).exists()
    assert not any(line.startswith("ALL SUBMISSIONS") for line in result.stdout.splitlines())
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert not set(FOLDER_IDS) & {student for student, _ in classroom.scores(course)}


# The capstone's chain


@pytest.mark.skipif(CAPSTONE not in classroom.assignments(), reason="no capstone")
def test_the_capstone_never_reads_an_earlier_module_through_a_link(tmp_path):
    """The copier's 01_tensor is a link to another student's: the chain says it was refused."""
    files.submit_honest(tmp_path, "victim")
    copied = tmp_path / "submitted" / "copier" / ASSIGNMENT / NOTEBOOK
    copied.parent.mkdir(parents=True)
    os.symlink(tmp_path / "submitted" / "victim" / ASSIGNMENT / NOTEBOOK, copied)
    (tmp_path / "tinytorch_ref").symlink_to(paths.REFERENCE)
    chain = hand_in_for(tmp_path, "copier", CAPSTONE, nbformat.v4.new_notebook(), 1000)["chain"]
    assert "refused" in chain["tensor"]["error"] and "cells" not in chain["tensor"], chain["tensor"]


# Grades leave quoted


def test_exported_grades_quote_every_student_id(tmp_path):
    course = classroom.copy_course(tmp_path)
    nbgrader("db", "assignment", "add", ASSIGNMENT, course=course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in HOSTILE_IDS:
            gradebook.update_or_create_student(student)
    nbgrader("export", "--to=grades.csv", course=course)
    with open(course / "grades.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted(row["student_id"] for row in rows) == sorted(HOSTILE_IDS)
    assert all(row["score"] == "0.0" for row in rows)


# The hand-in time


def forged_submission(tmp_path, shared_courses, *collect_options):
    """A student hands in 01_tensor through the file-system exchange with `nbgrader submit`,
    claiming (--Exchange.timestamp_format) to have done it in 2020; the instructor collects it.
    Returns the collected timestamp.txt and collect's log."""
    course, exchange, student = tmp_path / "course", tmp_path / "exchange", tmp_path / "student"
    shared_courses.new_course(course, ASSIGNMENT)
    exchange.mkdir(mode=0o777)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    nbgrader("release_assignment", ASSIGNMENT, course=course)
    classroom.notebook_in(student, ASSIGNMENT).parent.mkdir(parents=True)
    nbformat.write(samples.source_notebook(ASSIGNMENT), classroom.notebook_in(student, ASSIGNMENT))
    forged = ["--Exchange.timestamp_format=2020-01-01 00:00:00 UTC", f"--Exchange.root={exchange}"]
    forged.append(f"--Exchange.cache={tmp_path / 'cache'}")  # the student's own record of submissions
    nbgrader("submit", ASSIGNMENT, "--course=tinytorch", *forged, course=student)
    collected = nbgrader("collect", ASSIGNMENT, *collect_options, course=course)
    [timestamp] = (course / "submitted").glob(f"*/{ASSIGNMENT}/timestamp.txt")
    return timestamp.read_text(), collected.stderr


def test_a_forged_hand_in_time_is_flagged_and_not_used(tmp_path, shared_courses):
    timestamp, log = forged_submission(tmp_path, shared_courses)
    assert "claims it was handed in at 2020-01-01 00:00:00" in log, log
    counted = parse_utc(timestamp)
    assert abs(counted - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)) < datetime.timedelta(minutes=5)
