"""Reports read from the gradebook and the students' folders: the plain score table and the
class report."""

from .dashboard import class_report
from .gradebook import refused, score_table, timed_out, unsandboxed
from .sections.manual import AGAIN

__all__ = ["AGAIN", "class_report", "refused", "score_table", "timed_out", "unsandboxed"]
