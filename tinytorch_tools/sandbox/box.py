"""One box per graded notebook (README, "Threat model"): a cgroup that holds both sandboxed
processes of the notebook and every child they make.

Limits of one process (`prlimit`) let a submission simply use more processes, and do not count
memory outside an address space at all. The OS kernel counts a cgroup's memory (files in tmpfs,
memfds and shared memory included: their pages are charged to the cgroup that touches them), its
processes and threads, and its CPU time, for all its processes together. The box is a child of the
grader's own cgroup in each controller (cgroup v1: memory, pids, cpu, cpuacct; or one cgroup v2
with memory, pids and cpu), named after the grader's pid so that a later grader removes the boxes
of one that died. A process enters the box before it runs anything: `enter_command` makes a shell
write its own pid into the box, then become the sandbox (exec), so every child is born inside.

The OS kernel enforces the memory (it kills a process of the box that would pass it), the number
of processes (a fork fails) and the CPU rate; the grader reads the box's counters after each cell
(`over_budget`) and stops the whole box once any budget is passed.

A box of at most one core's rate also keeps its processes on one core: the core its grader ran on
when it made the box, which the OS had picked as free. The two processes of a notebook take turns (the
harness waits while the student process answers, thousands of times a notebook); on two cores each
answer wakes a sleeping core, which costs a virtual machine far more than a switch on one core
(stock `nbgrader autograde` of 10_transformers in 2.9 s instead of 3.6 s, with 15% less CPU time).
"""

import functools
import os
import secrets
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUPS = Path("/sys/fs/cgroup")
PREFIX = "tinytorch-"
CPU_PERIOD = 100_000  # microseconds in which the box gets `cpus` times as many of CPU time


@dataclass(frozen=True)
class Budget:
    """What all processes of one graded notebook may use together (`c.GradingExecute.box`)."""

    memory: int = 2 * 2**30  # bytes, including files in tmpfs (/tmp, /home/student, /dev/shm) and shared memory
    processes: int = 128  # processes and threads
    cpus: float = 1.0  # CPU rate: cores' worth of CPU time per second of wall-clock time
    cpu_seconds: int = 300  # of CPU time


class V1:
    """cgroup v1: a folder per controller, mounted at /sys/fs/cgroup/<controller> (cpu and cpuacct
    may be one folder, `cpu,cpuacct`, with a link of each name)."""

    controllers = ("memory", "pids", "cpu", "cpuacct")

    def __init__(self, root, own):
        self.folders = {name: (root / name).resolve() / own[name].lstrip("/") for name in self.controllers}

    def create(self, name, budget):
        """Make the box's folders with its budget; returns them, each once."""
        self.box = {controller: folder / name for controller, folder in self.folders.items()}
        made = list(dict.fromkeys(self.box.values()))
        for folder in made:
            folder.mkdir()
        memory = self.box["memory"]
        write(memory / "memory.limit_in_bytes", budget.memory)
        if (memory / "memory.memsw.limit_in_bytes").exists():  # with swap accounting: no swap either
            write(memory / "memory.memsw.limit_in_bytes", budget.memory)
        write(self.box["pids"] / "pids.max", budget.processes)
        write(self.box["cpu"] / "cpu.cfs_period_us", CPU_PERIOD)
        write(self.box["cpu"] / "cpu.cfs_quota_us", round(budget.cpus * CPU_PERIOD))
        return made

    def counters(self):
        """(OOM kills, refused forks, CPU seconds) of the box."""
        return (
            field(self.box["memory"] / "memory.oom_control", "oom_kill"),
            field(self.box["pids"] / "pids.events", "max"),
            int((self.box["cpuacct"] / "cpuacct.usage").read_text()) / 1e9,
        )

    def freeze_forks(self):
        write(self.box["pids"] / "pids.max", 0)


class V2:
    """cgroup v2: one folder with every controller, where /sys/fs/cgroup is the unified hierarchy."""

    controllers = ("memory", "pids", "cpu")

    def __init__(self, root, own):
        self.folders = {"": root / own[""].lstrip("/")}

    def create(self, name, budget):
        parent = self.folders[""]
        write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in self.controllers))
        self.box = parent / name
        self.box.mkdir()
        write(self.box / "memory.max", budget.memory)
        write(self.box / "memory.swap.max", 0)
        write(self.box / "pids.max", budget.processes)
        write(self.box / "cpu.max", f"{round(budget.cpus * CPU_PERIOD)} {CPU_PERIOD}")
        return [self.box]

    def counters(self):
        usage = field(self.box / "cpu.stat", "usage_usec") / 1e6
        return field(self.box / "memory.events", "oom_kill"), field(self.box / "pids.events", "max"), usage

    def freeze_forks(self):
        write(self.box / "pids.max", 0)


