"""SanitizeHTML: what a student's outputs and answers show is inert."""

from nbconvert.preprocessors import sanitize
from traitlets import Bool


class SanitizeHTML(sanitize.SanitizeHTML):
    """nbconvert's SanitizeHTML on what a student controls: every output, raw cells and the
    written answers (escaped, so the instructor sees what was attempted); the course's own
    text stays as written."""

    enabled = Bool(True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and not cell.metadata.get("nbgrader", {}).get("solution"):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)
