"""The kernels nbgrader talks to while grading: the harness, in the sandbox or (trusted work
only) without it.

The sandboxed harness talks to nbgrader over Jupyter's IPC transport: its sockets are files in
its `/home/student`, which nbgrader reaches through `/proc/<sandbox pid>/root`; its connection
file is in its handed-in folder, which appears read-only at /grading. Either kernel inherits the
harness's ends of the connection to the student process (`pass_fds`).
"""

import functools
import math
import os
import subprocess
import time
from pathlib import Path
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, DottedObjectName, Instance, Tuple, Type, Unicode

from .bubblewrap import HANDED_IN, HOME, Limits, bwrap_command, read_child_pid

CONNECTION_FILE = "kernel.json"
MAX_MESSAGE = 64 * 2**20  # bytes: a larger message from the kernel closes its connection


class ReadyWhenIdle:
    """A kernel client that is ready as soon as the kernel has answered its kernel_info request and
    said on IOPub that it is idle again. jupyter_client's client waits instead until IOPub has been
    silent for 0.2 s, at every kernel start: a fifth of a second of every graded notebook."""

    async def wait_for_ready(self, timeout=None):
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while time.monotonic() < deadline:
            request = self.kernel_info()
            reply = await first_message(self.shell_channel, 1, functools.partial(answers, request=request))
            if reply and await first_message(self.iopub_channel, 0.2, functools.partial(idle_after, request=request)):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


async def first_message(channel, timeout, wanted):
    """The first message on `channel` that `wanted(message)` accepts, or None once `timeout` s pass
    without a message (on IOPub: it is not connected yet)."""
    while True:
        try:
            message = await channel.get_msg(timeout=timeout)
        except Empty:
            return None
        if wanted(message):
            return message


def answers(message, request):
    return message["parent_header"].get("msg_id") == request


def idle_after(message, request):
    status = message["msg_type"] == "status" and message["content"]["execution_state"] == "idle"
    return status and answers(message, request)


class HarnessKernelClient(ReadyWhenIdle, AsyncKernelClient):
    pass


class HarnessKernelManager(AsyncKernelManager):
    """A kernel (unsandboxed) that inherits the harness's ends of the connection to the student;
    on Jupyter's IPC transport, its sockets in a private folder."""

    pass_fds = Tuple()
    client_class = DottedObjectName("tinytorch_tools.sandbox.kernels.HarnessKernelClient")
    client_factory = Type(klass=HarnessKernelClient)
    sockets = Unicode(help="the private folder of its IPC sockets")

    async def _async_pre_start_kernel(self, **kw):
        self.transport, self.ip = "ipc", f"{self.sockets}/kernel"
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, pass_fds=self.pass_fds, **kw)

    _launch_kernel = _async_launch_kernel


class SandboxSockets:
    """Connects to the kernel's IPC sockets through the sandbox's root."""

    sandbox_root = ""  # /proc/<pid>/root of the sandbox's first process

    def _make_url(self, channel):
        url = super()._make_url(channel)
        return url.replace("ipc://", f"ipc://{self.sandbox_root}", 1)


class SandboxedKernelClient(SandboxSockets, ReadyWhenIdle, AsyncKernelClient):
    pass


class SandboxedKernelManager(SandboxSockets, AsyncKernelManager):
    """A Jupyter kernel started in the sandbox, inside the notebook's `box` (box.py). `handed_in`
    is the grader's private folder that appears read-only at /grading (the connection file is
    written there)."""

    handed_in = Unicode()
    limits = Instance(Limits, args=())
    box = Any(None)
    pass_fds = Tuple()  # the harness's ends of its connection to the student process
    client_class = DottedObjectName("tinytorch_tools.sandbox.kernels.SandboxedKernelClient")
    client_factory = Type(klass=SandboxedKernelClient)

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"  # no signal reaches a kernel in a new session
        return spec

    async def _async_pre_start_kernel(self, **kw):
        kw.pop("cwd", None)
        self.transport, self.ip = "ipc", f"{HOME}/.kernel"
        self.connection_file = str(Path(self.handed_in) / CONNECTION_FILE)
        self._info = os.pipe()
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        os.chmod(self.connection_file, 0o644)  # for the sandbox's uid; the folder around it is private

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        command = [f"{HANDED_IN}/{CONNECTION_FILE}" if part == self.connection_file else part for part in command]
        return bwrap_command(command, self.handed_in, self.limits, info_fd=self._info[1], box=self.box)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        read, write = self._info
        try:
            # The kernel's own stdout and stderr are the student's: never on the grader's screen.
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            await super()._async_launch_kernel(kernel_cmd, pass_fds=(write, *self.pass_fds), **dict(kw, **quiet))
        finally:
            os.close(write)
        try:
            self.sandbox_root = f"/proc/{read_child_pid(read)}/root"
        finally:
            os.close(read)

    _launch_kernel = _async_launch_kernel

    def client(self, **kwargs):
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        client = super().client(context=context, **kwargs)
        client.sandbox_root = self.sandbox_root
        return client
