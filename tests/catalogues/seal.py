"""Attacks on the seal of the verdict (README, "Threat model": the verdict is sealed).

Each is a real submission graded by stock nbgrader (tests/test_seal.py), with an honest part
that deserves `loses` and a trick that tried to win more, to watch the hidden tests, or to make
the instructor's or the student's browser run its code:

- the harness binding names the student chose (a function named `isinstance` that says it is
  `numpy.printoptions`), and neighbours;
- the student process watching the hidden tests (a log of every request, printed in a cell after
  the last test, or carried in an error's message or a warning);
- markdown that runs a handler (an added cell, an edited course text, a written answer);
- nbgrader metadata of known cells tampered with (test cells flagged as solutions, points, ...);
- gradient checks that trust the student's forward (02_autograd: rules left unwritten, and
  tensors that ignore the harness's nudges, or a forward that caches its answers; 04_layers and
  10_transformers: a Linear or a layer_norm honest only on the visible tests' shapes, whose
  answer elsewhere is detached, and kept for nudged inputs).
"""

import nbformat

from .cheats import EXP_LOST, NOTHING_LOST, reference
from .hostile import ASSIGNMENT, Submission, cell

# Names ------------------------------------------------------------------------------------

# The honest part: tensor + number is a wrapper with every attribute of the Tensor it wraps, so
# that only `isinstance(a + 1, Tensor)` of test_arithmetic catches it.
WRAPPED_SUM = """_add = Tensor.__add__


class Sum:
    \"\"\"What tensor + number gives: not a Tensor, but with all of its attributes.\"\"\"

    def __init__(self, tensor):
        self.tensor = tensor

    def __getattr__(self, name):
        return getattr(self.tensor, name)


def add(self, other):
    result = _add(self, other)
    return Sum(result) if type(other) in (int, float) else result


Tensor.__add__ = add
"""
SUM_LOST = frozenset(["test_arithmetic"])

# The student's `isinstance` works as the builtin in the student process, but says it is numpy's
# `printoptions`: a harness that believes it binds a context manager, always truthy, in the tests.
ISINSTANCE_LIE = """import builtins


def isinstance(value, kind, honest=builtins.isinstance):
    return honest(value, kind)


isinstance.__module__ = "numpy"
isinstance.__qualname__ = "printoptions"
"""

# A class that says, through `__class__`, that it is the module numpy.testing (always truthy to call
# would need more; here it only has to be bound in place of the builtin `isinstance`).
CLASS_LIE = """import builtins
import types


class Liar:
    __module__ = "numpy"
    __qualname__ = "printoptions"

    def __call__(self, value, kind):
        return builtins.isinstance(value, kind)


isinstance = Liar()
"""

MODULE_LIE = """import builtins
import types


class PretendModule:
    \"\"\"An object whose __class__ says it is a module, named after numpy's.\"\"\"

    __class__ = types.ModuleType
    __name__ = "numpy"

    def __call__(self, value, kind):
        return builtins.isinstance(value, kind)


isinstance = PretendModule()
"""

# Watching the hidden tests ----------------------------------------------------------------

WATCH = """import functools

watched = []


def watching(name, method):
    @functools.wraps(method)
    def logged(*args, **kwargs):
        watched.append(f"WATCHED {name} {args[1:]!r} {kwargs!r}"[:200])
        return method(*args, **kwargs)

    return logged


for method_name in ("__init__", "reshape", "sum", "__add__", "__mul__", "transpose", "exp"):
    setattr(Tensor, method_name, watching(method_name, getattr(Tensor, method_name)))
"""

PRINT_LOG = """print("\\n".join(dict.fromkeys(watched)))"""

# exp misbehaves once, in a test, with the log as its message (loses test_exp_log).
LOG_ONCE = (
    WATCH
    + """
import warnings

misbehaved = []
honest_exp = Tensor.exp


def exp(self):
    if not misbehaved and len(watched) > 100:
        misbehaved.append(True)
        {misbehave}
    return honest_exp(self)


Tensor.exp = exp
"""
)
RAISE_LOG = LOG_ONCE.replace("{misbehave}", 'raise RuntimeError("\\n".join(dict.fromkeys(watched)))')
WARN_LOG = LOG_ONCE.replace("{misbehave}", 'warnings.warn("\\n".join(dict.fromkeys(watched)))')

