"""Reading what lies in the students' folders (submitted/, autograded/) as data: only regular
files, never through a symlink, and only up to a bound, so that a FIFO, a device or a huge file
a student left there cannot stall or swamp the report."""

import json
import os
import stat

MAX_BYTES = 32 * 2**20  # far above any notebook of the course (the output caps keep them small)


class Unreadable(Exception):
    """A student's file the reports skip, with the reason."""


def read_bytes(path, limit=MAX_BYTES):
    """The bytes of a regular file at `path`, opened without following a symlink or blocking."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise Unreadable(f"{path}: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise Unreadable(f"{path}: not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"{path}: larger than {limit} bytes")
    return data


def read_text(path, limit=MAX_BYTES):
    return read_bytes(path, limit).decode("utf-8", errors="replace")


def read_notebook(path):
    """A notebook as plain JSON (nbformat's validation would cost seconds for a class)."""
    try:
        notebook = json.loads(read_bytes(path))
    except ValueError as error:
        raise Unreadable(f"{path}: not a notebook ({error})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise Unreadable(f"{path}: not a notebook (no list of cells)")
    return notebook


def cell_source(cell):
    """A cell's text, whether stored as one string or as a list of lines."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(source) if isinstance(source, list) else str(source)
