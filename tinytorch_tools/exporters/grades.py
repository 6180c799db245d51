"""What both LMS exporters write: each student of the class list with their score in each
assignment (0 for one not submitted, as nbgrader's own CSV export counts it)."""

import csv

from nbgrader.api import MissingEntry


def chosen(plugin, gradebook):
    """The students and assignments to export: those named by --student/--assignment, or all."""
    students = [student for student in gradebook.students if not plugin.student or student.id in plugin.student]
    assignments = [
        assignment
        for assignment in gradebook.assignments
        if not plugin.assignment or assignment.name in plugin.assignment
    ]
    return students, sorted(assignments, key=lambda assignment: assignment.name)


def score(gradebook, assignment, student):
    try:
        return gradebook.find_submission(assignment.name, student.id).score
    except MissingEntry:
        return 0.0


def write_csv(path, header, rows):
    """The CSV file an LMS imports: UTF-8, comma-separated, one header row."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