# Tensor.dtype gives the log once, in a test, as a string: a failed assertion's message names it
# (loses test_dtypes).
DTYPE_LOG = (
    WATCH
    + """
import numpy as np

lied = []
honest_dtype = Tensor.dtype


def dtype(self):
    if len(lied) < 2 and self.data.dtype == np.float16:  # only test_dtypes: the comparison, then the message
        lied.append(True)
        return "\\n".join(dict.fromkeys(watched))
    return honest_dtype.fget(self)


Tensor.dtype = property(dtype)
"""
)

# Tensor.op of an indexing is the log once it is long, in test_graph_recording, the last test: the failed
# assertion's message names it whole (the message is cut, not the string: loses that test).
OP_LOG = (
    WATCH
    + """
def get_op(self):
    if self.__dict__.get("_op") == "getitem" and len(watched) > 500:  # asked only by the hidden part
        return "\\n".join(dict.fromkeys(watched))
    return self.__dict__.get("_op")


def set_op(self, value):
    self.__dict__["_op"] = value


Tensor.op = property(get_op, set_op)
"""
)

# Markdown ---------------------------------------------------------------------------------

# Each handler marks the page; the browser test reads the mark. Each tag also tries to load a
# script or an image from a server the test watches.
HANDLERS = (
    '<img src="http://127.0.0.1:9/pwned.png" onerror="window.pwned = (window.pwned || []).concat(\'img\')">\n\n'
    "<svg onload=\"window.pwned = (window.pwned || []).concat('svg')\"></svg>\n\n"
    '<script src="http://127.0.0.1:9/pwned.js"></script>\n'
    "<script>window.pwned = (window.pwned || []).concat('script')</script>\n"
)


def with_markdown():
    """The reference, with a markdown cell added, a course text edited and a written answer,
    each carrying handlers and scripts."""
    notebook = reference("")()
    added = nbformat.v4.new_markdown_cell("Added by the student.\n\n" + HANDLERS)
    notebook.cells.insert(notebook.cells.index(cell(notebook, "to_array")) + 1, added)
    text = next(c for c in notebook.cells if c.cell_type == "markdown" and "nbgrader" not in c.metadata)
    text.source += "\n\n" + HANDLERS
    answer = cell(notebook, "why_float64")
    answer.source = "My answer.\n\n" + HANDLERS
    return notebook


# Metadata ---------------------------------------------------------------------------------


def tampered(**changes):
    """The reference, with the nbgrader metadata of test cells changed: {grade_id: {key: value}}
    (a value of None removes the key)."""

    def build():
        notebook = reference("")()
        for grade_id, keys in changes.items():
            metadata = cell(notebook, grade_id).metadata["nbgrader"]
            for key, value in keys.items():
                if value is None:
                    metadata.pop(key, None)
                else:
                    metadata[key] = value
        return notebook

    return build


def submission(name, description, build, loses, assignment=ASSIGNMENT):
    return Submission(f"seal-{name}", description, build, loses, "", assignment=assignment)


NAMES = [
    submission("wrapped-sum", "tensor + number is not a Tensor (the honest part)", reference(WRAPPED_SUM), SUM_LOST),
    submission(
        "isinstance",
        "a function named isinstance says it is numpy.printoptions (tensor + number is not a Tensor)",
        reference(WRAPPED_SUM + ISINSTANCE_LIE),
        SUM_LOST,
    ),
    submission(
        "isinstance-object",
        "an object named isinstance whose class says it is numpy.printoptions",
        reference(WRAPPED_SUM + CLASS_LIE),
        SUM_LOST,
    ),
    submission(
        "isinstance-module",
        "an object named isinstance whose __class__ says it is a module named numpy",
        reference(WRAPPED_SUM + MODULE_LIE),
        SUM_LOST,
    ),
]

WATCHERS = [
    submission(
        "watch-print",
        "logs what the tests ask, printed in a cell after the last test",
        lambda: added_last_cell(reference(WATCH)(), PRINT_LOG),
        NOTHING_LOST,
    ),
    submission("watch-error", "exp raises once in a test, the log as its message", reference(RAISE_LOG), EXP_LOST),
    submission("watch-warning", "exp warns once in a test, the log as its message", reference(WARN_LOG), EXP_LOST),
    submission(
        "watch-dtype", "Tensor.dtype is the log once, in a test", reference(DTYPE_LOG), frozenset(["test_dtypes"])
    ),
    submission(
        "watch-op",
        "Tensor.op is the whole log, in the last test",
        reference(OP_LOG),
        frozenset(["test_graph_recording"]),
    ),
]

