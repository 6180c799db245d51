"""What must never reach a student's feedback: the lines of the hidden tests and of the
reference package. The grader reads them from the course (the trusted side) and redacts any
output line of the feedback that shows one, whatever put it there and however it is spelled.

Text is compared folded (`fold`): Unicode-normalized (NFKC), transliterated to ASCII (homoglyphs:
a Cyrillic "а" reads as "a"), case-folded, without whitespace and without format characters (the
zero-width ones). A secret is searched in the folded text of a whole output, forwards and
backwards, so a line spread over many lines (one character each) or printed reversed is found
too; every line that shows a part of it is redacted. Text encoded so that a reader must decode it
(base64, say) is not: README, "Threat model", says what remains.

A line counts when it says something: at least MIN_LENGTH characters folded, and not already
public (in, or part of, a line of a released notebook or of the student kit).
"""

import bisect
import functools
import html
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import nbformat
from anyascii import anyascii

from tinytorch.course import MODULES
from tinytorch_tools.hidden_tests import hidden_tests
from tinytorch_tools.paths import ROOT

MIN_LENGTH = 14  # folded characters
PREFIX = 8  # folded characters a secret is looked up by
REDACTED = "[redacted by the grader: a line of a hidden test or of the reference]"


@functools.cache
def fold_character(character):
    """How one character reads: "" for whitespace and format characters (zero-width ones)."""
    if character.isspace() or unicodedata.category(character) == "Cf":
        return ""
    folded = anyascii(unicodedata.normalize("NFKC", character)).casefold()
    return "".join(part for part in folded if not part.isspace())


def fold(text):
    """(the folded text, the index in `text` of each of its characters)."""
    characters, origins = [], []
    for index, character in enumerate(text):
        folded = fold_character(character)
        characters.append(folded)
        origins += [index] * len(folded)
    return "".join(characters), origins


def folded_lines(text):
    return {fold(line)[0] for line in text.splitlines()}


def code_of_notebooks(folder):
    return [
        cell.source
        for path in sorted(Path(folder).glob("*/*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    ]


@functools.cache
def secret_lines(course):
    """The folded lines no feedback may show: hidden tests of every source notebook and the reference."""
    course = Path(course)
    secret = set()
    for source in code_of_notebooks(course / "source"):
        for hidden in hidden_tests(source):
            secret |= folded_lines(hidden)
    for module in MODULES:
        secret |= folded_lines((course / "tinytorch_ref" / f"{module}.py").read_text())
    public = set()
    for source in code_of_notebooks(course / "release"):
        public |= folded_lines(source)
    for path in (ROOT / "tinytorch").rglob("*.py"):
        public |= folded_lines(path.read_text())
    public_text = "\n".join(public)  # a secret inside a public line is public too
    return frozenset(line for line in secret if len(line) >= MIN_LENGTH and line not in public_text)


@functools.cache
def secrets_by_prefix(course):
    """{the first PREFIX folded characters: [secret lines that start so]}."""
    found = defaultdict(list)
    for line in secret_lines(course):
        found[line[:PREFIX]].append(line)
    return dict(found)


def secret_spans(folded, course):
    """(start, end) in `folded` of every secret line it contains."""
    by_prefix = secrets_by_prefix(str(course))
    for start in range(len(folded) - MIN_LENGTH + 1):
        for line in by_prefix.get(folded[start : start + PREFIX], ()):
            if folded.startswith(line, start):
                yield start, start + len(line)


def readings(lines):
    """The ways printed lines may show a secret, line by line: as they are, with HTML entities
    decoded, and with the backslash escapes of a Python or JSON string literal decoded."""
    unescaped = [html.unescape(line) for line in lines]
    return [lines, unescaped, [re.sub(r"\\(.)", r"\1", line) for line in unescaped]]


def lines_showing_secrets(lines, course):
    """The indices of `lines` that show a part of a secret line, read forwards or backwards."""
    shown = set()
    for reading in readings(lines):
        text = "\n".join(reading)
        starts = [0] + [index + 1 for index, character in enumerate(text) if character == "\n"]
        folded, origins = fold(text)
        for direction in (folded, folded[::-1]):
            for start, end in secret_spans(direction, course):
                if direction is not folded:
                    start, end = len(folded) - end, len(folded) - start
                first, last = (bisect.bisect_right(starts, origins[i]) - 1 for i in (start, end - 1))
                shown.update(range(first, last + 1))
    return shown


def redact(text, course):
    """`text` with every line that shows a secret line replaced by a notice."""
    lines = text.split("\n")
    shown = lines_showing_secrets(lines, course)
    return "\n".join(REDACTED if index in shown else line for index, line in enumerate(lines))


def shows_a_secret(text, course):
    return bool(lines_showing_secrets(text.split("\n"), course))
