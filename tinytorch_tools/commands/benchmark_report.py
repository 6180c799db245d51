"""`benchmark-report`: the class report of a synthetic class of many students, timed."""

HELP = "time `report` on a synthetic gradebook of many students and every module"


def add_arguments(parser):
    parser.add_argument("--students", type=int, default=300, help="students in the class (default: 300)")


def run(arguments):
    from tinytorch_tools.benchmarks.report import benchmark_report

    benchmark_report(arguments.students)
