"""Nothing secret reaches a student: no solution, hidden test, reference code or cache ever reaches release/."""

import re

import nbformat
import pytest

from tinytorch_tools import classroom, paths


def code_line(line):
    """A line without its indentation and trailing comment."""
    return line.split("  # ")[0].strip()


def region_lines(source, begin, end):
    """The substantial lines between the begin and end markers of a notebook's cells."""
    regions = re.findall(rf"{begin}\n(.*?)\n[ \t]*{end}", source, re.DOTALL)
    return {code_line(line) for region in regions for line in region.splitlines() if len(code_line(line)) > 25}


@pytest.mark.parametrize("assignment", classroom.assignments())
def test_release_holds_no_solution_and_no_hidden_test(assignment):
    source = nbformat.read(classroom.notebook_in(paths.SOURCE, assignment), as_version=4)
    release = classroom.notebook_in(paths.RELEASE, assignment).read_text()
    released_code = "\n".join(cell.source for cell in nbformat.reads(release, as_version=4).cells)
    code = "\n".join(cell.source for cell in source.cells)
    secret = region_lines(code, "### BEGIN SOLUTION", "### END SOLUTION") | region_lines(
        code, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
    )
    assert secret, "the source notebook should have solutions and hidden tests"
    public = re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS).*?### END (SOLUTION|HIDDEN TESTS)", "", code, flags=re.DOTALL)
    public_lines = {code_line(line) for line in public.splitlines()}
    released_lines = {code_line(line) for line in released_code.splitlines()}
    leaked = sorted(secret & released_lines - public_lines)  # whole lines: nbgrader removes whole lines
    assert not leaked, f"release/{assignment} shows solution or hidden test lines: {leaked[:3]}"
    for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "tinytorch_ref"):
        assert marker not in release, f"release/{assignment} names {marker}"


def test_release_holds_only_notebooks():
    files = [path for path in paths.RELEASE.rglob("*") if path.is_file()]
    assert files and all(path.suffix == ".ipynb" for path in files), files
    assert not [path for path in paths.RELEASE.rglob(".*")], "hidden files or caches in release/"
