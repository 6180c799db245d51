"""The trusted side of grading: the kernel nbgrader talks to.

While a notebook is graded, two processes run it. The grader (GradingExecute) sends the test
cells, as nbgrader restored them, to this kernel, and hands every other cell as text to the
student process (`student.py`) through `run_student_cell`. A test's names (`Tensor`, `np`,
`tinytorch.layers`) are the student's objects seen through proxies: a call, an attribute, an
operator or an index is a request to the student process, and what comes back is plain data
(numbers, strings, lists, numpy arrays of plain dtypes) or another proxy. So the verdict,
every helper of `tinytorch.testing`, Hypothesis and numpy live in a process the student's code
never runs in, and the test's source never leaves it.

What a proxy never trusts: a student object's `==` (a proxy is equal only to itself), its
`__array_interface__` or other hooks (only the copied data), an error's type beyond the common
builtin ones, a context manager's wish to swallow an error.
"""

import base64
import builtins
import functools
import importlib
import socket
import sys
import tempfile
import types
import warnings

import numpy as np
from IPython import get_ipython

from tinytorch import testing
from tinytorch.course import MODULES

from . import blame, handed_in, output, wire
from .cells import STUDENT_CELL
from .peer import MIRRORS_BEFORE_COLLECTING, Peer, ProcessStopped

peer = None  # the connection to the student process while grading
max_output = output.MAX_OUTPUT  # characters a cell may keep, as the grader handed it in
ALLOWED_DUNDERS = {"__name__", "__qualname__", "__dict__", "__doc__", "__module__"}
REWARNED = {kind.__name__: kind for kind in (RuntimeWarning, UserWarning, DeprecationWarning, FutureWarning)}
SHAREABLE = (types.FunctionType, types.MethodType, functools.partial)


def ask(op, *args):
    """The student process's answer to one request (its warnings are raised here again; once
    the verdict is sealed, only the first of a cell, cut to MAX_STUDENT_TEXT characters)."""
    global warned
    value, header = peer.request(op, *args)
    for category, message in header.get("warnings", [])[:20]:
        if sealed and warned:
            break
        warned = True
        limit = output.MAX_STUDENT_TEXT if sealed else 1000
        warnings.warn(str(message)[:limit], REWARNED.get(str(category), RuntimeWarning), stacklevel=3)
    return value


def checked(value, *kinds):
    if type(value) not in kinds:
        raise TypeError(f"the student's object gave a {type(value).__name__}, not a {kinds[0].__name__}")
    return value


class Proxy:
    """A student's object, seen from the harness."""

    __slots__ = ("_remote_ref", "__weakref__")
    __array_ufunc__ = None  # numpy defers to the proxy: `array + proxy` is proxy.__radd__

    def __init__(self, ref):
        object.__setattr__(self, "_remote_ref", ref)

    def __del__(self):
        if peer is not None:
            peer.forget(self._remote_ref)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in ALLOWED_DUNDERS:
            raise AttributeError(name)  # numpy's __array_interface__ and the like: never the student's
        if (type(self).__name__, name) in METHODS:
            return RemoteMethod(self, name)
        value = ask("getattr", self, name)
        if type(value).__name__ == "method" and isinstance(value, Proxy):
            METHODS.add((type(self).__name__, name))
        return value

    def __setattr__(self, name, value):
        peer.post("setattr", self, name, value)  # its error, if any, comes with the next answer

    def __delattr__(self, name):
        ask("delattr", self, name)

    def __call__(self, *args, **kwargs):
        return ask("call", self, list(args), kwargs)

    def __getitem__(self, key):
        return ask("getitem", self, key)

    def __setitem__(self, key, value):
        ask("setitem", self, key, value)

    def __delitem__(self, key):
        ask("delitem", self, key)

    def __len__(self):
        return checked(ask("len", self), int)

    def __iter__(self):
        return iter(checked(ask("iter", self), list))

    def __contains__(self, item):
        return checked(ask("contains", self, item), bool)

    def __bool__(self):
        return checked(ask("convert", "bool", self), bool)

    def __float__(self):
        return checked(ask("convert", "float", self), float)

    def __int__(self):
        return checked(ask("convert", "int", self), int)

    def __index__(self):
        return checked(ask("convert", "index", self), int)

    def __complex__(self):
        return checked(ask("convert", "complex", self), complex)

    def __repr__(self):
        return str(checked(ask("repr", self), str))

    def __str__(self):
        return str(checked(ask("str", self), str))

    def __format__(self, spec):
        return str(checked(ask("format", self, spec), str))

    def __array__(self, dtype=None, copy=None):
        array = ask("array", self)
        if not isinstance(array, (np.ndarray, np.generic)):
            raise TypeError(f"the student's object is not an array of numbers: {type(array).__name__}")
        return np.asarray(array, dtype=dtype)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    __hash__ = object.__hash__

    def __enter__(self):
        return ask("call", ask("getattr", self, "__enter__"), [], {})

    def __exit__(self, *exception):
        ask("call", ask("getattr", self, "__exit__"), [None, None, None], {})
        return False  # an error of the test is never the student's to swallow

    def __instancecheck__(self, instance):
        return checked(ask("isinstance", instance, self), bool)

    def __subclasscheck__(self, kind):
        return checked(ask("issubclass", kind, self), bool)

    def __mro_entries__(self, bases):
        return (type.__new__(StudentBase, "StudentBase", (), {"_student_base": self}),)


