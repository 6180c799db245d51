"""Derive everything from the text form: source/ notebooks, tinytorch_ref/, and release/.

`python -m tinytorch_tools build` writes them; tests/test_drift.py fails when the committed
files differ from what this produces, so the three never drift apart.
"""

import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from tinytorch_tools import paths
from tinytorch_tools.nbgrader_cli import generate_assignments

from .textform import module_code, to_notebook

GENERATED = "Generated from {source} by `python -m tinytorch_tools build`: edit the source, not this file."


def ruff(code, filename, *command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--stdin-filename", filename, "-"],
        input=code,
        capture_output=True,
        text=True,
        check=True,
        cwd=paths.ROOT,
    )
    return result.stdout


def ruff_format(code, filename):
    """Generated code as the project's ruff settings format it, imports sorted."""
    code = ruff(code, filename, "check", "--select", "I", "--fix-only", "--quiet")
    return ruff(code, filename, "format")


def public_names(code):
    """Top-level classes, functions and constants a module defines (not the ones it imports)."""
    names = []
    for node in ast.parse(code).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
    return [name for name in names if not name.startswith("_")]


def reference_module(course_file):
    """tinytorch_ref/<name>.py: the module's code, importing earlier modules relatively."""
    assignment, name = paths.module_name(course_file)
    code = module_code(course_file.read_text(), str(course_file))
    code = code.replace("from tinytorch.", "from .")
    header = (
        f'"""Reference solution of {assignment}.\n\n{GENERATED.format(source=f"course/{course_file.name}")}\n"""\n\n'
    )
    return ruff_format(header + code, f"tinytorch_ref/{name}.py")


def reference_init(course_files, modules):
    lines = [f'"""The reference TinyTorch, one file per module.\n\n{GENERATED.format(source="course/")}\n"""\n']
    exported = []
    for course_file in course_files:
        _, name = paths.module_name(course_file)
        names = public_names(modules[name])
        lines.append(f"from .{name} import {', '.join(names)}")
        exported += names
    lines.append(f"\n__all__ = {exported!r}")
    return ruff_format("\n".join(lines) + "\n", "tinytorch_ref/__init__.py")


def generated_files():
    """Every generated file but release/, as {path relative to the root: content}."""
    files, modules = {}, {}
    course_files = paths.course_files()
    for course_file in course_files:
        assignment, name = paths.module_name(course_file)
        notebook = to_notebook(course_file.read_text(), str(course_file))
        files[f"source/{assignment}/{name}.ipynb"] = nbformat.writes(notebook) + "\n"
        modules[name] = files[f"tinytorch_ref/{name}.py"] = reference_module(course_file)
    files["tinytorch_ref/__init__.py"] = reference_init(course_files, modules)
    return files


def generate_release(course_root, assignments):
    """Run stock `nbgrader generate_assignment` in `course_root`, on a throwaway gradebook."""
    database = f"sqlite:///{Path(tempfile.mkdtemp()) / 'gradebook.db'}"
    generate_assignments(course_root, assignments, f"--db={database}")


def release_in(folder):
    """Build source/ in a scratch course folder and return its generated release/."""
    folder = Path(folder)
    shutil.copy(paths.ROOT / "nbgrader_config.py", folder)
    for relative, content in generated_files().items():
        if relative.startswith("source/"):
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(content)
    generate_release(folder, paths.all_assignments())
    return folder / "release"


def build():
    for relative, content in generated_files().items():
        (paths.ROOT / relative).parent.mkdir(parents=True, exist_ok=True)
        (paths.ROOT / relative).write_text(content)
    with tempfile.TemporaryDirectory() as scratch:
        shutil.rmtree(paths.RELEASE, ignore_errors=True)
        shutil.copytree(release_in(scratch), paths.RELEASE)
