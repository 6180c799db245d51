"""The code the grader has the harness kernel run besides the test cells: the line that starts the
harness, and each of the student's cells, wrapped so that it runs in the student process.

The grader (GradingExecute) imports this, not `harness.py`: neither numpy nor Hypothesis is
loaded into nbgrader's process for it.
"""

import base64

STUDENT_CELL = "import tinytorch.grading.harness\ntinytorch.grading.harness.run_student_cell"


def student_cell(source):
    """The code the harness runs for one of the student's cells: it runs in the student process."""
    return f"{STUDENT_CELL}({base64.b64encode(source.encode()).decode()!r})"


def start_harness(channel_fd, interrupt_fd, folder):
    """The line the harness kernel runs at start: its ends of the connection to the student process,
    and the folder handed in to it."""
    arguments = f"{channel_fd}, {interrupt_fd}, {folder!r}"
    return f"import tinytorch.grading.harness; tinytorch.grading.harness.start({arguments})"
