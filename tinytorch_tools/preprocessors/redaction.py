"""What must never reach a student's feedback: the lines of the hidden tests and of the
reference package. The grader reads them from the course (the trusted side) and redacts any
output line of the feedback that contains one, whatever put it there.

A line counts when it says something: at least MIN_LENGTH characters once its spaces are
collapsed, and not already public (in a released notebook or in the student kit).
"""

import functools
import html
import re
from pathlib import Path

import nbformat

from tinytorch.course import MODULES
from tinytorch_tools.hidden_tests import hidden_tests
from tinytorch_tools.paths import ROOT

MIN_LENGTH = 16
REDACTED = "[redacted by the grader: a line of a hidden test or of the reference]"


def normalized(line):
    return " ".join(line.split())


def lines_of(text):
    return {normalized(line) for line in text.splitlines()}


def code_of_notebooks(folder):
    return [
        cell.source
        for path in sorted(Path(folder).glob("*/*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    ]


@functools.cache
def secret_lines(course):
    """The lines no feedback may show: hidden tests of every source notebook and the reference."""
    course = Path(course)
    secret = set()
    for source in code_of_notebooks(course / "source"):
        for hidden in hidden_tests(source):
            secret |= lines_of(hidden)
    for module in MODULES:
        secret |= lines_of((course / "tinytorch_ref" / f"{module}.py").read_text())
    public = set()
    for source in code_of_notebooks(course / "release"):
        public |= lines_of(source)
    for path in (ROOT / "tinytorch").rglob("*.py"):
        public |= lines_of(path.read_text())
    return frozenset(line for line in secret - public if len(line) >= MIN_LENGTH)


@functools.cache
def secret_pattern(course):
    lines = sorted(secret_lines(course), key=len, reverse=True)
    return re.compile("|".join(re.escape(line) for line in lines)) if lines else None


def readings(line):
    """The ways a printed line may show a secret line: as it is, with HTML entities decoded, and
    with the backslash escapes of a Python or JSON string literal decoded."""
    unescaped = html.unescape(line)
    decoded = re.sub(r"\\(.)", r"\1", unescaped)
    return {normalized(text) for text in (line, unescaped, decoded)}


def line_shows_a_secret(line, pattern):
    return any(pattern.search(reading) for reading in readings(line))


def redact(text, course):
    """`text` with every line that shows a secret line replaced by a notice."""
    pattern = secret_pattern(str(course))
    if pattern is None:
        return text
    kept = [REDACTED if line_shows_a_secret(line, pattern) else line for line in text.split("\n")]
    return "\n".join(kept)


def shows_a_secret(text, course):
    pattern = secret_pattern(str(course))
    return pattern is not None and any(line_shows_a_secret(line, pattern) for line in text.split("\n"))
