"""`leaderboard`: the grader trains every student's TinyGPT entry of 12_language_model, and ranks them."""

import sys

HELP = "train every student's 12_language_model entry in the sandbox, rank by held-out bits per character"


def add_arguments(parser):
    from tinytorch.leaderboard import BUDGET
    from tinytorch_tools.leaderboard.board import TIMEOUT

    parser.add_argument("--students", nargs="+", metavar="STUDENT", help="only these (default: all who submitted)")
    parser.add_argument("--budget", type=int, default=BUDGET, help=f"multiply-adds per entry (default {BUDGET:,})")
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT,
        help=f"seconds of each sandboxed process of an entry (default {TIMEOUT})",
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a dask scheduler (default: local)")
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    parser.add_argument("--force", action="store_true", help="retrain entries that are already trained")
    parser.add_argument("--course", default=".", help="the course folder (default: the current folder)")
    parser.add_argument(
        "--no-sandbox", dest="sandbox", action="store_false", help="trusted entries only: train without the sandbox"
    )


def run(arguments):
    from tinytorch_tools.leaderboard import run_leaderboard, table

    if not arguments.sandbox:
        print("WARNING: --no-sandbox: entries train WITHOUT the OS sandbox (trusted entries only)", file=sys.stderr)
    board, trained = run_leaderboard(
        arguments.course,
        arguments.students,
        budget=arguments.budget,
        timeout=arguments.timeout,
        scheduler=arguments.scheduler,
        workers=arguments.workers,
        force=arguments.force,
        sandbox=arguments.sandbox,
    )
    print(f"trained {len(trained)} entries")
    print(table(board))
