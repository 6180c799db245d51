"""The student kit: the tinytorch package built from notebooks, grading mode, test helpers."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient.exceptions import CellExecutionError

from tinytorch.grading import handed_in
from tinytorch.testing import PropertyFailed, check_gradients, check_property
from tinytorch_ref import GRADIENT_RULES, Tensor
from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring.samples import source_notebook
from tinytorch_tools.classroom import notebook_in
from tinytorch_tools.sandbox.handin import hand_in_for


def run_python(code, cwd):
    """Run `code` in a fresh interpreter in `cwd`, as a notebook kernel would."""
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def student_folder(root, notebooks):
    """A student's course folder: one sibling folder per fetched assignment."""
    for assignment, notebook in notebooks.items():
        path = notebook_in(root, assignment)
        path.parent.mkdir(parents=True)
        if notebook is None:
            continue
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)
    return root


def test_later_modules_import_the_students_own_earlier_notebooks(tmp_path):
    folder = student_folder(tmp_path, {"01_tensor": source_notebook("01_tensor"), "02_autograd": None})
    result = run_python("from tinytorch.tensor import Tensor; print(Tensor([1, 2]).dtype)", folder / "02_autograd")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "float32"


def test_a_missing_notebook_is_named(tmp_path):
    (tmp_path / "02_autograd").mkdir()
    result = run_python("import tinytorch.tensor", tmp_path / "02_autograd")
    assert "01_tensor/tensor.ipynb, which does not exist" in result.stderr


def test_a_saved_fix_reaches_a_running_kernel_when_the_import_is_run_again(tmp_path):
    notebook = source_notebook("01_tensor")
    folder = student_folder(tmp_path, {"01_tensor": notebook, "02_autograd": None})
    path = notebook_in(folder, "01_tensor")
    script = f"""
import os, nbformat
from tinytorch.tensor import Tensor
print(Tensor([1, 2]).dtype)
notebook = nbformat.read({str(path)!r}, as_version=4)
for cell in notebook.cells:
    cell.source = cell.source.replace("dtype=np.float32)", "dtype=np.float16)")
nbformat.write(notebook, {str(path)!r})
os.utime({str(path)!r}, ns=(1, 1))  # saved at another time, whatever the clock's resolution
from tinytorch.tensor import Tensor
print(Tensor([1, 2]).dtype)
"""
    result = run_python(script, folder / "02_autograd")
    assert result.stdout.split() == ["float32", "float16"], result.stderr[-2000:]


def test_a_broken_notebook_is_named_with_its_cell(tmp_path):
    notebook = source_notebook("01_tensor")
    solution = next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution"))
    solution.source += "\nraise RuntimeError('half-finished')"
    folder = student_folder(tmp_path, {"01_tensor": notebook, "02_autograd": None})
    result = run_python("import tinytorch.tensor", folder / "02_autograd")
    cell = notebook.cells.index(solution) + 1
    assert f"cell {cell} of your notebook" in result.stderr and "half-finished" in result.stderr


def test_a_syntax_error_shows_one_short_error_with_its_line(tmp_path):
    """In Jupyter, a module that cannot be built is one message with the notebook, cell and line,
    not the frames of the import machinery."""
    notebook = source_notebook("01_tensor")
    solution = next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution"))
    solution.source += "\ndef broken(:\n    pass"
    later = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from tinytorch.tensor import Tensor")])
    folder = student_folder(tmp_path, {"01_tensor": notebook, "02_autograd": later})
    with pytest.raises(CellExecutionError) as failure:
        classroom.run_as_student(classroom.notebook_in(folder, "02_autograd"))
    shown = ANSI.sub("", str(failure.value)).split("------------------", 2)[-1].strip().splitlines()
    cell = notebook.cells.index(solution) + 1
    assert shown[0].startswith(f"ModuleUnavailable: tinytorch.tensor could not be built: cell {cell} of"), shown
    assert "line" in shown[0] and "(`def broken(:`)" in shown[0] and "SyntaxError" in shown[0], shown
    assert not any("loader.py" in line or "importlib" in line for line in shown), shown


def test_a_malformed_notebook_is_named(tmp_path):
    folder = student_folder(tmp_path, {"01_tensor": "{ not json", "02_autograd": None})
    result = run_python("import tinytorch.tensor", folder / "02_autograd")
    assert "tensor.ipynb is not a readable notebook" in result.stderr


