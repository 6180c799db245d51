"""The feedback's redaction (tinytorch_tools/preprocessors/redaction.py) against the encodings a
student would try to carry the reference of modules 01-10 out of the student process: each line of
it printed with a zero-width space every six characters, in homoglyphs, in full-width letters, in
capitals, one character a line, reversed. None of its lines can be read back from the redacted
text. Base64 of the whole text stays readable (README, "Threat model", says so)."""

import base64

import pytest

from tinytorch.course import earlier_modules
from tinytorch_tools import paths
from tinytorch_tools.preprocessors import redaction

COURSE = str(paths.ROOT)
HOMOGLYPHS = str.maketrans("aceopxyACEHKMOPTX", "асеорхуАСЕНКМОРТХ")  # Latin -> Cyrillic look-alikes
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def reference_text():
    """The reference of every module before the capstone, as the capstone's student process gets it."""
    return "\n".join((paths.ROOT / "tinytorch_ref" / f"{name}.py").read_text() for name in earlier_modules("tinygpt"))


def zero_width(line):
    return "\u200b".join(line[i : i + 6] for i in range(0, len(line), 6))


def one_per_line(text):
    return "\n".join(character for character in text if not character.isspace())


ENCODINGS = {
    # name: (encode the text, read the printed text back)
    "zero-width every six characters": (
        lambda text: "\n".join(map(zero_width, text.splitlines())),
        lambda shown: shown.replace("\u200b", ""),
    ),
    "homoglyphs": (lambda text: text.translate(HOMOGLYPHS), lambda shown: shown),
    "full-width letters": (lambda text: text.translate(FULL_WIDTH), lambda shown: shown),
    "capitals": (str.upper, lambda shown: shown),
    "one character a line": (one_per_line, lambda shown: shown.replace(redaction.REDACTED, "\n")),
    "reversed lines": (
        lambda text: "\n".join(line[::-1] for line in text.splitlines()),
        lambda shown: "\n".join(line[::-1] for line in shown.splitlines()),
    ),
}


def readable(secrets, text):
    """The secret (folded) lines a reader finds in `text`, read as a person reads it."""
    folded, _ = redaction.fold(text)
    return {line for line in secrets if line in folded}


@pytest.fixture(scope="module")
def reference_secrets():
    """The folded secret lines of the reference of modules 01-10: what the redaction must hide."""
    folded, _ = redaction.fold(reference_text())
    secrets = {line for line in redaction.secret_lines(COURSE) if line in folded}
    assert len(secrets) > 150, f"too few secret lines of the reference to look for: {len(secrets)}"
    return secrets


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_no_line_of_the_reference_can_be_read_back_from_redacted_feedback(reference_secrets, encoding):
    encode, read_back = ENCODINGS[encoding]
    printed = encode(reference_text())
    assert readable(reference_secrets, read_back(printed)), "the encoding hides nothing: the test proves nothing"
    shown = readable(reference_secrets, read_back(redaction.redact(printed, COURSE)))
    assert not shown, f"{len(shown)} of {len(reference_secrets)} lines readable, e.g. {sorted(shown)[:3]}"


def test_base64_of_the_whole_reference_stays_readable(reference_secrets):
    """What the threat model says remains: text a reader must decode is not recognised."""
    printed = base64.b64encode(reference_text().encode()).decode()
    decoded = base64.b64decode(redaction.redact(printed, COURSE)).decode()
    assert readable(reference_secrets, decoded) == reference_secrets


def test_text_students_are_given_is_never_redacted():
    released = "\n".join(redaction.code_of_notebooks(paths.RELEASE))
    assert redaction.REDACTED not in redaction.redact(released, COURSE)