def write(path, value):
    path.write_text(f"{value}\n")


def field(path, name):
    """The number after `name` in a cgroup file of `name value` lines."""
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == name:
            return int(value)
    raise LookupError(f"{path} has no {name}")


def own_cgroups():
    """{controller: path} of this process's cgroups ("" for cgroup v2), from /proc/self/cgroup."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    return own


def hierarchy(root=CGROUPS):
    """The cgroup hierarchy that has every controller the box needs, or why there is none."""
    own = own_cgroups()
    if all((root / c).is_dir() and c in own for c in V1.controllers):
        return V1(root, own)
    unified = root / "cgroup.controllers"
    if unified.exists() and set(V2.controllers) <= set(unified.read_text().split()) and "" in own:
        return V2(root, own)
    raise OSError(
        f"no cgroup hierarchy under {root} has the controllers a box needs "
        f"(cgroup v1: {', '.join(V1.controllers)}; or cgroup v2: {', '.join(V2.controllers)})"
    )


class Box:
    """The cgroup of one graded notebook; `with Box(budget) as box:` makes it and removes it."""

    def __init__(self, budget, root=CGROUPS):
        self.budget, self.hierarchy = budget, hierarchy(root)
        self.name = f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        self.folders = []
        self.core = running_core() if budget.cpus <= 1 and shutil.which("taskset") else None

    def __enter__(self):
        remove_abandoned_boxes(self.hierarchy)
        try:
            self.folders = self.hierarchy.create(self.name, self.budget)
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc_info):
        self.remove()

    def enter_command(self):
        """The prefix of a command line that runs the command inside the box (a shell writes its
        pid into the box, then execs the command, on the box's core if it has one: nothing runs
        outside it first)."""
        script = "".join(f"echo $$ > '{folder}/cgroup.procs' && " for folder in self.folders)
        on_its_core = "" if self.core is None else f"taskset --cpu-list {self.core} "
        return ["/bin/sh", "-c", script + f'exec {on_its_core}"$@"', "box"]

    def over_budget(self):
        """Why the box's processes are over its budget, or None."""
        oom_kills, refused_forks, cpu_seconds = self.hierarchy.counters()
        if oom_kills:
            return (
                f"its processes needed more than {self.budget.memory // 2**20} MiB of memory together "
                "(files in /tmp, /home/student and /dev/shm, and shared memory, included)"
            )
        if refused_forks:
            return f"it tried to run more than {self.budget.processes} processes and threads together"
        if cpu_seconds > self.budget.cpu_seconds:
            return f"its processes used more than {self.budget.cpu_seconds} s of CPU time together"
        return None

    def stop(self):
        """Kill every process of the box: no new one can start, then each one gets SIGKILL."""
        if self.folders:
            self.hierarchy.freeze_forks()
            kill_all(self.folders[0])

    def remove(self):
        for folder in self.folders:
            if folder.exists():
                kill_all(folder)
                remove_folder(folder)


def running_core():
    """The core this thread runs on now (field 39 of its stat)."""
    return int(Path("/proc/thread-self/stat").read_text().rpartition(")")[2].split()[36])


def processes(folder):
    """The pids in a box's cgroup (none once it is removed)."""
    try:
        return (folder / "cgroup.procs").read_text().split()
    except FileNotFoundError:
        return []


def kill_all(folder, timeout=10):
    deadline = time.monotonic() + timeout
    while pids := processes(folder):
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            raise OSError(f"the processes of {folder} did not die")
        time.sleep(0.01)


def remove_folder(folder, timeout=10):
    """rmdir a box's cgroup, once the OS kernel has let go of its dead processes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return folder.rmdir()
        except FileNotFoundError:  # another grader removed it first
            return None
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def remove_abandoned_boxes(hierarchy):
    """Remove the boxes of graders that died (a crash, SIGKILL) before removing them."""
    for parent in hierarchy.folders.values():
        for folder in parent.glob(f"{PREFIX}*"):
            pid = int(folder.name.removeprefix(PREFIX).split("-")[0])
            if not Path(f"/proc/{pid}").exists():
                kill_all(folder)
                remove_folder(folder)


@functools.cache
def unavailable_reason(root=CGROUPS):
    """None when the grader can make a box here, else why not and what to do."""
    try:
        with Box(Budget(), root):
            return None
    except OSError as error:
        return (
            f"the grader cannot make the box of a notebook ({error}); it needs Linux with cgroup v1 "
            f"(controllers {', '.join(V1.controllers)}) or cgroup v2 (controllers {', '.join(V2.controllers)}), "
            "and the right to make cgroups: grade as root"
        )
