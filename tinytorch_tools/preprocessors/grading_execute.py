"""GradingExecute: nbgrader's Execute, made for hostile submissions (README, "Threat model")."""

import contextlib
import json
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, default

from tinytorch.grading import cells, handed_in
from tinytorch.grading.output import MAX_ERROR, MAX_OUTPUT, shorten, truncation_notice
from tinytorch_tools import sandbox
from tinytorch_tools.refusal import REFUSALS
from tinytorch_tools.sandbox.box import Box, Budget
from tinytorch_tools.sandbox.handin import for_student, hand_in_for
from tinytorch_tools.sandbox.kernels import HarnessKernelManager, SandboxedKernelManager
from tinytorch_tools.sandbox.processes import student_process
from tinytorch_tools.submission_files import REFUSED

# Files GradingExecute leaves in an autograded folder (a submitted file of the same name is
# removed first): grading ran without the OS sandbox; cells (or the notebook) that ran out of
# time, one per line; why the notebook's box was stopped.
UNSANDBOXED = "GRADED_WITHOUT_SANDBOX.txt"
TIMED_OUT = "TIMED_OUT.txt"
OVER_BUDGET = "OVER_BUDGET.txt"
MAX_NOTEBOOK_OUTPUT = 4_000_000  # characters of output kept over all the student's cells of a notebook
SHORT_ERROR = 200  # characters of an error's message and traceback once the notebook's output is spent


def error_output(name, message):
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def cap_error(content, limit=MAX_ERROR):
    """An error's name, message and traceback, each cut to a readable size; returns their size."""
    content["ename"] = shorten(str(content.get("ename", "")), 200)
    content["evalue"] = shorten(str(content.get("evalue", "")), limit)
    traceback = "\n".join(str(line) for line in content.get("traceback") or [])
    content["traceback"] = [traceback if len(traceback) <= limit else "..." + traceback[-limit:]]
    return len(content["ename"]) + len(content["evalue"]) + len(content["traceback"][0])


def test_cells(db_url, course_id, notebook, assignment):
    """{grade_id: source} of the notebook's autograded test cells, as the gradebook has them."""
    with Gradebook(db_url, course_id) as gradebook:
        source = gradebook.find_notebook(notebook, assignment)
        solutions = {cell.name for cell in source.solution_cells}
        tests = {cell.name for cell in source.grade_cells if cell.cell_type == "code" and cell.name not in solutions}
        return {cell.name: cell.source for cell in source.source_cells if cell.name in tests}


