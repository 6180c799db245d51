"""What a student does: run a completed notebook top to bottom with only the student kit."""

import nbformat
import pytest

from tinytorch_tools import classroom
from tinytorch_tools.samples import source_notebook


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory):
    """A student's folder of fetched assignments, every one of them completed."""
    folder = tmp_path_factory.mktemp("student")
    for assignment in classroom.assignments():
        path = classroom.notebook_in(folder, assignment)
        path.parent.mkdir()
        nbformat.write(source_notebook(assignment), path)
    return folder


@pytest.mark.parametrize("assignment", classroom.assignments())
def test_a_completed_notebook_runs_top_to_bottom_on_the_students_own_modules(student_folder, assignment):
    notebook = classroom.run_as_student(classroom.notebook_in(student_folder, assignment))
    stderr = [
        output.text for cell in notebook.cells for output in cell.get("outputs", []) if output.get("name") == "stderr"
    ]
    assert not stderr, stderr
    assert not any((student_folder / assignment).glob(".hypothesis")), "nothing is written into the student's folder"
