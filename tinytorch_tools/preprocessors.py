"""nbgrader preprocessors of the course."""

import re

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader import preprocessors
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?", re.DOTALL | re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(NbGraderPreprocessor):
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


class GradingExecute(Execute):
    """nbgrader's Execute, made to survive hostile submissions (SPEC §7).

    - When the kernel dies (`os._exit`, a crash, the memory limit) or cannot be interrupted
      after a timeout, the notebook is still graded: that cell and every later one get an
      error saying why, so their tests score zero and the tests before them keep their points.
    - A cell keeps at most `max_output` characters of output: gigabytes printed by a
      submission never reach the memory of the nbgrader process.
    """

    max_output = Integer(1_000_000, help="characters of output kept per cell").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self.stopped = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self.stopped:
            cell.outputs = [error_output("NotRun", f"this cell was not run: {self.stopped}")]
            return cell, resources
        self.kept, self.truncated = 0, set()
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.stopped = f"the kernel stopped in cell {index + 1} (sys.exit, os._exit, a crash or out of memory)"
        except CellTimeoutError:
            self.stopped = f"cell {index + 1} ran longer than {self.timeout} s and could not be interrupted"
            run_sync(self.km.shutdown_kernel)(now=True)
        self.log.warning("Grading kernel stopped: %s", self.stopped)
        cell.outputs.append(error_output("KernelStopped", self.stopped))
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        content = msg["content"]
        values = [content.get("text")] + list(content.get("data", {}).values())
        self.kept += sum(len(value) for value in values if isinstance(value, str))
        if self.kept <= self.max_output or msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)
        stream = content.get("name", "stdout")
        if stream not in self.truncated:
            self.truncated.add(stream)
            notice = f"\n... output truncated by the grader after {self.max_output} characters ...\n"
            outs.append(nbformat.v4.new_output("stream", name=stream, text=notice))
        return None


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
