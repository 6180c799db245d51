"""Submissions whose files are the attack: links, special files, floods. Each one is made in
submitted/<student>/01_tensor/ as `nbgrader collect` would leave it, next to honest students;
graded by tests/test_submission_files.py with stock `nbgrader autograde` and with `grade`.

Every one of them must score zero on every test of 01_tensor with its reason recorded, and
nothing outside the submission may be read, copied or handed back because of it.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples

ASSIGNMENT = "01_tensor"
NOTEBOOK = "tensor.ipynb"
VICTIM = "reference"  # an honest student whose work a link would copy


@dataclass(frozen=True)
class Attack:
    student: str
    description: str
    make: Callable  # (course, submission folder) -> None: puts the attack in place
    reason: str  # in the refusal's reason


def honest_notebook(folder):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(samples.source_notebook(ASSIGNMENT), folder / NOTEBOOK)


def link(target_of):
    """The notebook is a symbolic link to target_of(course, folder)."""

    def make(course, folder):
        folder.mkdir(parents=True, exist_ok=True)
        os.symlink(target_of(course, folder), folder / NOTEBOOK)

    return make


def with_extra(name, make_entry):
    """An honest notebook, plus the entry `name` made by make_entry(course, path)."""

    def make(course, folder):
        honest_notebook(folder)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        make_entry(course, folder / name)

    return make


def folder_link(course, folder):
    folder.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(Path("..") / VICTIM / ASSIGNMENT, folder)


def hard_link(course, folder):
    folder.mkdir(parents=True, exist_ok=True)
    os.link(course / "source" / ASSIGNMENT / NOTEBOOK, folder / NOTEBOOK)


def sparse(course, path):
    with open(path, "wb") as file:
        file.truncate(320 * 2**20)  # no disk until it is read


def many_files(course, folder):
    honest_notebook(folder)
    (folder / "many").mkdir()
    for number in range(20_000):
        (folder / "many" / f"{number}.txt").write_text("x")


def fifo(course, folder):
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / NOTEBOOK)


def schema_99(course, folder):
    """A solution cell whose nbgrader metadata claims a schema version nbgrader does not know."""
    notebook = samples.source_notebook(ASSIGNMENT)
    solution = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution"))
    solution.metadata.nbgrader["schema_version"] = 99
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / NOTEBOOK)


def deep_nesting(course, folder):
    """Notebook metadata nested 100,000 levels deep."""
    notebook = nbformat.writes(samples.source_notebook(ASSIGNMENT))
    folder.mkdir(parents=True, exist_ok=True)
    deep = "[" * 100_000 + "]" * 100_000
    (folder / NOTEBOOK).write_text(notebook.replace('"metadata": {', f'"metadata": {{"deep": {deep}, ', 1))


def gradebook_link(course, path):
    os.symlink(course / "gradebook.db", path)


ATTACKS = [
    Attack(
        "link-to-source",
        "the notebook is an absolute link to the instructor's notebook",
        link(lambda course, folder: course / "source" / ASSIGNMENT / NOTEBOOK),
        "a symbolic link",
    ),
    Attack(
        "relative-link",
        "the notebook is a relative link to the instructor's notebook",
        link(lambda course, folder: Path("../../../source") / ASSIGNMENT / NOTEBOOK),
        "a symbolic link",
    ),
    Attack("folder-link", "the submission folder is a link to another student's", folder_link, "a symbolic link"),
    Attack(
        "extra-link",
        "an extra file is a link to the gradebook",
        with_extra("notes.txt", gradebook_link),
        "a symbolic link",
    ),
    Attack(
        "subfolder-link",
        "a file in a subfolder is a link to the gradebook",
        with_extra("data/deep/notes.txt", gradebook_link),
        "a symbolic link",
    ),
    Attack("hard-link", "the notebook is a hard link to the instructor's notebook", hard_link, "a hard link"),
    Attack("fifo", "the notebook is a FIFO (opening it waits forever)", fifo, "a FIFO"),
    Attack("sparse", "a 320 MiB sparse file beside the notebook", with_extra("big.bin", sparse), "larger than"),
    Attack("many-files", "20,000 small files beside the notebook", many_files, "more than"),
    Attack("schema-99", "a cell's nbgrader metadata of schema version 99", schema_99, "SchemaTooNewError"),
    Attack("deep-nesting", "metadata nested 100,000 levels deep", deep_nesting, "RecursionError"),
]


def submit(course, attack):
    attack.make(Path(course).resolve(), Path(course).resolve() / "submitted" / attack.student / ASSIGNMENT)


def submit_honest(course, student=VICTIM):
    classroom.submit(course, student, ASSIGNMENT, samples.source_notebook(ASSIGNMENT))
