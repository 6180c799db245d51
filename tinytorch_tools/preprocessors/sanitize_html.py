"""SanitizeHTML: what a student's outputs, answers and markdown show is inert."""

import functools
from pathlib import Path

import nbformat
from nbconvert.preprocessors import sanitize
from nbgrader.coursedir import CourseDirectory
from traitlets import Bool


@functools.cache
def course_texts(release_notebook):
    """The markdown texts of a released notebook, as students were given them."""
    path = Path(release_notebook)
    if not path.is_file():
        return frozenset()
    cells = nbformat.read(path, as_version=4).cells
    return frozenset(cell.source for cell in cells if cell.cell_type == "markdown" and "nbgrader" not in cell.metadata)


class SanitizeHTML(sanitize.SanitizeHTML):
    """nbconvert's SanitizeHTML on everything a student controls: every output, raw cells, the
    written answers and every markdown cell (escaped, so that the instructor sees what was
    attempted), but for the course's own text exactly as the release has it: escaping would show
    its `->` as `-&gt;`, and its text is the course's, not the student's."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        course = CourseDirectory(config=self.config)
        release = Path(course.root) / course.release_directory / str(info.get("assignment"))
        self.course_texts = course_texts(str(release / f"{info.get('notebook')}.ipynb"))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "nbgrader" not in cell.metadata and cell.source in self.course_texts:
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
