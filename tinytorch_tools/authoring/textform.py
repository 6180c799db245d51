"""The text form of a module notebook, and its conversion to an nbgrader notebook.

A module is authored as `course/NN_name.py`, a Python file made of cells, each opened by a
header line (the percent format of Jupytext and VS Code, with a kind in brackets):

    # %% [markdown]                       text for students, every line commented with "# "
    # %% [export id=imports]              read-only code that is part of the module (imports)
    # %% [solution id=tensor_class]       code students complete; BEGIN/END SOLUTION inside
    # %% [code]                           a worked example students may edit and run
    # %% [tests id=test_add points=2]     autograded tests, visible and hidden
    # %% [written id=why_float points=2]  a manually graded written answer (model answer)

Text is reviewable in a diff and checked by ruff; the notebook in source/ is derived from it.
"""

import re

import nbformat

HEADER = re.compile(r"^# %% \[(?P<kind>\w+)(?P<attributes>[^\]]*)\]\s*$")
KINDS = {"markdown", "export", "solution", "code", "tests", "written"}


class TextFormError(ValueError):
    """The text form is malformed; the message names the file and line."""


def parse_cells(text, filename="<text>"):
    """Split the text into (kind, attributes, body) triples."""
    cells = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADER.match(line)
        if match:
            kind = match["kind"]
            if kind not in KINDS:
                raise TextFormError(f"{filename}:{number}: unknown cell kind [{kind}]")
            attributes = dict(pair.split("=", 1) for pair in match["attributes"].split())
            cells.append((kind, attributes, []))
        elif cells:
            cells[-1][2].append(line)
        elif line.strip():
            raise TextFormError(f"{filename}:{number}: text before the first '# %%' cell")
    return [(kind, attributes, "\n".join(body).strip("\n")) for kind, attributes, body in cells]


def uncomment(body):
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())


def nbgrader_metadata(kind, grade_id, points):
    """nbgrader's cell roles: solution (student writes), grade (scored), locked (restored)."""
    roles = {
        "export": dict(solution=False, grade=False, locked=True),
        "solution": dict(solution=True, grade=False, locked=False),
        "tests": dict(solution=False, grade=True, locked=True, points=points),
        "written": dict(solution=True, grade=True, locked=False, points=points),
    }[kind]
    return dict(roles, grade_id=grade_id, schema_version=3, task=False)


def make_cell(kind, attributes, body, number):
    grade_id = attributes.get("id", f"{kind}-{number}")
    if kind in ("markdown", "written"):
        cell = nbformat.v4.new_markdown_cell(uncomment(body))
    else:
        cell = nbformat.v4.new_code_cell(body)
    cell.id = grade_id
    if kind in ("export", "solution", "tests", "written"):
        if "id" not in attributes:
            raise TextFormError(f"a [{kind}] cell needs an id=... (cell {number})")
        points = float(attributes["points"]) if "points" in attributes else None
        cell.metadata["nbgrader"] = nbgrader_metadata(kind, grade_id, points)
    if kind == "export":
        cell.metadata["tags"] = ["export"]
    if kind in ("code", "tests"):
        # Run All goes on past a worked example or a test that fails while the student's code is
        # unwritten (JupyterLab and nbclient honour the tag), so that every visible test runs.
        cell.metadata["tags"] = ["raises-exception"]
    return cell


def to_notebook(text, filename="<text>"):
    """The nbgrader source notebook for a module's text form."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    parsed = parse_cells(text, filename)
    notebook.cells = [make_cell(kind, attrs, body, n) for n, (kind, attrs, body) in enumerate(parsed, 1)]
    return notebook


def module_code(text, filename="<text>"):
    """The code of the module itself: its export and solution cells, solution markers removed."""
    blocks = []
    for kind, _, body in parse_cells(text, filename):
        if kind in ("export", "solution"):
            lines = [line for line in body.splitlines() if not re.match(r"\s*### (BEGIN|END) SOLUTION", line)]
            blocks.append("\n".join(lines))
    return "\n\n\n".join(blocks) + "\n"
