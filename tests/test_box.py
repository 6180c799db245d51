"""One box per graded notebook: the hostile submissions of tests/catalogues/box.py, graded with
stock nbgrader in a class with a small box, lose the tests from their cell on and say why; the
reference keeps every point; `grade` treats a stopped box as a timeout; no box is left behind.
The box itself, on the OS kernel: its CPU rate, the boxes of a grader that died, the refusal."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from catalogues import box
from catalogues.box import ASSIGNMENT, SUBMISSIONS

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.nbgrader_cli import nbgrader
from tinytorch_tools.preprocessors.grading_execute import OVER_BUDGET, TIMED_OUT
from tinytorch_tools.sandbox.box import PREFIX, Box, Budget, hierarchy, unavailable_reason

pytestmark = pytest.mark.skipif(ASSIGNMENT not in classroom.assignments(), reason="01_tensor is not graded")


def boxes():
    """The boxes that exist now, in every controller."""
    return sorted(str(path) for parent in hierarchy().folders.values() for path in parent.glob(f"{PREFIX}*"))


def left_behind(before):
    """The boxes made since `before` whose grader has ended (a box is named after its grader's pid):
    a box of a grading still running elsewhere (the other test worker) is not left behind."""
    return [path for path in sorted(set(boxes()) - set(before)) if not grader_alive(path)]


def grader_alive(path):
    pid = int(Path(path).name.removeprefix(PREFIX).split("-")[0])
    return Path(f"/proc/{pid}").exists()


@pytest.fixture(scope="module")
def boxed_class(tmp_path_factory, shared_courses):
    course = shared_courses.new_course(tmp_path_factory.mktemp("box"), ASSIGNMENT)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(box.CONFIGURATION)
    classroom.submit(course, "reference", ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
    for submission in SUBMISSIONS:
        box.submit(course, submission)
    before = boxes()
    result = classroom.autograde(course, ASSIGNMENT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not left_behind(before), "a box was left behind"
    return course, classroom.scores(course)


def lost(scores, student):
    grades = scores[student, ASSIGNMENT].items()
    return {grade_id for grade_id, (score, maximum) in grades if grade_id.startswith("test_") and score < maximum}


def marker(course, student):
    """What GradingExecute recorded in the student's autograded folder about time and budgets."""
    folder = course / "autograded" / student / ASSIGNMENT
    return "".join((folder / name).read_text() for name in (TIMED_OUT, OVER_BUDGET) if (folder / name).exists())


def test_the_reference_keeps_every_point_in_a_small_box(boxed_class):
    course, scores = boxed_class
    assert lost(scores, "reference") == set()
    assert marker(course, "reference") == ""


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=lambda s: s.student)
def test_a_submission_over_its_box_loses_the_tests_from_that_cell_on(boxed_class, submission):
    course, scores = boxed_class
    assert lost(scores, submission.student) == submission.loses, submission.description
    outputs = json.dumps([output for _, output in classroom.autograded_outputs(course, submission.student, ASSIGNMENT)])
    assert submission.reason in outputs, f"{submission.reason!r} is not in the autograded notebook"
    if submission.loses:
        assert submission.reason in marker(course, submission.student)
    else:
        assert marker(course, submission.student) == "", "a submitted marker was kept, or one was made"


def test_the_output_of_a_notebook_is_bounded_in_the_autograded_notebook_and_the_feedback(boxed_class):
    course, _ = boxed_class
    anyway = "--RefuseUngradedAnswers.enabled=False"
    for student in ("reference", "box-loud-cells"):
        result = nbgrader("generate_feedback", ASSIGNMENT, f"--student={student}", anyway, course=course, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
    sizes = {}
    for student in ("reference", "box-loud-cells"):
        notebook = classroom.notebook_in(course / "autograded" / student, ASSIGNMENT)
        feedback = (course / "feedback" / student / ASSIGNMENT / notebook.name).with_suffix(".html")
        sizes[student] = (notebook.stat().st_size, feedback.stat().st_size)
    printed = 30 * box.MAX_OUTPUT
    for reference, loud in zip(sizes["reference"], sizes["box-loud-cells"], strict=True):
        assert loud - reference < box.MAX_NOTEBOOK_OUTPUT + printed / 10, sizes


def test_grade_treats_a_stopped_box_as_a_timeout(tmp_path):
    """`grade` grades it twice (a busy machine could be the cause), records it and lists it apart."""
    from tinytorch_tools.class_grading import grade_class
    from tinytorch_tools.reports import timed_out

    course = classroom.copy_course(tmp_path / "course")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(box.CONFIGURATION)
    bomb = next(s for s in SUBMISSIONS if s.student == "box-fork-bomb")
    box.submit(course, bomb)
    outcome = grade_class(course, [ASSIGNMENT], workers=1, progress=False)
    assert outcome.exit_status == 4, outcome
    assert bomb.reason in outcome.timed_out[bomb.student, ASSIGNMENT]
    assert bomb.reason in timed_out(course)[bomb.student, ASSIGNMENT]
    assert lost(classroom.scores(course), bomb.student) == bomb.loses


def test_the_box_holds_its_processes_to_its_cpu_rate():
    """Two processes that spin for two seconds get a twentieth of a core together (without the
    rate they get far more, even on a busy machine)."""
    spin = "import os, time\nos.fork()\nend = time.monotonic() + 2\nwhile time.monotonic() < end:\n    pass"
    with Box(Budget(cpus=0.05)) as limited:
        started = time.monotonic()
        subprocess.run([*limited.enter_command(), sys.executable, "-c", spin], check=True)
        wall = time.monotonic() - started
        _, _, cpu_seconds = limited.hierarchy.counters()
    assert cpu_seconds < 0.05 * wall + 0.05, (cpu_seconds, wall)


def test_the_processes_of_a_box_of_one_core_share_a_core():
    """The two processes of a notebook take turns (the harness waits while the student process
    answers): on one core, each answer wakes the other without crossing cores. A box of more than a
    core's rate keeps every core of its grader."""
    # One write each (an atomic pipe write): print's text and newline can interleave across processes.
    show = "import os\nos.fork()\nos.write(1, f'{sorted(os.sched_getaffinity(0))}\\n'.encode())"
    cores = {}
    for rate in (1.0, 2.0):
        with Box(Budget(cpus=rate)) as boxed:
            run = subprocess.run([*boxed.enter_command(), sys.executable, "-c", show], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        cores[rate] = set(run.stdout.splitlines())
    assert len(cores[1.0]) == 1 and len(json.loads(cores[1.0].pop())) == 1, cores
    assert cores[2.0] == {str(sorted(os.sched_getaffinity(0)))}, cores


def test_the_boxes_of_a_grader_that_died_are_removed():
    grader = subprocess.Popen(
        [sys.executable, "-c", "from tinytorch_tools.sandbox.box import *\nBox(Budget()).__enter__()\ninput()"],
        stdin=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not [name for name in boxes() if f"{PREFIX}{grader.pid}-" in name]:
        assert time.monotonic() < deadline, "the grader made no box"
        time.sleep(0.1)
    os.kill(grader.pid, signal.SIGKILL)
    grader.wait()
    with Box(Budget()):
        pass
    assert not [name for name in boxes() if f"{PREFIX}{grader.pid}-" in name]


def test_without_cgroups_grading_refuses_and_says_what_to_do(tmp_path):
    reason = unavailable_reason(tmp_path)
    assert "cgroup v1" in reason and "grade as root" in reason, reason
