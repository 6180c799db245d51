"""A submission is data: the one way the grader reads the files of a submitted folder.

A student controls every entry of `submitted/<student>/<assignment>/`, so the grader reads only
regular files that really lie inside it: a symlink (relative or absolute), a hard link (a second
name of some other file, a course file say), a FIFO, a socket or a device, at any depth, the
submission folder and the student's folder included, refuses the whole submission. Each folder is
opened by a file descriptor of its parent with O_NOFOLLOW, and each file by the descriptor of its
folder, then checked on the opened descriptor (fstat): a link swapped in between two steps makes
the open fail instead of redirecting it. Bounds on a file's size, the submission's total size and
its number of entries keep a huge (or sparse) file or a flood of small ones out of memory and disk.
"""

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.nbgraderformat.common import SchemaMismatchError

# The file a refused submission's autograded folder holds: why it was refused (a submitted file
# of that name is never taken for it: a refused submission's autograded folder holds nothing else).
REFUSED = "REFUSED.txt"

FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO never waits for a writer (it is refused right after, by fstat).
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

# A student id or an assignment id becomes a path, a CSV field, a line on the terminal and HTML:
# letters, digits and . _ @ - only (no comma, quote, space, newline, escape or right-to-left mark).
SAFE_ID = re.compile(r"[A-Za-z0-9_@-][A-Za-z0-9_.@-]{0,99}")


class Refused(Exception):
    """A submission that breaks a rule of what a submission may contain; the message says which."""


@dataclass(frozen=True)
class Bounds:
    """What one submission folder may hold; a correct notebook is a few tens of KiB."""

    file_bytes: int = 16 * 2**20
    total_bytes: int = 32 * 2**20
    entries: int = 500


BOUNDS = Bounds()


def safe_id(text):
    return bool(SAFE_ID.fullmatch(text))


def quoted(text):
    """An id as it may be written on a terminal or in a log: as it is when safe, else quoted
    with every character outside printable ASCII escaped."""
    return text if safe_id(text) else ascii(text)


def check_id(kind, text):
    """Refuse an id that could forge a path, a CSV row, a terminal line or HTML."""
    if not safe_id(text):
        raise Refused(f"{kind} id {text!a} has characters other than letters, digits and . _ @ -")


def read_submission(course, student, assignment, bounds=BOUNDS, step="submitted"):
    """{path relative to the submission folder: bytes} of every file of
    course/<step>/<student>/<assignment>/ (step: nbgrader's submitted or autograded); raises
    Refused when it breaks a rule."""
    check_id("student", student)
    check_id("assignment", assignment)
    steps = os.open(Path(course) / step, FOLDER_FLAGS)
    try:
        return read_folder(steps, [student, assignment], bounds)
    finally:
        os.close(steps)


def read_folder(parent, names, bounds):
    """The files under the folder `parent`/names[0]/names[1]/..., each folder opened by its parent's fd."""
    folder = open_folder(parent, names[0], names[0])
    try:
        for name in names[1:]:
            inner = open_folder(folder, name, name)
            os.close(folder)
            folder = inner
        files, budget = {}, Budget(bounds)
        walk(folder, "", files, budget)
        return files
    finally:
        os.close(folder)


class Budget:
    """What is left of a submission's bounds while it is read."""

    def __init__(self, bounds):
        self.bounds, self.entries, self.total = bounds, 0, 0

    def count(self):
        self.entries += 1
        if self.entries > self.bounds.entries:
            raise Refused(f"more than {self.bounds.entries} files and folders")

    def take(self, relative, size):
        if size > self.bounds.file_bytes:
            raise Refused(f"{relative!a} is larger than {self.bounds.file_bytes} bytes")
        self.total += size
        if self.total > self.bounds.total_bytes:
            raise Refused(f"the files are larger than {self.bounds.total_bytes} bytes together")


def walk(folder, prefix, files, budget):
    """Read every entry of the open `folder` into `files`, as `prefix` + its name."""
    for name in sorted(os.listdir(folder)):
        relative = prefix + name
        budget.count()
        if kind_of(folder, name) == "a folder":
            inner = open_folder(folder, name, relative)
            try:
                walk(inner, relative + "/", files, budget)
            finally:
                os.close(inner)
        else:
            files[relative] = read_file(folder, name, relative, budget)


def open_folder(parent, name, relative):
    try:
        return os.open(name, FOLDER_FLAGS, dir_fd=parent)
    except OSError:
        raise Refused(f"{relative!a} is {kind_of(parent, name)}, not a folder") from None


def read_file(folder, name, relative, budget):
    """The bytes of the regular file `name` of the open `folder`, checked on its open descriptor."""
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=folder)
    except OSError as error:
        kind = "a symbolic link" if error.errno == errno.ELOOP else kind_of(folder, name)
        raise Refused(f"{relative!a} is {kind}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{relative!a} is {describe(info.st_mode)}, not a regular file")
        if info.st_nlink == 0:
            raise Refused(f"{relative!a} was replaced while it was read")
        if info.st_nlink != 1:
            raise Refused(f"{relative!a} is a hard link (one of {info.st_nlink} names of one file)")
        budget.take(relative, info.st_size)
        data = file.read(info.st_size + 1)
        if len(data) != info.st_size:
            raise Refused(f"{relative!a} changed while it was read")
        return data


def check_notebooks(files):
    """Refuse a submission with a notebook that would stop nbgrader's conversion of the whole class
    (nbgrader metadata of a schema version it does not know) or that it cannot parse for nesting
    (a RecursionError); the reason is nbgrader's own. Other broken notebooks are left to nbgrader,
    which logs them and goes on."""
    for name, data in files.items():
        if not name.endswith(".ipynb") or "/" in name:
            continue
        try:
            MetadataValidator().validate_nb(nbformat.reads(data.decode(errors="replace"), as_version=4))
        except (SchemaMismatchError, RecursionError) as error:
            raise Refused(f"nbgrader cannot read {name!a}: {type(error).__name__}: {error}") from None
        except Exception:  # nbgrader's own conversion reports it, and goes on with the class
            pass


def small_regular_file(path, limit=256):
    """The text of the first `limit` bytes of the regular file at `path` (a timestamp.txt, say),
    never through a link, never waiting on a FIFO; OSError for anything else."""
    fd = os.open(path, FILE_FLAGS)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        return file.read(limit).decode(errors="replace")


def kind_of(folder, name):
    try:
        return describe(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return "gone"


def describe(mode):
    kinds = [
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISREG, "a regular file"),
    ]
    return next((text for test, text in kinds if test(mode)), "not a regular file")
