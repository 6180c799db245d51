# %% [markdown]
# # Module 03: Activations
#
# Stack two linear layers and you get... one linear layer: $(xW_1)W_2 = x(W_1W_2)$. What lets
# a network bend is the **non-linear function** between its layers, the activation. In this
# module you write the five a transformer needs:
#
# | activation | formula | used for |
# |---|---|---|
# | `ReLU` | $\max(0, x)$ | hidden layers of most networks |
# | `Sigmoid` | $1 / (1 + e^{-x})$ | probabilities of yes/no outcomes, gates |
# | `Tanh` | $\tanh x$ | outputs in $(-1, 1)$ |
# | `GELU` | $\tfrac12 x\,(1 + \tanh(\sqrt{2/\pi}\,(x + 0.044715\,x^3)))$ | GPT's feed-forward layers |
# | `Softmax` | $e^{x_i} / \sum_j e^{x_j}$ | turning scores into probabilities (attention, outputs) |
#
# Each one is a **new primitive operation** of your Tensor, with its own gradient rule, and
# each must be **numerically stable**: inputs like 1000 must give the right answer, not `inf`,
# `nan` or a warning.
#
# Only the cells marked `YOUR CODE HERE` (and the read-only cells) become `tinytorch.activations`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 03_activations/activations.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np
from tinytorch.autograd import GRADIENT_RULES
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. New operations
#
# You could build `Sigmoid` from `exp`, `+` and `/`, and autograd would differentiate it. But a
# fused operation is faster (one node in the graph instead of four), and it lets you choose a
# stable formula. A new operation has two parts:
#
# 1. a forward that computes the result with numpy and records it with
#    `Tensor.from_op(data, "relu", (x,))` (options go into `ctx`, e.g. `dim=-1`);
# 2. a gradient rule `grad_relu(grad, out, x)` that returns a tuple with one numpy gradient
#    per parent, registered in autograd's table: `GRADIENT_RULES["relu"] = grad_relu`.
#    `backward()` looks rules up by `out.op`.
#
# Activations have no parameters. They are small callable objects, `ReLU()(x)`, so that
# module 05 can put them between layers. Their common base class is written for you:


# %% [export id=activation]
class Activation:
    """A parameter-free function used like a layer: `ReLU()(x)` calls `forward(x)`."""

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        return f"{type(self).__name__}()"


# %% [markdown]
# ## 2. ReLU
#
# $\text{relu}(x) = \max(0, x)$; its derivative is $1$ where $x > 0$ and $0$ where $x < 0$. At
# exactly $0$ it has no derivative; use $0$ there, as PyTorch does.
#
# Worked example: `ReLU()(Tensor([-1.0, 0.0, 2.0]))` is `[0, 0, 2]`, and an upstream gradient
# `[5, 5, 5]` comes back as `[0, 0, 5]`.
#
# **TODO**: write `ReLU.forward` and `grad_relu`. *Hint*: `np.maximum(x.data, 0)` keeps the dtype.


# %% [solution id=relu]
class ReLU(Activation):
    def forward(self, x):
        ### BEGIN SOLUTION
        return Tensor.from_op(np.maximum(x.data, 0), "relu", (x,))
        ### END SOLUTION


def grad_relu(grad, out, x):
    ### BEGIN SOLUTION
    return (grad * (x.data > 0),)
    ### END SOLUTION


GRADIENT_RULES["relu"] = grad_relu


# %% [markdown]
# ## 3. Sigmoid, stably
#
# $\sigma(x) = 1/(1 + e^{-x})$ has the neat derivative $\sigma'(x) = \sigma(x)(1 - \sigma(x))$:
# the rule only needs `out.data`.
#
# The formula as written is a trap: for $x = -1000$, $e^{1000}$ overflows to `inf` and numpy
# prints `RuntimeWarning: overflow encountered in exp`. Write it with $e^{-|x|}$ instead, which
# is never larger than 1:
#
# $$\sigma(x) = \begin{cases} 1/(1 + e^{-|x|}) & x \ge 0 \\ e^{-|x|}/(1 + e^{-|x|}) & x < 0 \end{cases}$$
#
# (multiply the numerator and denominator of the original by $e^{x}$ to get the second line).
#
# **TODO**: write `Sigmoid.forward` and `grad_sigmoid`. *Hint*: `np.where(condition, a, b)`
# picks element-wise, but computes both `a` and `b` everywhere: both must be safe.


