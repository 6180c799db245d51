"""Students install only the kit: `pip install .` in a fresh environment gives the loader, the
test helpers, the data and the grading runtime, and runs every release notebook; it holds no
instructor tooling, no reference solution and no attack catalogue."""

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tinytorch_tools import classroom, paths

KIT = "tinytorch-kit"


def pinned():
    """{normalized name: 'name==version'} of requirements.txt for this Python: the lock pins some
    packages by Python version (soupsieve 2.10 before 3.11.5, Debian 12's Python is 3.11.2)."""
    pins = {}
    for line in (paths.ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate():
                pins[re.sub(r"[-_.]+", "-", requirement.name).lower()] = f"{requirement.name}{requirement.specifier}"
    return pins


def kit_closure():
    """The pinned requirements of the kit and of everything they require (extras left out)."""
    pins, seen, todo = pinned(), set(), [KIT]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return sorted(pins[name] for name in seen if name in pins)


@pytest.fixture(scope="module")
def student_python(tmp_path_factory):
    """A fresh virtual environment with the student install: the kit and what it requires, pinned."""
    folder = tmp_path_factory.mktemp("student-venv")
    uv = Path(sys.executable).parent / "uv"  # the installer of course.sh, as fast as a student's pip is slow
    subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(folder)], check=True)
    python = folder / "bin" / "python"
    # Bytecode compiled, as a student's pip does (without it each kernel compiles numpy anew).
    install = [str(uv), "pip", "install", "--quiet", "--system-certs", "--compile-bytecode", "--no-deps"]
    install += ["--python", str(python)]
    subprocess.run([*install, *kit_closure()], check=True, capture_output=True)
    subprocess.run([*install, str(paths.ROOT)], check=True, capture_output=True)
    return python


def run(python, code, cwd=None):
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=cwd)


def test_the_student_install_has_no_instructor_tooling_reference_or_catalogue(student_python):
    for module in ("tinytorch_tools", "tinytorch_ref", "catalogues", "nbgrader"):
        result = run(student_python, f"import {module}", cwd="/")
        assert "ModuleNotFoundError" in result.stderr, f"{module} is importable in the student's environment"
    files = run(student_python, f"import importlib.metadata as m; print(*m.files({KIT!r}))", cwd="/").stdout.split()
    assert files and all(path.startswith(("tinytorch/", "tinytorch_kit-")) for path in files), files
    assert not [path for path in files if re.search(r"hostile|cheat|tinytorch_ref|tinytorch_tools", path)], files


def test_the_student_install_runs_every_release_notebook(student_python, tmp_path):
    """Run All on every fetched assignment, side by side, in a kernel of the student's environment:
    every cell runs (the worked examples and tests of unwritten code are tagged to go on)."""
    for assignment in classroom.assignments():
        path = classroom.notebook_in(tmp_path, assignment)
        path.parent.mkdir()
        path.write_bytes(classroom.notebook_in(paths.RELEASE, assignment).read_bytes())
    script = (
        "import sys, nbformat; from nbclient import NotebookClient\n"
        "for path in sys.argv[1:]:\n"
        "    notebook = nbformat.read(path, as_version=4)\n"
        "    NotebookClient(notebook, timeout=600, kernel_name='python3',\n"
        "                   resources={'metadata': {'path': path.rsplit('/', 1)[0]}}).execute()\n"
        "    print('ran', path, flush=True)\n"
    )
    paths_ = [str(classroom.notebook_in(tmp_path, assignment)) for assignment in classroom.assignments()]
    result = subprocess.run([str(student_python), "-c", script, *paths_], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert result.stdout.count("ran ") == len(paths_), result.stdout
