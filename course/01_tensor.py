# %% [markdown]
# # Module 01: Tensor
#
# Every deep-learning framework is built around one data structure: the **tensor**, an
# n-dimensional array of numbers with the operations a neural network needs. In this module
# you build `Tensor` on top of numpy. Everything after this (autograd, layers, attention, and
# finally a small GPT) is made of the operations you write here.
#
# Your `Tensor` does two jobs:
#
# 1. **Compute**: `+ - * / @ **`, `exp`, `log`, reductions (`sum`, `mean`, `max`), reshaping and
#    indexing, with numpy's broadcasting rules.
# 2. **Remember**: each result records the tensors it was computed from and the operation, so
#    that module 02 can walk this graph backwards and compute gradients.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become your `tinytorch.tensor`
# module, which later notebooks import. Put any helper you write inside those cells.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 01_tensor/tensor.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np

# %% [markdown]
# ## 1. Data types
#
# Neural networks train in 32-bit floats: half the memory of 64-bit and faster, and precise
# enough for gradients that are noisy anyway. Gradient *checks*, though, need 64-bit floats.
# So the rule is:
#
# | you pass | `Tensor(...).data` is |
# |---|---|
# | a Python number or list, an integer array | `float32` |
# | a numpy floating array (`float32`, `float64`, ...) | that array, dtype unchanged |
# | another `Tensor` | its `.data` |
#
# A Python number *in an operation* is different: in `x * 0.1` it takes x's dtype, as in numpy
# and PyTorch, so that a float64 tensor stays exact to float64 (`as_tensor(0.1, like=x)`, below).
#
# ```python
# Tensor([1, 2, 3]).dtype                  # float32
# Tensor(np.zeros(3, dtype=np.float64)).dtype  # float64
# ```
#
# **TODO**: write `to_array(data)`. *Hint*: `np.issubdtype(array.dtype, np.floating)` tells if
# an array holds floats; `np.asarray(data, dtype=np.float32)` converts anything else.


# %% [solution id=to_array]
def to_array(data):
    """The numpy array a Tensor stores for `data` (see the table above)."""
    ### BEGIN SOLUTION
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, (np.ndarray, np.floating)) and np.issubdtype(data.dtype, np.floating):
        return np.asarray(data)
    return np.asarray(data, dtype=np.float32)
    ### END SOLUTION


