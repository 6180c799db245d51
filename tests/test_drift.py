"""The one source of truth per module: source/, tinytorch_ref/ and release/ never drift from course/;
nor the student kit's versions from the grader's."""

import tomllib

from tinytorch_tools import paths
from tinytorch_tools.authoring.build import generated_files, release_in

HAND_WRITTEN = {"tinytorch_ref/__main__.py"}


def test_source_and_reference_are_generated_from_the_course():
    stale = [
        path
        for path, content in generated_files().items()
        if not (paths.ROOT / path).exists() or (paths.ROOT / path).read_text() != content
    ]
    assert not stale, f"out of date, run `python -m tinytorch_tools build`: {stale}"


def test_no_leftover_generated_file():
    expected = set(generated_files()) | HAND_WRITTEN
    present = {
        str(path.relative_to(paths.ROOT))
        for folder in (paths.SOURCE, paths.REFERENCE)
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert present <= expected, f"not generated from course/: {sorted(present - expected)}"


def test_release_is_what_nbgrader_generates_from_source(tmp_path):
    generated = release_in(tmp_path)
    fresh = {str(path.relative_to(generated)): path.read_text() for path in generated.rglob("*") if path.is_file()}
    committed = {
        str(path.relative_to(paths.RELEASE)): path.read_text() for path in paths.RELEASE.rglob("*") if path.is_file()
    }
    assert sorted(fresh) == sorted(committed), "release/ has other files than nbgrader generates"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"release/ is out of date, run `python -m tinytorch_tools build`: {stale}"


def test_the_student_kit_pins_the_graders_versions():
    """`pip install .` gives a student the numpy, Hypothesis and nbformat the grader runs."""
    lines = (paths.ROOT / "requirements.txt").read_text().splitlines()
    pinned = dict(line.split(";")[0].strip().split("==") for line in lines if "==" in line and line[0] != "#")
    kit = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all("==" in requirement for requirement in kit), kit
    versions = dict(requirement.split("==") for requirement in kit)
    assert versions == {name: pinned.get(name) for name in versions}


def test_every_module_of_course_is_a_module_of_the_kit():
    """tinytorch/course.py is the one home of the module list: course/ may hold no other module."""
    on_disk = sorted(path.stem for path in paths.COURSE.glob("[0-9][0-9]_*.py"))
    assert on_disk == paths.all_assignments(), "add the module to MODULES in tinytorch/course.py"