# %% [solution id=sigmoid]
class Sigmoid(Activation):
    def forward(self, x):
        ### BEGIN SOLUTION
        small = np.exp(-np.abs(x.data))
        data = np.where(x.data >= 0, 1 / (1 + small), small / (1 + small))
        return Tensor.from_op(data, "sigmoid", (x,))
        ### END SOLUTION


def grad_sigmoid(grad, out, x):
    ### BEGIN SOLUTION
    return (grad * out.data * (1 - out.data),)
    ### END SOLUTION


GRADIENT_RULES["sigmoid"] = grad_sigmoid


# %% [markdown]
# ## 4. Tanh
#
# `np.tanh` is already stable. The derivative is $1 - \tanh^2 x$, again from `out.data` alone.
#
# **TODO**: write `Tanh.forward` and `grad_tanh`.


# %% [solution id=tanh]
class Tanh(Activation):
    def forward(self, x):
        ### BEGIN SOLUTION
        return Tensor.from_op(np.tanh(x.data), "tanh", (x,))
        ### END SOLUTION


def grad_tanh(grad, out, x):
    ### BEGIN SOLUTION
    return (grad * (1 - out.data**2),)
    ### END SOLUTION


GRADIENT_RULES["tanh"] = grad_tanh


# %% [markdown]
# ## 5. GELU
#
# GPT-2 uses the Gaussian Error Linear Unit, a smooth ReLU: $x$ times the probability that a
# standard normal variable is below $x$. GPT-2 computes it with the **tanh approximation**
# (use exactly this one, with $c = \sqrt{2/\pi}$ and $a = 0.044715$):
#
# $$\text{gelu}(x) = \tfrac12\, x\, (1 + t), \qquad t = \tanh\big(c\,(x + a x^3)\big)$$
#
# By the product and chain rules, with $\tanh' = 1 - \tanh^2$:
#
# $$\text{gelu}'(x) = \tfrac12 (1 + t) + \tfrac12\, x\, (1 - t^2)\, c\, (1 + 3 a x^2)$$
#
# Worked example: $\text{gelu}(0) = 0$, $\text{gelu}(1) \approx 0.8412$, $\text{gelu}(-1) \approx
# -0.1588$, and for large $|x|$ it is $x$ (positive) or $0$ (negative), like ReLU.
#
# **TODO**: write `GELU.forward` and `grad_gelu`. *Hints*: the forward can save $t$ for the
# rule, `Tensor.from_op(..., tanh=t)`, which reads it back as `out.ctx["tanh"]`. Write $x^3$
# as `x * x * x`: numpy's `x**3` goes through a general power function, a hundred times
# slower. Keep the constants Python floats (`GELU_C` below is one) so that a `float32` input
# gives a `float32` output.


# %% [solution id=gelu]
GELU_C = (2 / np.pi) ** 0.5
GELU_A = 0.044715


class GELU(Activation):
    def forward(self, x):
        ### BEGIN SOLUTION
        t = np.tanh(GELU_C * (x.data + GELU_A * x.data * x.data * x.data))
        return Tensor.from_op(0.5 * x.data * (1 + t), "gelu", (x,), tanh=t)
        ### END SOLUTION


def grad_gelu(grad, out, x):
    ### BEGIN SOLUTION
    t = out.ctx["tanh"]
    slope_of_t = (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x.data * x.data)
    return (grad * (0.5 * (1 + t) + 0.5 * x.data * slope_of_t),)
    ### END SOLUTION


GRADIENT_RULES["gelu"] = grad_gelu


# %% [markdown]
# ## 6. Softmax
#
# Softmax turns a vector of scores into probabilities, along axis `dim`:
#
# $$s_i = \frac{e^{x_i}}{\sum_j e^{x_j}}$$
#
# **Stability.** Adding a constant $m$ to every $x_j$ multiplies the numerator and the
# denominator by $e^{m}$: the result does not change. So subtract the maximum first: every
# exponent is then $\le 0$, nothing overflows, and the largest term is exactly $e^0 = 1$.
#
# **Gradient.** Each output depends on every input of its row. With upstream gradient $g$:
#
# $$\frac{\partial L}{\partial x_i} = s_i \Big(g_i - \sum_j g_j s_j\Big)$$
#
# (the sum over `dim`, kept as an axis of size 1 so it broadcasts).
#
# Worked example: `Softmax()(Tensor([1.0, 2.0, 3.0]))` is `[0.090, 0.245, 0.665]`, and so is
# `Softmax()(Tensor([1001.0, 1002.0, 1003.0]))`.
#
# **TODO**: write `Softmax.forward` (record `dim=self.dim` in `ctx`) and `grad_softmax`.


