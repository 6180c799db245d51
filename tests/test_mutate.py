"""Mutation testing (`python -m tinytorch_tools mutate`): the README's command runs on a slice of
a module, and mutants change only the code students write."""

import re
import subprocess
import sys

from tinytorch_tools import paths
from tinytorch_tools.authoring.mutate import equivalents, mutants

TEXT = """# %% [export id=imports]
import numpy as np

# %% [solution id=relu]
def relu(x):
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION


def grad_relu(grad, x):
    return grad * (x > 0)

# %% [tests id=test_relu points=1]
assert relu(1) == 1
"""


def test_only_the_lines_students_write_are_mutated():
    changed = {(mutant.original, mutant.mutated) for mutant in mutants(TEXT)}
    assert changed == {
        ("return np.maximum(x, 0)", "return np.maximum(x, 1)"),
        ("return np.maximum(x, 0)", "return np.maximum(x, -1)"),
    }


def test_the_readme_command_grades_mutants_and_prints_the_score():
    text = (paths.ROOT / "README.md").read_text().split("### Mutation testing", 1)[1]
    command = text.split("```bash\n", 1)[1].splitlines()[0].split("#")[0].split()
    assert command[:3] == ["python", "-m", "tinytorch_tools"], command
    result = subprocess.run(
        [sys.executable, *command[1:], "--limit", "3"], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d\d_\w+: [\d.]+% killed \(\d+ of \d+ mutants", result.stdout, re.M), result.stdout


def test_the_equivalents_listed_are_mutants_the_command_makes():
    """One module's list, as the report matches it (a full run also names stale entries)."""
    made = {(mutant.original, mutant.mutated) for mutant in mutants((paths.COURSE / "09_attention.py").read_text())}
    listed = set(equivalents("09_attention"))
    assert listed and listed <= made, listed - made


def test_every_listed_equivalent_has_a_reason():
    for listing in sorted((paths.COURSE / "mutants").glob("*.toml")):
        for (line, mutant), reason in equivalents(listing.stem).items():
            assert line != mutant and reason.strip(), f"{listing.name}: {line} -> {mutant}"
