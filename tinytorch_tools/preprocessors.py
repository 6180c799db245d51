"""nbgrader preprocessors of the course."""

import base64
import html
import json
import re
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import sanitize
from nbgrader import preprocessors
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Dict, Integer, List, Tuple, Unicode

from tinytorch._grading import MAX_ERROR, shorten

from . import redaction, sandbox
from .handin import hand_in, modules_for

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?", re.DOTALL | re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FeedbackPreprocessor(NbGraderPreprocessor):
    """A preprocessor of `generate_feedback`. nbconvert's HTML exporter configures the
    display_data_priority of every converter part, which nbgrader's base class has but not as a
    setting: traitlets would warn about it at every run."""

    display_data_priority = List(config=True)


class HideHiddenTests(FeedbackPreprocessor):
    """For feedback: remove hidden test source, and keep only the message of a test's error.

    An error's traceback quotes the lines of the test that raised it, so a failed hidden
    test would show its own source; its message (from `tinytorch.testing.check_property`)
    already names the property and the smallest failing input.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = HIDDEN.sub("# (hidden tests)\n", cell.source)
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [ANSI.sub("", f"{output.ename}: {output.evalue}")]
        return cell, resources


def error_output(name, message):
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def cap_error(content):
    """An error's name, message and traceback, each cut to a readable size."""
    content["ename"] = shorten(str(content.get("ename", "")), 200)
    content["evalue"] = shorten(str(content.get("evalue", "")), MAX_ERROR)
    traceback = "\n".join(str(line) for line in content.get("traceback") or [])
    content["traceback"] = [traceback if len(traceback) <= MAX_ERROR else "..." + traceback[-MAX_ERROR:]]


# Files GradingExecute leaves in an autograded folder (a submitted file of the same name is
# removed first): grading ran without the OS sandbox; cells that ran out of time, one per line.
UNSANDBOXED = "GRADED_WITHOUT_SANDBOX.txt"
TIMED_OUT = "TIMED_OUT.txt"


def test_cells(db_url, course_id, notebook, assignment):
    """{grade_id: source} of the notebook's autograded test cells, as the gradebook has them."""
    with Gradebook(db_url, course_id) as gradebook:
        source = gradebook.find_notebook(notebook, assignment)
        solutions = {cell.name for cell in source.solution_cells}
        tests = {cell.name for cell in source.grade_cells if cell.cell_type == "code" and cell.name not in solutions}
        return {cell.name: cell.source for cell in source.source_cells if cell.name in tests}


class HarnessKernelManager(AsyncKernelManager):
    """A kernel (unsandboxed) that inherits the harness's ends of the connection to the student;
    on Jupyter's IPC transport, its sockets in a private folder."""

    pass_fds = Tuple()
    sockets = Unicode(help="the private folder of its IPC sockets")

    async def _async_pre_start_kernel(self, **kw):
        self.transport, self.ip = "ipc", f"{self.sockets}/kernel"
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, pass_fds=self.pass_fds, **kw)

    _launch_kernel = _async_launch_kernel


