"""Reports read from the gradebook: the plain score table and the class report."""

from .class_report import AGAIN, class_report
from .gradebook import refused, score_table, timed_out, unsandboxed

__all__ = ["AGAIN", "class_report", "refused", "score_table", "timed_out", "unsandboxed"]
