"""RedactSecrets: no line of a hidden test or of the reference in the feedback."""

import html
import re

from nbgrader.coursedir import CourseDirectory

from . import redaction
from .feedback import FeedbackPreprocessor


class RedactSecrets(FeedbackPreprocessor):
    """For feedback, after HideHiddenTests: any output line (and any line of a written answer)
    that shows a line of a hidden test or of the reference is replaced by a notice; an HTML
    output that shows one is replaced as a whole (see `redaction.py`)."""

    def preprocess(self, nb, resources):
        self.course = CourseDirectory(config=self.config).root
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = redaction.redact(cell.source, self.course)
        for output in cell.get("outputs", []):
            self.redact_output(output)
        return cell, resources

    def redact_output(self, output):
        if "text" in output:
            output.text = redaction.redact(output.text, self.course)
        if output.output_type == "error":
            output.evalue = redaction.redact(output.evalue, self.course)
            output.traceback = [redaction.redact(line, self.course) for line in output.traceback]
        for kind, value in output.get("data", {}).items():
            if not isinstance(value, str):
                continue
            if kind == "text/html":
                shown = html.unescape(re.sub(r"<[^>]*>", "\n", value))
                if redaction.shows_a_secret(shown, self.course):
                    output.data[kind] = f"<pre>{redaction.REDACTED}</pre>"
            else:
                output.data[kind] = redaction.redact(value, self.course)
