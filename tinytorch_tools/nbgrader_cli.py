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
