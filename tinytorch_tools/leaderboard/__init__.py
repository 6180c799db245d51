"""The class leaderboard of 12_language_model: the grader trains every student's own TinyGPT.

`entries.py` reads each student's entry from their notebook as data and hands in their chain
01-12, `training.py` trains it in the grading sandbox and measures the trained weights with the
reference in a sandbox of its own, `store.py` keeps the results beside the gradebook and draws the
table, `board.py` runs the class on the dask workers of class grading with a progress bar.
"""

from .board import run_leaderboard
from .store import load, table

__all__ = ["load", "run_leaderboard", "table"]
