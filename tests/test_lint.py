"""Static checks: ruff, the layering of the packages (import-linter), and the nbgrader metadata
of the notebooks (tinytorch_tools.authoring.lint)."""

import subprocess
import sys

import nbformat
import pytest

from tinytorch_tools import paths
from tinytorch_tools.authoring.lint import course_problems, notebook_problems
from tinytorch_tools.authoring.textform import to_notebook


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=paths.ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_layering_contracts_of_pyproject_toml_are_kept():
    """The kit below the grading runtime below the tools, no reference in the kit, no cycles."""
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_course_notebooks_have_no_metadata_problem():
    assert course_problems() == []


GOOD = """# %% [solution id=answer]
def answer():
    ### BEGIN SOLUTION
    return 42
    ### END SOLUTION

# %% [tests id=test_answer points=2]
assert answer() == 42
### BEGIN HIDDEN TESTS
assert answer() != 41
### END HIDDEN TESTS

# %% [written id=essay points=1]
# An answer.
"""


def problems(text, points=3):
    return notebook_problems(to_notebook(text), points)


def test_a_well_formed_notebook_passes():
    assert problems(GOOD) == []


def test_lint_finds_each_defect():
    assert "no BEGIN/END SOLUTION markers" in " ".join(problems(GOOD.replace("    ### BEGIN SOLUTION\n", "")))
    assert "used twice" in " ".join(problems(GOOD.replace("id=essay", "id=answer")))
    assert "add up to 3.0" in " ".join(problems(GOOD, points=4))
    assert "unbalanced" in " ".join(problems(GOOD.replace("### END HIDDEN TESTS\n", "")))
    unlocked = to_notebook(GOOD)
    unlocked.cells[1].metadata.nbgrader["locked"] = False
    assert "not locked" in " ".join(notebook_problems(unlocked, 3))
    pointless = to_notebook(GOOD.replace("points=2", "points=0"))
    assert "has no points" in " ".join(notebook_problems(pointless, 1))
    executed = to_notebook(GOOD)
    executed.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    assert "committed with outputs" in " ".join(notebook_problems(executed, 3))
