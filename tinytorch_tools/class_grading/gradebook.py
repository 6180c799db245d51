"""The one writer of the course: autograded/ and the course's gradebook, as `nbgrader autograde`
would write them, with nbgrader's own Gradebook API (SQLite or PostgreSQL), so that manual grades
stay and every stock command works on the gradebook afterwards. The files of a submission are
moved into place only after its scores are committed.
"""

import shutil
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from tinytorch_tools.nbgrader_cli import nbgrader
from tinytorch_tools.submission_files import REFUSED, safe_id


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


def record_refused(course, gradebook, student, assignment, reason):
    """A refused submission scores zero on every graded cell (a grade given by hand stays), and
    its autograded folder holds only the reason: nothing of it is handed back. A student id that
    breaks the id rule is not written anywhere (the caller reports it, quoted)."""
    if not safe_id(student):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission and SQLAlchemy's autoflush
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score, grade.needs_manual_grade = 0, False
        gradebook.db.commit()
    destination = Path(course) / "autograded" / student / assignment
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True)
    (destination / REFUSED).write_text(f"refused: {reason}\n")


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
