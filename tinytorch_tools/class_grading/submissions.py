"""The submissions of a class, and the tasks that carry them to a worker.

A task carries the files it grades as bytes ({path relative to the course folder: bytes}), so
that a worker on another machine needs no access to the course folder. A student's files are read
only through `submission_files` (regular files inside the submission, within bounds); a
submission that breaks its rules becomes a task that carries only the reason it was refused.
"""

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.utils import parse_utc

from tinytorch.course import ASSIGNMENTS, GRADED_ON_OWN_CHAIN
from tinytorch_tools.submission_files import REFUSED, Refused, check_notebooks, read_submission, small_regular_file


@dataclass
class Task:
    student: str
    assignment: str
    files: dict  # {path relative to the course folder: bytes}
    refused: str = ""  # why the submission breaks the rules of what a submission may contain
    duedate: object = None  # the assignment's due date in the course's gradebook (assignment tasks)


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


def assignment_task(course, assignment, patterns, duedate=None):
    """The files every submission of an assignment is graded with: the configuration,
    source/<assignment>/ and the reference the grading kernel takes earlier modules from; and
    its due date, which the scratch gradebook needs for nbgrader's late penalty."""
    files = {"nbgrader_config.py": (Path(course) / "nbgrader_config.py").read_bytes()}
    files.update(read_files(course, Path("source") / assignment, patterns))
    files.update(read_files(course, "tinytorch_ref", patterns))
    return Task(None, assignment, files, duedate=duedate)


def submitted_files(course, student, assignment, patterns):
    """{path relative to the course folder: bytes} of submitted/<student>/<assignment>/, caches
    left out; raises Refused when the submission breaks a rule or nbgrader could not read it."""
    folder, files = Path("submitted") / student / assignment, read_submission(course, student, assignment)
    check_notebooks(files)
    return {str(folder / relative): data for relative, data in files.items() if not ignored(Path(relative), patterns)}


def student_task(course, student, assignment, patterns):
    """The student's files: submitted/<student>/<assignment>/, and for a module graded on the
    student's own chain their earlier modules too (one that breaks the rules is left out, as if
    it had not been submitted)."""
    try:
        files = submitted_files(course, student, assignment, patterns)
    except Refused as error:
        return Task(student, assignment, {}, refused=str(error))
    if assignment in GRADED_ON_OWN_CHAIN:
        for earlier in ASSIGNMENTS:
            if earlier != assignment and (Path(course) / "submitted" / student / earlier).exists():
                try:
                    files.update(submitted_files(course, student, earlier, patterns))
                except Refused:
                    pass
    return Task(student, assignment, files)


def submitted_at(folder):
    """nbgrader's timestamp.txt of a submitted or autograded folder, if it is a readable one."""
    try:
        text = small_regular_file(folder / "timestamp.txt")
        return parse_utc(text.strip()) if text.strip() else None
    except (OSError, ValueError):
        return None


def is_graded(course, gradebook, student, assignment):
    """Is the autograded result in the gradebook and in autograded/, and not older than the
    submission? Only the assignment's own notebooks count (an extra one is never autograded); a
    refused submission is checked again each time (that costs no grading)."""
    submitted = Path(course) / "submitted" / student / assignment
    autograded = Path(course) / "autograded" / student / assignment
    try:
        gradebook.find_submission(assignment, student)
        names = [f"{notebook.name}.ipynb" for notebook in gradebook.find_assignment(assignment).notebooks]
    except MissingEntry:
        return False
    notebooks = [name for name in names if (submitted / name).is_file()]
    if (autograded / REFUSED).exists() or not all((autograded / name).exists() for name in notebooks):
        return False
    new, old = submitted_at(submitted), submitted_at(autograded)
    if new is not None:
        return old is not None and old >= new
    newest = max((submitted / name).stat().st_mtime for name in notebooks) if notebooks else 0
    return all((autograded / name).stat().st_mtime >= newest for name in notebooks)