# %% [solution id=softmax]
class Softmax(Activation):
    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        ### BEGIN SOLUTION
        shifted = x.data - x.data.max(axis=self.dim, keepdims=True)
        exponentials = np.exp(shifted)
        data = exponentials / exponentials.sum(axis=self.dim, keepdims=True)
        return Tensor.from_op(data, "softmax", (x,), dim=self.dim)
        ### END SOLUTION

    def __repr__(self):
        return f"Softmax(dim={self.dim})"


def grad_softmax(grad, out, x):
    ### BEGIN SOLUTION
    s = out.data
    return (s * (grad - (grad * s).sum(axis=out.ctx["dim"], keepdims=True)),)
    ### END SOLUTION


GRADIENT_RULES["softmax"] = grad_softmax


# %% [markdown]
# ## 7. Try it

# %% [code]
x = Tensor([-1000.0, -1.0, 0.0, 1.0, 1000.0])
for activation in (ReLU(), Sigmoid(), Tanh(), GELU(), Softmax()):
    print(f"{activation!r:10}", activation(x).data.round(4).tolist())

# %% [markdown]
# ## 8. Tests
#
# Gradients are checked in `float64` against central differences, with a random upstream
# gradient; ReLU's inputs stay away from its kink at 0, where it has no derivative.

# %% [tests id=test_relu points=2]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([-2.0, -0.5, 0.5, 3.0]), requires_grad=True)
y = ReLU()(x)
assert_close(y, [0, 0, 0.5, 3], "ReLU of [-2, -0.5, 0.5, 3]")
assert y.op == "relu", "ReLU is one new operation, 'relu'"
y.backward(np.array([1.0, 2.0, 3.0, 4.0]))
assert_close(x.grad, [0, 0, 3, 4], "ReLU passes the gradient where x > 0 and blocks it where x < 0")
check_gradients(lambda x: ReLU()(x), [x], forward=lambda x: np.maximum(x, 0))
assert ReLU()(Tensor([1.0, -1.0])).dtype == np.float32, "float32 in, float32 out"
### BEGIN HIDDEN TESTS
from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def away_from_zero(shape, seed):
    x = random_array(shape, seed)
    return np.where(np.abs(x) < 0.05, 0.5, x)


def relu_matches_numpy(shape, seed):
    x = away_from_zero(shape, seed)
    assert_close(ReLU()(Tensor(x)), np.maximum(x, 0), "ReLU(x)")
    assert ReLU()(Tensor(x.astype(np.float32))).dtype == np.float32, "float32 in, float32 out"
    check_gradients(lambda x: ReLU()(x), [Tensor(x, requires_grad=True)], seed=seed, forward=lambda x: np.maximum(x, 0))


def relu_gradient_is_zero_at_the_kink(shape, seed):
    x = Tensor(np.where(random_array(shape, seed) < 0, 0.0, 1.0), requires_grad=True)
    upstream = random_array(shape, seed + 1)
    ReLU()(x).backward(upstream)
    assert_close(x.grad, upstream * x.data, "ReLU's gradient is 0 at exactly x = 0 (as PyTorch) and 1 where x > 0")


check_property("ReLU matches max(0, x) and has the right gradient", relu_matches_numpy, shape=shapes(), seed=seeds)
check_property("ReLU's gradient at exactly 0 is 0", relu_gradient_is_zero_at_the_kink, shape=shapes(), seed=seeds)
### END HIDDEN TESTS

# %% [tests id=test_sigmoid points=2]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([-2.0, 0.0, 2.0]), requires_grad=True)
assert_close(Sigmoid()(x), [0.11920292, 0.5, 0.88079708], "sigmoid of [-2, 0, 2]")
assert Sigmoid()(x).op == "sigmoid", "Sigmoid is one new operation, 'sigmoid'"
check_gradients(lambda x: Sigmoid()(x), [x], forward=lambda x: 1 / (1 + np.exp(-x)))
### BEGIN HIDDEN TESTS
from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def sigmoid_matches_formula(shape, seed):
    x = random_array(shape, seed, low=-6.0, high=6.0)
    y = Sigmoid()(Tensor(x))
    assert_close(y, 1 / (1 + np.exp(-x)), "sigmoid(x) = 1 / (1 + exp(-x))")
    assert_close(Sigmoid()(Tensor(-x)), 1 - y.data, "sigmoid(-x) = 1 - sigmoid(x)")
    assert Sigmoid()(Tensor(x.astype(np.float32))).dtype == np.float32, "float32 in, float32 out"
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    check_gradients(lambda x: Sigmoid()(x), [Tensor(x, requires_grad=True)], seed=seed, forward=sigmoid)


