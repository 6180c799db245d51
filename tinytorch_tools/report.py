"""Reports read from the gradebook."""

from collections import Counter
from html import escape
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from sqlalchemy import make_url

from .classroom import gradebook_url
from .nbgrader_cli import nbgrader
from .preprocessors import TIMED_OUT, UNSANDBOXED


def submission_scores(course, db_url=None):
    """{student: {assignment: (score, max_score)}} from the course's gradebook."""
    table = {}
    with Gradebook(gradebook_url(course, db_url)) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                table.setdefault(submission.student.id, {})[assignment.name] = (submission.score, submission.max_score)
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
    width = max([len(student) for student, _ in submissions] + [7])
    lines = [f"{'student':<{width}}  {'module':<17}{'score':>9}  tests failed"]
    for (student, assignment), entry in sorted(submissions.items()):
        failed = [grade_id for grade_id, lost in entry["tests"] if lost]
        shown = f"all {len(failed)}" if failed and len(failed) == len(entry["tests"]) else ", ".join(failed) or "-"
        score = f"{entry['score']:g}/{entry['max']:g}"
        lines.append(f"{student:<{width}}  {assignment:<17}{score:>9}  {shown}")
    return "\n".join(lines)


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


AGAIN = " (graded by hand before: its answer changed, or stock `nbgrader autograde` flagged it again)"


def marked(course, marker):
    """{(student, assignment): the marker's text} of every autograded folder GradingExecute marked."""
    paths = sorted((Path(course) / "autograded").glob(f"*/*/{marker}"))
    return {(path.parent.parent.name, path.parent.name): path.read_text().strip() for path in paths}


def unsandboxed(course):
    """(student, assignment) of every autograded submission whose kernel ran without the OS sandbox."""
    return list(marked(course, UNSANDBOXED))


def timed_out(course):
    """{(student, assignment): the cells that ran out of time} of every autograded submission."""
    return marked(course, TIMED_OUT)


def grading_guide(course):
    """[(assignment, grade_id, points, question, model answer)] of every written question: the
    question is the text cell before the answer cell of the source notebook."""
    guide = []
    for path in sorted((Path(course) / "source").glob("*/*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for before, cell in zip([None, *cells], cells, strict=False):
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and grading.get("solution") and grading.get("grade"):
                question = before.source if before is not None and before.cell_type == "markdown" else ""
                guide.append((path.parent.name, grading["grade_id"], grading.get("points"), question, cell.source))
    return guide


def plot(path, draw):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure = draw(pyplot)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def class_report(course, folder, db_url=None):
    """reports/grades.csv (stock `nbgrader export`) and reports/class_report.html with its plots:
    the score distribution per module, the hidden tests failed most often, the written
    answers that still need a manual grade, the grading guide of the written questions (model
    answers and points), the submissions with a cell that ran out of time,
    and those graded without the OS sandbox."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db_url = gradebook_url(course, db_url)
    nbgrader("export", f"--to={folder / 'grades.csv'}", f"--CourseDirectory.db_url={db_url}", course=course)
    table = submission_scores(course, db_url)
    rows = grade_rows(course, db_url)
    assignments = sorted({assignment for row in table.values() for assignment in row})

    def distribution(pyplot):
        figure, axes = pyplot.subplots(1, len(assignments), figsize=(4 * len(assignments), 3), squeeze=False)
        for axis, assignment in zip(axes[0], assignments, strict=True):
            scores = [row[assignment] for row in table.values() if assignment in row]
            axis.hist([score for score, _ in scores], bins=10, range=(0, scores[0][1]), color="tab:blue")
            axis.set(title=assignment, xlabel="points", ylabel="students")
            axis.yaxis.get_major_locator().set_params(integer=True)
        return figure

    failures = Counter(
        (row["assignment"], row["grade_id"]) for row in rows if row["autograded"] and row["score"] < row["max_score"]
    ).most_common(15)

    def failed_tests(pyplot):
        figure, axis = pyplot.subplots(figsize=(8, 0.4 * len(failures) + 1))
        labels = [f"{assignment}: {grade_id}" for (assignment, grade_id), _ in failures]
        axis.barh(labels[::-1], [count for _, count in failures][::-1], color="tab:red")
        axis.set(xlabel="submissions failing the test", title="tests failed most often")
        axis.xaxis.get_major_locator().set_params(integer=True)
        return figure

    plot(folder / "score_distribution.png", distribution)
    if failures:
        plot(folder / "failed_tests.png", failed_tests)
    manual = [dict(row, again=AGAIN if row["graded_by_hand"] else "") for row in rows if row["needs_manual_grade"]]
    trusted, slow = unsandboxed(course), timed_out(course)
    if slow:
        print(f"WARNING: {len(slow)} submission(s) with a cell that ran out of time: see their section of the report")
    if trusted:
        print(f"WARNING: {len(trusted)} submission(s) graded without the OS sandbox: see their section of the report")

    def listing(items):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>" if items else "<p>none</p>"

    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>TinyTorch class report</title></head><body>
<h1>TinyTorch class report</h1>
<p>{len(table)} students, from the gradebook {escape(make_url(db_url).render_as_string(hide_password=True))}.
Grades: grades.csv.</p>
<h2>Score distribution per module</h2>
<img src="score_distribution.png" alt="score distribution per module">
<pre>{escape(score_table(course, db_url))}</pre>
<h2>Tests failed most often</h2>
{'<img src="failed_tests.png" alt="tests failed most often">' if failures else ""}
{listing([f"{assignment}: {grade_id}, failed by {count}" for (assignment, grade_id), count in failures])}
<h2>Submissions needing manual grading</h2>
{listing([f"{row['student']}, {row['assignment']}: {row['grade_id']}{row['again']}" for row in manual])}
<h2>Grading guide for the written answers</h2>
<p>Each question with its model answer and points: grade them in the formgrader (<code>jupyter lab</code>,
Nbgrader &gt; Formgrader), then <code>nbgrader generate_feedback</code>.</p>
{
        "".join(
            f"<h3>{escape(assignment)}: {escape(grade_id)} ({points:g} points)</h3>"
            f"<blockquote>{escape(question)}</blockquote><p>Model answer:</p><pre>{escape(answer)}</pre>"
            for assignment, grade_id, points, question, answer in grading_guide(course)
        )
    }
<h2>Ran out of time</h2>
<p>Submissions with a cell stopped at nbgrader's cell timeout (its tests score zero; marked by {TIMED_OUT} in
their autograded folder). Class grading has already graded each of them twice. Look at the code, or regrade
with a longer <code>c.Execute.timeout</code>:</p>
{listing([f"{student}, {assignment}: {cells}" for (student, assignment), cells in slow.items()])}
<h2>Graded without the OS sandbox</h2>
<p>Autograded submissions whose kernels ran without isolation (<code>--no-sandbox</code>, trusted work only;
marked by {UNSANDBOXED} in their autograded folder):</p>
{listing([f"{student}, {assignment}" for student, assignment in trusted])}
</body></html>
"""
    (folder / "class_report.html").write_text(html)
    return folder / "class_report.html"
