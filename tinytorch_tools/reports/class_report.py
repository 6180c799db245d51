"""The class report: reports/grades.csv (stock `nbgrader export`) and reports/class_report.html
with its plots, read from the gradebook."""

from collections import Counter
from html import escape
from pathlib import Path

import nbformat
from sqlalchemy import make_url

from tinytorch_tools.nbgrader_cli import nbgrader
from tinytorch_tools.preprocessors.grading_execute import TIMED_OUT, UNSANDBOXED
from tinytorch_tools.settings import gradebook_url
from tinytorch_tools.submission_files import REFUSED, quoted

from .gradebook import grade_rows, refused, score_table, submission_scores, timed_out, unsandboxed

AGAIN = " (graded by hand before: its answer changed, or stock `nbgrader autograde` flagged it again)"


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


def plot_distribution(path, table):
    """A histogram of the scores of each module."""
    assignments = sorted({assignment for row in table.values() for assignment in row})

    def draw(pyplot):
        figure, axes = pyplot.subplots(1, len(assignments), figsize=(4 * len(assignments), 3), squeeze=False)
        for axis, assignment in zip(axes[0], assignments, strict=True):
            scores = [row[assignment] for row in table.values() if assignment in row]
            axis.hist([score for score, _ in scores], bins=10, range=(0, scores[0][1]), color="tab:blue")
            axis.set(title=assignment, xlabel="points", ylabel="students")
            axis.yaxis.get_major_locator().set_params(integer=True)
        return figure

    plot(path, draw)


def plot_failures(path, failures):
    """A bar per test, of the submissions that fail it."""

    def draw(pyplot):
        figure, axis = pyplot.subplots(figsize=(8, 0.4 * len(failures) + 1))
        labels = [f"{assignment}: {grade_id}" for (assignment, grade_id), _ in failures]
        axis.barh(labels[::-1], [count for _, count in failures][::-1], color="tab:red")
        axis.set(xlabel="submissions failing the test", title="tests failed most often")
        axis.xaxis.get_major_locator().set_params(integer=True)
        return figure

    plot(path, draw)


def listing(items):
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>" if items else "<p>none</p>"


def guide_html(course):
    return "".join(
        f"<h3>{escape(assignment)}: {escape(grade_id)} ({points:g} points)</h3>"
        f"<blockquote>{escape(question)}</blockquote><p>Model answer:</p><pre>{escape(answer)}</pre>"
        for assignment, grade_id, points, question, answer in grading_guide(course)
    )


def class_report(course, folder, db_url=None):
    """reports/grades.csv and reports/class_report.html with its plots: the score distribution
    per module, the hidden tests failed most often, the written answers that still need a manual
    grade, the grading guide of the written questions (model answers and points), the submissions
    with a cell that ran out of time, and those graded without the OS sandbox."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db_url = gradebook_url(course, db_url)
    nbgrader("export", f"--to={folder / 'grades.csv'}", f"--CourseDirectory.db_url={db_url}", course=course)
    rows = grade_rows(course, db_url)
    table = submission_scores(rows)
    failures = Counter(
        (row["assignment"], row["grade_id"]) for row in rows if row["autograded"] and row["score"] < row["max_score"]
    ).most_common(15)
    plot_distribution(folder / "score_distribution.png", table)
    if failures:
        plot_failures(folder / "failed_tests.png", failures)
    manual = [dict(row, again=AGAIN if row["graded_by_hand"] else "") for row in rows if row["needs_manual_grade"]]
    trusted, slow, refusals = unsandboxed(course), timed_out(course), refused(course)
    if refusals:
        print(f"WARNING: {len(refusals)} submission(s) refused for their files: see their section of the report")
    if slow:
        print(f"WARNING: {len(slow)} submission(s) with a cell that ran out of time: see their section of the report")
    if trusted:
        print(f"WARNING: {len(trusted)} submission(s) graded without the OS sandbox: see their section of the report")
    html = page(
        students=len(table),
        gradebook=make_url(db_url).render_as_string(hide_password=True),
        scores=score_table(course, db_url),
        failures=failures,
        manual=manual,
        guide=guide_html(course),
        slow=slow,
        trusted=trusted,
        refusals=refusals,
    )
    (folder / "class_report.html").write_text(html)
    return folder / "class_report.html"


def page(students, gradebook, scores, failures, manual, guide, slow, trusted, refusals):
    """The report's HTML: every text of the gradebook escaped."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>TinyTorch class report</title></head><body>
<h1>TinyTorch class report</h1>
<p>{students} students, from the gradebook {escape(gradebook)}.
Grades: grades.csv.</p>
<h2>Score distribution per module</h2>
<img src="score_distribution.png" alt="score distribution per module">
<pre>{escape(scores)}</pre>
<h2>Tests failed most often</h2>
{'<img src="failed_tests.png" alt="tests failed most often">' if failures else ""}
{listing([f"{assignment}: {grade_id}, failed by {count}" for (assignment, grade_id), count in failures])}
<h2>Submissions needing manual grading</h2>
{listing([f"{quoted(row['student'])}, {row['assignment']}: {row['grade_id']}{row['again']}" for row in manual])}
<h2>Grading guide for the written answers</h2>
<p>Each question with its model answer and points: grade them in the formgrader (<code>jupyter lab</code>,
Nbgrader &gt; Formgrader), then <code>nbgrader generate_feedback</code>.</p>
{guide}
<h2>Ran out of time</h2>
<p>Submissions with a cell stopped at nbgrader's cell timeout (its tests score zero; marked by {TIMED_OUT} in
their autograded folder). Class grading has already graded each of them twice. Look at the code, or regrade
with a longer <code>c.Execute.timeout</code>:</p>
{listing([f"{quoted(student)}, {assignment}: {cells}" for (student, assignment), cells in slow.items()])}
<h2>Refused for their files</h2>
<p>Submissions whose files break the rules of a submission (a link, a special file, too large or too many
files; see the README's threat model): every test scores zero, nothing of them was read; marked by {REFUSED}
in their autograded folder, the submission itself kept in <code>refused/</code> under stock nbgrader:</p>
{listing([f"{quoted(student)}, {assignment}: {why}" for (student, assignment), why in refusals.items()])}
<h2>Graded without the OS sandbox</h2>
<p>Autograded submissions whose kernels ran without isolation (<code>--no-sandbox</code>, trusted work only;
marked by {UNSANDBOXED} in their autograded folder):</p>
{listing([f"{quoted(student)}, {assignment}" for student, assignment in trusted])}
</body></html>
"""
