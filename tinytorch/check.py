"""`python -m tinytorch.check tensor.ipynb`: before submitting, run a notebook as the grader will,
top to bottom in a fresh kernel (no state left from your session), and sum up what it shows:
which visible tests pass, which functions are still stubs, and whether the notebook still has
the course's graded cells, with no test cell edited (the grader restores them and scores the
originals). Run it in the folder of your assignments, as Jupyter would, so that later notebooks
find your earlier ones."""

import argparse
import hashlib
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

STUB = re.compile(r"YOUR CODE HERE: write ([\w.]+)")
TIMEOUT = 600  # seconds per cell; the grader's own limit is shorter (120 s)


def grading(cell):
    return cell.metadata.get("nbgrader", {})


def checksum(cell):
    """nbgrader's checksum of a graded cell (nbgrader.utils.compute_checksum, which the kit
    cannot import): what the release recorded, so that a changed cell is seen."""
    meta = grading(cell)
    parts = [cell.source, cell.cell_type, str(bool(meta.get("grade"))), str(bool(meta.get("solution")))]
    parts += [str(bool(meta.get("locked"))), meta.get("grade_id", "")]
    if meta.get("grade"):
        parts.append(str(float(meta.get("points", 0))))
    digest = hashlib.md5()
    for part in parts:
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()


def cell_problems(notebook):
    """What the grader would find wrong with the notebook's graded cells, as sentences."""
    graded = [cell for cell in notebook.cells if grading(cell).get("grade_id")]
    if not graded:
        return ["it has none of the course's graded cells: submit the notebook you fetched (not a copy of its cells)"]
    problems = [
        f"the cell {grade_id} appears {count} times (a copied cell): the grader keeps one"
        for grade_id, count in Counter(grading(cell)["grade_id"] for cell in graded).items()
        if count > 1
    ]
    for cell in graded:
        recorded = grading(cell).get("checksum")
        if grading(cell).get("locked") and recorded and recorded != checksum(cell):
            problems.append(
                f"the read-only cell {grading(cell)['grade_id']} was edited: the grader puts its original back"
            )
    return problems


def run_fresh(path, timeout=TIMEOUT):
    """The notebook run top to bottom in a new kernel in its own folder, errors and all; the
    kernel on Jupyter's IPC transport, as JupyterLab's (local, no warning about plain TCP)."""
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="tinytorch-check-") as sockets:
        manager = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        metadata = {"metadata": {"path": str(path.parent)}}
        try:
            NotebookClient(notebook, km=manager, timeout=timeout, allow_errors=True, resources=metadata).execute()
        finally:  # a cell out of time leaves the kernel running
            if manager.has_kernel:
                run_sync(manager.shutdown_kernel)(now=True)
    return notebook


def errors(cell):
    return [output for output in cell.get("outputs", []) if output.output_type == "error"]


def test_result(cell):
    """ "pass", or why the visible test fails as the grader would score it."""
    failed = errors(cell)
    if failed:
        first = (failed[0].evalue.strip().splitlines() or [""])[0]
        return f"FAIL, {failed[0].ename}: {first}"[:200]
    if any(output.output_type == "stream" and output.name == "stderr" for output in cell.outputs):
        return "FAIL, it writes to stderr (a warning?): the grader scores such a test 0"
    return "pass"


def summary(path, notebook, problems, seconds):
    """The lines the student reads."""
    tests = [cell for cell in notebook.cells if cell.cell_type == "code" and grading(cell).get("grade")]
    results = {grading(cell)["grade_id"]: test_result(cell) for cell in tests}
    # a stub still in a solution cell: the release's `raise NotImplementedError("YOUR CODE HERE: write ...")`
    stubs = dict.fromkeys(
        name for cell in notebook.cells if grading(cell).get("solution") for name in STUB.findall(cell.source)
    )
    passed = sum(result == "pass" for result in results.values())
    lines = [f"{path.name}, run in a fresh kernel as the grader runs it ({seconds:.0f} s):"]
    lines.append(f"visible tests: {passed} of {len(results)} pass")
    lines += [f"  {grade_id}: {result}" for grade_id, result in results.items()]
    lines.append("still to write (YOUR CODE HERE): " + (", ".join(stubs) if stubs else "nothing"))
    lines.append("graded cells: " + ("; ".join(problems) if problems else "all of the course's, none edited"))
    lines.append("The hidden tests run only when you submit: passing the visible ones is a start, not the grade.")
    return lines, passed == len(results) and not stubs and not problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinytorch.check", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path, help="the notebook to check, e.g. 01_tensor/tensor.ipynb")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds a cell may run (default: %(default)s)")
    arguments = parser.parse_args(argv)
    path = arguments.notebook.resolve()
    if not path.is_file():
        parser.error(f"no notebook {arguments.notebook}")
    try:
        problems = cell_problems(nbformat.read(path, as_version=4))
    except Exception as error:  # any unreadable file: say why, as the grader would log it
        print(f"{arguments.notebook} cannot be read as a notebook: {error}", file=sys.stderr)
        return 2
    start = time.monotonic()
    lines, ready = summary(path, run_fresh(path, arguments.timeout), problems, time.monotonic() - start)
    print("\n".join(lines))
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
