"""Autograde a whole class on all cores (or several machines) with dask.distributed.

One task per assignment prepares it: stock `nbgrader generate_assignment` in a scratch course
gives a throwaway gradebook that knows it. Then each task grades one student's assignment in
isolation: a worker writes the files the task carries (the course configuration,
source/<assignment>, the reference, that gradebook, the student's submission) into a private
scratch course and runs stock `nbgrader autograde` there (nbgrader's Python API, in the
worker process). It returns the autograded files and
the scores. This process is the only writer of the course: it puts the files into
autograded/<student>/<assignment>/ and the scores into the course's gradebook (its db_url,
SQLite or PostgreSQL) with nbgrader's own Gradebook API, as `nbgrader autograde` does, so
manual grades stay and every stock command works on the gradebook afterwards.

A run can be interrupted and started again: a submission is skipped when its autograded
folder and gradebook entry are there and not older than the submission (nbgrader's own rule),
and the files of a submission are moved into place only after its scores are committed.

Every grading kernel runs in the OS sandbox (`sandbox.py`); with `sandbox=False` (trusted
submissions only) nbgrader's GradingExecute grades without it and leaves its marker file
(`preprocessors.UNSANDBOXED`) in the autograded folder, which `report` lists.
"""

import fnmatch
import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning
from tqdm import tqdm
from traitlets.config.loader import PyFileConfigLoader

from tinytorch._grading import GRADED_ON_OWN_CHAIN

from .classroom import course_directory
from .nbgrader_cli import nbgrader
from .preprocessors import TIMED_OUT
from .sandbox import require_sandbox

TASK_TIMEOUT = 600  # seconds for `nbgrader generate_assignment`; autograde has nbgrader's cell timeout


class GradingFailed(Exception):
    """nbgrader could not autograde a submission; the message ends with nbgrader's own log."""


@dataclass
class Task:
    student: str
    assignment: str
    files: dict  # {path relative to the course folder: bytes}


@dataclass
class Graded:
    student: str
    assignment: str
    timestamp: object  # the submission's timestamp (timestamp.txt) or None
    files: dict  # {path relative to autograded/<student>/<assignment>/: bytes}
    notebooks: dict = field(default_factory=dict)  # {notebook: {"grades", "comments", "late_penalty"}}

    @property
    def timed_out(self):
        """The cells that ran out of time, as GradingExecute recorded them ("" if none did)."""
        return self.files.get(TIMED_OUT, b"").decode(errors="replace").strip()


@dataclass
class Outcome:
    """What grading a class came to, besides the grades."""

    failed: dict = field(default_factory=dict)  # {(student, assignment): why nbgrader could not grade it}
    timed_out: dict = field(default_factory=dict)  # {(student, assignment): cells out of time in both attempts}

    @property
    def exit_status(self):
        """0 when all is well; 1 when a submission could not be graded, 4 when one timed out, 5 both."""
        return (1 if self.failed else 0) | (4 if self.timed_out else 0)


# -- the course, as nbgrader_config.py describes it


def ignored(path, patterns):
    return any(fnmatch.fnmatch(part, pattern) for part in path.parts for pattern in patterns)