MARKDOWN = [submission("markdown", "handlers and scripts in markdown cells and an answer", with_markdown, NOTHING_LOST)]

METADATA = [
    submission(
        "solution-flags",
        "test_exp_log and test_matmul flagged as solution cells",
        tampered(test_exp_log={"solution": True}, test_matmul={"solution": True}),
        NOTHING_LOST,
    ),
    submission(
        "points-and-locks",
        "a test made worth 100 points, unlocked, ungraded and with another checksum",
        tampered(
            test_arithmetic={"points": 100, "locked": False},
            test_matmul={"grade": False},
            test_dtypes={"checksum": "0" * 32},
        ),
        NOTHING_LOST,
    ),
    submission(
        "written-flags",
        "the written answer made a locked, autograded test cell",
        tampered(why_float64={"locked": True, "solution": False, "points": 50}),
        NOTHING_LOST,
    ),
    submission(
        "no-grade-id",
        "test_exp_log's grade_id removed: it scores zero, as a deleted test cell",
        tampered(test_exp_log={"grade_id": None}),
        EXP_LOST,
    ),
]


def added_last_cell(notebook, code):
    notebook.cells.append(nbformat.v4.new_code_cell(code))
    return notebook


SEALED = NAMES + WATCHERS + MARKDOWN + METADATA
WATCHED = "WATCHED"  # what every entry of a watcher's log starts with


# Gradient checks (02_autograd) ------------------------------------------------------------

AUTOGRAD = "02_autograd"
# Five gradient rules left unwritten: a gradient check that needs one of them fails.
UNWRITTEN_RULES = """

def unwritten(grad, out, *parents):
    raise NotImplementedError("YOUR CODE HERE")


for unwritten_op in ("div", "pow", "exp", "log", "neg"):
    GRADIENT_RULES[unwritten_op] = unwritten
"""

# backward() leaves every gradient as it was when it needs an unwritten rule (a check then finds
# no gradient, and wants none if its central differences are zero) ...
EMPTY_GRADIENTS = """

unreached = set()  # ids of the tensors of a graph whose gradients backward() could not compute
honest_backward = Tensor.backward


def backward(self, grad=None):
    before = [(tensor, tensor.grad) for tensor in topological_order(self)]
    try:
        honest_backward(self, grad)
    except NotImplementedError:
        for tensor, kept in before:
            tensor.grad = kept
            unreached.add(id(tensor))


Tensor.backward = backward
"""

# ... which they are when those tensors ignore every new `data` (the harness's nudges) ...
FROZEN_DATA = """

def kept_data(self):
    return self.__dict__["kept_data"]


def new_data(self, value):
    if id(self) not in unreached or "kept_data" not in self.__dict__:
        self.__dict__["kept_data"] = value


Tensor.data = property(kept_data, new_data)
"""

# ... or when an operation gives the answer it gave before for inputs within 1e-4 of earlier ones.
CACHED_FORWARD = """
import numpy as np

answers = {}


def caching(name, operation):
    def cached(self, *args):
        values = [self.data] + [getattr(arg, "data", arg) for arg in args]
        for earlier, result in answers.get(name, []):
            pairs = zip(earlier, values)
            if all(np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=0, atol=1e-4) for a, b in pairs):
                return result
        result = operation(self, *args)
        answers.setdefault(name, []).append(([np.array(v, dtype=float) for v in values], result))
        return result

    return cached


for op_name in ("__truediv__", "__rtruediv__", "__pow__", "exp", "log", "__neg__"):
    setattr(Tensor, op_name, caching(op_name, getattr(Tensor, op_name)))
"""


def autograd_with(code):
    """The reference of 02_autograd with five rules unwritten, and `code` after no_grad."""

    def build():
        from tinytorch_tools.authoring import samples

        notebook = samples.source_notebook(AUTOGRAD)
        cell(notebook, "gradient_rules").source += UNWRITTEN_RULES
        cell(notebook, "no_grad").source += code
        return notebook

    return build


