"""The class report: reports/grades.csv (stock `nbgrader export`), reports/class_report.html
and a side-by-side page per similar pair in reports/similar/, from the gradebook and the
students' folders."""

import shutil
from pathlib import Path

from nbgrader.api import Gradebook

from tinytorch_tools.exporters import GradesCsvExporter
from tinytorch_tools.settings import gradebook_url

from .data import gather
from .page import page
from .sections.blame import chain_blame
from .sections.failures import failures
from .sections.heatmap import heatmap
from .sections.incidents import incidents
from .sections.leaderboard import leaderboard
from .sections.manual import manual
from .sections.similar import page_name, side_by_side, similar
from .sections.summary import summary
from .similarity import similar_pairs

SECTIONS = [summary, heatmap, failures, chain_blame, manual, incidents, similar, leaderboard]


def class_report(course, folder, db_url=None):
    """Writes the report into `folder` and returns the path of its page."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db_url = gradebook_url(course, db_url)
    with Gradebook(db_url) as gradebook:  # stock `nbgrader export`'s layout, in seconds for hundreds of students
        GradesCsvExporter(to=str(folder / "grades.csv")).export(gradebook)
    data = gather(course, folder, db_url)
    data.similar, skipped = similar_pairs(course, data.assignments)
    data.autograded.unreadable.extend(skipped)
    write_side_by_side(folder, data.similar)
    warn(data)
    (folder / "class_report.html").write_text(page([draw(data) for draw in SECTIONS]))
    return folder / "class_report.html"


def write_side_by_side(folder, similar):
    """reports/similar/<module>-<n>.html for each similar pair (stale pages of a former run removed)."""
    shutil.rmtree(folder / "similar", ignore_errors=True)
    (folder / "similar").mkdir(parents=True)
    for assignment, pairs in similar.items():
        for number, pair in enumerate(pairs):
            (folder / page_name(assignment, number)).write_text(side_by_side(pair))


def warn(data):
    """What an instructor must not miss, on the terminal too."""
    for marker, marked in data.markers.items():
        if marked:
            print(f"WARNING: {len(marked)} submission(s) marked {marker}: see the report")
    pairs = sum(len(pairs) for pairs in data.similar.values())
    if pairs:
        print(f"WARNING: {pairs} pair(s) of similar submissions: see the report")
