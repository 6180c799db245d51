"""The class report's page: one self-contained HTML file (its style and its sorting script
inline, no network), as narrow as a 1280-pixel window."""

from .html import escape

STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;padding:0 1em;max-width:1240px;color:#222}
nav{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd;z-index:1}
nav a{margin-right:1em}
table{border-collapse:collapse;margin:.5em 0;max-width:100%}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th[data-sort]{cursor:pointer;background:#f0f0f0}
.heatmap td{text-align:right;font-variant-numeric:tabular-nums;min-width:2.5em}
.heatmap td:first-child{text-align:left}
.nb{font-size:75%;color:#555}
.bar{display:inline-block;width:120px;height:10px;background:#eee;vertical-align:middle}
.bar span{display:block;height:100%}
.hist{display:inline-flex;align-items:flex-end;height:24px;gap:1px}
.hist-bin{display:inline-block;width:9px;background:#4a7fb5;min-height:1px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
code{overflow-wrap:anywhere}
blockquote{margin:.3em 1em;color:#444}
"""

# Sorts a table's rows by the clicked column: numbers by their cell's data-value, text as text.
SORT = """
document.querySelectorAll("table.sortable th[data-sort]").forEach((th, column) => {
  th.addEventListener("click", () => {
    const body = th.closest("table").tBodies[0];
    const numeric = th.dataset.sort === "number";
    const descending = th.dataset.order !== "descending";
    th.dataset.order = descending ? "descending" : "ascending";
    const key = (row) => row.cells[column].dataset.value;
    const rows = Array.from(body.rows).sort((a, b) => {
      const order = numeric ? Number(key(a)) - Number(key(b)) : key(a).localeCompare(key(b));
      return descending ? -order : order;
    });
    body.append(...rows);
  });
});
"""

CONTENTS = [
    ("summary", "Summary"),
    ("heatmap", "Scores"),
    ("failures", "Failed tests"),
    ("blame", "Chains"),
    ("manual", "Manual grading"),
    ("incidents", "Time-outs and refusals"),
    ("similar", "Similar submissions"),
    ("leaderboard", "Leaderboard"),
]


def page(sections):
    """The whole report around the sections' HTML, in order."""
    nav = "".join(f'<a href="#{anchor}">{escape(title)}</a>' for anchor, title in CONTENTS)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>TinyTorch class report</title><style>{STYLE}</style></head><body>"
        f"<h1>TinyTorch class report</h1><nav>{nav}</nav>{''.join(sections)}"
        f"<script>{SORT}</script></body></html>\n"
    )
