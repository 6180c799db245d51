"""`build`: regenerate source/, tinytorch_ref/ and release/ from course/."""

HELP = "regenerate source/, tinytorch_ref/ and release/ from course/"


def add_arguments(parser):
    pass


def run(arguments):
    from tinytorch_tools.authoring.build import build

    build()
