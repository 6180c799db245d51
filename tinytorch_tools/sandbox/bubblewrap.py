"""The OS sandbox every grading process runs in (README, "Threat model"): bubblewrap.

The student process and the harness kernel (tinytorch/grading/student.py, harness.py) are
each started by bubblewrap in new mount, PID, IPC, UTS and network namespaces (and a new user
namespace, or a real unprivileged uid of its own when the grader runs as root), with limits set
by the OS kernel. They talk over a socket pair the grader made; neither can see the other's
processes or files. Each one's file system holds only:

- the Python environment, read-only (and the student kit, read-only, if it is not installed in it);
- `/grading`, read-only: the files the grader hands in (the kernel's connection file and the
  code of the modules the graded one builds on), copied from a private folder of the grader;
- `/home/student` (the working folder) and `/tmp`: small private tmpfs, gone with the process.

The harness kernel talks to nbgrader over Jupyter's IPC transport (`kernels.py`). Nothing else of
the machine (the course, the gradebook, other students, other processes, the network) is in there.
"""

import functools
import importlib.util
import json
import os
import secrets
import select
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .box import unavailable_reason as box_unavailable_reason

HOME = "/home/student"
HANDED_IN = "/grading"
# Packages of the environment that no sandboxed process uses, seen there as empty folders: ipykernel
# imports its debugger, debugpy, at start when it can (0.15 s of every harness kernel), and nothing
# in a sandbox is ever debugged.
UNUSED_PACKAGES = ("debugpy",)


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed kernel, enforced by the OS kernel (setrlimit, tmpfs size)."""

    memory: int = 4 * 2**30  # bytes of address space
    processes: int = 64  # processes and threads
    file_size: int = 256 * 2**20  # bytes in one file
    cpu_seconds: int = 900  # of CPU time for the whole notebook
    scratch: int = 512 * 2**20  # bytes of /home/student, and again of /tmp


def python_environment():
    """The folders Python needs, read-only: the environment and the interpreter it was made from."""
    folders = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    folders.add(Path(sys.executable).resolve().parent.parent)
    return sorted(str(f) for f in folders if not str(f).startswith("/usr"))


def student_kit():
    """The `tinytorch` package folder, when it is not inside the Python environment (an editable install)."""
    import tinytorch

    kit = Path(tinytorch.__file__).resolve().parent
    return None if any(kit.is_relative_to(f) for f in python_environment()) else kit


def bwrap_command(command, handed_in, limits, info_fd=None, box=None, hidden=()):
    """The command line that runs `command` in the sandbox, with `handed_in` at /grading, inside
    `box` (box.py) if given, the files `hidden` (of the environment or the kit) empty;
    bubblewrap writes the sandbox's pid to `info_fd`."""
    as_root = os.geteuid() == 0
    arguments = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net"]
    if info_fd is not None:
        arguments += ["--info-fd", str(info_fd)]
    arguments += ["--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if as_root:
        # A user namespace made by root maps to root: switch to a real, unused uid instead.
        arguments += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        arguments += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    arguments += ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if Path(f"/{link}").is_symlink():
            arguments += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
    binds = {folder: folder for folder in python_environment()}
    variables = {"HOME": HOME, "TMPDIR": "/tmp", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    variables.update(PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="agg")
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # see the machine's notes: needed on some CPUs
        if name in os.environ:
            variables[name] = os.environ[name]
    kit = student_kit()
    if kit:
        binds[str(kit)] = f"/opt/kit/{kit.name}"
        variables["PYTHONPATH"] = "/opt/kit"
    binds[str(handed_in)] = HANDED_IN
    for folder in (HOME, "/tmp"):  # first: the environment may live under /tmp, bound into this one
        arguments += ["--perms", "1777", "--size", str(limits.scratch), "--tmpfs", folder]
    for folder in sorted({str(a) for inside in binds.values() for a in Path(inside).parents if str(a) != "/"}):
        arguments += ["--perms", "0755", "--dir", folder]  # bubblewrap would make them 0700
    for outside, inside in binds.items():
        arguments += ["--ro-bind", outside, inside]
    for path in hidden:
        arguments += ["--ro-bind", "/dev/null", seen_inside(Path(path).resolve(), binds)]
    for folder in unused_package_folders():
        arguments += ["--perms", "0555", "--size", "4096", "--tmpfs", seen_inside(folder, binds)]
    arguments += ["--chdir", HOME, "--clearenv"]
    for name, value in variables.items():
        arguments += ["--setenv", name, value]
    limit = ["prlimit", f"--as={limits.memory}", f"--nproc={limits.processes}", f"--fsize={limits.file_size}"]
    limit += [f"--cpu={limits.cpu_seconds}", "--core=0", "--"]
    if as_root:
        uid = str(secrets.randbelow(2**30) + 2**20)  # its own uid: the process limit counts only its processes
        limit += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
        limit += ["--bounding-set=-all", "--no-new-privs", "--"]
    entering = box.enter_command() if box else []
    return entering + arguments + ["--", *limit, *command]


@functools.cache
def unused_package_folders():
    """The folders of UNUSED_PACKAGES that are installed (found without importing them)."""
    specs = [importlib.util.find_spec(name) for name in UNUSED_PACKAGES]
    return [Path(folder).resolve() for spec in specs if spec for folder in spec.submodule_search_locations or ()]


def seen_inside(path, binds):
    """Where the sandbox sees `path`: where `binds` ({outside: inside}) puts its folder, else
    where it is (/usr is bound as itself)."""
    for outside, inside in binds.items():
        if path.is_relative_to(outside):
            return str(Path(inside) / path.relative_to(outside))
    return str(path)


def start_process(command, handed_in, limits, pass_fds=(), box=None, hidden=()):
    """Start `command` in a sandbox of its own (the student process), in `box`, the files `hidden`
    empty; its output is dropped."""
    read, write = os.pipe()
    try:
        process = subprocess.Popen(
            bwrap_command(command, handed_in, limits, info_fd=write, box=box, hidden=hidden),
            pass_fds=(write, *pass_fds),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        os.close(write)
    try:
        read_child_pid(read)
    except SandboxUnavailable:
        process.kill()
        raise
    finally:
        os.close(read)
    return process


@functools.cache
def unavailable_reason():
    """None when bubblewrap can sandbox a process here, else why not and what to install."""
    if sys.platform != "linux":
        return f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}"
    for program in ("bwrap", "prlimit", "setpriv"):
        if shutil.which(program) is None:
            return f"`{program}` is not installed: install bubblewrap and util-linux (Debian: apt install bubblewrap)"
    probe = Path(__file__).parent  # any folder will do as the handed-in one
    result = subprocess.run(
        bwrap_command([sys.executable, "-c", "pass"], probe, Limits()), capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        return f"bubblewrap cannot start a sandbox here ({result.stderr.strip()}); it needs user namespaces enabled"
    return None


def require_sandbox():
    """Refuse to grade where either the OS sandbox or the box of a notebook cannot be had."""
    reason = unavailable_reason() or box_unavailable_reason()
    if reason:
        raise SandboxUnavailable(
            f"Refusing to grade: {reason}. Student code runs only in the OS sandbox, each notebook in "
            "a box of its own. To grade trusted "
            "submissions without isolation (never students' work), pass --GradingExecute.sandbox=False "
            "(nbgrader autograde) or --no-sandbox (python -m tinytorch_tools grade)."
        )


def read_child_pid(fd, timeout=30):
    """The pid (outside) of the sandbox's first process, from bubblewrap's --info-fd."""
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        chunk = os.read(fd, 4096) if ready else b""
        if not chunk:
            raise SandboxUnavailable(f"bubblewrap did not start the sandbox: {data.decode(errors='replace')}")
        data += chunk
        try:
            return json.loads(data)["child-pid"]
        except json.JSONDecodeError:
            continue
