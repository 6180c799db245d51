"""What every exporter writes: each student of the class list with their score in each
assignment (0 for one not submitted, as nbgrader's own CSV export counts it), read in a few
queries: nbgrader's find_submission per student and assignment takes minutes for a class."""

import csv
from dataclasses import dataclass

from nbgrader.api import Assignment, Grade, SubmittedAssignment, SubmittedNotebook
from sqlalchemy import func


@dataclass
class Submitted:
    timestamp: object  # when it was submitted (nbgrader's), or None
    raw_score: float
    penalty: float  # late-submission penalty

    @property
    def score(self):
        return max(0.0, self.raw_score - self.penalty)


NOT_SUBMITTED = Submitted(None, 0.0, 0.0)


def submissions(gradebook):
    """{(student, assignment): Submitted} of every submission in the gradebook."""
    session = gradebook.db
    totals = (
        session.query(
            SubmittedAssignment.id,
            SubmittedAssignment.student_id,
            Assignment.name,
            SubmittedAssignment.timestamp,
            func.coalesce(func.sum(Grade.score), 0.0),
        )
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .outerjoin(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .outerjoin(Grade, Grade.notebook_id == SubmittedNotebook.id)
        # every column that is not summed: PostgreSQL insists (SQLite would not)
        .group_by(
            SubmittedAssignment.id, SubmittedAssignment.student_id, Assignment.name, SubmittedAssignment.timestamp
        )
    )
    penalties = dict(
        session.query(SubmittedAssignment.id, func.coalesce(func.sum(SubmittedNotebook.late_submission_penalty), 0.0))
        .outerjoin(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .group_by(SubmittedAssignment.id)
    )
    return {
        (student, assignment): Submitted(timestamp, float(raw), float(penalties.get(key) or 0.0))
        for key, student, assignment, timestamp, raw in totals
    }


def chosen(plugin, gradebook):
    """The students and assignments to export: those named by --student/--assignment, or all."""
    students = [student for student in gradebook.students if not plugin.student or student.id in plugin.student]
    assignments = [
        assignment
        for assignment in gradebook.assignments
        if not plugin.assignment or assignment.name in plugin.assignment
    ]
    return students, sorted(assignments, key=lambda assignment: assignment.name)


def write_csv(path, header, rows):
    """The CSV file an LMS imports: UTF-8, comma-separated, one header row."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
