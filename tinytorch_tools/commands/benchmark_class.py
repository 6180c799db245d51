"""`benchmark-class`: a synthetic class graded serially by stock nbgrader, then with `grade`."""

HELP = "time a synthetic class: serial stock nbgrader autograde against `grade`"


def add_arguments(parser):
    parser.add_argument("--students", type=int, default=40, help="students in the class (default: 40)")
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")


def run(arguments):
    from tinytorch_tools.benchmarks.grading import benchmark_class

    benchmark_class(arguments.students, arguments.workers)
