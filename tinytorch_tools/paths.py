"""Where things live in the course repository."""

from pathlib import Path

from tinytorch.course import ASSIGNMENTS

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
REFERENCE = ROOT / "tinytorch_ref"


def course_files():
    """The text form of every module, in course order: course/01_tensor.py, ..."""
    return [COURSE / f"{assignment}.py" for assignment in ASSIGNMENTS]


def module_name(course_file):
    """`course/01_tensor.py` -> ("01_tensor", "tensor")."""
    assignment = Path(course_file).stem
    return assignment, ASSIGNMENTS[assignment]


def all_assignments():
    """Every assignment id, in course order."""
    return list(ASSIGNMENTS)