def refused(nb, resources, autograded, reason):
    """A refused submission runs nothing: every code cell says why (its tests score zero)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [error_output("SubmissionRefused", reason)]
    (autograded / REFUSED).write_text(reason + "\n")
    return nb, resources


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
    - One box per notebook (`tinytorch_tools/sandbox/box.py`): both processes and every child
      share one cgroup with the budget `box` (memory with tmpfs and shared memory, processes,
      CPU rate and time), and all cells share `notebook_timeout` seconds. Over a budget, the box
      is stopped: that cell and every later one get an error saying why, and the autograded
      folder gets `OVER_BUDGET` (or `TIMED_OUT`, for time), which class grading treats alike.
    - Every output channel is capped: a cell keeps at most `max_output` characters of streams,
      displays and display updates (in both sandboxed processes too), and an error at most a few
      thousand characters; the student's cells of a notebook keep `max_notebook_output` in all.
    """

    max_output = Integer(MAX_OUTPUT, help="characters of output kept per cell").tag(config=True)
    sandbox = Bool(True, help="run grading kernels in the OS sandbox; False for trusted submissions only").tag(
        config=True
    )
    limits = Dict(help="resource limits of a sandboxed kernel (fields of tinytorch_tools.sandbox.Limits)").tag(
        config=True
    )
    box = Dict(help="the budget of all processes of a notebook (fields of tinytorch_tools.sandbox.box.Budget)").tag(
        config=True
    )
    notebook_timeout = Integer(600, help="seconds all the cells of a notebook may run together").tag(config=True)
    max_notebook_output = Integer(
        MAX_NOTEBOOK_OUTPUT, help="characters of output kept over all the student's cells of a notebook"
    ).tag(config=True)

    @default("shutdown_kernel")
    def _kill_at_the_end(self):
        """Kill the harness once the last cell has run: it has nothing to clean up, and its box goes
        anyway. A graceful shutdown waits a third of a second for it, every notebook."""
        return "immediate"

    def preprocess(self, nb, resources=None, km=None):
        self.stopped, self.timed_out, self.over_budget = None, [], []
        self.notebook_time_up, self.student_output, self.output_spent = False, 0, False
        autograded = Path(resources["metadata"]["path"])
        info = resources["nbgrader"]
        if (info["student"], info["assignment"]) in REFUSALS:
            return refused(nb, resources, autograded, REFUSALS[info["student"], info["assignment"]])
        (autograded / REFUSED).unlink(missing_ok=True)  # only the grader says a submission was refused
        self.mark_sandboxing(autograded, info)
        course = CourseDirectory(config=self.config)
        self.tests = test_cells(info["db_url"], course.course_id, info["notebook"], info["assignment"])
        hand_in = hand_in_for(course.root, info["student"], info["assignment"], nb, self.max_output)
        box = Box(Budget(**self.box)) if self.sandbox else contextlib.nullcontext()
        with box as self.notebook_box, tempfile.TemporaryDirectory(prefix="tinytorch-grading-") as private:
            # Each process gets a folder of its own: the harness's also gets its connection file.
            for name, handed in (("student", for_student(hand_in)), ("harness", hand_in)):
                (Path(private) / name).mkdir(mode=0o755)
                handed_in.write(Path(private) / name, handed)
            student = student_process(Path(private) / "student", self.sandbox_limits(), self.sandbox, self.notebook_box)
            with student as harness_fds:
                self.harness_folder, self.harness_fds = Path(private) / "harness", harness_fds
                folder = sandbox.HANDED_IN if self.sandbox else str(self.harness_folder)
                self.extra_arguments = [f"--IPKernelApp.exec_lines={cells.start_harness(*harness_fds, folder)}"]
                self.deadline = time.monotonic() + self.notebook_timeout
                try:
                    return super().preprocess(nb, resources, km)
                finally:
                    for marker, lines in ((TIMED_OUT, self.timed_out), (OVER_BUDGET, self.over_budget)):
                        if lines:
                            (autograded / marker).write_text("".join(f"{line}\n" for line in lines))

    def mark_sandboxing(self, autograded, info):
        """Refuse to grade without the sandbox, unless told to; then say so in the autograded folder."""
        for marker in (UNSANDBOXED, TIMED_OUT, OVER_BUDGET):
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
            km.handed_in, km.limits, km.box = str(self.harness_folder), self.sandbox_limits(), self.notebook_box
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
        self.cell_name = cell.metadata.get("nbgrader", {}).get("grade_id") or f"number {index + 1}"
        if not self.stopped and time.monotonic() >= self.deadline:
            self.notebook_time_up = True
            self.timed_out.append(self.out_of_notebook_time())
            self.stop_box(self.out_of_notebook_time())
        if self.stopped:
            cell.outputs = [error_output("NotRun", f"this cell was not run: {self.stopped}")]
            return cell, resources
        self.kept, self.truncated = 0, False
        stopped = f"{self.out_of_time()}: it was stopped (an endless loop, or far slower code than needed)"
        self.error_on_timeout = {"ename": "CellTimeoutError", "evalue": stopped, "traceback": [stopped]}
        source, self.student_cell = cell.source, self.run_in_student_process(cell)
        if self.student_cell:
            cell.source = cells.student_cell(source)
        try:
            executed = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.stopped = f"the kernel stopped in cell {index + 1} (sys.exit, os._exit, a crash or a limit)"
        except CellTimeoutError:
            self.stopped = f"{self.out_of_time()}, and could not be interrupted"
            run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            cell.source = source
        over = self.budget_passed()
        if over:
            self.stop_box(over)
            cell.outputs.append(error_output("OverBudget", self.stopped))
        elif not self.stopped:
            return executed
        else:
            self.log.warning("Grading kernel stopped: %s", self.stopped)
            cell.outputs.append(error_output("KernelStopped", self.stopped))
        return cell, resources

    def budget_passed(self):
        """Why the notebook is over a budget of its box or its time, or None."""
        if self.notebook_time_up:
            return self.out_of_notebook_time()
        return self.notebook_box.over_budget() if self.notebook_box else None

    def stop_box(self, reason):
        """Stop every process of the notebook: no later cell runs."""
        self.stopped = f"the grader stopped this notebook in cell {self.cell_name}: {reason}"
        if not self.notebook_time_up:
            self.over_budget.append(self.stopped)
        if self.notebook_box:
            self.notebook_box.stop()
        self.log.warning("Grading: %s", self.stopped)

    def out_of_time(self):
        return f"cell {self.cell_name} ran longer than the grader's limit of {self.timeout} s per cell"

    def out_of_notebook_time(self):
        return f"the notebook ran longer than the grader's budget of {self.notebook_timeout} s for all its cells"

    def _get_timeout(self, cell):
        """A cell's timeout, cut to what is left of the notebook's."""
        timeout, left = super()._get_timeout(cell), max(self.deadline - time.monotonic(), 0.1)
        return left if timeout is None else min(timeout, left)

    async def _async_handle_timeout(self, timeout, cell=None):
        """nbclient's handling of a cell that ran out of time, noted first: the trusted record
        of a timeout (an error the student's code raises could be named CellTimeoutError too)."""
        if timeout != super()._get_timeout(cell):  # cut to the notebook's: its time is up
            self.notebook_time_up = True
            evalue = f"{self.out_of_notebook_time()}: it was stopped in cell {self.cell_name}"
            self.error_on_timeout = {"ename": "CellTimeoutError", "evalue": evalue, "traceback": [evalue]}
        message = self.out_of_notebook_time() if self.notebook_time_up else self.out_of_time()
        self.timed_out.append(message)
        self.log.warning("Grading: %s", message)
        return await super()._async_handle_timeout(timeout, cell)

    def process_message(self, msg, cell, cell_index):
        content = msg["content"]
        if msg["msg_type"] == "error":
            self.count_output(cap_error(content, MAX_ERROR if self.output_left() else SHORT_ERROR))
        elif msg["msg_type"] in ("stream", "display_data", "update_display_data", "execute_result"):
            return self.capped_output(msg, cell, cell_index)
        return super().process_message(msg, cell, cell_index)

    def capped_output(self, msg, cell, cell_index):
        """Keep a cell's outputs up to `max_output` characters: a stream is cut there, a display
        that would pass it is dropped; one notice says so, and nothing after it is kept."""
        if self.truncated:
            return None
        content, room = msg["content"], min(self.max_output - self.kept, self.output_left())
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
            self.count_output(size)
            output = super().process_message(msg, cell, cell_index)
        if not fits:
            self.truncated = True
            self.add_truncation_notice(cell)
        return output

    def add_truncation_notice(self, cell):
        """Say where the cell's output was cut: at the cell's cap, or (once) at the notebook's."""
        if self.output_left():
            notice = truncation_notice(self.max_output)
        elif not self.output_spent:
            self.output_spent = True
            spent = self.max_notebook_output
            notice = f"\n... output of this notebook truncated by the grader after {spent} characters in all ...\n"
        else:
            return
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=notice))

    def output_left(self):
        """Characters of output the cell may still keep under the notebook's budget (test cells: any)."""
        return max(self.max_notebook_output - self.student_output, 0) if self.student_cell else self.max_output

    def count_output(self, size):
        if self.student_cell:
            self.student_output += size

    def on_cell_executed(self, **kwargs):
        if kwargs["execute_reply"]["content"].get("status") == "error":
            cap_error(kwargs["execute_reply"]["content"])
        return super().on_cell_executed(**kwargs)