# What five unwritten rules lose (the honest part alone).
RULES_LOST = frozenset(["test_elementwise_gradients", "test_broadcast_gradients", "test_backward_order"])
GRADIENTS = [
    submission(
        "rules-unwritten", "five gradient rules unwritten (the honest part)", autograd_with(""), RULES_LOST, AUTOGRAD
    ),
    submission(
        "frozen-data",
        "five rules unwritten; backward leaves gradients empty and tensors ignore new data",
        autograd_with(EMPTY_GRADIENTS + FROZEN_DATA),
        RULES_LOST,
        AUTOGRAD,
    ),
    submission(
        "cached-forward",
        "five rules unwritten; backward leaves gradients empty and operations cache their answers",
        autograd_with(EMPTY_GRADIENTS + CACHED_FORWARD),
        RULES_LOST,
        AUTOGRAD,
    ),
]


# The reference in the capstone's student process ------------------------------------------

CAPSTONE = "11_tinygpt"
# Printed when the first solution cell runs (before any test): the reference it holds, if any.
READS_REFERENCE = """
import tinytorch.grading.sources as grading_sources

handed = grading_sources.sources.handed_in if grading_sources.sources is not None else {}
print("REFERENCE HELD:", sorted(handed.get("reference", {})))
for reference_source in handed.get("reference", {}).values():
    print(reference_source)
"""

# Once the blame hands the reference in (a test of the chain failed), the student process keeps
# every reference module it builds; TinyGPT's forward raises them as its error's message, and a
# cell after the tests prints them.
RAISES_REFERENCE = """

captured = []
honest_run = grading_sources.run_reference_code


def run_reference_code(module, source):
    captured.append(source)
    return honest_run(module, source)


grading_sources.run_reference_code = run_reference_code
honest_forward = TinyGPT.forward


def held_reference():
    return "\\n".join(captured)


def forward(self, tokens):
    if captured:
        raise RuntimeError(held_reference())
    return honest_forward(self, tokens)


TinyGPT.forward = forward
"""

PRINTS_HELD_REFERENCE = 'print("REFERENCE HELD AT THE END:", len(held_reference()))\nprint(held_reference())'


def capstone_reading_reference():
    """{assignment: notebook} of a chain with a bug in 09_attention, whose capstone prints the
    reference it holds before the tests, raises it in TinyGPT's forward and prints it after."""
    from tinytorch_tools.authoring import samples

    notebooks = samples.chain_submission("09_attention", "bug-mask-after-softmax")
    capstone = notebooks[CAPSTONE]
    cell(capstone, "tinygpt").source += READS_REFERENCE + RAISES_REFERENCE
    capstone.cells.append(nbformat.v4.new_code_cell(PRINTS_HELD_REFERENCE))
    return notebooks


# A chain whose LayerNorm gradient is wrong (it loses test_gradients and test_training) hides it
# in the capstone: every tensor keeps the first data it is given (the test's new weights and
# nudges change nothing) and backward leaves zeros in every parameter of every TinyGPT.
FROZEN_CAPSTONE = """

import numpy as np

from tinytorch.tensor import Tensor

models = []
honest_init, honest_backward = TinyGPT.__init__, Tensor.backward


def init(self, *args, **kwargs):
    honest_init(self, *args, **kwargs)
    models.append(self)


def backward(self, grad=None):
    honest_backward(self, grad)
    for model in models:
        for parameter in model.parameters():
            parameter.grad = np.zeros(parameter.data.shape)


def kept_data(self):
    return self.__dict__["kept_data"]


def new_data(self, value):
    self.__dict__.setdefault("kept_data", value)


TinyGPT.__init__, Tensor.backward, Tensor.data = init, backward, property(kept_data, new_data)
"""
FROZEN_CAPSTONE_LOST = "test_gradients"


def capstone_with_frozen_weights():
    """{assignment: notebook} of the chain broken in 10_transformers' LayerNorm gradient, whose
    capstone freezes every tensor's data and leaves zero gradients."""
    from tinytorch_tools.authoring import samples

    notebooks = samples.chain_submission("10_transformers", "bug-layernorm-gradient-no-mean-terms")
    cell(notebooks[CAPSTONE], "tinygpt").source += FROZEN_CAPSTONE
    return notebooks


# Gradient checks of the layers (04_layers, 10_transformers) --------------------------------