@pytest.fixture
def grading_folder(tmp_path):
    """A grading kernel's folder for 02_autograd, with the modules handed in as the grader does."""
    folder = tmp_path / "grading"
    folder.mkdir()
    handed_in.write(folder, hand_in_for(paths.ROOT, "alice", "02_autograd", nbformat.v4.new_notebook(), 1000))
    return tmp_path


def grading(folder):
    return f"import tinytorch.grading.sources\ntinytorch.grading.sources.start({str(folder / 'grading')!r})\n"


def test_grading_takes_earlier_modules_from_the_reference(grading_folder):
    result = run_python(
        grading(grading_folder) + "from tinytorch.tensor import Tensor; print((Tensor([1.0]) + 1).data)",
        grading_folder,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[2.]"


@pytest.mark.parametrize("module", ["tinytorch.autograd", "tinytorch.activations"])
def test_grading_forbids_the_graded_module_and_later_ones(grading_folder, module):
    result = run_python(grading(grading_folder) + f"import {module}", grading_folder)
    assert result.returncode != 0
    assert "ModuleUnavailable" in result.stderr and "must be in this notebook's own cells" in result.stderr


def test_check_property_reports_the_smallest_failing_input():
    from hypothesis import strategies as st

    def below_ten(x):
        assert x < 10, "too big"

    with pytest.raises(PropertyFailed) as failure:
        check_property("numbers are small", below_ten, x=st.integers(0, 1000))
    message = str(failure.value)
    assert "property failed: numbers are small" in message
    assert "smallest failing input: x=10" in message
    assert "too big" in message


def test_a_smallest_failing_input_shows_the_values_drawn_inside_the_test():
    """A student can only reproduce a failure whose every input is shown: st.data() included."""
    from hypothesis import strategies as st

    def small_sum(n, data):
        first = data.draw(st.integers(0, 100), label="first")
        second = data.draw(st.integers(0, 100))
        assert n + first + second < 10, "too big"

    with pytest.raises(PropertyFailed) as failure:
        check_property("sums are small", small_sum, n=st.integers(0, 5), data=st.data())
    assert "smallest failing input: n=0, first=0, draw 2=10\n" in str(failure.value), str(failure.value)


FAILING_PROPERTY = """
import weakref
import numpy as np
from hypothesis import strategies as st
from tinytorch.testing import PropertyFailed, check_property

arrays, most_alive = [], 0

def small(x):
    global most_alive
    array = np.full(100, float(x))
    arrays.append(weakref.ref(array))
    most_alive = max(most_alive, sum(ref() is not None for ref in arrays))
    assert array.sum() < 1000, "too big"

try:
    check_property("sums are small", small, x=st.integers(0, 1000))
except PropertyFailed:
    print(len(arrays), most_alive, sum(ref() is not None for ref in arrays))
"""


def test_a_failing_property_lets_go_of_what_its_examples_held(tmp_path):
    """While it shrinks, Hypothesis keeps each failure it meets; their frames must not keep the
    test's arrays alive (while grading, each is a copy of a student's array that every later
    request to the student process compares for writes). In a fresh interpreter, as a kernel."""
    result = run_python(FAILING_PROPERTY, tmp_path)
    tried, most_alive, alive = map(int, result.stdout.split())
    assert tried > 10, "Hypothesis should have tried many examples while shrinking"
    assert (most_alive, alive) == (1, 0), f"{most_alive} arrays alive at once, {alive} after the property failed"


def test_check_gradients_catches_a_wrong_rule(monkeypatch):
    x = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    check_gradients(lambda x: x.exp(), [x])
    monkeypatch.setitem(GRADIENT_RULES, "exp", lambda grad, out, a: (grad,))
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_gradients(lambda x: x.exp(), [x])


def test_check_gradients_catches_a_rule_only_a_random_upstream_reveals(monkeypatch):
    """A rule that ignores the upstream gradient is right when it is all ones (a plain .sum())."""
    x = Tensor(np.linspace(-1, 1, 6), requires_grad=True)
    monkeypatch.setitem(GRADIENT_RULES, "exp", lambda grad, out, a: (out.data,))
    x.exp().sum().backward()
    assert np.allclose(x.grad, np.exp(x.data)), "with a ones upstream the wrong rule looks right"
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_gradients(lambda x: x.exp(), [x])


def test_the_kit_contains_no_solution_and_no_reference():
    kit = Path(__file__).resolve().parent.parent / "tinytorch"
    text = " ".join(path.read_text() for path in kit.rglob("*.py"))
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "import tinytorch_ref" not in text and "from tinytorch_ref" not in text
