"""The OS sandbox of grading: bubblewrap and its limits (`bubblewrap.py`), the kernels nbgrader
talks to (`kernels.py`), the student process (`processes.py`) and what the grader hands in to
both (`handin.py`)."""

from .bubblewrap import HANDED_IN, Limits, SandboxUnavailable, require_sandbox, unavailable_reason

__all__ = ["HANDED_IN", "Limits", "SandboxUnavailable", "require_sandbox", "unavailable_reason"]
