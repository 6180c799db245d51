"""Refusing a submission under stock `nbgrader autograde`, before nbgrader reads its files.

nbgrader 0.9.6 reads and copies a submitted folder in `init_assignment`, and the only point of its
configuration that runs before that is `Autograde.pre_convert_hook` (`nbgrader_config.py`), which
cannot stop the conversion (nbgrader logs its errors and goes on). So the hook checks the
submission as `submission_files` reads it and, when it breaks a rule, takes it away before nbgrader
looks: the submission is moved, as it is (a link stays a link, nothing is read), to
`refused/<student>/<assignment>/` with the reason in `REFUSED.txt`, and in its place goes a stand-in
of the assignment's release notebooks and the reason. GradingExecute runs nothing of a refused
submission (it knows it from this process's `REFUSALS`): every code cell says why, every test scores
zero, the written answers are the release's own (nbgrader gives them zero), and the autograded
folder keeps `REFUSED.txt`. A new submission (`nbgrader collect`) replaces the stand-in.
"""

import logging
import shutil
from pathlib import Path

from traitlets.config import Application

from tinytorch_tools.submission_files import REFUSED, Refused, check_notebooks, quoted, read_submission

# {(student, assignment): why} of the refused submissions this process autogrades.
REFUSALS = {}


def refuse_unsafe_submission(assignment, student, notebooks):
    """nbgrader's pre-convert hook: `notebooks` are the submitted notebooks of one submission
    (`assignment` and `student` are those of the command line, maybe patterns)."""
    course, student, assignment = submission_of(notebooks)
    REFUSALS.pop((student, assignment), None)  # a process (the formgrader's) may autograde it again
    reason = previous_refusal(course, student, assignment)
    if reason is None:
        try:
            check_notebooks(read_submission(course, student, assignment))
            return
        except Refused as error:
            reason = f"refused: {error}"
        quarantine(course, student, assignment, reason)
    REFUSALS[student, assignment] = reason
    log().error("REFUSED %s %s: %s (every test scores zero)", quoted(student), quoted(assignment), reason)


def refuse_unsafe_feedback(assignment, student, notebooks):
    """nbgrader's pre-convert hook of generate_feedback: an autograded folder that breaks the rules
    of a submission (only grading writes there, so someone changed it) is moved to refused/
    before nbgrader copies it into feedback/; nbgrader then fails that student's feedback, logs
    it, and goes on with the class."""
    course, student, assignment = submission_of(notebooks)
    try:
        read_submission(course, student, assignment, step="autograded")
    except Refused as error:
        kept = Path(course) / "refused" / student / assignment / "autograded"
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True)
        move_aside(Path(course) / "autograded" / student, assignment, kept)
        message = "NO FEEDBACK for %s %s: its autograded folder was refused: %s"
        log().error(message, quoted(student), quoted(assignment), error)


def submission_of(notebooks):
    """(course, student, assignment) of the notebooks of one submission, at <course>/<step>/<student>/<assignment>/."""
    folder = Path(notebooks[0]).parent
    return folder.parent.parent.parent, folder.parent.name, folder.name


def log():
    """nbgrader's log: the running application's (the command's), or Python's when there is none."""
    return Application.instance().log if Application.initialized() else logging.getLogger(__name__)


def previous_refusal(course, student, assignment):
    """The reason a submission was refused before, when what is submitted now is its stand-in."""
    kept = Path(course) / "refused" / student / assignment / REFUSED
    stand_in = Path(course) / "submitted" / student / assignment / REFUSED
    if kept.is_file() and not kept.is_symlink() and stand_in.is_file() and not stand_in.is_symlink():
        return kept.read_text().strip()
    return None


def quarantine(course, student, assignment, reason):
    """Move the submission, as it is, to refused/; put the release notebooks and the reason in its place."""
    submitted = Path(course) / "submitted" / student
    kept = Path(course) / "refused" / student / assignment
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    move_aside(submitted, assignment, kept)
    (kept / REFUSED).write_text(reason + "\n")
    stand_in = submitted / assignment
    stand_in.mkdir(parents=True)
    for notebook in (Path(course) / "release" / assignment).glob("*.ipynb"):
        shutil.copyfile(notebook, stand_in / notebook.name)
    (stand_in / REFUSED).write_text(reason + "\n")


def move_aside(student_folder, assignment, kept):
    """Move student_folder/assignment into `kept` as it is (nothing read, a link stays a link); the
    student's folder itself when it is a link to someone else's, never moved through."""
    if student_folder.is_symlink() or not student_folder.is_dir():
        student_folder.rename(kept / "student-folder")
    else:
        (student_folder / assignment).rename(kept / assignment)
