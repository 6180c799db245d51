"""The base of the course's preprocessors of `nbgrader generate_feedback`."""

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List


class FeedbackPreprocessor(NbGraderPreprocessor):
    """nbconvert's HTML exporter configures the display_data_priority of every converter part,
    which nbgrader's base class has but not as a setting: traitlets would warn about it at every run."""

    display_data_priority = List(config=True)
