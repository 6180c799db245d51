"""Students × modules: each cell the student's score, coloured by its share of the points,
linking to their feedback and autograded notebook; sortable by student, any module or total
(the page's script sorts on each cell's data-value)."""

from ..html import escape, heat, link, section

MISSING = "#eeeeee"


def cell(data, student, assignment):
    score = data.scores.get(student, {}).get(assignment)
    if score is None:
        return f'<td data-value="-1" style="background:{MISSING}" title="not submitted">–</td>'
    points, most = score
    fraction = points / most if most else 0.0
    feedback = data.link("feedback", student, assignment)
    notebook = data.link("autograded", student, assignment)
    shown = link(feedback, f"{points:g}")
    extra = f' <a class="nb" href="{escape(notebook)}" title="autograded notebook">nb</a>' if notebook else ""
    title = escape(f"{student}, {assignment}: {points:g} / {most:g}")
    return f'<td data-value="{fraction:.4f}" style="background:{heat(fraction)}" title="{title}">{shown}{extra}</td>'


def total(data, student):
    scores = data.scores.get(student, {}).values()
    points, most = sum(score for score, _ in scores), sum(most for _, most in scores)
    fraction = points / most if most else 0.0
    return f'<td data-value="{points:.4f}" style="background:{heat(fraction)}">{points:g}</td>'


def heatmap(data):
    headers = "".join(
        f'<th data-sort="number" title="{escape(assignment)}">{escape(assignment[:2])}</th>'
        for assignment in data.assignments
    )
    rows = "".join(
        f'<tr data-student="{escape(student)}"><td data-value="{escape(student)}" title="{escape(name)}">'
        f"{escape(student)}</td>"
        + "".join(cell(data, student, assignment) for assignment in data.assignments)
        + total(data, student)
        + "</tr>"
        for student, name in data.students
    )
    body = (
        '<table class="heatmap sortable"><thead><tr><th data-sort="text">student</th>'
        f'{headers}<th data-sort="number">total</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    intro = (
        "Each cell links to the student's feedback (once generated) and, as <em>nb</em>, to their autograded "
        "notebook. Click a column's heading to sort by it; once more to reverse."
    )
    return section("heatmap", "Scores: students × modules", body, intro)
