"""Similar submissions: the students' solution cells of each assignment compared pairwise with
copydetect (winnowed fingerprints of the code with names normalised, so renaming variables
does not hide a copy). The release notebook's code and the reference solution are boilerplate:
what every student was given, or is meant to arrive at, says nothing about copying."""

import io
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

from copydetect import CodeFingerprint, compare_files

from tinytorch.course import ASSIGNMENTS

from .files import Unreadable, cell_source, read_notebook

THRESHOLD = 0.6  # the share of one's own code (boilerplate left out) found in the other's
MIN_TOKENS = 100  # fewer shared tokens (a line or two) independent solutions share too, whatever the share
NOISE, GUARANTEE = 25, 30  # copydetect's defaults: k-grams of 25 tokens, any match of 30 is found


@dataclass
class Pair:
    assignment: str
    students: tuple  # (first, second)
    similarity: tuple  # the share of each one's code found in the other's
    tokens: int  # tokens in common
    codes: tuple  # the two students' solution code
    slices: tuple  # copydetect's copied slices of each code


def solution_code(cells):
    """The text of a notebook's solution cells (where students write), in order."""
    return "\n\n".join(
        cell_source(cell)
        for cell in cells
        if isinstance(cell, dict)
        and cell.get("cell_type") == "code"
        and cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    )


def all_code(cells):
    return "\n\n".join(
        cell_source(cell) for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"
    )


def fingerprint(code, boilerplate=()):
    return CodeFingerprint("solution.py", NOISE, GUARANTEE - NOISE + 1, boilerplate, fp=io.StringIO(code))


def boilerplate(course, assignment):
    """The fingerprints of the code the release notebook and the reference solution hold."""
    name = f"{ASSIGNMENTS[assignment]}.ipynb"
    hashes = set()
    for folder in ("release", "source"):
        path = Path(course) / folder / assignment / name
        if path.is_file():
            cells = read_notebook(path)["cells"]
            # the solution cells on their own too: students' code runs from one into the next
            hashes |= fingerprint(all_code(cells)).hashes | fingerprint(solution_code(cells)).hashes
    return sorted(hashes)


def submitted_code(course, assignment, skipped):
    """{student: solution code} of every submission of `assignment`; unreadable ones go to `skipped`."""
    codes = {}
    for folder in sorted((Path(course) / "submitted").glob(f"*/{assignment}")):
        try:
            codes[folder.parent.name] = solution_code(
                read_notebook(folder / f"{ASSIGNMENTS[assignment]}.ipynb")["cells"]
            )
        except Unreadable as error:
            skipped.append(str(error))
    return codes


def similar_pairs(course, assignments, threshold=THRESHOLD):
    """({assignment: [Pair] most similar first}, [submissions skipped, with the reason])."""
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # copydetect warns per empty file
    found, skipped = {}, []
    for assignment in assignments:
        if assignment not in ASSIGNMENTS:
            continue
        base = boilerplate(course, assignment)
        prints = {
            student: fingerprint(code, base) for student, code in submitted_code(course, assignment, skipped).items()
        }
        pairs = [pair for pair in compare_all(assignment, prints) if max(pair.similarity) >= threshold]
        found[assignment] = sorted(pairs, key=lambda pair: -max(pair.similarity))
    return found, skipped


def compare_all(assignment, prints):
    """A Pair for every two students sharing at least MIN_TOKENS tokens outside the boilerplate."""
    for (first, one), (second, other) in itertools.combinations(prints.items(), 2):
        if one.hashes.isdisjoint(other.hashes):
            continue  # nothing in common: copydetect's comparison costs far more than this test
        tokens, similarity, slices = compare_files(one, other)
        if tokens >= MIN_TOKENS:
            yield Pair(
                assignment,
                (first, second),
                tuple(map(float, similarity)),
                int(tokens),
                (one.raw_code, other.raw_code),
                slices,
            )