def binary(name, reflected=False):
    if reflected:
        return lambda self, other: ask("binop", name, other, self)
    return lambda self, other: ask("binop", name, self, other)


for _name in ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor"]:
    _op = _name + "_" if _name in ("and", "or") else _name
    setattr(Proxy, f"__{_name}__", binary(_op))
    setattr(Proxy, f"__r{_name}__", binary(_op, reflected=True))
for _name in ["lt", "le", "gt", "ge"]:
    setattr(Proxy, f"__{_name}__", binary(_name))
for _name in ["neg", "pos", "abs", "invert"]:
    setattr(Proxy, f"__{_name}__", lambda self, name=_name: ask("unop", name, self))


METHODS = set()  # (type name, attribute) known to be methods: called in one request, not two


class RemoteMethod:
    """`obj.name` where the student's objects of that type have a method `name`."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __call__(self, *args, **kwargs):
        return ask("callmethod", self.owner, self.name, list(args), kwargs)

    def __repr__(self):
        return f"<method {self.name} of {self.owner!r}>"


@functools.cache
def proxy_class(type_name):
    """A Proxy subclass named as the student's type, so `type(layer).__name__` reads "Linear"."""
    return type(type_name, (Proxy,), {"__slots__": ()})


class StudentBase(type):
    """The metaclass of a class a test defines on a student's class (`class Net(Module)`): the
    class is made in the student process, and its methods call the test's functions here."""

    def __new__(mcs, name, bases, namespace):
        student_bases = [base._student_base for base in bases if "_student_base" in vars(base)]
        methods = {key: value for key, value in namespace.items() if isinstance(value, types.FunctionType)}
        attributes = {
            key: value
            for key, value in namespace.items()
            if key not in methods and not (key.startswith("__") and key.endswith("__"))
        }
        return ask("subclass", name, student_bases, methods, attributes)