def as_tensor(value, like=None):
    """`value` itself if it is a Tensor, else a new constant Tensor (for `x + 1` and friends).
    A Python number takes the dtype of `like`, the tensor it meets, as in numpy and PyTorch."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)):
        return Tensor(np.asarray(value, dtype=like.data.dtype))
    return Tensor(value)


# %% [markdown]
# ## 2. The Tensor class
#
# A `Tensor` holds `data` (a numpy array), `requires_grad` (does the user want its gradient?)
# and `grad` (filled in by module 02). Three more attributes record the computation graph:
#
# - `parents`: the tensors this one was computed from, in argument order, e.g. `(a, b)` for `a + b`;
# - `op`: the name of the operation, e.g. `"add"`;
# - `ctx`: whatever else backward needs, e.g. `{"axis": 0, "keepdims": False}` for a sum.
#
# The helper `Tensor.from_op(data, op, parents, **ctx)` (written for you) creates a result
# and records the graph, but only when some parent requires a gradient and recording is on
# (`Tensor.grad_enabled`; module 02 adds `no_grad()` to switch it off). Every operation you
# write ends with it. A worked example, `__add__`:
#
# ```python
# def __add__(self, other):
#     other = as_tensor(other, like=self)
#     return Tensor.from_op(self.data + other.data, "add", (self, other))
# ```
#
# numpy does the broadcasting: `(2, 3) + (3,)` gives `(2, 3)`. The operations and what each
# records:
#
# | operation | `op` | `parents` | `ctx` |
# |---|---|---|---|
# | `a + b` | `"add"` | `(a, b)` | |
# | `a * b` | `"mul"` | `(a, b)` | |
# | `a / b` | `"div"` | `(a, b)` | |
# | `-a` | `"neg"` | `(a,)` | |
# | `a ** p` (p a number) | `"pow"` | `(a,)` | `exponent=p` |
# | `a @ b`, `a.matmul(b)` | `"matmul"` | `(a, b)` | |
# | `a.reshape(*shape)` | `"reshape"` | `(a,)` | |
# | `a.transpose(dim0=-2, dim1=-1)` | `"transpose"` | `(a,)` | `dim0`, `dim1` |
# | `a.sum(axis=None, keepdims=False)` | `"sum"` | `(a,)` | `axis`, `keepdims` |
# | `a.max(axis=None, keepdims=False)` | `"max"` | `(a,)` | `axis`, `keepdims` |
# | `a.exp()`, `a.log()` | `"exp"`, `"log"` | `(a,)` | |
# | `a[index]` | `"getitem"` | `(a,)` | `index` |
#
# `a - b` is `a + (-b)` and `a.mean(...)` is a sum divided by the number of elements summed:
# build them from the operations above, and module 02 gets their gradients for free. `a @ b`
# gives what numpy's `np.matmul` gives, for matrices, batches of them and a vector.
#
# **TODO**: fill in each method. *Hints*: `np.swapaxes` swaps two axes; `reshape(2, 3)` and
# `reshape((2, 3))` should both work; a Tensor used as an index means its values, as integers.


# %% [solution id=tensor_class]
class Tensor:
    """An n-dimensional array of floats that records how it was computed."""

    grad_enabled = True  # module 02's no_grad() turns graph recording off
    __array_ufunc__ = None  # numpy defers to Tensor: `np_array + tensor` is Tensor.__radd__

    def __init__(self, data, requires_grad=False):
        self.data = to_array(data)
        self.requires_grad = requires_grad
        self.grad = None
        self.parents = ()
        self.op = None
        self.ctx = {}

    @staticmethod
    def from_op(data, op, parents, **ctx):
        """The result of operation `op` on `parents`, recording the graph when needed."""
        result = Tensor(data)
        if Tensor.grad_enabled and any(parent.requires_grad for parent in parents):
            result.requires_grad = True
            result.parents, result.op, result.ctx = tuple(parents), op, ctx
        return result

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return float(self.data)

    def __repr__(self):
        return f"Tensor({self.data}, requires_grad={self.requires_grad})"

    # Element-wise arithmetic, with numpy broadcasting.
    def __add__(self, other):
        other = as_tensor(other, like=self)
        return Tensor.from_op(self.data + other.data, "add", (self, other))

    def __mul__(self, other):
        ### BEGIN SOLUTION
        other = as_tensor(other, like=self)
        return Tensor.from_op(self.data * other.data, "mul", (self, other))
        ### END SOLUTION

    def __truediv__(self, other):
        ### BEGIN SOLUTION
        other = as_tensor(other, like=self)
        return Tensor.from_op(self.data / other.data, "div", (self, other))
        ### END SOLUTION

    def __neg__(self):
        ### BEGIN SOLUTION
        return Tensor.from_op(-self.data, "neg", (self,))
        ### END SOLUTION

    def __sub__(self, other):
        ### BEGIN SOLUTION
        return self + (-as_tensor(other, like=self))
        ### END SOLUTION

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError("Tensor ** p needs a number p")
        ### BEGIN SOLUTION
        return Tensor.from_op(self.data**exponent, "pow", (self,), exponent=exponent)
        ### END SOLUTION

    # `2 - x` calls x.__rsub__(2): the number comes first.
    def __radd__(self, other):
        return as_tensor(other, like=self) + self

    def __rsub__(self, other):
        return as_tensor(other, like=self) - self

    def __rmul__(self, other):
        return as_tensor(other, like=self) * self

    def __rtruediv__(self, other):
        return as_tensor(other, like=self) / self

    # Linear algebra and shapes.
    def matmul(self, other):
        ### BEGIN SOLUTION
        other = as_tensor(other, like=self)
        if other.data.ndim == 2:
            # A batch of rows times one matrix (every Linear layer): one large matrix product
            # is several times faster than numpy's loop over the batch.
            rows = self.data.reshape(-1, self.shape[-1]) @ other.data
            return Tensor.from_op(rows.reshape(*self.shape[:-1], -1), "matmul", (self, other))
        return Tensor.from_op(np.matmul(self.data, other.data), "matmul", (self, other))
        ### END SOLUTION

    def __matmul__(self, other):
        return self.matmul(other)

    def reshape(self, *shape):
        ### BEGIN SOLUTION
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Tensor.from_op(self.data.reshape(shape), "reshape", (self,))
        ### END SOLUTION

    def transpose(self, dim0=-2, dim1=-1):
        ### BEGIN SOLUTION
        data = np.swapaxes(self.data, dim0, dim1)
        return Tensor.from_op(data, "transpose", (self,), dim0=dim0, dim1=dim1)
        ### END SOLUTION

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data.astype(np.int64)
        ### BEGIN SOLUTION
        return Tensor.from_op(self.data[index], "getitem", (self,), index=index)
        ### END SOLUTION

    # Reductions: `axis` is None (everything), an int or a tuple of ints.
    def sum(self, axis=None, keepdims=False):
        ### BEGIN SOLUTION
        data = self.data.sum(axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "sum", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    def mean(self, axis=None, keepdims=False):
        ### BEGIN SOLUTION
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * (total.data.size / self.data.size)
        ### END SOLUTION

    def max(self, axis=None, keepdims=False):
        ### BEGIN SOLUTION
        data = self.data.max(axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "max", (self,), axis=axis, keepdims=keepdims)
        ### END SOLUTION

    # Element-wise functions.
    def exp(self):
        ### BEGIN SOLUTION
        return Tensor.from_op(np.exp(self.data), "exp", (self,))
        ### END SOLUTION

    def log(self):
        ### BEGIN SOLUTION
        return Tensor.from_op(np.log(self.data), "log", (self,))
        ### END SOLUTION


# %% [markdown]
# ## 3. Try it
#
# Run the cell below and check each result by hand before you run the tests.

# %% [code]
x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("x + 1         =", (x + 1).data.tolist())
print("x * [1, 0, 2] =", (x * [1.0, 0.0, 2.0]).data.tolist())
print("x @ x^T       =", (x @ x.transpose()).data.tolist())
print("x.sum(axis=1) =", x.sum(axis=1).data.tolist())
print("x.mean()      =", x.mean().item())
print("dtype         =", x.dtype)

# %% [markdown]
# ## 4. Tests
#
# Each test cell starts with small examples you can read and reproduce. The grader also runs
# hidden tests: properties checked on many random shapes and values. When one fails it
# tells you which property broke and the smallest input that shows it.

# %% [tests id=test_dtypes points=2]

assert Tensor([1, 2, 3]).dtype == np.float32, "a Python list should become float32"
assert Tensor(3).dtype == np.float32, "a Python number should become float32"
assert Tensor(np.arange(3)).dtype == np.float32, "an integer array should become float32"
assert Tensor(np.zeros(2, dtype=np.float64)).dtype == np.float64, "float64 arrays keep their dtype"
assert Tensor(Tensor([1.0])).dtype == np.float32, "Tensor(tensor) keeps the tensor's data"
assert Tensor([[1, 2], [3, 4]]).shape == (2, 2)
assert Tensor([1.0]).grad is None and not Tensor([1.0]).requires_grad
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def keeps_floating_dtypes(shape, seed, dtype):
    array = random_array(shape, seed).astype(dtype)
    tensor = Tensor(array)
    assert tensor.dtype == dtype, f"dtype {tensor.dtype}, expected {dtype}"
    assert_close(tensor.data, array, "Tensor(array).data")
    assert tensor.shape == shape, f"shape {tensor.shape}, expected {shape}"


def converts_the_rest_to_float32(shape, seed):
    array = np.random.default_rng(seed).integers(-5, 5, size=shape)
    for data in (array, array.tolist()):
        tensor = Tensor(data)
        assert tensor.dtype == np.float32, f"Tensor({type(data).__name__}) has dtype {tensor.dtype}"
        assert_close(tensor.data, array, "Tensor(data).data")


check_property(
    "numpy floating arrays keep their dtype and values",
    keeps_floating_dtypes,
    shape=shapes(),
    seed=seeds,
    dtype=st.sampled_from([np.float16, np.float32, np.float64]),
)
check_property("integer arrays and lists become float32", converts_the_rest_to_float32, shape=shapes(), seed=seeds)
### END HIDDEN TESTS

# %% [tests id=test_arithmetic points=4]
from tinytorch.testing import assert_close

a = Tensor([[1.0, 2.0], [3.0, 4.0]])
b = Tensor([10.0, 20.0])
assert_close(a + b, [[11, 22], [13, 24]], "a + b (b broadcast over rows)")
assert_close(a - b, [[-9, -18], [-7, -16]], "a - b")
assert_close(a * b, [[10, 40], [30, 80]], "a * b")
assert_close(a / b, [[0.1, 0.1], [0.3, 0.2]], "a / b")
assert_close(-a, [[-1, -2], [-3, -4]], "-a")
assert_close(a**2, [[1, 4], [9, 16]], "a ** 2")
assert_close(1 - a, [[0, -1], [-2, -3]], "1 - a")
assert_close(2 / a, [[2, 1], [2 / 3, 0.5]], "2 / a")
assert isinstance(a + 1, Tensor), "a + 1 should be a Tensor"
x = Tensor(np.ones(3))  # float64
assert (x * 0.1).dtype == np.float64 and (0.1 - x).dtype == np.float64, "a Python number takes the tensor's dtype"
assert_close(x * 0.1, np.full(3, 0.1), "float64 * 0.1, exact to float64", rtol=1e-15, atol=0)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes

OPERATIONS = {
    "a + b": (lambda a, b: a + b, np.add),
    "a - b": (lambda a, b: a - b, np.subtract),
    "a * b": (lambda a, b: a * b, np.multiply),
    "a / b": (lambda a, b: a / b, np.divide),
}


def matches_numpy(shapes, seed, operation):
    tensor_op, numpy_op = OPERATIONS[operation]
    x = random_array(shapes.input_shapes[0], seed)
    y = random_array(shapes.input_shapes[1], seed + 1, low=0.5, high=2.0)
    assert_close(tensor_op(Tensor(x), Tensor(y)), numpy_op(x, y), operation)
    assert_close(tensor_op(Tensor(x), 1.5), numpy_op(x, 1.5), f"{operation} with b = 1.5")
    assert_close(tensor_op(1.5, Tensor(y)), numpy_op(1.5, y), f"{operation} with a = 1.5")
    for dtype in (np.float32, np.float64):
        kept = tensor_op(Tensor(x.astype(dtype)), 1.5).dtype, tensor_op(1.5, Tensor(y.astype(dtype))).dtype
        assert kept == (dtype, dtype), f"{operation} of a {np.dtype(dtype).name} tensor and 1.5 has dtypes {kept}"
    exact = dict(rtol=1e-14, atol=0)  # 0.1 is not a float32: in float64 it must stay exact
    assert_close(tensor_op(Tensor(x), 0.1), numpy_op(x, 0.1), f"float64 {operation} with b = 0.1", **exact)
    assert_close(tensor_op(0.1, Tensor(y)), numpy_op(0.1, y), f"float64 {operation} with a = 0.1", **exact)


def unary_matches_numpy(shape, seed, exponent):
    x = random_array(shape, seed, low=0.5, high=2.0)
    assert_close(-Tensor(x), -x, "-a")
    assert_close(Tensor(x) ** exponent, x**exponent, f"a ** {exponent}")


check_property(
    "binary operations match numpy, with broadcasting",
    matches_numpy,
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
    seed=seeds,
    operation=st.sampled_from(sorted(OPERATIONS)),
)
check_property(
    "negation and powers match numpy",
    unary_matches_numpy,
    shape=shapes(),
    seed=seeds,
    exponent=st.sampled_from([2, 3, 0.5, -1, -1.5]),
)
### END HIDDEN TESTS

# %% [tests id=test_matmul points=3]
from tinytorch.testing import assert_close

a = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
w = Tensor([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]])
assert_close(a @ w, [[1, 2, 8], [3, 4, 18], [5, 6, 28]], "a @ w, (3, 2) @ (2, 3)")
assert_close(a.matmul(w), (a @ w).data, "a.matmul(w) is a @ w")
batch = Tensor(np.ones((4, 3, 2), dtype=np.float32))
assert (batch @ w).shape == (4, 3, 3), "a batch of matrices times one matrix"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds

sides = st.integers(1, 5)


def matmul_matches_numpy(batch, n, k, m, seed):
    x = random_array((*batch, n, k), seed)
    y = random_array((k, m), seed + 1)
    y_batched = random_array((*batch, k, m), seed + 2)
    assert_close(Tensor(x) @ Tensor(y), x @ y, f"a @ b with shapes {x.shape} @ {y.shape}")
    assert_close(Tensor(x) @ Tensor(y_batched), x @ y_batched, f"a @ b, {x.shape} @ {y_batched.shape}")
    vector = random_array(k, seed + 3)
    assert_close(Tensor(x) @ Tensor(vector), x @ vector, f"a @ v, {x.shape} @ a vector {vector.shape}, as numpy")


check_property(
    "matmul matches numpy for matrices, batches of them and a vector on the right",
    matmul_matches_numpy,
    batch=st.lists(sides, max_size=2).map(tuple),
    n=sides,
    k=sides,
    m=sides,
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_shape_operations points=3]
from tinytorch.testing import assert_close

x = Tensor(np.arange(6.0).reshape(2, 3))
assert x.reshape(3, 2).shape == (3, 2), "reshape(3, 2)"
assert x.reshape((6,)).shape == (6,), "reshape((6,)) takes a tuple too"
assert_close(x.transpose(), [[0, 3], [1, 4], [2, 5]], "transpose() swaps the last two axes")
assert Tensor(np.zeros((2, 3, 4))).transpose(0, 2).shape == (4, 3, 2), "transpose(0, 2)"
assert_close(x[1], [3, 4, 5], "x[1]")
assert_close(x[:, 1:], [[1, 2], [4, 5]], "x[:, 1:]")
assert_close(x[Tensor([1, 1, 0])], [[3, 4, 5], [3, 4, 5], [0, 1, 2]], "indexing with a Tensor of rows")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def shape_operations_match_numpy(shape, seed, data):
    x = random_array(shape, seed)
    tensor = Tensor(x)
    assert_close(tensor.reshape(-1), x.reshape(-1), "reshape(-1)")
    assert_close(tensor.reshape(tuple(reversed(shape))), x.reshape(tuple(reversed(shape))), "reshape")
    dim0 = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim0")
    dim1 = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim1")
    assert_close(tensor.transpose(dim0, dim1), np.swapaxes(x, dim0, dim1), f"transpose({dim0}, {dim1})")
    assert_close(tensor.transpose(), np.swapaxes(x, -2, -1), "transpose() swaps the last two axes")
    rows = np.random.default_rng(seed).integers(0, shape[0], size=4)
    assert_close(tensor[rows], x[rows], f"x[{rows.tolist()}]")
    assert_close(tensor[Tensor(rows)], x[rows], "indexing with a Tensor")
    assert_close(tensor[-1], x[-1], "x[-1]")


check_property(
    "reshape, transpose and indexing match numpy",
    shape_operations_match_numpy,
    shape=shapes(min_dims=2),
    seed=seeds,
    data=st.data(),
)
### END HIDDEN TESTS

# %% [tests id=test_reductions points=3]
from tinytorch.testing import assert_close

x = Tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
assert_close(x.sum(), 21.0, "x.sum()")
assert_close(x.sum(axis=0), [5, 7, 9], "x.sum(axis=0)")
assert_close(x.sum(axis=1, keepdims=True), [[9], [12]], "x.sum(axis=1, keepdims=True)")
assert_close(x.mean(), 3.5, "x.mean()")
assert_close(x.mean(axis=1), [3, 4], "x.mean(axis=1)")
assert_close(x.max(), 6.0, "x.max()")
assert_close(x.max(axis=0), [4, 5, 6], "x.max(axis=0)")
assert_close(x.max(axis=-1, keepdims=True), [[5], [6]], "x.max(axis=-1, keepdims=True)")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from hypothesis.extra.numpy import valid_tuple_axes

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def reductions_match_numpy(shape, seed, keepdims, data):
    x = random_array(shape, seed)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) | valid_tuple_axes(len(shape)))
    for name in ("sum", "mean", "max"):
        if name == "max" and axis == ():
            continue
        result = getattr(Tensor(x), name)(axis=axis, keepdims=keepdims)
        expected = getattr(x, name)(axis=axis, keepdims=keepdims)
        assert_close(result, expected, f"x.{name}(axis={axis!r}, keepdims={keepdims})", rtol=1e-6)


check_property(
    "sum, mean and max match numpy for every axis and keepdims",
    reductions_match_numpy,
    shape=shapes(),
    seed=seeds,
    keepdims=st.booleans(),
    data=st.data(),
)
### END HIDDEN TESTS

# %% [tests id=test_exp_log points=2]
from tinytorch.testing import assert_close

assert_close(Tensor([0.0, 1.0]).exp(), [1.0, np.e], "exp", rtol=1e-6)
assert_close(Tensor([1.0, np.e]).log(), [0.0, 1.0], "log", rtol=1e-6)
### BEGIN HIDDEN TESTS
from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def exp_and_log_match_numpy(shape, seed):
    x = random_array(shape, seed, low=0.1, high=3.0)
    assert_close(Tensor(x).exp(), np.exp(x), "exp")
    assert_close(Tensor(x).log(), np.log(x), "log")


check_property("exp and log match numpy", exp_and_log_match_numpy, shape=shapes(), seed=seeds)
### END HIDDEN TESTS

# %% [tests id=test_graph_recording points=3]
a = Tensor([1.0, 2.0], requires_grad=True)
b = Tensor([3.0, 4.0])
c = a * b
assert c.requires_grad, "a result requires grad when one of its parents does"
assert c.op == "mul" and c.parents[0] is a and c.parents[1] is b, "c = a * b records op 'mul', parents (a, b)"
s = c.sum(axis=0)
assert s.op == "sum" and s.ctx == {"axis": 0, "keepdims": False}, "a sum records its axis and keepdims"
assert (b * b).op is None, "nothing is recorded when no parent requires grad"
### BEGIN HIDDEN TESTS
from tinytorch.testing import check_property, random_array, seeds, shapes

RECORDS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a, b: -a,
    "pow": lambda a, b: a**2,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "reshape": lambda a, b: a.reshape(-1),
    "transpose": lambda a, b: a.transpose(0, -1),
    "sum": lambda a, b: a.sum(axis=0, keepdims=True),
    "max": lambda a, b: a.max(axis=-1),
    "getitem": lambda a, b: a[0],
}


def records_every_operation(shape, seed):
    x = random_array(shape, seed, low=0.5, high=2.0)
    a, b = Tensor(x, requires_grad=True), Tensor(x + 1)
    for op, compute in RECORDS.items():
        result = compute(a, b)
        assert result.op == op, f"this operation should record op={op!r}, got {result.op!r}"
        assert result.parents[0] is a, f"{op}: the first parent should be the tensor it was applied to"
        assert result.requires_grad, f"{op}: a result of a tensor that requires grad requires grad"
    assert (a.reshape(1, -1) @ b.reshape(-1, 1)).op == "matmul", "a @ b should record op='matmul'"
    for name in ("sum", "max"):
        reduced = getattr(a, name)(axis=-1, keepdims=True)
        assert reduced.ctx == {"axis": -1, "keepdims": True}, f"a.{name}(axis=-1, keepdims=True) records {reduced.ctx}"
    assert (a - b).parents[0] is a, "a - b is a + (-b): its first parent is a"
    assert (b * b).op is None and not (b * b).requires_grad, "no graph without requires_grad"
    Tensor.grad_enabled = False
    try:
        assert (a * b).op is None, "nothing is recorded while Tensor.grad_enabled is False"
    finally:
        Tensor.grad_enabled = True


check_property("every operation records its graph", records_every_operation, shape=shapes(min_dims=2), seed=seeds)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Written question
#
# Your tensors default to `float32`, yet gradient checks in module 02 use `float64`. Explain
# why, with a rough number: how large is the rounding error of each type, and how does it
# compare with the step of a central difference?

# %% [written id=why_float64 points=2]
# `float32` has a relative precision of about 1e-7, `float64` about 1e-16. A central difference
# divides a difference of two function values by a step of about 1e-6; in `float32` the
# rounding error of each value (1e-7 relative) divided by 1e-6 is of order 0.1, as large as the
# gradient itself, while in `float64` it is about 1e-10. Training tolerates `float32` noise.
