"""The class report's sample class and the attacks on the report itself: what students leave in
their folders that the report reads (submitted notebooks for the similarity check, error messages
of autograded notebooks) and must treat as data. Graded by tests/test_dashboard.py."""

import os
import subprocess
import sys

from tinytorch_tools import classroom
from tinytorch_tools.authoring import alternative_solutions, samples
from tinytorch_tools.nbgrader_cli import environment

ASSIGNMENT = samples.SIMILARITY_ASSIGNMENT  # 06_losses
BUG = "bug-mse-not-averaged"
FEEDBACK_FOR = "reference"  # the one student whose feedback is generated
EMAILS = {"reference": "ref@example.org", "copy-original": "orig@example.org"}  # in the class list
# HTML a student puts in their code and in an exception message: inert wherever the report shows it.
SCRIPT = "</pre><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
HTML_STUDENT = "html-tags"
HTML_SOLUTIONS = dict(
    alternative_solutions.COPIED,
    mse_loss=[f"        # {SCRIPT}\n        raise ValueError({SCRIPT!r})\n"],
)
SYMLINK = "symlink-to-classmate"  # its notebook is a symlink to copy-original's: read, it would be "copied"
FIFO = "fifo-notebook"  # its notebook is a FIFO: read, it would stall the report
COPIERS = {*samples.COPIED_PAIR, HTML_STUDENT}  # HTML_STUDENT hands in the copied code too


def submit_class(course):
    """The honest students, the planted copies and the HTML student, submitted to be graded."""
    submissions = {
        "reference": samples.source_notebook(ASSIGNMENT),
        "blank": samples.release_notebook(ASSIGNMENT),
        BUG: samples.buggy_notebook(samples.bug(BUG)),
        **samples.similarity_students(),
        HTML_STUDENT: samples.with_solutions(samples.source_notebook(ASSIGNMENT), HTML_SOLUTIONS),
    }
    for student, notebook in submissions.items():
        classroom.submit(course, student, ASSIGNMENT, notebook)
    return sorted(submissions)


def plant_hostile_files(course):
    """After grading: a symlink to a classmate's notebook and a FIFO, where notebooks should be."""
    original = classroom.notebook_in(course / "submitted" / samples.COPIED_PAIR[0], ASSIGNMENT)
    link = classroom.notebook_in(course / "submitted" / SYMLINK, ASSIGNMENT)
    link.parent.mkdir(parents=True)
    link.symlink_to(original)
    fifo = classroom.notebook_in(course / "submitted" / FIFO, ASSIGNMENT)
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)


def run_tools(course, *arguments):
    """`python -m tinytorch_tools <arguments>` in the course folder, as the instructor runs it: its output."""
    run = subprocess.run(
        [sys.executable, "-m", "tinytorch_tools", *arguments],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout
