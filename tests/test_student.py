"""What a student does: run a completed notebook top to bottom with only the student kit."""

import re

import nbformat
import pytest

from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring.samples import source_notebook
from tinytorch_tools.preprocessors.named_stubs import enclosing_function


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


def test_run_all_on_a_fresh_notebook_reaches_every_visible_test(tmp_path):
    """Worked examples and tests that fail while the code is unwritten do not stop Run All: every
    test cell runs and says what is missing."""
    assignment = classroom.assignments()[0]
    path = classroom.notebook_in(tmp_path, assignment)
    path.parent.mkdir()
    path.write_bytes(classroom.notebook_in(paths.RELEASE, assignment).read_bytes())
    notebook = classroom.run_as_student(path)
    graded = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    tests = [cell for cell in graded if cell.cell_type == "code"]
    assert tests and all(cell.get("execution_count") for cell in tests), "a test cell did not run"
    errors = [output for cell in tests for output in cell.outputs if output.output_type == "error"]
    assert errors and errors[0].evalue.startswith("YOUR CODE HERE: "), errors[:1]


def test_an_unwritten_function_names_itself_and_its_section():
    """The stub of every solution region says which function to write and which section of the
    notebook explains it, so a student reading the error knows where to go."""
    stub = re.compile(r'raise NotImplementedError\("YOUR CODE HERE: (.*)"\)')
    for assignment in classroom.assignments():
        cells = nbformat.read(classroom.notebook_in(paths.RELEASE, assignment), as_version=4).cells
        wheres = [where for cell in cells for where in stub.findall(cell.source)]
        assert wheres, assignment
        for where in wheres:
            assert re.fullmatch(r"write \w[\w.]*, as section \d+ \(.+\) explains", where), (assignment, where)
    tensor = classroom.notebook_in(paths.RELEASE, "01_tensor").read_text()
    assert "YOUR CODE HERE: write Tensor.matmul, as section 2 (The Tensor class) explains" in tensor


def test_a_stub_belongs_to_the_def_that_encloses_it_not_to_one_nested_above_it():
    lines = [
        "class Model:",
        "    def forward(self, x):",
        "        def helper():",
        "            pass",
        "        raise X",
    ]
    assert enclosing_function(lines) == "Model.forward"
    assert enclosing_function(["raise X"]) == "this part"
