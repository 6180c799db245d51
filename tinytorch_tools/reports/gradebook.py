"""What the reports read: the gradebook, walked once into rows, and the marker files grading
leaves in autograded folders."""

from pathlib import Path

from nbgrader.api import Assignment, Grade, Gradebook, GradeCell, Notebook, SubmittedAssignment, SubmittedNotebook

from tinytorch_tools.preprocessors.grading_execute import OVER_BUDGET, TIMED_OUT, UNSANDBOXED
from tinytorch_tools.settings import gradebook_url
from tinytorch_tools.submission_files import REFUSED, quoted

from .files import Unreadable, read_text


def grade_rows(course, db_url=None):
    """One dict per grade cell of every submission in the gradebook, read in one query: walking
    nbgrader's objects costs a query per grade, minutes for a class of hundreds."""
    columns = (
        SubmittedAssignment.student_id,
        Assignment.name,
        Notebook.name,
        GradeCell.name,
        GradeCell.cell_type,
        Grade.score,
        GradeCell.max_score,
        Grade.needs_manual_grade,
        Grade.manual_score,
    )
    with Gradebook(gradebook_url(course, db_url)) as gradebook:
        query = (
            gradebook.db.query(*columns)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(SubmittedNotebook, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
            .join(Grade, Grade.notebook_id == SubmittedNotebook.id)
            .join(GradeCell, Grade.cell_id == GradeCell.id)
        )
        return [
            {
                "student": student,
                "assignment": assignment,
                "notebook": notebook,
                "grade_id": grade_id,
                "autograded": cell_type == "code",
                "score": score,
                "max_score": max_score,
                # flagged by nbgrader (written answers, deleted tests), as the formgrader shows
                "needs_manual_grade": needs_manual,
                "graded_by_hand": by_hand is not None,
            }
            for student, assignment, notebook, grade_id, cell_type, score, max_score, needs_manual, by_hand in query
        ]


def grade_scores(rows):
    """{(student, assignment): {grade_id: (score, max_score)}}."""
    scores = {}
    for row in rows:
        scores.setdefault((row["student"], row["assignment"]), {})[row["grade_id"]] = (row["score"], row["max_score"])
    return scores


def submission_scores(rows):
    """{student: {assignment: (score, max_score)}}, summed over the grade cells."""
    table = {}
    for (student, assignment), grades in grade_scores(rows).items():
        scores = list(grades.values())
        table.setdefault(student, {})[assignment] = (sum(s for s, _ in scores), sum(m for _, m in scores))
    return table


def score_table(course, db_url=None):
    """Plain text, one line per autograded submission: the student, the whole module name, the
    score, and the tests it failed (written answers count once graded in the formgrader)."""
    submissions = {}
    for row in grade_rows(course, db_url):
        entry = submissions.setdefault((row["student"], row["assignment"]), {"score": 0.0, "max": 0.0, "tests": []})
        entry["score"] += row["score"]
        entry["max"] += row["max_score"]
        if row["autograded"]:
            entry["tests"].append((row["grade_id"], row["score"] < row["max_score"]))
    width = max([len(quoted(student)) for student, _ in submissions] + [7])
    lines = [f"{'student':<{width}}  {'module':<17}{'score':>9}  tests failed"]
    for (student, assignment), entry in sorted(submissions.items()):
        failed = [grade_id for grade_id, lost in entry["tests"] if lost]
        shown = f"all {len(failed)}" if failed and len(failed) == len(entry["tests"]) else ", ".join(failed) or "-"
        score = f"{entry['score']:g}/{entry['max']:g}"
        lines.append(f"{quoted(student):<{width}}  {assignment:<17}{score:>9}  {shown}")
    return "\n".join(lines)


# The files grading leaves in an autograded folder, each with the title of its part of the class
# report; a new kind of marker is one more line here.
MARKERS = {
    TIMED_OUT: "Ran out of time",
    OVER_BUDGET: "Stopped over its budget",
    REFUSED: "Refused for their files",
    UNSANDBOXED: "Graded without the OS sandbox",
}


def markers(course, names=tuple(MARKERS)):
    """{marker: {(student, assignment): its text}} of every autograded folder grading marked."""
    found = {}
    for name in names:
        found[name] = {}
        for path in sorted((Path(course) / "autograded").glob(f"*/*/{name}")):
            try:
                text = read_text(path, limit=64 * 1024).strip()
            except Unreadable as error:
                text = str(error)
            found[name][(path.parent.parent.name, path.parent.name)] = text
    return found


def unsandboxed(course):
    """(student, assignment) of every autograded submission whose kernel ran without the OS sandbox."""
    return list(markers(course, [UNSANDBOXED])[UNSANDBOXED])


def refused(course):
    """{(student, assignment): why} of every submission refused for its files (it scores zero)."""
    return markers(course, [REFUSED])[REFUSED]


def timed_out(course):
    """{(student, assignment): the cells that ran out of time, or why its box was stopped} of
    every autograded submission."""
    found = markers(course, [TIMED_OUT, OVER_BUDGET])
    slow, over = found[TIMED_OUT], found[OVER_BUDGET]
    return {key: "\n".join(filter(None, (slow.get(key), over.get(key)))) for key in sorted(slow.keys() | over.keys())}
