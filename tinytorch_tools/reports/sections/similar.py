"""Similar submissions: the pairs whose solution cells share most of their code (copydetect,
reports/similarity.py), each linking to a side-by-side page with the shared code marked."""

from copydetect.utils import highlight_overlap

from ..html import escape, section, table
from ..similarity import MIN_TOKENS, THRESHOLD

STYLE = """body{font-family:system-ui,sans-serif;margin:1em}.sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f7;padding:.5em;font-size:12px}
mark{background:#ffd27f}"""


def page_name(assignment, number):
    return f"similar/{assignment}-{number}.html"


def marked(code, slices):
    """The code, escaped, with the parts shared with the other submission marked."""
    if not slices.size:
        return escape(code)
    return highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)[0]


def side_by_side(pair):
    """The page of one pair: both students' solution cells, shared code marked."""
    first, second = pair.students
    columns = "".join(
        f"<div><h2>{escape(student)}: {share:.0%} of their code shared</h2><pre>{marked(code, slices)}</pre></div>"
        for student, share, code, slices in zip(pair.students, pair.similarity, pair.codes, pair.slices, strict=True)
    )
    title = escape(f"{pair.assignment}: {first} and {second}")
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title><style>{STYLE}</style></head>'
        f'<body><p><a href="../class_report.html#similar">back to the class report</a></p><h1>{title}</h1>'
        f"<p>{pair.tokens} tokens in common, the given code left out.</p>"
        f'<div class="sides">{columns}</div></body></html>'
    )


def similar(data):
    rows = [
        [
            escape(assignment),
            escape(f"{pair.students[0]} and {pair.students[1]}"),
            escape(f"{pair.similarity[0]:.0%} / {pair.similarity[1]:.0%}"),
            f'<a href="{page_name(assignment, number)}">side by side</a>',
        ]
        for assignment, pairs in sorted(data.similar.items())
        for number, pair in enumerate(pairs)
    ]
    intro = (
        f"Pairs of submissions where at least {THRESHOLD:.0%} of one student's solution code (at least {MIN_TOKENS} "
        "tokens) is found in the other's, with names normalised, so that renamed variables do not hide a copy; the "
        "release notebook's code and the reference solution are left out. A lead to look at, not a verdict."
    )
    body = table(["module", "students", "shared", "view"], rows) if rows else "<p>No similar pair.</p>"
    return section("similar", "Similar submissions", body, intro)
