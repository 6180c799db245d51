"""Where things live in the course repository."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
REFERENCE = ROOT / "tinytorch_ref"


def course_files():
    """The text form of every module, in course order: course/01_tensor.py, ..."""
    return sorted(COURSE.glob("[0-9][0-9]_*.py"))


def module_name(course_file):
    """`course/01_tensor.py` -> ("01_tensor", "tensor")."""
    assignment = Path(course_file).stem
    return assignment, assignment.split("_", 1)[1]
