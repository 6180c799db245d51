"""`lint`: check the nbgrader metadata of the source notebooks."""

HELP = "check the nbgrader metadata of the source notebooks"


def add_arguments(parser):
    pass


def run(arguments):
    from tinytorch_tools.authoring.lint import lint_course

    raise SystemExit(lint_course())
