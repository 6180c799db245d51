"""Each student's entry, read from their 12_language_model notebook as data, and what the grader
hands in to train it: their own modules 01-12, read as every submission is (`submission_files`).

The entry is the dict literal assigned to LEADERBOARD_ENTRY in the notebook's entry cell (its cell
id, else the code cell that assigns it): parsed with `ast`, evaluated with `ast.literal_eval`,
never run. A result is keyed by a hash of the entry, the handed-in code and the budget, so that an
unchanged entry is not trained again and a resubmitted one is.
"""

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tinytorch.course import LANGUAGE_MODEL, earlier_modules
from tinytorch.leaderboard import EntryError, check_entry
from tinytorch_tools.sandbox.handin import chain_entry
from tinytorch_tools.submission_files import Refused, read_submission, safe_id

ENTRY_CELL = "leaderboard_entry"  # the cell id of the entry cell (course/12_language_model.py)
ENTRY_NAME = "LEADERBOARD_ENTRY"
MAX_SOURCE = 20_000  # characters of the entry cell
CHAIN = [*earlier_modules("language_model"), "language_model"]  # the modules the entry trains with


@dataclass
class Task:
    student: str
    entry: dict
    key: str  # hash of the entry, the handed-in code and the budget
    chain: dict = field(default_factory=dict)  # {module: handed-in cells}; {} for the reference's entry
    refused: str = ""  # why it is not trained


def read_entry(source):
    """The dict literal assigned to LEADERBOARD_ENTRY in a cell's `source`, read as data."""
    if len(source) > MAX_SOURCE:
        raise EntryError(f"the entry cell has more than {MAX_SOURCE:,} characters")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise EntryError(f"the entry cell is not valid Python ({type(error).__name__})") from None
    values = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == ENTRY_NAME for target in node.targets)
    ]
    if len(values) != 1:
        raise EntryError(f"the entry cell must assign {ENTRY_NAME} = {{...}} once ({len(values)} times here)")
    if not isinstance(values[0], ast.Dict):
        raise EntryError(f"{ENTRY_NAME} must be a dict literal {{...}}, read as data")
    try:
        return ast.literal_eval(values[0])
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise EntryError(f"{ENTRY_NAME} must hold plain numbers: no names, calls or arithmetic") from None


def entry_of(notebook):
    """The entry of a 12_language_model notebook (nbformat), read as data."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    marked = [cell for cell in cells if cell.get("id") == ENTRY_CELL]
    assigning = [cell for cell in cells if f"{ENTRY_NAME} =" in cell.source]
    if not marked + assigning:
        raise EntryError(f"no leaderboard entry: the cell with {ENTRY_NAME} = {{...}} is missing")
    return read_entry((marked + assigning)[0].source)


def key_of(entry, code, budget):
    text = json.dumps({"entry": entry, "code": code, "budget": budget}, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def student_task(course, student, budget):
    """The task of one student's entry, or one that carries why it is refused."""
    if not safe_id(student):
        return Task(student, {}, "", refused="the student id breaks the rule of ids")
    assignment = LANGUAGE_MODEL
    if not (Path(course) / "submitted" / student / assignment).exists():
        return Task(student, {}, "", refused=f"{assignment} was not submitted")
    try:
        data = read_submission(course, student, assignment).get("language_model.ipynb")
        if data is None:
            raise EntryError(f"{assignment}/language_model.ipynb was not submitted")
        entry = entry_of(nbformat.reads(data.decode(), as_version=4))
        check_entry(entry, budget)
    except (Refused, EntryError) as error:
        return Task(student, {}, key_of(str(error), None, budget), refused=str(error))
    except Exception as error:  # a notebook nbformat cannot read
        return Task(student, {}, "", refused=f"{assignment}/language_model.ipynb is not a readable notebook: {error}")
    chain = {name: chain_entry(course, student, name) for name in CHAIN}
    return Task(student, entry, key_of(entry, chain, budget), chain)


def reference_sources(course):
    """{module: source} of the reference of every module of the chain."""
    return {name: (Path(course) / "tinytorch_ref" / f"{name}.py").read_text() for name in CHAIN}
