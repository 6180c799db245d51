"""The student's check, `python -m tinytorch.check`: a notebook run in a fresh kernel as the
grader runs it, summed up (visible tests, stubs, edited test cells), with the kit alone."""

import subprocess
import sys

import nbformat
import pytest

from tinytorch_tools import classroom
from tinytorch_tools.authoring.samples import release_notebook, source_notebook
from tinytorch_tools.nbgrader_cli import environment

ASSIGNMENT = "01_tensor"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def completed(notebook):
    """The release notebook with every solution cell written as the reference does (no markers)."""
    reference = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in source_notebook(ASSIGNMENT).cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in reference:
            cell.source = "\n".join(line for line in reference[grade_id].splitlines() if line.strip() not in MARKERS)
    return notebook


def check(tmp_path, notebook):
    """`python -m tinytorch.check 01_tensor/tensor.ipynb` in the student's folder: (status, output)."""
    path = classroom.notebook_in(tmp_path, ASSIGNMENT)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    run = subprocess.run(
        [sys.executable, "-m", "tinytorch.check", str(path.relative_to(tmp_path))],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return run.returncode, run.stdout + run.stderr


def visible_tests():
    return [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in release_notebook(ASSIGNMENT).cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    ]


def test_a_fresh_release_lists_every_stub_and_no_passing_test(tmp_path):
    status, output = check(tmp_path, release_notebook(ASSIGNMENT))
    assert status == 1, output
    assert f"visible tests: 0 of {len(visible_tests())} pass" in output
    assert "still to write (YOUR CODE HERE): to_array, " in output
    assert "graded cells: all of the course's, none edited" in output


def test_a_finished_notebook_passes(tmp_path):
    status, output = check(tmp_path, completed(release_notebook(ASSIGNMENT)))
    assert f"visible tests: {len(visible_tests())} of {len(visible_tests())} pass" in output
    assert "still to write (YOUR CODE HERE): nothing" in output
    assert status == 0, output


@pytest.mark.parametrize("tamper", ["edit", "duplicate", "copy into a new notebook"])
def test_tampered_graded_cells_are_named(tmp_path, tamper):
    notebook = completed(release_notebook(ASSIGNMENT))
    test = next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_dtypes")
    if tamper == "edit":
        test.source = "pass"
        expected = "the read-only cell test_dtypes was edited"
    elif tamper == "duplicate":
        notebook.cells.append(nbformat.from_dict(dict(test, id="pasted-copy")))
        expected = "the cell test_dtypes appears 2 times"
    else:
        for cell in notebook.cells:
            cell.metadata.pop("nbgrader", None)
        expected = "it has none of the course's graded cells"
    status, output = check(tmp_path, notebook)
    assert status == 1 and expected in output, output


def test_the_check_agrees_with_nbgrader_on_checksums():
    from nbgrader.utils import compute_checksum

    from tinytorch.check import checksum

    for cell in release_notebook(ASSIGNMENT).cells:
        if cell.metadata.get("nbgrader", {}).get("checksum"):
            assert checksum(cell) == compute_checksum(cell) == cell.metadata["nbgrader"]["checksum"]


def test_the_readme_and_the_notebooks_name_this_check():
    from tinytorch_tools import paths

    assert "python -m tinytorch.check 01_tensor/tensor.ipynb" in (paths.ROOT / "README.md").read_text()
    assert "`python -m tinytorch.check 01_tensor/tensor.ipynb`" in release_notebook(ASSIGNMENT).cells[0].source
