# %% [markdown]
# # Module 02: Autograd
#
# Training a network means nudging every parameter against the gradient of the loss. Writing
# those gradients by hand for a model with millions of parameters is hopeless; **automatic
# differentiation** does it for you. Your `Tensor` from module 01 already records, for every
# result, its `parents`, its `op` and its `ctx`. In this module you write:
#
# 1. a **gradient rule** for each operation: given the gradient of the loss with respect to
#    the result, the gradient with respect to each parent (the chain rule, one step);
# 2. `Tensor.backward()`: apply the rules to the whole graph, in the right order;
# 3. `no_grad()`: switch recording off when you only want values (evaluation, optimizer steps).
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.autograd`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 02_autograd/autograd.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
from contextlib import contextmanager

import numpy as np
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. Broadcasting, backwards
#
# If `a` has shape `(3,)` and `b` has shape `(2, 3)`, then `a + b` copies `a` into each of the 2
# rows. Each copy passes gradient back to the same `a`, so `a`'s gradient is the **sum over the
# copies**: the upstream gradient of shape `(2, 3)` summed over axis 0. In general, to bring a
# gradient back to a parent's shape, sum over
#
# - the leading axes the parent did not have, and
# - the axes where the parent had size 1 (keeping them, with `keepdims=True`).
#
# Worked example: `unbroadcast(np.ones((2, 3)), (3,))` is `[2., 2., 2.]`, and
# `unbroadcast(np.ones((2, 3)), (2, 1))` is `[[3.], [3.]]`.
#
# **TODO**: write `unbroadcast`.


# %% [solution id=unbroadcast]
def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting."""
    ### BEGIN SOLUTION
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
    ### END SOLUTION


# %% [markdown]
# ## 2. Gradient rules
#
# A rule receives `grad`, the gradient of the loss with respect to the result `out`
# (a numpy array of `out`'s shape), and returns one numpy array per parent, each of that
# parent's shape. The math, with $g$ the upstream gradient:
#
# | op | result | gradients of the parents |
# |---|---|---|
# | add | $a + b$ | $g$, $g$ |
# | mul | $a b$ | $g b$, $g a$ |
# | div | $a / b$ | $g / b$, $-g a / b^2$ |
# | neg | $-a$ | $-g$ |
# | pow | $a^p$ | $g\, p\, a^{p-1}$ |
# | exp | $e^a$ | $g\, e^a$ (that is `out.data`) |
# | log | $\ln a$ | $g / a$ |
# | matmul | $A B$ | $g B^T$, $A^T g$ (transpose the last two axes) |
# | reshape, transpose | | $g$ reshaped or transposed back |
# | sum | | $g$ copied back along the summed axes |
# | max | | $g$ to the elements that were the maximum (split evenly between ties), 0 elsewhere |
# | getitem | | $g$ added into a zero array at `index` (`np.add.at`, so repeated indices add up) |
#
# Worked example, `mul`:
#
# ```python
# def grad_mul(grad, out, a, b):
#     return unbroadcast(grad * b.data, a.shape), unbroadcast(grad * a.data, b.shape)
# ```
#
# Every binary rule must `unbroadcast` to its parents' shapes. *Hints*: for `sum` and `max`
# with `keepdims=False`, first put the summed axes back with `np.expand_dims(grad, axis)`;
# `np.broadcast_to` copies it along them. `out.ctx` holds the operation's options.


# %% [solution id=gradient_rules]
def grad_add(grad, out, a, b):
    ### BEGIN SOLUTION
    return unbroadcast(grad, a.shape), unbroadcast(grad, b.shape)
    ### END SOLUTION


def grad_mul(grad, out, a, b):
    return unbroadcast(grad * b.data, a.shape), unbroadcast(grad * a.data, b.shape)


def grad_div(grad, out, a, b):
    ### BEGIN SOLUTION
    return unbroadcast(grad / b.data, a.shape), unbroadcast(-grad * a.data / b.data**2, b.shape)
    ### END SOLUTION


def grad_neg(grad, out, a):
    ### BEGIN SOLUTION
    return (-grad,)
    ### END SOLUTION


def grad_pow(grad, out, a):
    ### BEGIN SOLUTION
    exponent = out.ctx["exponent"]
    return (grad * exponent * a.data ** (exponent - 1),)
    ### END SOLUTION


