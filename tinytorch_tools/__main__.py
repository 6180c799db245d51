"""`python -m tinytorch_tools <command>`: the instructor's commands for this course."""

import argparse


def main():
    parser = argparse.ArgumentParser(prog="python -m tinytorch_tools", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="regenerate source/, tinytorch_ref/ and release/ from course/")
    commands.add_parser("lint", help="check the nbgrader metadata of the source notebooks")
    commands.add_parser("demo", help="generate, autograde sample students, print the gradebook")
    commands.add_parser("benchmark", help="time the autograding of each module for one student")
    commands.add_parser("report", help="reports/grades.csv and reports/class_report.html from gradebook.db")
    arguments = parser.parse_args()

    if arguments.command == "build":
        from .build import build

        build()
    elif arguments.command == "lint":
        from .lint import lint_course

        raise SystemExit(lint_course())
    elif arguments.command == "demo":
        from .demo import demo

        demo()
    elif arguments.command == "benchmark":
        from .benchmark import benchmark

        benchmark()
    elif arguments.command == "report":
        from .paths import ROOT
        from .report import class_report

        print(f"wrote {class_report(ROOT, ROOT / 'reports')} and grades.csv")


if __name__ == "__main__":
    main()