check_property(
    "sigmoid matches its formula and has the right gradient", sigmoid_matches_formula, shape=shapes(), seed=seeds
)
### END HIDDEN TESTS

# %% [tests id=test_tanh points=2]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([-1.0, 0.0, 0.5]), requires_grad=True)
assert_close(Tanh()(x), np.tanh([-1.0, 0.0, 0.5]), "tanh of [-1, 0, 0.5]")
assert Tanh()(x).op == "tanh", "Tanh is one new operation, 'tanh'"
check_gradients(lambda x: Tanh()(x), [x], forward=np.tanh)
### BEGIN HIDDEN TESTS
from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def tanh_matches_numpy(shape, seed):
    x = random_array(shape, seed, low=-3.0, high=3.0)
    assert_close(Tanh()(Tensor(x)), np.tanh(x), "tanh(x)")
    assert Tanh()(Tensor(x.astype(np.float32))).dtype == np.float32, "float32 in, float32 out"
    check_gradients(lambda x: Tanh()(x), [Tensor(x, requires_grad=True)], seed=seed, forward=np.tanh)


check_property("tanh matches numpy and has the right gradient", tanh_matches_numpy, shape=shapes(), seed=seeds)
### END HIDDEN TESTS

# %% [tests id=test_gelu points=3]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([-1.0, 0.0, 1.0, 2.0]), requires_grad=True)
assert_close(GELU()(x), [-0.15880801, 0.0, 0.84119199, 1.95459769], "GELU of [-1, 0, 1, 2] (tanh approximation)")
assert GELU()(x).op == "gelu", "GELU is one new operation, 'gelu'"


def gelu(x):
    """GELU's tanh approximation in numpy: the central differences are taken of it."""
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


check_gradients(lambda x: GELU()(x), [x], forward=gelu)
### BEGIN HIDDEN TESTS
from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def gelu_is_the_tanh_approximation(shape, seed):
    x = random_array(shape, seed, low=-4.0, high=4.0)
    gelu = lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))  # noqa: E731
    assert_close(GELU()(Tensor(x)), gelu(x), "GELU(x), tanh approximation as in GPT-2")
    assert GELU()(Tensor(x.astype(np.float32))).dtype == np.float32, "float32 in, float32 out"
    check_gradients(lambda x: GELU()(x), [Tensor(x, requires_grad=True)], seed=seed, forward=gelu)


check_property(
    "GELU is 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) and has the right gradient",
    gelu_is_the_tanh_approximation,
    shape=shapes(),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_softmax points=4]
from tinytorch.testing import assert_close, check_gradients

x = Tensor(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), requires_grad=True)
y = Softmax()(x)
assert_close(y, [[0.09003057, 0.24472847, 0.66524096], [1 / 3, 1 / 3, 1 / 3]], "softmax of each row")
assert_close(y.data.sum(axis=-1), [1, 1], "each row sums to one")
assert_close(Softmax(dim=0)(x).data.sum(axis=0), [1, 1, 1], "Softmax(dim=0): each column sums to one")
assert y.op == "softmax" and y.ctx == {"dim": -1}, "Softmax is one new operation, 'softmax', with ctx dim"
for dim in (-1, 0):
    softmax = lambda x, dim=dim: np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True)  # noqa: E731
    check_gradients(lambda x, dim=dim: Softmax(dim=dim)(x), [x], forward=softmax)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def softmax_properties(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    x = random_array(shape, seed, low=-5.0, high=5.0)
    y = Softmax(dim=dim)(Tensor(x))
    expected = np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True)
    assert_close(y, expected, f"Softmax(dim={dim}) matches exp(x) / sum(exp(x))")
    assert np.all(y.data > 0), "softmax is positive"
    assert_close(y.data.sum(axis=dim), np.ones(np.delete(shape, dim)), f"sums to one along dim={dim}")
    shift = random_array(np.delete(shape, dim), seed + 1, low=-50.0, high=50.0)
    shifted = Softmax(dim=dim)(Tensor(x + np.expand_dims(shift, dim)))
    assert_close(shifted, y.data, "softmax is unchanged by adding a constant to each slice")
    assert Softmax(dim=dim)(Tensor(x.astype(np.float32))).dtype == np.float32, "float32 in, float32 out"
    softmax = lambda x: np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True)  # noqa: E731
    check_gradients(lambda x: Softmax(dim=dim)(x), [Tensor(x, requires_grad=True)], seed=seed, forward=softmax)


