"""nbgrader export plugins for the grade-import CSV files of learning management systems, one
per file: `nbgrader export --exporter=tinytorch_tools.exporters.CanvasCsvExporter`."""

from .canvas import CanvasCsvExporter
from .moodle import MoodleCsvExporter
from .nbgrader_csv import GradesCsvExporter

__all__ = ["CanvasCsvExporter", "GradesCsvExporter", "MoodleCsvExporter"]
