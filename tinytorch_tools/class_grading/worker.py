"""One task on a dask worker: stock nbgrader in a private scratch course.

`prepare_assignment` runs stock `nbgrader generate_assignment` once per assignment, on a copy of a
blank gradebook (`blank_gradebook.py`), which gives a throwaway gradebook that knows it;
`grade_submission` writes the assignment's files and the student's into a private scratch course and
runs stock `nbgrader autograde` there, and returns the autograded files and the scores. Both run
through nbgrader's Python API, in the worker process. The worker writes nothing of the course: the
coordinator does (`gradebook.py`).
"""

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader

from tinytorch_tools.blank_gradebook import blank_gradebook
from tinytorch_tools.preprocessors.grading_execute import OVER_BUDGET, TIMED_OUT

from .submissions import Task


class GradingFailed(Exception):
    """nbgrader could not autograde a submission; the message ends with nbgrader's own log."""


@dataclass
class Graded:
    student: str
    assignment: str
    timestamp: object  # the submission's timestamp (timestamp.txt) or None
    files: dict  # {path relative to autograded/<student>/<assignment>/: bytes}
    notebooks: dict = field(default_factory=dict)  # {notebook: {"grades", "comments", "late_penalty"}}

    @property
    def timed_out(self):
        """The cells that ran out of time, and why the notebook's box was stopped, as GradingExecute
        recorded them ("" if neither happened): a busy machine may be the cause of either."""
        markers = (self.files.get(marker, b"").decode(errors="replace") for marker in (TIMED_OUT, OVER_BUDGET))
        return "".join(markers).strip()


SCRATCH_GRADEBOOK = "scratch-gradebook.db"


def scratch_db_url(course):
    return f"sqlite:///{course / SCRATCH_GRADEBOOK}"


def write_files(course, files):
    for relative, data in files.items():
        path = course / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def prepare_assignment(task):
    """The assignment's files plus a scratch gradebook that knows it (stock `nbgrader
    generate_assignment`): one task per assignment, whose result dask ships once to each worker."""
    with tempfile.TemporaryDirectory(prefix="tinytorch-generate-") as scratch:
        course = Path(scratch)
        write_files(course, dict(task.files, **{SCRATCH_GRADEBOOK: blank_gradebook()}))
        db_url = in_process(course, "generate_assignment", task.assignment)
        with Gradebook(db_url) as gradebook:  # nbgrader's late penalty needs the course's due date
            gradebook.update_or_create_assignment(task.assignment, duedate=task.duedate)
        return Task(
            None, task.assignment, dict(task.files, **{SCRATCH_GRADEBOOK: (course / SCRATCH_GRADEBOOK).read_bytes()})
        )


def in_process(course, command, *arguments, sandbox=True):
    """Stock nbgrader's `command` through its own Python API (what formgrader calls), in this worker
    process, on the scratch course and its gradebook: it saves starting Python and nbgrader for every
    task. The student's code still runs in a kernel process of its own, under nbgrader's cell
    timeout, in the OS sandbox unless `sandbox` is False. Returns the scratch gradebook's URL."""
    from nbgrader.apps import NbGraderAPI

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = scratch_db_url(course)
    config.GradingExecute.sandbox = sandbox
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission and SQLAlchemy's autoflush
        result = getattr(api, command)(*arguments, force=True, create=True)
    if not result["success"]:
        # nbgrader's log holds the cause; its error only says "see the above traceback"
        raise GradingFailed(f"nbgrader {command} failed:\n{(result.get('log') or result.get('error') or '')[-3000:]}")
    return scratch_db_url(course)


def grade_submission(task, prepared, sandbox=True):
    """Autograde one student's assignment; a cell that runs out of time may be the machine's
    fault (it was busy), so such a submission is graded once more before its timeout counts."""
    graded = autograde_submission(task, prepared, sandbox)
    return autograde_submission(task, prepared, sandbox) if graded.timed_out else graded


def autograde_submission(task, prepared, sandbox):
    """Autograde one student's assignment with stock `nbgrader autograde` in a private scratch course."""
    with tempfile.TemporaryDirectory(prefix="tinytorch-grade-") as scratch:
        course = Path(scratch)
        write_files(course, prepared.files)
        write_files(course, task.files)
        db_url = in_process(course, "autograde", task.assignment, task.student, sandbox=sandbox)

        autograded = course / "autograded" / task.student / task.assignment
        files = {
            str(path.relative_to(autograded)): path.read_bytes() for path in autograded.rglob("*") if path.is_file()
        }
        graded = Graded(task.student, task.assignment, None, files)
        with Gradebook(db_url) as scratch_gradebook:
            submission = scratch_gradebook.find_submission(task.assignment, task.student)
            graded.timestamp = submission.timestamp
            for notebook in submission.notebooks:
                graded.notebooks[notebook.name] = {
                    "grades": {grade.name: grade.auto_score for grade in notebook.grades},
                    "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
                    "late_penalty": notebook.late_submission_penalty,
                }
        return graded
