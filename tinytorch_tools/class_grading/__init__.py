"""Class grading: every submission of a class autograded by stock nbgrader on dask workers.

`submissions.py` finds the submissions and packs them into tasks, `worker.py` grades one task in
a scratch course, `gradebook.py` writes the results into the course, `coordinator.py` runs it all.
"""

from .coordinator import Outcome, grade_class

__all__ = ["Outcome", "grade_class"]
