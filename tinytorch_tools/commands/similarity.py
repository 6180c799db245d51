"""`similarity`: the pairs of submissions whose solution cells share most of their code."""

from pathlib import Path

HELP = "list the pairs of similar submissions (copydetect) and write a side-by-side page for each"


def add_arguments(parser):
    parser.add_argument("assignments", nargs="*", help="assignments to compare (default: every one submitted)")
    parser.add_argument("--threshold", type=float, default=None, help="the share of code shared (default: 0.6)")
    parser.add_argument("--course", default=".", help="the course folder (default: the current folder)")


def run(arguments):
    from tinytorch_tools.reports.dashboard import write_side_by_side
    from tinytorch_tools.reports.sections.similar import page_name
    from tinytorch_tools.reports.similarity import THRESHOLD, similar_pairs

    course = Path(arguments.course).resolve()
    assignments = arguments.assignments or sorted({path.name for path in (course / "submitted").glob("*/*")})
    found, skipped = similar_pairs(course, assignments, arguments.threshold or THRESHOLD)
    write_side_by_side(course / "reports", found)
    for reason in skipped:
        print(f"skipped {reason}")
    for assignment, pairs in sorted(found.items()):
        for number, pair in enumerate(pairs):
            shares = " / ".join(f"{share:.0%}" for share in pair.similarity)
            page = f"reports/{page_name(assignment, number)}"
            print(f"{assignment}: {' and '.join(pair.students)} share {shares}: {page}")
    print(f"{sum(map(len, found.values()))} similar pair(s) in {len(found)} assignment(s)")
