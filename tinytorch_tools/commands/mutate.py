"""`mutate`: the share of one-line mutants of the solution each module's tests kill."""

HELP = "mutation testing: the share of one-line mutants of the solution each module's tests kill"


def add_arguments(parser):
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="only these (default: all)")
    parser.add_argument("--limit", type=int, help="only the first LIMIT mutants of each module")


def run(arguments):
    from tinytorch_tools import paths
    from tinytorch_tools.authoring.mutate import mutate_module

    for assignment in arguments.assignments or paths.all_assignments():
        mutate_module(assignment, arguments.limit)
