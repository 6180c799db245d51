"""The small HTML pieces every section of the class report is made of. Every text that comes
from the gradebook or a student's folder goes through `escape` (students choose their ids,
their code and their error messages)."""

from html import escape


def table(headers, rows, attributes=""):
    """A table: `headers` as text, `rows` as lists of HTML cells (already escaped)."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table {attributes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bar(fraction, label, color="#4a7fb5"):
    """A horizontal bar of `fraction` (0 to 1) of its cell's width, with its label beside it."""
    width = round(100 * max(0.0, min(1.0, fraction)))
    return (
        f'<span class="bar"><span style="width:{width}%;background:{color}"></span></span> '
        f'<span class="bar-label">{escape(label)}</span>'
    )


def heat(fraction):
    """A background from red (0) through yellow to green (1), for a share of the points."""
    return f"hsl({round(120 * max(0.0, min(1.0, fraction)))}, 65%, 78%)"


def names(students):
    """A comma-separated list of student ids."""
    return escape(", ".join(students)) if students else "none"


def section(anchor, title, body, intro=""):
    paragraph = f"<p>{intro}</p>" if intro else ""
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{paragraph}{body}</section>'


def details(summary, body):
    """A folded part: long lists stay out of the way until asked for."""
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def link(href, text):
    return f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)
