"""A README command is a promise: the instructor's term, run line by line exactly as the README
writes it, on a scratch copy of the course with an nbgrader exchange and two students."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import nbformat
import pytest
from nbgrader.api import Gradebook

from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring import samples
from tinytorch_tools.nbgrader_cli import environment

ASSIGNMENT = "01_tensor"
STUDENTS = {"alice": None, "bob": samples.BUGS[0]}  # the reference solution, and a bug of 01_tensor


def readme_block(heading):
    """The command lines of the first bash block after `heading` in the README, comments cut."""
    text = (paths.ROOT / "README.md").read_text().split(heading, 1)[1]
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines() if line.strip()]


TERM = readme_block("### The term, step by step")
STOCK = readme_block("### Stock nbgrader commands")

# What no one running a README command can act on: a library's Python warning (SQLAlchemy's SAWarning, a
# DeprecationWarning, ... as the warnings module prints them) or a warning about the kernels' transport.
UNACTIONABLE = re.compile(r"SAWarning|DeprecationWarning|^\S+:\d+: \w*Warning: |WARNING.*\btransport\b", re.MULTILINE)


def assert_quiet(line, output):
    found = UNACTIONABLE.search(output)
    assert not found, f"`{line}` printed a warning no one can act on:\n{output[max(0, found.start() - 500) :][:3000]}"


def run(line, course, env):
    result = subprocess.run(line, shell=True, cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{line}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    assert_quiet(line, result.stdout + result.stderr)
    return result


def open_formgrader(line, course, env):
    """Start the README's Jupyter command; the formgrader's page and its list of assignments
    (what the page shows, from the gradebook); stop it."""
    server = subprocess.Popen(
        line, shell=True, cwd=course, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline, address, printed = time.monotonic() + 120, None, ""
        while address is None and time.monotonic() < deadline:
            printed += server.stderr.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/)\S*\?token=(\w+)", printed)
            address = found and (found.group(1), found.group(2))
        assert address, f"`{line}` printed no address"
        assert_quiet(line, printed)
        while True:  # it prints its address a moment before it listens
            try:
                return [fetch(f"{address[0]}{page}?token={address[1]}") for page in FORMGRADER]
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    finally:  # the shell and the server it started
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


FORMGRADER = ["formgrader", "formgrader/api/assignments"]


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as page:
        assert page.status == 200, url
        return page.read().decode()


def grade_answers_by_hand(course):
    """What the instructor does in the formgrader: a score for every written answer."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.auto_score is None:
                        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gradebook.db.commit()


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The course, an exchange, the class list, and what each student submitted with nbgrader."""
    return scratch_course(tmp_path_factory.mktemp("term"))


def scratch_course(root):
    course = classroom.copy_course(root / "course")
    (course / "gradebook.db").unlink()  # the term starts as an instructor's: nbgrader makes its gradebook
    shutil.copytree(paths.RELEASE, course / "release")
    exchange = root / "exchange"
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    rows = "".join(f"{student},{student.title()},Student,{student}@example.org\n" for student in STUDENTS)
    (course / "students.csv").write_text("id,first_name,last_name,email\n" + rows)
    jupyter = root / "jupyter"  # a server that may run as root (CI) and opens no browser
    jupyter.mkdir()
    settings = "c.ServerApp.allow_root = True\nc.ServerApp.open_browser = False\n"
    (jupyter / "jupyter_server_config.py").write_text(settings)
    env = dict(environment(), JUPYTER_CONFIG_DIR=str(jupyter))
    return root, course, env


def submit(root, env, student, bug):
    """The student's completed notebook, submitted with `nbgrader submit` (what the exchange collects)."""
    folder = root / student
    path = classroom.notebook_in(folder, ASSIGNMENT)
    path.parent.mkdir(parents=True)
    nbformat.write(samples.buggy_notebook(bug) if bug else samples.source_notebook(ASSIGNMENT), path)
    exchange = root / "exchange"
    run(f"nbgrader submit {ASSIGNMENT} --course tinytorch --student {student} --Exchange.root={exchange}", folder, env)


def test_the_instructors_term_runs_as_the_readme_writes_it(term):
    root, course, env = term
    assert TERM[0].startswith("nbgrader db student import") and TERM[-1].startswith("python -m tinytorch_tools report")
    for line in TERM:
        if line.startswith("nbgrader collect"):
            for student, bug in STUDENTS.items():
                submit(root, env, student, bug)
        if line == "jupyter lab":
            page, assignments = open_formgrader(line, course, env)
            assert "formgrader" in page, page[:2000]
            shown = {assignment["name"]: assignment for assignment in json.loads(assignments)}
            assert shown[ASSIGNMENT]["num_submissions"] == len(STUDENTS), shown[ASSIGNMENT]
            grade_answers_by_hand(course)
            continue
        run(line, course, env)

    scores = classroom.scores(course)
    bug = STUDENTS["bob"]
    lost = {grade_id for grade_id, (score, top) in scores["bob", ASSIGNMENT].items() if score < top}
    assert lost == set(bug.loses) | {"why_float64"}  # 1 of 2 points by hand
    for student in STUDENTS:
        assert (course / "feedback" / student / ASSIGNMENT / "tensor.html").exists(), student
    assert "2 students" in (course / "reports" / "class_report.html").read_text()
    with open(course / "reports" / "grades.csv") as file:
        rows = [row for row in csv.DictReader(file) if row["assignment"] == ASSIGNMENT]
    assert sorted(row["student_id"] for row in rows) == sorted(STUDENTS)
    assert all(row["timestamp"] for row in rows), rows  # when each submitted, from nbgrader collect


def test_the_stock_nbgrader_commands_run_as_the_readme_writes_them(tmp_path):
    """The README's stock commands on a course whose submissions are new to the gradebook (what makes
    nbgrader's autograde add them), with the answers graded by hand before the feedback."""
    _, course, env = scratch_course(tmp_path)
    for student, bug in STUDENTS.items():
        classroom.submit(
            course, student, ASSIGNMENT, samples.buggy_notebook(bug) if bug else samples.source_notebook(ASSIGNMENT)
        )
    assert "nbgrader autograde 01_tensor" in STOCK  # what adds the submissions to the gradebook
    for line in STOCK:
        if line == "jupyter lab":  # the term opens it
            grade_answers_by_hand(course)
            continue
        run(line, course, env)
    assert set(classroom.scores(course)) == {(student, ASSIGNMENT) for student in STUDENTS}
    assert (course / "grades.csv").exists()
