"""`nbgrader export`'s CSV, with every field quoted as CSV requires.

nbgrader's CsvExportPlugin joins fields with commas as they are: a student id (or a name) with a
comma, a quote or a newline forges columns and rows of grades.csv. This plugin writes the same
columns and values with Python's csv module, which quotes such a field (`nbgrader_config.py`
makes it the exporter of `nbgrader export` and of `python -m tinytorch_tools report`).
"""

import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin

COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]


class QuotedCsvExport(CsvExportPlugin):
    """nbgrader's CSV export, its fields quoted."""

    def export(self, gradebook):
        students, assignments = [str(s) for s in self.student], [str(a) for a in self.assignment]
        self.log.info("Exporting grades to %s", self.to or "grades.csv")
        with open(self.to or "grades.csv", "w", newline="") as file:
            writer = csv.DictWriter(file, COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if not students or student.id in students:
                        writer.writerow(row(gradebook, assignment, student))


def row(gradebook, assignment, student):
    """One student's line for one assignment, as nbgrader's CsvExportPlugin computes it."""
    values = {
        "assignment": assignment.name,
        "duedate": assignment.duedate,
        "student_id": student.id,
        "last_name": student.last_name,
        "first_name": student.first_name,
        "email": student.email,
        "max_score": assignment.max_score,
    }
    try:
        submission = gradebook.find_submission(assignment.name, student.id)
    except MissingEntry:
        values.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
    else:
        penalty = submission.late_submission_penalty
        values.update(timestamp=submission.timestamp, raw_score=submission.score, late_submission_penalty=penalty)
        values["score"] = max(0.0, submission.score - penalty)
    return {key: "" if value is None else str(value) for key, value in values.items()}
