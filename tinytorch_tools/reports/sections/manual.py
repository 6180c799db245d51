"""The manual-grading queue (written answers and flagged cells, as the formgrader shows them),
with the grading guide of each written question."""

from ..html import details, escape, section, table

AGAIN = " (graded by hand before: its answer changed, or stock `nbgrader autograde` flagged it again)"


def queue(data):
    """{(assignment, grade_id): [student (and why again)]} of the grades waiting for a hand."""
    waiting = {}
    for row in data.rows:
        if row["needs_manual_grade"]:
            again = AGAIN if row["graded_by_hand"] else ""
            waiting.setdefault((row["assignment"], row["grade_id"]), []).append(f"{row['student']}{again}")
    return waiting


def guide_html(data, assignment, grade_id):
    for guided, guided_id, points, question, answer in data.guide:
        if (guided, guided_id) == (assignment, grade_id):
            return details(
                f"grading guide ({points:g} points)",
                f"<blockquote>{escape(question)}</blockquote><p>Model answer:</p><pre>{escape(answer)}</pre>",
            )
    return "(a test cell flagged for review: see the formgrader)"


def manual(data):
    waiting = queue(data)
    rows = [
        [
            escape(f"{assignment}: {grade_id}"),
            str(len(students)),
            details(f"{len(students)} students", "<br>".join(map(escape, students))),
            guide_html(data, assignment, grade_id),
        ]
        for (assignment, grade_id), students in sorted(waiting.items())
    ]
    intro = (
        "Grade them in the formgrader (<code>jupyter lab</code>, Nbgrader &gt; Formgrader), then "
        "<code>nbgrader generate_feedback</code>."
    )
    body = (
        table(["answer", "waiting", "students", "guide"], rows) if rows else "<p>Nothing waits for a manual grade.</p>"
    )
    return section("manual", "Manual-grading queue", body, intro)