def grad_exp(grad, out, a):
    ### BEGIN SOLUTION
    return (grad * out.data,)
    ### END SOLUTION


def grad_log(grad, out, a):
    ### BEGIN SOLUTION
    return (grad / a.data,)
    ### END SOLUTION


def grad_matmul(grad, out, a, b):
    ### BEGIN SOLUTION
    if b.data.ndim == 2:
        # A batch of rows times one matrix (every Linear layer): flatten the batch into rows,
        # so each gradient is one large matrix product and b's needs no sum over the batch.
        rows, grad_rows = a.data.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
        return (grad_rows @ b.data.T).reshape(a.shape), rows.T @ grad_rows
    grad_a = grad @ np.swapaxes(b.data, -1, -2)
    grad_b = np.swapaxes(a.data, -1, -2) @ grad
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)
    ### END SOLUTION


def grad_reshape(grad, out, a):
    ### BEGIN SOLUTION
    return (grad.reshape(a.shape),)
    ### END SOLUTION


def grad_transpose(grad, out, a):
    ### BEGIN SOLUTION
    return (np.swapaxes(grad, out.ctx["dim0"], out.ctx["dim1"]),)
    ### END SOLUTION


def expand_to(grad, out, a):
    """Bring the gradient of a reduction back to the reduced tensor's shape (a helper)."""
    axis = out.ctx["axis"]
    if axis is not None and not out.ctx["keepdims"]:
        grad = np.expand_dims(grad, axis)
    return np.broadcast_to(grad, a.shape)


def grad_sum(grad, out, a):
    ### BEGIN SOLUTION
    return (expand_to(grad, out, a).copy(),)
    ### END SOLUTION


def grad_max(grad, out, a):
    ### BEGIN SOLUTION
    maximum = expand_to(out.data, out, a)
    is_max = a.data == maximum
    share = is_max / expand_to(is_max.sum(axis=out.ctx["axis"], keepdims=out.ctx["keepdims"]), out, a)
    return (expand_to(grad, out, a) * share,)
    ### END SOLUTION


def grad_getitem(grad, out, a):
    ### BEGIN SOLUTION
    result = np.zeros_like(a.data)
    np.add.at(result, out.ctx["index"], grad)
    return (result,)
    ### END SOLUTION


GRADIENT_RULES = {
    "add": grad_add,
    "mul": grad_mul,
    "div": grad_div,
    "neg": grad_neg,
    "pow": grad_pow,
    "exp": grad_exp,
    "log": grad_log,
    "matmul": grad_matmul,
    "reshape": grad_reshape,
    "transpose": grad_transpose,
    "sum": grad_sum,
    "max": grad_max,
    "getitem": grad_getitem,
}


# %% [markdown]
# ## 3. Backward through the whole graph
#
# `loss.backward()` computes $\partial\,\text{loss} / \partial t$ for every tensor $t$ in the
# graph. A tensor's gradient is the **sum** of what each of its consumers sends back, so a
# tensor may only pass its gradient on once *all* its consumers have sent theirs. Processing
# the tensors in **reverse topological order** (every tensor after all tensors computed from
# it) guarantees that.
#
# 1. `topological_order(root)`: a depth-first search over `parents` that appends a tensor
#    after all its parents, visiting each tensor once (track `id(tensor)` in a set).
# 2. `backward(self, grad=None)`: start from `grad` (ones if None, which is only allowed for
#    a one-element tensor), keep a dict `id(tensor) -> gradient`, walk the order backwards
#    applying `GRADIENT_RULES[t.op]`, adding into the dict. At the end **add** each leaf's
#    gradient (a tensor with `requires_grad` and no `op`) to its `.grad` (a new array if it
#    was None): gradients accumulate over calls, as in PyTorch, until you reset `.grad`.
#
# Worked example: for `y = x * x` the rule `grad_mul` returns two gradients, both for `x`;
# the dict adds them, giving $2x$.


# %% [solution id=backward]
def topological_order(root):
    """Every tensor of root's graph, each after all of its parents."""
    ### BEGIN SOLUTION
    order, visited = [], set()

    def visit(tensor):
        if id(tensor) in visited:
            return
        visited.add(id(tensor))
        for parent in tensor.parents:
            visit(parent)
        order.append(tensor)

    visit(root)
    return order
    ### END SOLUTION