class LazyModule(types.ModuleType):
    """`tinytorch.<name>` in the harness: the student process's module, imported on first use."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        module = vars(self).get("_remote")
        if module is None:
            module = ask("import", self.__name__.partition(".")[2])
            vars(self)["_remote"] = module
        return getattr(module, name)


class HarnessPeer(Peer):
    other = "the student process"

    def __init__(self, connection, interrupt_channel):
        super().__init__(connection, lambda ref, type_name: proxy_class(type_name)(ref), {"call": call_back})
        self.may_share = lambda value: isinstance(value, SHAREABLE)
        self.interrupt_channel = interrupt_channel

    def reference(self, value):
        if isinstance(value, RemoteMethod):
            value = ask("getattr", value.owner, value.name)
        return super().reference(value)

    def error_for(self, description):
        """After the seal, an error of the student's code is its type and MAX_STUDENT_TEXT characters
        of its message: no traceback (its last lines, which the student's code could write, too)."""
        if sealed:
            description = {
                "types": [str(name)[:100] for name in description.get("types", [])[:20]],
                "message": str(description.get("message", ""))[: output.MAX_STUDENT_TEXT],
            }
        return super().error_for(description)

    def interrupted(self):
        """The cell's time ran out: interrupt the student's code too (its answer is read and
        dropped before the next request, so that the test cell ends now)."""
        self.interrupt_channel.send(b"!")
        super().interrupted()


def call_back(function, args, kwargs):
    """The student's code calls a function a test gave it (a method of a test's class)."""
    return function(*args, **kwargs)


class StudentCellError(Exception):
    """A student's cell raised: shown with the student's own traceback (args: message, traceback)."""

    def __str__(self):
        return str(self.args[0])


def student_cell_error(name, message, traceback):
    """A StudentCellError named as the student's error (NameError, ...), each part capped."""
    name = name[:100] if name.isidentifier() else "Error"
    message, traceback = (output.shorten(text, output.MAX_ERROR) for text in (message, traceback))
    return type(name, (StudentCellError,), {})(message, traceback)


def show_error(shell, etype, value, tb, tb_offset=None):
    """A student cell's error with the student's traceback (before the seal); a test's error as usual."""
    if isinstance(value, StudentCellError):
        return shell._showtraceback(etype, value, [value.args[1]])
    if sealed and len(str(value)) > output.MAX_VERDICT:
        value.args = (output.shorten_middle(str(value), output.MAX_VERDICT),)
    return shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def start(channel_fd, interrupt_fd, folder):
    """Enter grading mode: connect to the student process, route `tinytorch.<module>` to it."""
    global peer, max_output
    handed = handed_in.read(folder)
    max_output = handed["max_output"]
    peer = HarnessPeer(wire.connect(channel_fd), socket.socket(fileno=interrupt_fd))
    testing.explain_chain_failure = lambda replay: blame.explain(replay, handed, ask)
    testing.epochs_of = functools.partial(epochs_of, testing.epochs_of)
    for name in MODULES:
        sys.modules[f"tinytorch.{name}"] = LazyModule(f"tinytorch.{name}")
    tempfile.mkdtemp = made_in_both(tempfile.mkdtemp)
    shell = get_ipython()
    shell.user_ns.update(harness_names())
    shell.events.register("pre_run_cell", seal_at_first_test)
    shell.events.register("post_run_cell", forget_last_error)
    shell.set_custom_exc((Exception,), show_error)
    output.cap_displays_and_errors(shell, max_output)


def epochs_of(plain, loader, count):
    """`testing.epochs_of` while grading: the epochs of a student's loader in one request, not one
    request each."""
    if not isinstance(loader, Proxy):
        return plain(loader, count)
    return [checked(epoch, list) for epoch in checked(ask("epochs", loader, count), list)]


def forget_last_error(result):
    """After each cell, let go of its error, which Python and IPython keep for a debugger: its
    traceback holds the failed test's frames and their copies of the student's arrays, and every
    later request to the student process compares each copy for writes (a test after a failed
    one took 20 s instead of 1)."""
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            delattr(sys, name)
    get_ipython().InteractiveTB.tb = None
    peer.collect_dead_mirrors(at=MIRRORS_BEFORE_COLLECTING)


def made_in_both(mkdtemp):
    """A temporary folder a test makes exists in the student process too (each has its own
    /tmp): a test saves a student's model to a file there, and loads it back."""

    @functools.wraps(mkdtemp)
    def make(*args, **kwargs):
        folder = mkdtemp(*args, **kwargs)
        ask("makedirs", folder)
        return folder

    return make


SEALED_NOTE = (
    "[the grader does not show what this cell printed or displayed: from the first test on, "
    "nothing of the student process reaches the notebook]\n"
)
sealed = False  # whether a test cell has started: from then on, nothing of the student process is shown
warned = False  # whether the running cell has re-raised a warning of the student process


def seal_at_first_test(info):
    """Before each cell: the first cell that is not a student's (a test cell) seals the verdict."""
    global sealed, warned
    warned = False
    if not info.raw_cell.startswith(STUDENT_CELL):
        sealed = True


synced = {}  # name -> the value this harness last took from the student's namespace


def run_student_cell(encoded):
    """Run one of the student's cells (base64 of its text) in the student process; once sealed,
    only a note and, if it raised, its error's name and MAX_STUDENT_TEXT characters of its message."""
    source = base64.b64decode(encoded).decode()
    try:
        answer = checked(ask("run_cell", source), dict)
    except ProcessStopped as lost:
        raise student_cell_error("ProcessStopped", str(lost), f"ProcessStopped: {lost}") from None
    take_names()
    if sealed:
        sys.stdout.write(SEALED_NOTE)
    else:
        show_printed(answer)
    error = answer.get("error")
    if error:
        name, message, traceback = (str(error.get(part, "")) for part in ("name", "message", "traceback"))
        if sealed:
            message = message[: output.MAX_STUDENT_TEXT]
            traceback = f"{name}: {message}"
        raise student_cell_error(name, message, traceback)


def show_printed(answer):
    """What a student's cell printed, and its result, cut to the cell's cap."""
    printed = str(answer.get("output", ""))
    if len(printed) > max_output:
        printed = printed[:max_output] + output.truncation_notice(max_output)
    sys.stdout.write(printed)
    if answer.get("result") is not None:
        print(output.shorten(str(answer["result"]), max_output))


# Names a test means as the harness's own (the builtins, the helpers and the modules tests use):
# never bound to anything of the student's.
MODULES_TESTS_USE = ["numpy", "math", "itertools", "functools", "collections", "contextlib", "re", "warnings"]
MODULES_TESTS_USE += ["time", "tempfile", "pathlib", "os", "sys", "hypothesis", "random", "string", "tinytorch"]


def harness_names():
    """{name: the harness's own object} of the names test cells may use without importing them."""
    own = {name: getattr(testing, name) for name in dir(testing) if not name.startswith("_")}
    own.update({name: importlib.import_module(name) for name in MODULES_TESTS_USE})
    own.update(np=np, Path=importlib.import_module("pathlib").Path)
    return own


RESERVED = set(dir(builtins)) | set(harness_names())


def take_names():
    """Bind the student's names in the harness: plain values and proxies only, never over a name
    the harness bound itself nor over a reserved one."""
    from IPython import get_ipython

    namespace = get_ipython().user_ns
    for entry in checked(ask("names"), list)[:10_000]:
        if type(entry) is not list or len(entry) != 2:
            continue
        name, value = str(entry[0]), entry[1]
        if not name.isidentifier() or name.startswith("_") or name in RESERVED:
            continue
        if name in namespace and synced.get(name, synced) is not namespace[name]:
            continue
        namespace[name] = synced[name] = value
