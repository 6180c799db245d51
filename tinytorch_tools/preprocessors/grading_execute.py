"""GradingExecute: nbgrader's Execute, made for hostile submissions (README, "Threat model")."""

import json
import tempfile
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer

from tinytorch.grading import handed_in, harness
from tinytorch.grading.output import MAX_ERROR, MAX_OUTPUT, shorten, truncation_notice
from tinytorch_tools import sandbox
from tinytorch_tools.sandbox.handin import for_student, hand_in_for
from tinytorch_tools.sandbox.kernels import HarnessKernelManager, SandboxedKernelManager
from tinytorch_tools.sandbox.processes import student_process

# Files GradingExecute leaves in an autograded folder (a submitted file of the same name is
# removed first): grading ran without the OS sandbox; cells that ran out of time, one per line.
UNSANDBOXED = "GRADED_WITHOUT_SANDBOX.txt"
TIMED_OUT = "TIMED_OUT.txt"


def error_output(name, message):
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def cap_error(content):
    """An error's name, message and traceback, each cut to a readable size."""
    content["ename"] = shorten(str(content.get("ename", "")), 200)
    content["evalue"] = shorten(str(content.get("evalue", "")), MAX_ERROR)
    traceback = "\n".join(str(line) for line in content.get("traceback") or [])
    content["traceback"] = [traceback if len(traceback) <= MAX_ERROR else "..." + traceback[-MAX_ERROR:]]


def test_cells(db_url, course_id, notebook, assignment):
    """{grade_id: source} of the notebook's autograded test cells, as the gradebook has them."""
    with Gradebook(db_url, course_id) as gradebook:
        source = gradebook.find_notebook(notebook, assignment)
        solutions = {cell.name for cell in source.solution_cells}
        tests = {cell.name for cell in source.grade_cells if cell.cell_type == "code" and cell.name not in solutions}
        return {cell.name: cell.source for cell in source.source_cells if cell.name in tests}


class GradingExecute(Execute):
    """nbgrader's Execute, made for hostile submissions.

    - Two processes run each notebook: the student's cells run in a student process
      (tinytorch/grading/student.py) and the test cells in the kernel nbgrader talks to, the
      trusted harness (tinytorch/grading/harness.py), which reaches the student's objects through
      proxies. A cell is a test cell when the gradebook says so and its text is the gradebook's.
    - Both run in the OS sandbox (`tinytorch_tools/sandbox/`), with the modules the graded one
      builds on handed in as data; it refuses to grade where no sandbox can run, unless `sandbox`
      is False (trusted submissions only; the autograded folder then says so).
    - A cell that runs out of time gets an error that names it, and the autograded folder gets
      `TIMED_OUT` (class grading regrades it once, then reports it). When the harness kernel
      dies or cannot be interrupted after a timeout, the notebook is still graded: that cell
      and every later one get an error saying why, so their tests score zero and the tests
      before them keep their points.
    - Every output channel is capped: a cell keeps at most `max_output` characters of streams,
      displays and display updates (in both sandboxed processes too), and an error at most a few
      thousand characters.
    """

    max_output = Integer(MAX_OUTPUT, help="characters of output kept per cell").tag(config=True)
    sandbox = Bool(True, help="run grading kernels in the OS sandbox; False for trusted submissions only").tag(
        config=True
    )
    limits = Dict(help="resource limits of a sandboxed kernel (fields of tinytorch_tools.sandbox.Limits)").tag(
        config=True
    )

    def preprocess(self, nb, resources=None, km=None):
        self.stopped, self.timed_out = None, []
        autograded = Path(resources["metadata"]["path"])
        self.mark_sandboxing(autograded, resources["nbgrader"])
        info = resources["nbgrader"]
        course = CourseDirectory(config=self.config)
        self.tests = test_cells(info["db_url"], course.course_id, info["notebook"], info["assignment"])
        hand_in = hand_in_for(course.root, info["student"], info["assignment"], nb, self.max_output)
        with tempfile.TemporaryDirectory(prefix="tinytorch-grading-") as private:
            # Each process gets a folder of its own: the harness's also gets its connection file.
            for name, handed in (("student", for_student(hand_in)), ("harness", hand_in)):
                (Path(private) / name).mkdir(mode=0o755)
                handed_in.write(Path(private) / name, handed)
            with student_process(Path(private) / "student", self.sandbox_limits(), self.sandbox) as harness_fds:
                self.harness_folder, self.harness_fds = Path(private) / "harness", harness_fds
                folder = sandbox.HANDED_IN if self.sandbox else str(self.harness_folder)
                self.extra_arguments = [
                    "--IPKernelApp.exec_lines=import tinytorch.grading.harness; "
                    f"tinytorch.grading.harness.start({harness_fds[0]}, {harness_fds[1]}, {folder!r})"
                ]
                try:
                    return super().preprocess(nb, resources, km)
                finally:
                    if self.timed_out:
                        (autograded / TIMED_OUT).write_text("".join(f"{line}\n" for line in self.timed_out))

    def mark_sandboxing(self, autograded, info):
        """Refuse to grade without the sandbox, unless told to; then say so in the autograded folder."""
        for marker in (UNSANDBOXED, TIMED_OUT):
            (autograded / marker).unlink(missing_ok=True)
        if self.sandbox:
            sandbox.require_sandbox()
        else:
            self.log.warning(
                "Grading %s of %s WITHOUT the sandbox: for trusted submissions only",
                info["assignment"],
                info["student"],
            )
            (autograded / UNSANDBOXED).write_text("graded without the OS sandbox\n")

    def sandbox_limits(self):
        return sandbox.Limits(**self.limits)

    def create_kernel_manager(self):
        self.kernel_manager_class = SandboxedKernelManager if self.sandbox else HarnessKernelManager
        km = super().create_kernel_manager()
        km.pass_fds = self.harness_fds
        if self.sandbox:
            km.handed_in, km.limits = str(self.harness_folder), self.sandbox_limits()
        else:
            km.sockets = str(self.harness_folder)
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
            cell.source = harness.student_cell(source)
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
            return self.capped_output(msg, cell, cell_index)
        return super().process_message(msg, cell, cell_index)

    def capped_output(self, msg, cell, cell_index):
        """Keep a cell's outputs up to `max_output` characters: a stream is cut there, a display
        that would pass it is dropped; one notice says so, and nothing after it is kept."""
        if self.truncated:
            return None
        content, room = msg["content"], self.max_output - self.kept
        if msg["msg_type"] == "stream":
            text = str(content.get("text", ""))
            fits, content["text"] = len(text) <= room, text[:room]
            size = len(content["text"])
        else:
            size = len(json.dumps(content.get("data") or "")) + len(json.dumps(content.get("metadata") or ""))
            fits = size <= room
        output = None
        if fits or content.get("text"):
            self.kept += size
            output = super().process_message(msg, cell, cell_index)
        if not fits:
            self.truncated = True
            notice = truncation_notice(self.max_output)
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=notice))
        return output

    def on_cell_executed(self, **kwargs):
        if kwargs["execute_reply"]["content"].get("status") == "error":
            cap_error(kwargs["execute_reply"]["content"])
        return super().on_cell_executed(**kwargs)
