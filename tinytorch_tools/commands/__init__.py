"""The instructor's commands, one file each (as nbgrader's `apps/`): each has a HELP line,
`add_arguments(parser)` and `run(arguments)`. `python -m tinytorch_tools <command>`."""