class GradingExecute(Execute):
    """nbgrader's Execute, made for hostile submissions (SPEC §7).

    - Two processes run each notebook: the student's cells run in a student process
      (tinytorch/_student.py) and the test cells in the kernel nbgrader talks to, the trusted
      harness (tinytorch/_harness.py), which reaches the student's objects through proxies.
      A cell is a test cell when the gradebook says so and its text is the gradebook's.
    - Both run in the OS sandbox (`sandbox.py`), with the modules the graded one builds on
      handed in as data (`handin.py`); it refuses to grade where no sandbox can run, unless
      `sandbox` is False (trusted submissions only; the autograded folder then says so).
    - A cell that runs out of time gets an error that names it, and the autograded folder gets
      `TIMED_OUT` (class grading regrades it once, then reports it). When the harness kernel
      dies or cannot be interrupted after a timeout, the notebook is still graded: that cell
      and every later one get an error saying why, so their tests score zero and the tests
      before them keep their points.
    - Every output channel is capped: a cell keeps at most `max_output` characters of streams,
      displays and display updates, and an error at most a few thousand characters.
    """

    max_output = Integer(1_000_000, help="characters of output kept per cell").tag(config=True)
    sandbox = Bool(True, help="run grading kernels in the OS sandbox; False for trusted submissions only").tag(
        config=True
    )
    limits = Dict(help="resource limits of a sandboxed kernel (fields of tinytorch_tools.sandbox.Limits)").tag(
        config=True
    )

    def preprocess(self, nb, resources=None, km=None):
        self.stopped, self.timed_out = None, []
        student, assignment = resources["nbgrader"]["student"], resources["nbgrader"]["assignment"]
        course = CourseDirectory(config=self.config)
        autograded = Path(resources["metadata"]["path"])
        for marker in (UNSANDBOXED, TIMED_OUT):
            (autograded / marker).unlink(missing_ok=True)
        if self.sandbox:
            sandbox.require_sandbox()
        else:
            self.log.warning("Grading %s of %s WITHOUT the sandbox: for trusted submissions only", assignment, student)
            (autograded / UNSANDBOXED).write_text("graded without the OS sandbox\n")
        self.tests = test_cells(
            resources["nbgrader"]["db_url"], course.course_id, resources["nbgrader"]["notebook"], assignment
        )
        modules = modules_for(course.root, student, assignment, nb)
        with tempfile.TemporaryDirectory(prefix="tinytorch-grading-") as private:
            # Each process gets a folder of its own: the harness's also gets its connection file.
            for name in ("student", "harness"):
                (Path(private) / name).mkdir(mode=0o755)
                hand_in(Path(private) / name, modules)
            with self.student_process(Path(private) / "student") as harness_fds:
                self.handed_in, self.harness_fds = Path(private) / "harness", harness_fds
                folder = sandbox.HANDED_IN if self.sandbox else str(self.handed_in)
                self.extra_arguments = [
                    "--IPKernelApp.exec_lines=import tinytorch._harness; "
                    f"tinytorch._harness.start({harness_fds[0]}, {harness_fds[1]}, {folder!r})"
                ]
                try:
                    return super().preprocess(nb, resources, km)
                finally:
                    if self.timed_out:
                        (autograded / TIMED_OUT).write_text("".join(f"{line}\n" for line in self.timed_out))

    @contextmanager
    def student_process(self, handed_in):
        """Start the student process; yield the harness's ends of the connection (the channel
        and the interrupt line); kill it at the end."""
        channel, interrupts = socket.socketpair(), socket.socketpair()
        fds = (channel[1].fileno(), interrupts[1].fileno())
        folder = sandbox.HANDED_IN if self.sandbox else str(handed_in)
        command = [sys.executable, "-m", "tinytorch._student", folder, *map(str, fds)]
        try:
            if self.sandbox:
                process = sandbox.start_process(command, handed_in, self.sandbox_limits(), fds)
            else:
                quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
                process = subprocess.Popen(command, pass_fds=fds, cwd=handed_in, **quiet)
            channel[1].close(), interrupts[1].close()
            try:
                yield channel[0].fileno(), interrupts[0].fileno()
            finally:
                process.kill()
                process.wait()
        finally:
            for end in (*channel, *interrupts):
                end.close()

    def sandbox_limits(self):
        return sandbox.Limits(**self.limits)

    def create_kernel_manager(self):
        self.kernel_manager_class = sandbox.SandboxedKernelManager if self.sandbox else HarnessKernelManager
        km = super().create_kernel_manager()
        km.pass_fds = self.harness_fds
        if self.sandbox:
            km.handed_in, km.limits = str(self.handed_in), self.sandbox_limits()
        else:
            km.sockets = str(self.handed_in)
        return km

    def run_in_student_process(self, cell):
        """Whether `cell` is the student's: anything but a test cell the gradebook knows, as it knows it."""
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        return self.tests.get(grade_id) != cell.source

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self.stopped:
            cell.outputs = [error_output("NotRun", f"this cell was not run: {self.stopped}")]
            return cell, resources
        self.kept, self.truncated = 0, False
        self.cell_name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"number {index + 1}"
        stopped = f"{self.out_of_time()}: it was stopped (an endless loop, or far slower code than needed)"
        self.error_on_timeout = {"ename": "CellTimeoutError", "evalue": stopped, "traceback": [stopped]}
        source = cell.source
        if self.run_in_student_process(cell):
            encoded = base64.b64encode(source.encode()).decode()
            cell.source = f"import tinytorch._harness\ntinytorch._harness.run_student_cell({encoded!r})"
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.stopped = f"the kernel stopped in cell {index + 1} (sys.exit, os._exit, a crash or a limit)"
        except CellTimeoutError:
            self.stopped = f"{self.out_of_time()}, and could not be interrupted"
            run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            cell.source = source
        self.log.warning("Grading kernel stopped: %s", self.stopped)
        cell.outputs.append(error_output("KernelStopped", self.stopped))
        return cell, resources

    def out_of_time(self):
        return f"cell {self.cell_name} ran longer than the grader's limit of {self.timeout} s per cell"

    async def _async_handle_timeout(self, timeout, cell=None):
        """nbclient's handling of a cell that ran out of time, noted first: the trusted record
        of a timeout (an error the student's code raises could be named CellTimeoutError too)."""
        self.timed_out.append(self.out_of_time())
        self.log.warning("Grading: %s", self.out_of_time())
        return await super()._async_handle_timeout(timeout, cell)

    def process_message(self, msg, cell, cell_index):
        content = msg["content"]
        if msg["msg_type"] == "error":
            cap_error(content)
        elif msg["msg_type"] in ("stream", "display_data", "update_display_data", "execute_result"):
            self.kept += len(json.dumps(content.get("text") or content.get("data") or ""))
            self.kept += len(json.dumps(content.get("metadata") or ""))
            if self.kept > self.max_output:
                if not self.truncated:
                    self.truncated = True
                    notice = f"\n... output truncated by the grader after {self.max_output} characters ...\n"
                    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=notice))
                return None
        return super().process_message(msg, cell, cell_index)

    def on_cell_executed(self, **kwargs):
        if kwargs["execute_reply"]["content"].get("status") == "error":
            cap_error(kwargs["execute_reply"]["content"])
        return super().on_cell_executed(**kwargs)


