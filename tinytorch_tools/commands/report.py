"""`report`: the class dashboard, reports/class_report.html, and reports/grades.csv from the gradebook;
the leaderboard's last table (leaderboard.json), without training."""

from pathlib import Path

HELP = "the class dashboard (reports/class_report.html) and reports/grades.csv from the gradebook"


def add_arguments(parser):
    parser.add_argument("--db", metavar="URL", help="gradebook URL (default: db_url of nbgrader_config.py)")
    parser.add_argument("--course", default=".", help="the course folder (default: the current folder)")


def run(arguments):
    from tinytorch_tools.leaderboard import load, table
    from tinytorch_tools.reports import class_report

    course = Path(arguments.course).resolve()
    print(f"wrote {class_report(course, course / 'reports', arguments.db)} and grades.csv")
    board = load(course)
    if board["results"]:
        print(table(board))
