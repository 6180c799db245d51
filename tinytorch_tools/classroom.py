"""A course folder as nbgrader sees it: release, submit, autograde, read the gradebook."""

import os
import shutil
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

from tinytorch.course import ASSIGNMENTS, notebook_path

from . import paths
from .blank_gradebook import blank_gradebook
from .nbgrader_cli import generate_assignments, nbgrader
from .reports.gradebook import grade_rows, grade_scores


def assignments():
    """Every assignment, or those in $TINYTORCH_ASSIGNMENTS (comma-separated) while authoring."""
    every = paths.all_assignments()
    chosen = os.environ.get("TINYTORCH_ASSIGNMENTS")
    return [assignment for assignment in every if not chosen or assignment in chosen.split(",")]


def notebook_in(folder, assignment):
    """The notebook of `assignment` in a folder of assignments: folder/01_tensor/tensor.ipynb."""
    return notebook_path(Path(folder), ASSIGNMENTS[assignment])


def run_as_student(path, timeout=600):
    """Execute the notebook at `path` top to bottom in its own folder, as Jupyter would (its
    kernel on Jupyter's IPC transport: local, and no warning about unencrypted TCP)."""
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="tinytorch-kernel-") as sockets:
        km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        client = NotebookClient(notebook, km=km, timeout=timeout, resources={"metadata": {"path": path.parent}})
        try:
            client.execute()
        finally:
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
    return notebook


def copy_course(folder, cell_timeout=None, db_url=None):
    """A fresh course folder (configuration, source/, reference) in `folder`, e.g. for tests;
    `cell_timeout` shortens nbgrader's (for classes with endless loops, which cost one each);
    `db_url` is its gradebook's, else gradebook.db starts as a copy of a blank one (what nbgrader
    would make on first use, without its 1.2 s)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(paths.ROOT / "nbgrader_config.py", folder)
    with open(folder / "nbgrader_config.py", "a") as config:
        if cell_timeout:
            config.write(f"\nc.Execute.timeout = {cell_timeout}\n")
        if db_url:
            config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    if not db_url:
        (folder / "gradebook.db").write_bytes(blank_gradebook())
    for part in ("source", "tinytorch_ref"):
        shutil.copytree(paths.ROOT / part, folder / part, dirs_exist_ok=True)
    return folder


def generate_all(course):
    generate_assignments(course, assignments())


def submit(course, student, assignment, notebook):
    """Put a student's notebook where `nbgrader collect` would: submitted/<student>/<assignment>/."""
    path = notebook_in(Path(course) / "submitted" / student, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def autograde(course, assignment, student=None):
    """Stock `nbgrader autograde`, for one student or all who submitted."""
    selection = [f"--student={student}"] if student else []
    return nbgrader("autograde", assignment, "--create", "--force", *selection, course=course, check=False)


def autograded_outputs(course, student, assignment):
    """(grade_id, output) of every output of the student's autograded notebook ("" for a plain cell)."""
    notebook = nbformat.read(notebook_in(Path(course) / "autograded" / student, assignment), as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        for output in cell.get("outputs", []):
            yield grade_id, output


def autograded_errors(course, student, assignment, tests_only=False):
    """The error messages of the student's autograded notebook (of its test cells only, maybe)."""
    return [
        output.evalue
        for grade_id, output in autograded_outputs(course, student, assignment)
        if output.output_type == "error" and (grade_id.startswith("test_") or not tests_only)
    ]


def scores(course, db_url=None):
    """{(student, assignment): {grade_id: (score, max_score)}} for every autograded notebook."""
    return grade_scores(grade_rows(course, db_url))