def backward(self, grad=None):
    """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad."""
    if grad is None:
        if self.data.size != 1:
            raise ValueError("backward() without a gradient needs a one-element tensor, like a loss")
        grad = np.ones_like(self.data)
    ### BEGIN SOLUTION
    grads = {id(self): np.asarray(grad, dtype=self.data.dtype)}
    for tensor in reversed(topological_order(self)):
        grad = grads.get(id(tensor))
        if grad is None:
            continue
        if tensor.op is None:
            if tensor.requires_grad:
                tensor.grad = grad.copy() if tensor.grad is None else tensor.grad + grad
            continue
        parent_grads = GRADIENT_RULES[tensor.op](grad, tensor, *tensor.parents)
        for parent, parent_grad in zip(tensor.parents, parent_grads, strict=True):
            if parent.requires_grad:
                grads[id(parent)] = grads.get(id(parent), 0) + parent_grad
    ### END SOLUTION


Tensor.backward = backward


# %% [markdown]
# ## 4. Switching recording off
#
# Updating weights (`w.data -= lr * w.grad`) or evaluating a model needs no graph; recording
# one costs memory. `with no_grad(): ...` sets `Tensor.grad_enabled` to False for the block
# and restores the previous value afterwards, **even if the block raises**.
#
# **TODO**: write `no_grad` with `@contextmanager` and `try`/`finally`.


# %% [solution id=no_grad]
@contextmanager
def no_grad():
    """Within this block operations record no graph."""
    ### BEGIN SOLUTION
    previous = Tensor.grad_enabled
    Tensor.grad_enabled = False
    try:
        yield
    finally:
        Tensor.grad_enabled = previous
    ### END SOLUTION


# %% [markdown]
# ## 5. Try it
#
# $f(x) = \sum x^2 + 3x$ has gradient $2x + 3$:

# %% [code]
x = Tensor([1.0, 2.0, -1.0], requires_grad=True)
f = (x**2 + x * 3).sum()
f.backward()
print("f =", f.item(), " df/dx =", x.grad.tolist(), " expected", (2 * x.data + 3).tolist())

# %% [markdown]
# ## 6. Tests
#
# Gradients are checked against **central differences**:
# $\partial f/\partial x_i \approx (f(x + h e_i) - f(x - h e_i)) / 2h$, computed in float64
# with a random upstream gradient (a plain `.sum()` would hide rules that sum or transpose the
# wrong way). `check_gradients(f, inputs)` does that for you; use it while you debug.

# %% [tests id=test_unbroadcast points=2]
from tinytorch.testing import assert_close

assert_close(unbroadcast(np.ones((2, 3)), (3,)), [2, 2, 2], "unbroadcast (2, 3) -> (3,)")
assert_close(unbroadcast(np.ones((2, 3)), (2, 1)), [[3], [3]], "unbroadcast (2, 3) -> (2, 1)")
assert_close(unbroadcast(np.ones((4, 2, 3)), (1, 3)), [[8, 8, 8]], "unbroadcast (4, 2, 3) -> (1, 3)")
assert_close(unbroadcast(np.ones((2, 3)), ()), 6.0, "unbroadcast (2, 3) -> () for a scalar")
### BEGIN HIDDEN TESTS
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tinytorch.testing import assert_close, check_property, random_array, seeds


def undoes_broadcasting(shapes, seed):
    shape = shapes.input_shapes[0]
    grad = random_array(shapes.result_shape, seed)
    expected = np.zeros(shape)
    for position in np.ndindex(shape):
        one_hot = np.zeros(shape)
        one_hot[position] = 1.0
        expected[position] = np.sum(grad * np.broadcast_to(one_hot, shapes.result_shape))
    assert_close(unbroadcast(grad, shape), expected, f"unbroadcast to {shape}")


