"""The course's nbgrader preprocessors, one per file as in nbgrader's own `preprocessors/`.

`nbgrader_config.py` names them by these short paths (`tinytorch_tools.preprocessors.GradingExecute`).
"""

from .deduplicate_ids import DeduplicateIds
from .forget_unknown_cells import ForgetUnknownCells
from .grading_execute import GradingExecute
from .hide_hidden_tests import HideHiddenTests
from .named_stubs import NamedStubs
from .redact_secrets import RedactSecrets
from .refuse_ungraded_answers import RefuseUngradedAnswers
from .restore_metadata import RestoreMetadata
from .sanitize_html import SanitizeHTML

__all__ = [
    "DeduplicateIds",
    "ForgetUnknownCells",
    "GradingExecute",
    "HideHiddenTests",
    "NamedStubs",
    "RedactSecrets",
    "RefuseUngradedAnswers",
    "RestoreMetadata",
    "SanitizeHTML",
]
