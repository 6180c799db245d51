"""nbgrader export plugins for the grade-import CSV files of learning management systems, one
per file: `nbgrader export --exporter=tinytorch_tools.exporters.CanvasCsvExporter`."""

from .canvas import CanvasCsvExporter
from .moodle import MoodleCsvExporter

__all__ = ["CanvasCsvExporter", "MoodleCsvExporter"]
