"""What the reports read: the gradebook, walked once into rows, and the marker files grading
leaves in autograded folders."""

from pathlib import Path

from nbgrader.api import Gradebook

from tinytorch_tools.preprocessors.grading_execute import TIMED_OUT, UNSANDBOXED
from tinytorch_tools.settings import gradebook_url
from tinytorch_tools.submission_files import REFUSED, quoted


def grade_rows(course, db_url=None):
    """One dict per grade cell of every submission in the gradebook."""
    rows = []
    with Gradebook(gradebook_url(course, db_url)) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows.append(
                            {
                                "student": submission.student.id,
                                "assignment": assignment.name,
                                "grade_id": grade.name,
                                "autograded": grade.cell.cell_type == "code",
                                "score": grade.score,
                                "max_score": grade.max_score,
                                # flagged by nbgrader (written answers, deleted tests), as the formgrader shows
                                "needs_manual_grade": grade.needs_manual_grade,
                                "graded_by_hand": grade.manual_score is not None,
                            }
                        )
    return rows


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


def marked(course, marker):
    """{(student, assignment): the marker's text} of every autograded folder GradingExecute marked."""
    paths = sorted((Path(course) / "autograded").glob(f"*/*/{marker}"))
    return {(path.parent.parent.name, path.parent.name): path.read_text().strip() for path in paths}


def unsandboxed(course):
    """(student, assignment) of every autograded submission whose kernel ran without the OS sandbox."""
    return list(marked(course, UNSANDBOXED))


def refused(course):
    """{(student, assignment): why} of every submission refused for its files (it scores zero)."""
    return marked(course, REFUSED)


def timed_out(course):
    """{(student, assignment): the cells that ran out of time} of every autograded submission."""
    return marked(course, TIMED_OUT)