check_property(
    "unbroadcast sums a gradient back to the broadcast input's shape",
    undoes_broadcasting,
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_elementwise_gradients points=4]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([0.5, 1.0, 2.0]), requires_grad=True)
y = Tensor(np.array([1.5, -1.0, 0.5]), requires_grad=True)
(x * y).backward(np.ones(3))
assert_close(x.grad, y.data, "d(x * y)/dx is y")
check_gradients(lambda x, y: x / y, [x, y], forward=np.divide)
for rule_of, numpy_rule in ((lambda x: (-x).exp(), lambda x: np.exp(-x)), (lambda x: x.log(), np.log)):
    check_gradients(rule_of, [x], forward=numpy_rule)
check_gradients(lambda x: x**3, [x], forward=lambda x: x**3)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds, shapes

# Each operation on tensors, and the same in numpy: the central differences are numpy's.
ELEMENTWISE = {
    "a + b": (lambda a, b: a + b, np.add),
    "a - b": (lambda a, b: a - b, np.subtract),
    "a * b": (lambda a, b: a * b, np.multiply),
    "a / b": (lambda a, b: a / b, np.divide),
    "-a": (lambda a, b: -a, lambda a, b: -a),
    "a ** 3": (lambda a, b: a**3, lambda a, b: a**3),
    "a ** -1.5": (lambda a, b: a**-1.5, lambda a, b: a**-1.5),
    "exp(a)": (lambda a, b: a.exp(), lambda a, b: np.exp(a)),
    "log(a)": (lambda a, b: a.log(), lambda a, b: np.log(a)),
    "2 / a + 1 - b": (lambda a, b: 2 / a + 1 - b, lambda a, b: 2 / a + 1 - b),
}


def elementwise_gradients(shape, seed, operation):
    a = Tensor(random_array(shape, seed, low=0.5, high=2.0), requires_grad=True)
    b = Tensor(random_array(shape, seed + 1, low=0.5, high=2.0), requires_grad=True)
    tensor_op, numpy_op = ELEMENTWISE[operation]
    check_gradients(tensor_op, [a, b], seed=seed, forward=numpy_op)


check_property(
    "element-wise operations have the right gradients (same shapes)",
    elementwise_gradients,
    shape=shapes(),
    seed=seeds,
    operation=st.sampled_from(sorted(ELEMENTWISE)),
)
### END HIDDEN TESTS

# %% [tests id=test_broadcast_gradients points=3]
from tinytorch.testing import assert_close, check_gradients

a = Tensor(np.ones((2, 3)), requires_grad=True)
b = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
(a + b).backward(np.ones((2, 3)))
assert b.grad.shape == (3,), f"b's gradient should have b's shape (3,), got {b.grad.shape}"
assert_close(b.grad, [2, 2, 2], "b was added to 2 rows: its gradient sums both")
check_gradients(lambda a, b: a * b, [a, b], forward=np.multiply)
check_gradients(lambda a, b: b / a, [a, b], forward=lambda a, b: b / a)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tinytorch.testing import check_gradients, check_property, random_array, seeds

BROADCAST = {
    "a + b": lambda a, b: a + b,
    "a - b": lambda a, b: a - b,
    "a * b": lambda a, b: a * b,
    "a / b": lambda a, b: a / b,
}


def broadcast_gradients(shapes, seed, operation):
    a = Tensor(random_array(shapes.input_shapes[0], seed, low=0.5, high=2.0), requires_grad=True)
    b = Tensor(random_array(shapes.input_shapes[1], seed + 1, low=0.5, high=2.0), requires_grad=True)
    check_gradients(BROADCAST[operation], [a, b], seed=seed, forward=BROADCAST[operation])  # numpy's too


check_property(
    "gradients of broadcast operations have the inputs' shapes and values",
    broadcast_gradients,
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=seeds,
    operation=st.sampled_from(sorted(BROADCAST)),
)
### END HIDDEN TESTS

# %% [tests id=test_matmul_gradient points=3]
from tinytorch.testing import assert_close, check_gradients

a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
w = Tensor(np.arange(12.0).reshape(3, 4) / 10, requires_grad=True)
(a @ w).backward(np.ones((2, 4)))
assert_close(a.grad, np.ones((2, 4)) @ w.data.T, "d(a @ w)/da is upstream @ w^T")
check_gradients(lambda a, w: a @ w, [a, w], forward=np.matmul)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds

sides = st.integers(1, 4)


