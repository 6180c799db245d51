"""The grading guide of the written questions, read from the source notebooks."""

from pathlib import Path

import nbformat


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
