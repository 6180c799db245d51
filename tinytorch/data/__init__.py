"""Texts that ship with the student kit; where they come from: README.md next to this file."""

from pathlib import Path

FOLDER = Path(__file__).parent


def load_shakespeare():
    """Tiny Shakespeare as (training text, held-out text): the held-out part is the last tenth,
    which a model never trains on, so its loss there measures what it learned, not what it saw."""
    return tuple((FOLDER / f"shakespeare_{part}.txt").read_text(encoding="utf-8") for part in ("train", "heldout"))
