"""nbgrader configuration of the TinyTorch course. Run every nbgrader command from this folder."""

from pathlib import Path

c = get_config()  # noqa: F821  (nbgrader provides get_config)
course = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "tinytorch"
c.CourseDirectory.root = str(course)
c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"

# Never copy caches or checkpoints into release/, submitted/, autograded/ or feedback/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".hypothesis", "feedback"]

# Each test cell gets two minutes; the hidden tests of a module take a few seconds.
c.Execute.timeout = 120

# Hostile submissions (README, "Hostile submissions"): nbgrader's default preprocessors, except
# DeduplicateIds (fixed: a pasted copy of a graded cell stopped the grading of the whole class)
# and Execute (a dead or stuck kernel zeroes the tests from that cell on instead of failing the
# notebook, and a cell's output is capped).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "tinytorch_tools.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "tinytorch_tools.preprocessors.GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GradingExecute.max_output = 1_000_000  # characters per cell
kernel_memory = 4 * 2**30  # bytes of address space per grading kernel

# Grading kernels build earlier modules from the reference and the module under test from
# the student's own cells (tinytorch/_grading.py); this runs before the first cell.
grading_mode = (
    "import tinytorch._grading; "
    f"tinytorch._grading.start(reference={str(course / 'tinytorch_ref')!r}, "
    f"submitted={str(course / 'submitted')!r}, memory_limit={kernel_memory})"
)
c.Execute.extra_arguments = [f"--IPKernelApp.exec_lines={grading_mode}"]

# Feedback shows each failed hidden test's message, never the hidden test source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "tinytorch_tools.preprocessors.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