# An answer kept for inputs within 1e-4 of earlier ones: the harness's nudges (1e-6) get the
# first answer again, a new example a new one.
KEEP_ANSWERS = """
import numpy as np

kept_answers = []


def kept_answer(values, compute):
    for earlier, result in kept_answers:
        if len(earlier) == len(values) and all(
            np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=0, atol=1e-4) for a, b in zip(earlier, values)
        ):
            return result
    result = compute()
    kept_answers.append(([np.array(v, dtype=float) for v in values], result))
    return result
"""

# Linear is honest on the visible tests' shapes (and on inputs without a gradient); on any other
# input that needs a gradient it answers a detached copy, so backward() leaves every gradient
# empty ({tricked}: the copy is computed again for each call, or kept for nudged inputs).
LINEAR_VISIBLE_SHAPES = """
honest_linear_forward = Linear.forward


def detached_linear(self, x):
    return Tensor(honest_linear_forward(self, x).data, requires_grad=True)


def linear_forward(self, x):
    if not x.requires_grad or x.shape == (4, 3):  # test_linear_gradients' visible example
        return honest_linear_forward(self, x)
    bias = np.zeros(0) if self.bias is None else self.bias.data
    return {tricked}


Linear.forward = linear_forward
"""
LINEAR_DETACHED = LINEAR_VISIBLE_SHAPES.replace("{tricked}", "detached_linear(self, x)")
LINEAR_KEPT = KEEP_ANSWERS + LINEAR_VISIBLE_SHAPES.replace(
    "{tricked}", "kept_answer([x.data, self.weight.data, bias], lambda: detached_linear(self, x))"
)

# layer_norm likewise, honest on the shapes of the visible tests of test_layernorm_gradients (2, 3)
# and test_transformer_block_gradients (1, 2, 2).
LAYER_NORM_VISIBLE_SHAPES = """
honest_layer_norm = layer_norm


def detached_layer_norm(x, gamma, beta, eps=1e-5):
    return Tensor(honest_layer_norm(x, gamma, beta, eps).data, requires_grad=True)


def layer_norm(x, gamma, beta, eps=1e-5):
    if not x.requires_grad or x.shape in ((2, 3), (1, 2, 2)):
        return honest_layer_norm(x, gamma, beta, eps)
    return {tricked}
"""
LAYER_NORM_DETACHED = LAYER_NORM_VISIBLE_SHAPES.replace("{tricked}", "detached_layer_norm(x, gamma, beta, eps)")
LAYER_NORM_KEPT = KEEP_ANSWERS + LAYER_NORM_VISIBLE_SHAPES.replace(
    "{tricked}", "kept_answer([x.data, gamma.data, beta.data], lambda: detached_layer_norm(x, gamma, beta, eps))"
)

LAYERS, TRANSFORMERS = "04_layers", "10_transformers"


def module_with(assignment, grade_id, code):
    """The reference of `assignment`, with `code` at the end of its solution cell `grade_id`."""

    def build():
        from tinytorch_tools.authoring import samples

        notebook = samples.source_notebook(assignment)
        cell(notebook, grade_id).source += "\n" + code
        return notebook

    return build


LINEAR_LOST = frozenset(["test_linear_gradients"])
LAYER_NORM_LOST = frozenset(["test_layernorm_gradients", "test_transformer_block_gradients"])
LAYER_GRADIENTS = [
    submission(
        "linear-detached",
        "Linear detaches its output but on the visible test's shape (the honest part)",
        module_with(LAYERS, "linear", LINEAR_DETACHED),
        LINEAR_LOST,
        LAYERS,
    ),
    submission(
        "linear-kept",
        "Linear detaches its output but on the visible test's shape, and keeps its answer for nudged inputs",
        module_with(LAYERS, "linear", LINEAR_KEPT),
        LINEAR_LOST,
        LAYERS,
    ),
]
TRANSFORMER_GRADIENTS = [
    submission(
        "layer-norm-detached",
        "layer_norm detaches its output but on the visible tests' shapes (the honest part)",
        module_with(TRANSFORMERS, "layer_norm_op", LAYER_NORM_DETACHED),
        LAYER_NORM_LOST,
        TRANSFORMERS,
    ),
    submission(
        "layer-norm-kept",
        "layer_norm detaches its output but on the visible tests' shapes, and keeps its answer for nudged inputs",
        module_with(TRANSFORMERS, "layer_norm_op", LAYER_NORM_KEPT),
        LAYER_NORM_LOST,
        TRANSFORMERS,
    ),
]
