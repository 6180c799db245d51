"""Everything the class report shows, gathered once: the gradebook's students, assignments and
grades, the autograded notebooks' failures and blame, the markers grading left, the written
questions' guide, and the similar submissions."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy import make_url

from tinytorch_tools.leaderboard import store
from tinytorch_tools.settings import gradebook_url

from .autograded import Autograded, read_autograded
from .gradebook import grade_rows, markers, submission_scores
from .guide import grading_guide


@dataclass
class ClassData:
    gradebook: str  # its URL, password hidden
    students: list  # [(id, "First Last")] of the class list, sorted by id
    assignments: list  # the gradebook's assignment names, sorted
    rows: list  # grade_rows()
    scores: dict  # {student: {assignment: (score, max_score)}}
    notebooks: dict  # {(student, assignment): notebook name}
    autograded: Autograded
    markers: dict  # {marker: {(student, assignment): text}}
    guide: list  # grading_guide()
    course: Path
    folder: Path  # where the report is written: links are relative to it
    leaderboard: dict  # store.load(): the leaderboard's last results
    similar: dict = field(default_factory=dict)  # {assignment: [Pair]}, from similarity.similar_pairs

    def link(self, kind, student, assignment):
        """The relative link to the student's feedback (.html) or autograded notebook, if it exists."""
        name = self.notebooks.get((student, assignment))
        suffix = ".html" if kind == "feedback" else ".ipynb"
        path = self.course / kind / student / assignment / f"{name}{suffix}"
        return Path(os.path.relpath(path, self.folder)).as_posix() if name and path.is_file() else None


def class_list(db_url):
    """[(id, full name)] of every student and the sorted assignment names, from the gradebook."""
    with Gradebook(db_url) as gradebook:
        students = [
            (student.id, " ".join(filter(None, [student.first_name, student.last_name])))
            for student in gradebook.students
        ]
        assignments = sorted(assignment.name for assignment in gradebook.assignments)
    return sorted(students), assignments


def gather(course, folder, db_url=None):
    """The ClassData of the course's gradebook (`db_url`, or the course's own)."""
    course, folder = Path(course), Path(folder)
    db_url = gradebook_url(course, db_url)
    rows = grade_rows(course, db_url)
    students, assignments = class_list(db_url)
    notebooks = {(row["student"], row["assignment"]): row["notebook"] for row in rows}
    return ClassData(
        gradebook=make_url(db_url).render_as_string(hide_password=True),
        students=students,
        assignments=assignments,
        rows=rows,
        scores=submission_scores(rows),
        notebooks=notebooks,
        autograded=read_autograded(course, [(*key, name) for key, name in sorted(notebooks.items())]),
        markers=markers(course),
        guide=grading_guide(course),
        course=course,
        folder=folder,
        leaderboard=store.load(course),
    )
