"""nbgrader configuration of the TinyTorch course. Run every nbgrader command from this folder."""

from pathlib import Path

c = get_config()  # noqa: F821  (nbgrader provides get_config)
course = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "tinytorch"
c.CourseDirectory.root = str(course)
c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"

# Never copy caches or checkpoints into release/, submitted/, autograded/ or feedback/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".hypothesis", "feedback"]

# What students get where a solution was: a stub whose error says what to write and where the
# notebook explains it (NamedStubs fills in {where}: "write Tensor.matmul, as section 2 (...) explains").
c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\nraise NotImplementedError("YOUR CODE HERE: {where}")'}
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "tinytorch_tools.preprocessors.NamedStubs",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Each test cell gets two minutes; the hidden tests of a module take a few seconds.
c.Execute.timeout = 120

# Hostile submissions (README, "Threat model"): nbgrader's default preprocessors, except
# DeduplicateIds (fixed: a pasted copy of a graded cell stopped the grading of the whole class),
# RestoreMetadata (the nbgrader metadata of a known cell, tampered with, is put back from the
# gradebook: it stopped the grading of the notebook),
# Execute (the kernel runs in the OS sandbox; a dead or stuck kernel zeroes the tests from that
# cell on instead of failing the notebook; every output channel is capped) and SanitizeHTML
# (what a student's outputs and answers show in the formgrader and the feedback is inert).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "tinytorch_tools.preprocessors.DeduplicateIds",
    "tinytorch_tools.preprocessors.ForgetUnknownCells",
    "tinytorch_tools.preprocessors.RestoreMetadata",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "tinytorch_tools.preprocessors.GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "tinytorch_tools.preprocessors.SanitizeHTML",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.GradingExecute.max_output = 1_000_000  # characters per cell
# Each grading kernel runs in bubblewrap (tinytorch_tools/sandbox/bubblewrap.py) with these limits; see
# `Limits` there for the others. Set c.GradingExecute.sandbox = False only for trusted work.
c.GradingExecute.limits = {"memory": 4 * 2**30, "processes": 64}

# Feedback is written only once every answer is graded (--RefuseUngradedAnswers.enabled=False:
# anyway); it shows each failed hidden test's message, never the hidden test source, and no
# script or event handler of a student's output or answer.
c.GenerateFeedback.preprocessors = [
    "tinytorch_tools.preprocessors.RefuseUngradedAnswers",
    "nbgrader.preprocessors.GetGrades",
    "tinytorch_tools.preprocessors.HideHiddenTests",
    "tinytorch_tools.preprocessors.RedactSecrets",
    "tinytorch_tools.preprocessors.SanitizeHTML",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.HTMLExporter.sanitize_html = True
