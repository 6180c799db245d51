"""`grade`: autograde the class on all cores (or a dask cluster), into autograded/ and the gradebook."""

import sys

HELP = "autograde every submission of the class in parallel (dask), into autograded/ and the gradebook"
EPILOG = (
    "exit status: 0 all graded; 1 a submission could not be graded; 2 one was refused (its files "
    "break the rules of a submission: it scores zero); 4 one ran out of time (graded twice, its "
    "grades recorded); their sum when several happened"
)


def add_arguments(parser):
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="only these (default: all)")
    parser.add_argument("--students", nargs="+", metavar="STUDENT", help="only these (default: all who submitted)")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="a dask scheduler, e.g. tcp://host:8786 (default: local)"
    )
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    parser.add_argument("--db", metavar="URL", help="gradebook URL (default: db_url of nbgrader_config.py)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that are already autograded")
    parser.add_argument("--course", default=".", help="the course folder (default: the current folder)")
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="grade trusted submissions without the OS sandbox (never students' work)",
    )


def run(arguments):
    from tinytorch_tools.class_grading import grade_class
    from tinytorch_tools.preprocessors.grading_execute import UNSANDBOXED
    from tinytorch_tools.submission_files import quoted

    if not arguments.sandbox:
        print(
            "WARNING: --no-sandbox: these grades come from kernels run WITHOUT the OS sandbox "
            f"(trusted submissions only); each autograded folder gets {UNSANDBOXED}",
            file=sys.stderr,
        )
    outcome = grade_class(
        arguments.course,
        arguments.assignments,
        arguments.students,
        scheduler=arguments.scheduler,
        workers=arguments.workers,
        db_url=arguments.db,
        force=arguments.force,
        sandbox=arguments.sandbox,
    )
    for (student, assignment), error in sorted(outcome.failed.items()):
        print(f"FAILED {quoted(student)} {assignment}: {error}")
    for (student, assignment), reason in sorted(outcome.refused.items()):
        print(f"REFUSED {quoted(student)} {quoted(assignment)} (it scores zero): {reason}")
    for (student, assignment), cells in sorted(outcome.timed_out.items()):
        cells = "; ".join(cells.splitlines())
        print(f"TIMED OUT {quoted(student)} {assignment} (graded twice; its grades are recorded): {cells}")
    raise SystemExit(outcome.exit_status)