def matmul_gradients(batch, n, k, m, seed):
    a = Tensor(random_array((*batch, n, k), seed), requires_grad=True)
    b = Tensor(random_array((*batch, k, m), seed + 1), requires_grad=True)
    check_gradients(lambda a, b: a @ b, [a, b], seed=seed, forward=np.matmul)
    matrix = Tensor(random_array((k, m), seed + 2), requires_grad=True)
    check_gradients(lambda a, matrix: a @ matrix, [a, matrix], seed=seed, forward=np.matmul)


check_property(
    "matmul gradients, for matrices, batches of matrices and a batch times one matrix",
    matmul_gradients,
    batch=st.lists(sides, max_size=2).map(tuple),
    n=sides,
    k=sides,
    m=sides,
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_shape_gradients points=3]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
weights = np.arange(6.0).reshape(3, 2)
check_gradients(lambda x: x.reshape(3, 2) * Tensor(weights), [x], forward=lambda x: x.reshape(3, 2) * weights)
check_gradients(lambda x: x.transpose() * Tensor(weights), [x], forward=lambda x: x.T * weights)
x.grad = None
x[np.array([0, 0, 1])].backward(np.ones((3, 3)))
assert_close(x.grad, [[2, 2, 2], [1, 1, 1]], "row 0 was picked twice: its gradient adds up")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds, shapes


def shape_gradients(shape, seed, data):
    x = Tensor(random_array(shape, seed), requires_grad=True)
    dim0 = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim0")
    dim1 = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim1")
    rows = np.random.default_rng(seed).integers(0, shape[0], size=5)
    check_gradients(lambda x: x.reshape(-1), [x], seed=seed, forward=np.ravel)
    swapped = lambda x: np.swapaxes(x, dim0, dim1)  # noqa: E731
    check_gradients(lambda x: x.transpose(dim0, dim1), [x], seed=seed, forward=swapped)
    check_gradients(lambda x: x[rows], [x], seed=seed, forward=lambda x: x[rows])
    check_gradients(lambda x: x[..., :1], [x], seed=seed, forward=lambda x: x[..., :1])


check_property(
    "reshape, transpose and indexing (repeated indices too) have the right gradients",
    shape_gradients,
    shape=shapes(min_dims=2, max_side=4),
    seed=seeds,
    data=st.data(),
)
### END HIDDEN TESTS

# %% [tests id=test_reduction_gradients points=3]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), requires_grad=True)
x.max(axis=1).backward(np.array([1.0, 10.0]))
assert_close(x.grad, [[0, 1, 0], [0, 0, 10]], "max sends the gradient to the maximum only")
check_gradients(lambda x: x.sum(axis=0), [x], forward=lambda x: x.sum(axis=0))
check_gradients(lambda x: x.mean(axis=1, keepdims=True), [x], forward=lambda x: x.mean(axis=1, keepdims=True))
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from hypothesis.extra.numpy import valid_tuple_axes

from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def reduction_gradients(shape, seed, keepdims, data):
    x = Tensor(random_array(shape, seed), requires_grad=True)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1) | valid_tuple_axes(len(shape), min_size=1))
    for name in ("sum", "mean", "max"):
        reduce = lambda x, name=name: getattr(x, name)(axis=axis, keepdims=keepdims)  # noqa: E731 (numpy's too)
        check_gradients(reduce, [x], seed=seed, forward=reduce)


def max_splits_ties(shape, seed):
    x = Tensor(np.full(shape, 1.5), requires_grad=True)
    x.max().backward()
    assert_close(x.grad, np.full(shape, 1 / np.prod(shape)), "max of equal values splits the gradient evenly")


check_property(
    "sum, mean and max have the right gradients for every axis and keepdims",
    reduction_gradients,
    shape=shapes(),
    seed=seeds,
    keepdims=st.booleans(),
    data=st.data(),
)
check_property("max splits its gradient between ties", max_splits_ties, shape=shapes(), seed=seeds)
### END HIDDEN TESTS

# %% [tests id=test_backward_order points=3]
from tinytorch.testing import assert_close, check_gradients


def shared(x):
    y = x * 3
    return y + y.exp()  # y has two consumers: both must send their gradient before y passes it on


x = Tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
check_gradients(shared, [x], forward=lambda x: 3 * x + np.exp(3 * x))
y = x * 3
z = y + y.exp()
order = topological_order(z)
assert order[-1] is z and order.index(x) < order.index(y), "every tensor comes after its parents"
loss = (x * x).sum()
x.grad = None
loss.backward()
assert_close(x.grad, 2 * x.data, "backward() of a scalar starts from 1; x used twice gets both")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds, shapes

# Each step on tensors, and the same in numpy.
STEPS = {
    "add": (lambda a, b: a + b, np.add),
    "mul": (lambda a, b: a * b, np.multiply),
    "exp-mul": (lambda a, b: (a * 0.5).exp() * b, lambda a, b: np.exp(a * 0.5) * b),
}


def graph(steps, side):
    """The function of x and y that `steps` build, with the steps of `side` (0: tensors, 1: numpy)."""

    def f(x, y):
        nodes = [x, y]
        for step, i, j in steps:
            nodes.append(STEPS[step][side](nodes[i % len(nodes)], nodes[j % len(nodes)]))
        return nodes[-1] + nodes[len(nodes) // 2]

    return f


def any_graph_gradient(shape, seed, steps):
    x = Tensor(random_array(shape, seed, low=-0.5, high=0.5), requires_grad=True)
    y = Tensor(random_array(shape, seed + 1, low=-0.5, high=0.5), requires_grad=True)
    check_gradients(graph(steps, 0), [x, y], seed=seed, forward=graph(steps, 1))


def non_scalar_needs_a_gradient(shape, seed):
    x = Tensor(random_array(shape, seed) + np.zeros((2,) + shape), requires_grad=True)
    try:
        (x * 2).backward()
    except ValueError:
        return
    raise AssertionError("backward() of a tensor with several elements and no gradient should raise")


check_property(
    "backward gets every graph right, whatever the order tensors are reused in",
    any_graph_gradient,
    shape=shapes(max_dims=2, max_side=3),
    seed=seeds,
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=6
    ),
)
check_property(
    "backward() without a gradient is only for one element", non_scalar_needs_a_gradient, shape=shapes(), seed=seeds
)
### END HIDDEN TESTS

# %% [tests id=test_accumulation points=2]
from tinytorch.testing import assert_close

x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
(x * 3).sum().backward()
(x * 3).sum().backward()
assert_close(x.grad, [6, 6], "two backward() calls add up: 3 + 3")
### BEGIN HIDDEN TESTS
from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def gradients_accumulate(shape, seed):
    x = Tensor(random_array(shape, seed), requires_grad=True)
    upstream = random_array(shape, seed + 1)
    for calls in range(1, 4):
        (x * x).backward(upstream)
        assert_close(x.grad, calls * 2 * x.data * upstream, f"after {calls} backward() calls")
    constant = Tensor(random_array(shape, seed))
    (x * constant).backward(upstream)
    assert constant.grad is None, "a tensor without requires_grad gets no .grad"


check_property(
    "gradients accumulate in .grad across backward() calls", gradients_accumulate, shape=shapes(), seed=seeds
)
### END HIDDEN TESTS

# %% [tests id=test_no_grad points=2]
x = Tensor([1.0, 2.0], requires_grad=True)
with no_grad():
    y = x * 2
assert y.op is None and not y.requires_grad, "nothing is recorded inside no_grad()"
assert (x * 2).requires_grad, "recording is back on after the block"
### BEGIN HIDDEN TESTS
try:
    with no_grad():
        raise KeyError("boom")
except KeyError:
    pass
assert Tensor.grad_enabled, "no_grad() must restore recording even when its block raises"
with no_grad():
    with no_grad():
        pass
    assert not Tensor.grad_enabled, "a nested no_grad() must not switch recording back on early"
assert Tensor.grad_enabled
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Written question
#
# Your `backward` walks the graph in reverse topological order. Give a small graph (three or
# four tensors) where processing a tensor as soon as *one* of its consumers has sent its
# gradient gives a wrong answer, and say what that wrong answer is.

# %% [written id=why_topological_order points=2]
# Take `y = 3 * x` and `z = y + exp(y)`. `y` has two consumers, `+` directly and `+` through
# `exp`. If `y` passed its gradient to `x` right after `+` sent `1`, then `x` would get `3`,
# missing the `exp(y)` path; the correct gradient is `3 * (1 + exp(y))`.
