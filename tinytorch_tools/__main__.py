"""`python -m tinytorch_tools <command>`: the instructor's commands for this course."""

import argparse
import importlib
import sys

from tinytorch_tools.process_exit import skip_final_garbage_collection

# command -> its module in tinytorch_tools/commands/
COMMANDS = {
    "build": "build",
    "lint": "lint",
    "demo": "demo",
    "benchmark": "benchmark",
    "benchmark-gpt": "benchmark_gpt",
    "grade": "grade",
    "benchmark-class": "benchmark_class",
    "mutate": "mutate",
    "report": "report",
    "similarity": "similarity",
    "benchmark-report": "benchmark_report",
    "leaderboard": "leaderboard",
}


def main():
    skip_final_garbage_collection()
    parser = argparse.ArgumentParser(prog="python -m tinytorch_tools", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"tinytorch_tools.commands.{module_name}")
        subparser = subparsers.add_parser(name, help=module.HELP, epilog=getattr(module, "EPILOG", None))
        module.add_arguments(subparser)
        subparser.set_defaults(command_module=module)
    arguments = parser.parse_args()

    from tinytorch_tools.sandbox import SandboxUnavailable

    try:
        arguments.command_module.run(arguments)
    except SandboxUnavailable as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
