"""`benchmark`: the autograding time of each module for one student."""

HELP = "time the autograding of each module for one student"


def add_arguments(parser):
    pass


def run(arguments):
    from tinytorch_tools.benchmarks.grading import benchmark

    benchmark()
