"""The submissions of a class, and the tasks that carry them to a worker.

A task carries the files it grades as bytes ({path relative to the course folder: bytes}), so
that a worker on another machine needs no access to the course folder.
"""

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.utils import parse_utc

from tinytorch.course import GRADED_ON_OWN_CHAIN


@dataclass
class Task:
    student: str
    assignment: str
    files: dict  # {path relative to the course folder: bytes}


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
