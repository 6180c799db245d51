"""Run stock nbgrader commands, as an instructor would type them, from Python."""

import os
import subprocess
import sys
from pathlib import Path


def environment():
    """nbgrader runs helper programs (alembic, jupyter) found on PATH: use this Python's."""
    bin_folder = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=bin_folder + os.pathsep + os.environ.get("PATH", ""))


def nbgrader(*arguments, course, check=True, timeout=None):
    """`nbgrader <arguments>` run in the course folder; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def generate_assignments(course, assignments, *options):
    """Stock `nbgrader generate_assignment` of each of `assignments`; one command for them all (its
    assignment is a glob, `*`) when they are every folder of source/: 4 s for thirteen, not 20."""
    source = Path(course) / "source"
    everything = sorted(assignments) == sorted(folder.name for folder in source.iterdir() if folder.is_dir())
    for assignment in ["*"] if everything else assignments:
        nbgrader("generate_assignment", assignment, "--force", *options, course=course)
