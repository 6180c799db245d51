"""The output cap is the course's configuration (`c.GradingExecute.max_output`), and it reaches
every process that enforces it: the sandboxed student process, the harness kernel and nbgrader."""

import nbformat
import pytest

from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples

ASSIGNMENT = "01_tensor"
PRINTED = 1_200_000  # characters a student's cell prints: more than the default cap of 1,000,000
LOUD = f'print("x" * {PRINTED})'


@pytest.fixture(scope="module")
def loud_course(tmp_path_factory, shared_courses):
    course = shared_courses.new_course(tmp_path_factory.mktemp("output-cap"), ASSIGNMENT)
    notebook = samples.source_notebook(ASSIGNMENT)
    # Before the first test: from it on, nothing a student's cell prints is shown (the seal).
    first_test = next(i for i, cell in enumerate(notebook.cells) if cell.metadata.get("nbgrader", {}).get("grade"))
    notebook.cells.insert(first_test, nbformat.v4.new_code_cell(LOUD))
    classroom.submit(course, "loud", ASSIGNMENT, notebook)
    return course


def printed_by_the_loud_cell(course):
    notebook = nbformat.read(classroom.notebook_in(course / "autograded" / "loud", ASSIGNMENT), as_version=4)
    [cell] = [cell for cell in notebook.cells if cell.source == LOUD]
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


@pytest.mark.parametrize("max_output", [1_000, 1_500_000], ids=["below-the-default", "above-the-default"])
def test_every_process_cuts_output_at_the_configured_number(loud_course, max_output):
    course = loud_course
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.GradingExecute.max_output = {max_output}\n")
    result = classroom.autograde(course, ASSIGNMENT, "loud")
    assert result.returncode == 0, result.stderr[-3000:]
    printed = printed_by_the_loud_cell(course)
    kept = printed.count("x")
    if max_output < PRINTED:
        assert 0 < kept <= max_output, kept
        assert f"output truncated by the grader after {max_output} characters" in printed
    else:
        assert kept == PRINTED, f"kept {kept} of {PRINTED} characters under a cap of {max_output}"
        assert "truncated" not in printed
