"""`python -m tinytorch_tools <command>`: the instructor's commands for this course."""

import argparse
import sys
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(prog="python -m tinytorch_tools", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="regenerate source/, tinytorch_ref/ and release/ from course/")
    commands.add_parser("lint", help="check the nbgrader metadata of the source notebooks")
    demo = commands.add_parser("demo", help="generate, autograde sample students, print the gradebook")
    demo.add_argument("--all", dest="every", action="store_true", help="every buggy sample, not one per module")
    commands.add_parser("benchmark", help="time the autograding of each module for one student")
    commands.add_parser(
        "benchmark-gpt", help="time a reference TinyGPT training step, and its characters per second, against PyTorch"
    )
    grade = commands.add_parser(
        "grade",
        help="autograde every submission of the class in parallel (dask), into autograded/ and the gradebook",
        epilog="exit status: 0 all graded; 1 a submission could not be graded; 4 one ran out of time "
        "(graded twice, its grades recorded); 5 both",
    )
    grade.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="only these (default: all)")
    grade.add_argument("--students", nargs="+", metavar="STUDENT", help="only these (default: all who submitted)")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="a dask scheduler, e.g. tcp://host:8786 (default: local)")
    grade.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    grade.add_argument("--db", metavar="URL", help="gradebook URL (default: db_url of nbgrader_config.py)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that are already autograded")
    grade.add_argument("--course", default=".", help="the course folder (default: the current folder)")
    grade.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="grade trusted submissions without the OS sandbox (never students' work)",
    )
    benchmark_class = commands.add_parser(
        "benchmark-class", help="time a synthetic class: serial stock nbgrader autograde against `grade`"
    )
    benchmark_class.add_argument("--students", type=int, default=40, help="students in the class (default: 40)")
    benchmark_class.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    mutate = commands.add_parser(
        "mutate", help="mutation testing: the share of one-line mutants of the solution each module's tests kill"
    )
    mutate.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="only these (default: all)")
    mutate.add_argument("--limit", type=int, help="only the first LIMIT mutants of each module")
    report = commands.add_parser("report", help="reports/grades.csv and reports/class_report.html from the gradebook")
    report.add_argument("--db", metavar="URL", help="gradebook URL (default: db_url of nbgrader_config.py)")
    report.add_argument("--course", default=".", help="the course folder (default: the current folder)")
    arguments = parser.parse_args()

    from .sandbox import SandboxUnavailable

    try:
        run(arguments)
    except SandboxUnavailable as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


def run(arguments):
    if arguments.command == "build":
        from .build import build

        build()
    elif arguments.command == "lint":
        from .lint import lint_course

        raise SystemExit(lint_course())
    elif arguments.command == "demo":
        from .demo import demo

        demo(every=arguments.every)
    elif arguments.command == "benchmark":
        from .benchmark import benchmark

        benchmark()
    elif arguments.command == "benchmark-gpt":
        from .benchmark_gpt import benchmark_gpt

        benchmark_gpt()
    elif arguments.command == "grade":
        from .grade_class import grade_class
        from .preprocessors import UNSANDBOXED

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
            print(f"FAILED {student} {assignment}: {error}")
        for (student, assignment), cells in sorted(outcome.timed_out.items()):
            cells = "; ".join(cells.splitlines())
            print(f"TIMED OUT {student} {assignment} (graded twice; its grades are recorded): {cells}")
        raise SystemExit(outcome.exit_status)
    elif arguments.command == "benchmark-class":
        from .benchmark import benchmark_class

        benchmark_class(arguments.students, arguments.workers)
    elif arguments.command == "mutate":
        from .mutate import mutate_module
        from .paths import course_files, module_name

        for assignment in arguments.assignments or [module_name(path)[0] for path in course_files()]:
            mutate_module(assignment, arguments.limit)
    elif arguments.command == "report":
        from .report import class_report

        course = Path(arguments.course).resolve()
        print(f"wrote {class_report(course, course / 'reports', arguments.db)} and grades.csv")


if __name__ == "__main__":
    main()