check_property(
    "softmax sums to one along dim, ignores shifts, and has the right gradient",
    softmax_properties,
    shape=shapes(max_side=4),
    seed=seeds,
    data=st.data(),
)
### END HIDDEN TESTS

# %% [tests id=test_stability points=3]
import warnings

from tinytorch.testing import assert_close

with warnings.catch_warnings():
    warnings.simplefilter("error")  # an overflow warning becomes an error you can read
    x = Tensor(np.array([-1000.0, 1000.0]), requires_grad=True)
    assert_close(Sigmoid()(x), [0, 1], "sigmoid of -1000 and 1000")
    assert_close(Softmax()(x), [0, 1], "softmax of [-1000, 1000]")
    assert_close(Softmax()(Tensor([1000.0, 1000.0])), [0.5, 0.5], "softmax of [1000, 1000]")
    assert_close(GELU()(x), [0, 1000], "GELU of -1000 and 1000")
    assert_close(Tanh()(x), [-1, 1], "tanh of -1000 and 1000")
    for activation in (ReLU(), Sigmoid(), Tanh(), GELU(), Softmax()):
        x.grad = None
        activation(x).backward(np.array([1.0, -1.0]))
        assert np.all(np.isfinite(x.grad)), f"{activation!r}: gradient at [-1000, 1000] is {x.grad}"
### BEGIN HIDDEN TESTS
import warnings

from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes

ACTIVATIONS = {"ReLU": ReLU(), "Sigmoid": Sigmoid(), "Tanh": Tanh(), "GELU": GELU(), "Softmax": Softmax()}


def stable_for_large_inputs(shape, seed, dtype, activation):
    name, activation = activation, ACTIVATIONS[activation]
    x = random_array(shape, seed, low=-1000.0, high=1000.0)
    x[np.abs(x) < 100] = 500.0
    x = Tensor(x.astype(dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = activation(x)
        assert np.all(np.isfinite(y.data)), f"{name} of inputs of magnitude 1e3 gives {y.data}"
        y.backward(random_array(shape, seed + 1).astype(dtype))
        assert np.all(np.isfinite(x.grad)), f"{name}'s gradient at inputs of magnitude 1e3 is {x.grad}"
    positive = x.data > 0
    if name == "Sigmoid":
        assert_close(y, positive.astype(dtype), "sigmoid saturates to 0 and 1")
    if name == "GELU":
        assert_close(y, np.where(positive, x.data, 0), "GELU is x or 0 for large |x|")
    if name == "Softmax":
        centred = x.data - x.data.max(axis=-1, keepdims=True)
        expected = np.exp(centred) / np.exp(centred).sum(axis=-1, keepdims=True)
        assert_close(y, expected, "softmax of large scores", atol=1e-6)


check_property(
    "activations give finite values and gradients, and no warning, for inputs of magnitude 1e3",
    stable_for_large_inputs,
    shape=shapes(max_side=4),
    seed=seeds,
    dtype=st.sampled_from([np.float32, np.float64]),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
)
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Written question
#
# Subtracting the maximum does not change softmax's result. Why not? Then say what goes wrong
# without it: from about which input value does `np.exp` overflow in `float32`, and what does
# softmax return then?

# %% [written id=why_max_subtraction points=2]
# Subtracting $m$ multiplies every numerator and the denominator by $e^{-m}$, which cancels.
# `float32` holds numbers up to about $3.4 \cdot 10^{38} \approx e^{88.7}$, so `np.exp` overflows
# to `inf` for inputs above about 88.7 (709.8 in `float64`). A row containing such a score gives
# `inf / inf = nan` for it (and 0 for the others), with an overflow warning. After subtracting
# the maximum every exponent is at most 0, so every term is at most 1 and the sum is at least 1.