class UngradedAnswers(Exception):
    """Feedback was asked for a submission whose written answers are not graded yet."""


class RefuseUngradedAnswers(FeedbackPreprocessor):
    """For feedback, first: no feedback for a submission with answers that nobody graded yet
    (it would read "Score: 0.0 / 2.0"). nbgrader names them in its log, goes on with the other
    students and exits with 1; `--RefuseUngradedAnswers.enabled=False` writes it anyway."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"], CourseDirectory(config=self.config).course_id) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            ungraded = sorted(grade.name for grade in notebook.grades if grade.auto_score is grade.manual_score is None)
        if ungraded:
            raise UngradedAnswers(
                f"no feedback for {info['student']} ({info['assignment']}): not graded yet: {', '.join(ungraded)}. "
                "Grade them in the formgrader first, or pass --RefuseUngradedAnswers.enabled=False"
            )
        return nb, resources


class RedactSecrets(FeedbackPreprocessor):
    """For feedback, after HideHiddenTests: any output line (and any line of a written answer)
    that shows a line of a hidden test or of the reference is replaced by a notice; an HTML
    output that shows one is replaced as a whole (see `redaction.py`)."""

    def preprocess(self, nb, resources):
        self.course = CourseDirectory(config=self.config).root
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = redaction.redact(cell.source, self.course)
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = redaction.redact(output.text, self.course)
            if output.output_type == "error":
                output.evalue = redaction.redact(output.evalue, self.course)
                output.traceback = [redaction.redact(line, self.course) for line in output.traceback]
            for kind, value in output.get("data", {}).items():
                if not isinstance(value, str):
                    continue
                if kind == "text/html":
                    shown = html.unescape(re.sub(r"<[^>]*>", "\n", value))
                    if redaction.shows_a_secret(shown, self.course):
                        output.data[kind] = f"<pre>{redaction.REDACTED}</pre>"
                else:
                    output.data[kind] = redaction.redact(value, self.course)
        return cell, resources


class SanitizeHTML(sanitize.SanitizeHTML):
    """nbconvert's SanitizeHTML on what a student controls: every output, raw cells and the
    written answers (escaped, so the instructor sees what was attempted); the course's own
    text stays as written."""

    enabled = Bool(True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and not cell.metadata.get("nbgrader", {}).get("solution"):
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


class ForgetUnknownCells(NbGraderPreprocessor):
    """A cell that claims to be a cell of the assignment (nbgrader metadata) that the gradebook
    does not know becomes a plain cell of the student's. nbgrader would stop grading the whole
    notebook over it (its metadata no longer validates once OverwriteCells finds no source)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"], CourseDirectory(config=self.config).course_id) as gradebook:
            notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            self.known = {cell.name for cell in notebook.source_cells}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if "nbgrader" in cell.metadata and grade_id not in self.known:
            self.log.warning("Cell %r is not in the gradebook: it is graded as a cell of the student's", grade_id)
            del cell.metadata["nbgrader"]
        return cell, resources


class NamedStubs(preprocessors.ClearSolutions):
    """nbgrader's ClearSolutions, with a stub that names its place. nbgrader has one code stub
    per language; here its `{where}` becomes the function the region belongs to and the
    notebook section that explains it: "write Tensor.matmul, as section 2 (The Tensor class)
    explains"."""

    def preprocess(self, nb, resources):
        self.section = "this notebook"
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        heading = SECTION.search(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            self.section = f"section {heading['number']} ({heading['title']})"
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            for number, line in enumerate(lines):
                if "{where}" in line:
                    lines[number] = line.replace(
                        "{where}", f"write {enclosing_function(lines[: number + 1])}, as {self.section} explains"
                    )
            cell.source = "\n".join(lines)
        return cell, resources


SECTION = re.compile(r"^## (?P<number>\d+)\. (?P<title>.+)$", re.MULTILINE)
DEFINITION = re.compile(r"^(?P<indent>\s*)(?:async\s+)?(?:def|class)\s+(?P<name>\w+)")


def enclosing_function(lines):
    """The dotted name (Tensor.matmul) of the def that the last line belongs to: the headers
    above it, each one less indented than what it encloses."""
    names, indent = [], len(lines[-1]) - len(lines[-1].lstrip())
    for line in reversed(lines[:-1]):
        definition = DEFINITION.match(line)
        if definition and len(definition["indent"]) < indent:
            names.insert(0, definition["name"])
            indent = len(definition["indent"])
    return ".".join(names) or "this part"


class DeduplicateIds(preprocessors.DeduplicateIds):
    """nbgrader's DeduplicateIds, fixed: of a cell that appears several times (copied and
    pasted), nbgrader keeps the last and leaves the others with empty nbgrader metadata, which
    CheckCellMetadata then takes for an old metadata format and stops grading the whole class.
    Here the other copies become plain cells."""

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources
