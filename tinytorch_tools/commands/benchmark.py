"""`benchmark`: the autograding time of each module for one student."""

HELP = "time the autograding of each module for one student"


def add_arguments(parser):
    parser.add_argument("--runs", type=int, default=3, help="rounds of each measurement (default: 3)")


def run(arguments):
    from tinytorch_tools.benchmarks.grading import benchmark

    benchmark(arguments.runs)