def read_files(course, folder, patterns):
    """{path relative to `course`: bytes} of every file under course/folder, caches left out."""
    root = Path(course) / folder
    return {
        str(path.relative_to(course)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not ignored(path.relative_to(root), patterns)
    }


def submissions(course, assignments=None, students=None):
    """(student, assignment) of every submitted/<student>/<assignment>/ folder, maybe only some."""
    found = []
    for folder in sorted((Path(course) / "submitted").glob("*/*")):
        student, assignment = folder.parent.name, folder.name
        if folder.is_dir() and (not assignments or assignment in assignments) and (not students or student in students):
            found.append((student, assignment))
    return found


def assignment_task(course, assignment, patterns):
    """The files every submission of an assignment is graded with: the configuration,
    source/<assignment>/ and the reference the grading kernel takes earlier modules from."""
    files = {"nbgrader_config.py": (Path(course) / "nbgrader_config.py").read_bytes()}
    files.update(read_files(course, Path("source") / assignment, patterns))
    files.update(read_files(course, "tinytorch_ref", patterns))
    return Task(None, assignment, files)


def student_task(course, student, assignment, patterns):
    """The student's files: submitted/<student>/<assignment>/, or all their modules for the
    capstone, which is graded on the student's own chain."""
    mine = Path("submitted") / student
    return Task(
        student,
        assignment,
        read_files(course, mine if assignment in GRADED_ON_OWN_CHAIN else mine / assignment, patterns),
    )


def submitted_at(folder):
    """nbgrader's timestamp.txt of a submitted or autograded folder, if it has one."""
    timestamp = folder / "timestamp.txt"
    if timestamp.exists() and timestamp.read_text().strip():
        return parse_utc(timestamp.read_text().strip())
    return None


def is_graded(course, gradebook, student, assignment):
    """Is the autograded result in the gradebook and in autograded/, and not older than the submission?"""
    submitted = Path(course) / "submitted" / student / assignment
    autograded = Path(course) / "autograded" / student / assignment
    try:
        gradebook.find_submission(assignment, student)
    except MissingEntry:
        return False
    notebooks = [path.name for path in submitted.glob("*.ipynb")]
    if not autograded.is_dir() or not all((autograded / name).exists() for name in notebooks):
        return False
    new, old = submitted_at(submitted), submitted_at(autograded)
    if new is not None:
        return old is not None and old >= new
    newest = max((submitted / name).stat().st_mtime for name in notebooks) if notebooks else 0
    return all((autograded / name).stat().st_mtime >= newest for name in notebooks)


# -- one task, on a worker


SCRATCH_GRADEBOOK = "scratch-gradebook.db"


def scratch_db_url(course):
    return f"sqlite:///{course / SCRATCH_GRADEBOOK}"


def run_nbgrader(course, *arguments, timeout):
    """Stock nbgrader in a scratch course; command-line settings win over its nbgrader_config.py,
    so it never touches the course's real gradebook."""
    db_url = scratch_db_url(course)
    try:
        result = nbgrader(
            *arguments,
            f"--CourseDirectory.root={course}",
            f"--CourseDirectory.db_url={db_url}",
            course=course,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise GradingFailed(f"nbgrader {arguments[0]} took more than {timeout} s") from error
    if result.returncode != 0:
        raise GradingFailed(f"nbgrader {arguments[0]} failed:\n{result.stderr[-3000:]}")
    return db_url


def write_files(course, files):
    for relative, data in files.items():
        path = course / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def prepare_assignment(task, timeout=TASK_TIMEOUT):
    """The assignment's files plus a scratch gradebook that knows it (stock `nbgrader
    generate_assignment`): one task per assignment, whose result dask ships once to each worker."""
    with tempfile.TemporaryDirectory(prefix="tinytorch-generate-") as scratch:
        course = Path(scratch)
        write_files(course, task.files)
        run_nbgrader(course, "generate_assignment", task.assignment, "--force", timeout=timeout)
        return Task(
            None, task.assignment, dict(task.files, **{SCRATCH_GRADEBOOK: (course / SCRATCH_GRADEBOOK).read_bytes()})
        )


def autograde_in_process(course, assignment, student, sandbox=True):
    """Stock `nbgrader autograde` through nbgrader's own Python API (what formgrader calls), in
    this worker process: it saves starting Python and nbgrader for every submission. The
    student's code still runs in a kernel process of its own, under nbgrader's cell timeout,
    in the OS sandbox unless `sandbox` is False."""
    from nbgrader.apps import NbGraderAPI

    db_url = scratch_db_url(course)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = db_url
    config.GradingExecute.sandbox = sandbox
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission and SQLAlchemy's autoflush
        result = api.autograde(assignment, student, force=True, create=True)
    if not result["success"]:
        raise GradingFailed(f"nbgrader autograde failed:\n{(result.get('error') or result.get('log', ''))[-3000:]}")
    return db_url


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
        db_url = autograde_in_process(course, task.assignment, task.student, sandbox)

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


# -- the one writer


def record(course, gradebook, graded):
    """Write a graded submission into the gradebook (as SaveAutoGrades does), then autograded/."""
    student, assignment = graded.student, graded.assignment
    destination = Path(course) / "autograded" / student / assignment
    staging = destination.with_name(f".{assignment}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    for relative, data in graded.files.items():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        (staging / relative).write_bytes(data)

    graded_before = {name: graded_cells(destination / f"{name}.ipynb") for name in graded.notebooks}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission and SQLAlchemy's autoflush
        gradebook.update_or_create_student(student)
        if graded.timestamp is not None:
            gradebook.update_or_create_submission(assignment, student, timestamp=graded.timestamp)
        else:
            gradebook.update_or_create_submission(assignment, student)
        for name, result in graded.notebooks.items():
            now = graded_cells(staging / f"{name}.ipynb")
            for grade_id, auto_score in result["grades"].items():
                grade = gradebook.find_grade(grade_id, name, assignment, student)
                grade.auto_score = auto_score
                # Never touch a manual score. nbgrader flags a cell graded by hand for review at every
                # regrade; here only when its answer changed since it was graded.
                if grade.manual_score is not None:
                    grade.needs_manual_grade = graded_before[name].get(grade_id) != now.get(grade_id)
                else:
                    grade.needs_manual_grade = auto_score is None
            for cell_id, auto_comment in result["comments"].items():
                gradebook.find_comment(cell_id, name, assignment, student).auto_comment = auto_comment
            notebook = gradebook.find_submission_notebook(name, assignment, student)
            notebook.late_submission_penalty = result["late_penalty"]
        gradebook.db.commit()

    shutil.rmtree(destination, ignore_errors=True)
    staging.rename(destination)


def graded_cells(path):
    """{grade_id: source} of the graded cells of an autograded notebook ({} if there is none)."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    return {
        cell.metadata.nbgrader["grade_id"]: cell.source
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id")
    }


def ensure_generated(course, directory, assignments):
    """Stock `nbgrader generate_assignment` for an assignment that is not in the gradebook yet."""
    with Gradebook(directory.db_url, directory.course_id) as gradebook:
        missing = [assignment for assignment in assignments if not known(gradebook, assignment)]
    for assignment in missing:
        print(f"nbgrader generate_assignment {assignment} (not in the gradebook yet)")
        nbgrader(
            "generate_assignment", assignment, "--force", f"--CourseDirectory.db_url={directory.db_url}", course=course
        )


def known(gradebook, assignment):
    try:
        return bool(gradebook.find_assignment(assignment).notebooks)
    except MissingEntry:
        return False


# -- the whole class


def start_client(scheduler=None, workers=None):
    """A dask client: of the scheduler at `scheduler`, or of a local cluster of one process per core."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: a second cluster on the machine makes no port warning
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def grade_class(
    course,
    assignments=None,
    students=None,
    scheduler=None,
    workers=None,
    db_url=None,
    force=False,
    progress=True,
    sandbox=True,
    pairs=None,
):
    """Autograde every chosen submission (of `assignments` by `students`, or the (student,
    assignment) `pairs`); returns the Outcome: which failed, which ran out of time.

    Kernels run in the OS sandbox unless `sandbox` is False. On a local cluster, raises
    SandboxUnavailable before any work if it cannot run here; with a scheduler, each worker checks."""
    from dask.distributed import as_completed

    course = Path(course).resolve()
    directory = course_directory(course, db_url)
    pairs = pairs or submissions(course, assignments, students)
    if not pairs:
        print(f"no submission to grade in {course / 'submitted'}")
        return Outcome()
    if sandbox and not scheduler:
        require_sandbox()
    ensure_generated(course, directory, sorted({assignment for _, assignment in pairs}))

    outcome = Outcome()
    with Gradebook(directory.db_url, directory.course_id) as gradebook:
        todo = [pair for pair in pairs if force or not is_graded(course, gradebook, *pair)]
        if len(todo) < len(pairs):
            print(f"{len(pairs) - len(todo)} of {len(pairs)} submissions already autograded (--force to regrade)")
        if not todo:
            return outcome
        client = start_client(scheduler, workers)
        try:
            prepared = {
                assignment: client.submit(
                    prepare_assignment,
                    assignment_task(course, assignment, directory.ignore),
                    key=f"prepare/{assignment}",
                )
                for assignment in sorted({assignment for _, assignment in todo})
            }
            pairs_of = {}  # {task key: (student, assignment)}
            futures = []
            for student, assignment in todo:
                task = student_task(course, student, assignment, directory.ignore)
                key = f"grade/{student}/{assignment}"
                futures.append(client.submit(grade_submission, task, prepared[assignment], sandbox, key=key))
                pairs_of[key] = (student, assignment)
            bar = tqdm(as_completed(futures), total=len(futures), unit="submission", disable=not progress)
            for future in bar:
                key = pairs_of[future.key]
                try:
                    graded = future.result()
                except Exception as error:  # nbgrader failed, timed out, or the worker died
                    outcome.failed[key] = f"{type(error).__name__}: {error}"
                    bar.write(f"{key[0]} {key[1]}: {outcome.failed[key].splitlines()[0]}")
                else:
                    record(course, gradebook, graded)
                    if graded.timed_out:
                        outcome.timed_out[key] = graded.timed_out
                        bar.write(f"{key[0]} {key[1]}: out of time twice: {graded.timed_out.splitlines()[0]}")
                future.release()
        finally:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return outcome
