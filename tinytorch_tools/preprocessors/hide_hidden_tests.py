"""HideHiddenTests: no hidden test's source in the feedback."""

import re

from tinytorch_tools.hidden_tests import without_hidden_tests

from .feedback import FeedbackPreprocessor

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(FeedbackPreprocessor):
    """For feedback: remove hidden test source, and keep only the message of a test's error.

    An error's traceback quotes the lines of the test that raised it, so a failed hidden
    test would show its own source; its message (from `tinytorch.testing.check_property`)
    already names the property and the smallest failing input.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = without_hidden_tests(cell.source, "# (hidden tests)\n")
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [ANSI.sub("", f"{output.ename}: {output.evalue}")]
        return cell, resources
