"""The student process of a graded notebook, started in the sandbox or (trusted work only) without it."""

import socket
import subprocess
import sys
from contextlib import contextmanager

from .bubblewrap import HANDED_IN, start_process


@contextmanager
def student_process(handed_in, limits, sandboxed=True, box=None, hidden=()):
    """Start the student process on the folder `handed_in` (in `box`, the files `hidden` empty, when
    sandboxed); yield the harness's ends of the connection (the channel and the interrupt line);
    kill it at the end."""
    channel, interrupts = socket.socketpair(), socket.socketpair()
    fds = (channel[1].fileno(), interrupts[1].fileno())
    folder = HANDED_IN if sandboxed else str(handed_in)
    command = [sys.executable, "-m", "tinytorch.grading.student", folder, *map(str, fds)]
    try:
        if sandboxed:
            process = start_process(command, handed_in, limits, fds, box, hidden)
        else:
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            process = subprocess.Popen(command, pass_fds=fds, cwd=handed_in, **quiet)
        channel[1].close(), interrupts[1].close()
        try:
            yield channel[0].fileno(), interrupts[0].fileno()
        finally:
            process.kill()
            process.wait()
    finally:
        for end in (*channel, *interrupts):
            end.close()
