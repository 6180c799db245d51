"""Moodle's grade import CSV (Grades > Import > CSV file): a header row naming the columns,
the student identified by "Email address" or "ID number" (Moodle's "Map from" choices), then
one column per grade item, which the import maps to a Moodle grade item."""

from nbgrader.plugins import ExportPlugin

from .grades import NOT_SUBMITTED, chosen, submissions, write_csv

IDENTITY = ["First name", "Last name", "ID number", "Email address"]


class MoodleCsvExporter(ExportPlugin):
    """Moodle CSV: the class list's id as ID number, and its email."""

    def export(self, gradebook):
        path = self.to or "moodle_grades.csv"
        students, assignments = chosen(self, gradebook)
        found = submissions(gradebook)
        rows = [
            [student.first_name or "", student.last_name or "", student.id, student.email or ""]
            + [f"{found.get((student.id, assignment.name), NOT_SUBMITTED).score:g}" for assignment in assignments]
            for student in students
        ]
        write_csv(path, IDENTITY + [assignment.name for assignment in assignments], rows)
        self.log.info("Wrote the Moodle grades of %d students to %s", len(students), path)
