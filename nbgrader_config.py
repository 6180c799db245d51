"""nbgrader configuration of the TinyTorch course. Run every nbgrader command from this folder."""

import warnings
from pathlib import Path

from sqlalchemy.exc import SAWarning

from tinytorch_tools.process_exit import skip_final_garbage_collection

c = get_config()  # noqa: F821  (nbgrader provides get_config)
course = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "tinytorch"
c.CourseDirectory.root = str(course)
c.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"

# nbgrader 0.9.6's Gradebook.add_submission builds a submission's rows and reads them back before it adds
# them to the session, which SQLAlchemy 2 warns about; they are added right after, and no user can act
# on it. Silenced for every stock nbgrader command (this file runs in its process), for that message only.
warnings.filterwarnings(
    "ignore", r"Object of type <Submitted\w+> not in session, add operation along", SAWarning, r"nbgrader\.api"
)

# Every nbgrader command of the course ends without Python's final garbage collection (0.2 s each).
skip_final_garbage_collection()

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

# Each test cell gets two minutes; the hidden tests of a module take a few seconds. All the cells
# of a notebook together get ten minutes (a correct notebook takes 3 to 10 s).
c.Execute.timeout = 120
c.GradingExecute.notebook_timeout = 600

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
# A submission is data (README, "Threat model"): before nbgrader reads or copies a submitted
# folder, only regular files inside it, within bounds, pass; any other submission is moved to
# refused/<student>/<assignment>/ and scores zero, with the reason in nbgrader's log and in the
# autograded folder (REFUSED.txt).
c.Autograde.pre_convert_hook = "tinytorch_tools.refusal.refuse_unsafe_submission"
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
# All processes of one graded notebook share one box, a cgroup (tinytorch_tools/sandbox/box.py): memory
# (tmpfs and shared memory included), processes and threads, a CPU rate in cores and CPU seconds in all.
c.GradingExecute.box = {"memory": 2 * 2**30, "processes": 128, "cpus": 1.0, "cpu_seconds": 300}

# Feedback is written only once every answer is graded (--RefuseUngradedAnswers.enabled=False:
# anyway); it shows each failed hidden test's message, never the hidden test source, and no
# script or event handler of a student's output or answer.
# What it hands back is read as a submission is: an autograded folder with a link or a special
# file gets no feedback (tinytorch_tools/refusal.py).
c.GenerateFeedback.pre_convert_hook = "tinytorch_tools.refusal.refuse_unsafe_feedback"
c.GenerateFeedback.preprocessors = [
    "tinytorch_tools.preprocessors.RefuseUngradedAnswers",
    "nbgrader.preprocessors.GetGrades",
    "tinytorch_tools.preprocessors.HideHiddenTests",
    "tinytorch_tools.preprocessors.RedactSecrets",
    "tinytorch_tools.preprocessors.SanitizeHTML",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.HTMLExporter.sanitize_html = True

# `nbgrader export` writes nbgrader's grades.csv with the csv module, which quotes a field that needs it (a
# student id with a comma forges no row), from a few queries (stock asks once per student and assignment).
c.ExportApp.plugin_class = "tinytorch_tools.exporters.GradesCsvExporter"

# `nbgrader collect` (file-system exchange): a submission counts as handed in at the time it claims
# only when that is no earlier than the time the OS kernel saw it written; else it is flagged in the
# log and counts at that time (tinytorch_tools/exchange.py).
c.ExchangeFactory.collect = "tinytorch_tools.exchange.CollectAtTrustedTime"
