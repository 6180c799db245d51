"""Canvas's gradebook import CSV: the columns Student, ID, SIS User ID, SIS Login ID and
Section identify the student (Canvas matches on the SIS ids when ID, its own number, is empty),
then one column per assignment, and a "Points Possible" row under the header."""

from nbgrader.plugins import ExportPlugin

from .grades import NOT_SUBMITTED, chosen, submissions, write_csv

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


class CanvasCsvExporter(ExportPlugin):
    """Canvas CSV: the class list's id as SIS User ID, its email as SIS Login ID."""

    def export(self, gradebook):
        path = self.to or "canvas_grades.csv"
        students, assignments = chosen(self, gradebook)
        found = submissions(gradebook)
        possible = ["Points Possible", "", "", "", ""] + [f"{assignment.max_score:g}" for assignment in assignments]
        rows = [possible] + [
            [
                f"{student.last_name or ''}, {student.first_name or ''}".strip(", "),
                "",
                student.id,
                student.email or "",
                "",
            ]
            + [f"{found.get((student.id, assignment.name), NOT_SUBMITTED).score:g}" for assignment in assignments]
            for student in students
        ]
        write_csv(path, IDENTITY + [assignment.name for assignment in assignments], rows)
        self.log.info("Wrote the Canvas grades of %d students to %s", len(students), path)
