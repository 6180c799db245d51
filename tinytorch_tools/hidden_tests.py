"""nbgrader's hidden-test markers, and the two things the tools do with them: find the hidden
tests of a cell (to redact them from feedback) and cut them out (the feedback's cell source)."""

import re

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
# From the beginning of the BEGIN line to the end of the END line; the group is what lies between.
BLOCK = re.compile(rf"^[ \t]*{BEGIN}[^\n]*\n(.*?){END}[^\n]*\n?", re.DOTALL | re.MULTILINE)


def hidden_tests(source):
    """The text of every hidden-test block of a cell's source, markers left out."""
    return BLOCK.findall(source)


def without_hidden_tests(source, replacement):
    """The source with each hidden-test block, markers included, replaced by `replacement`."""
    return BLOCK.sub(replacement, source)


def balanced(source):
    """Whether every BEGIN has its END."""
    return source.count(BEGIN) == source.count(END)
