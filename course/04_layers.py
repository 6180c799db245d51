# %% [markdown]
# # Module 04: Layers
#
# A network is a function with **parameters**: tensors an optimizer will nudge along their
# gradients. A real model has dozens of them, spread over layers inside blocks inside the
# model. Nobody wants to list them by hand, so every framework has a base class that finds
# them: PyTorch's `nn.Module`. In this module you build:
#
# 1. `Module`: the base class of every layer and model. It finds all parameters (through
#    attributes, lists and nested modules), names them, resets their gradients and switches
#    the whole model between training and evaluation;
# 2. `Linear`: the fully connected layer, $y = x W + b$;
# 3. `Dropout`: randomly silences activations while training, to fight overfitting.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.layers`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 04_layers/layers.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np
from tinytorch.autograd import no_grad  # noqa: F401  (importing autograd gives Tensor.backward)
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. Reproducible randomness
#
# Layers start from random weights and dropout draws random masks. Grading, debugging and
# comparing experiments all need the *same* random numbers on every run, so every random draw
# of this module comes from one numpy `Generator`, which `manual_seed(seed)` resets (like
# `torch.manual_seed`). This is written for you.


# %% [export id=random]
_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the generator behind weight initialisation and dropout masks."""
    global _generator
    _generator = np.random.default_rng(seed)


def default_generator():
    """The numpy Generator that layers draw their random numbers from."""
    return _generator


# %% [markdown]
# ## 2. The Module base class
#
# A **parameter** is a `Tensor` with `requires_grad=True` stored in an attribute of a module.
# A tensor with `requires_grad=False` (a constant, such as a mask) is *not* a parameter. A
# module may also hold other modules, and lists or tuples of them; their parameters belong
# to it too. Each parameter has a **dotted name**, the path of attributes and list positions
# that leads to it:
#
# ```python
# class Block(Module):
#     def __init__(self):
#         self.layers = [Linear(4, 8), Linear(8, 2)]
#         self.scale = Tensor(np.ones(2), requires_grad=True)
#
# [name for name, _ in Block().named_parameters()]
# # ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'scale']
# ```
#
# Names follow the order attributes were assigned (`vars(module)` keeps it), so they are the
# same on every run: module 05 saves and loads models by these names. A tensor reachable
# twice (the same layer stored in two places) is listed once, under its first name.
#
# `modules()` lists the module itself and every module inside it, found the same way. With it,
# `train()` and `eval()` set the `training` flag of *every* submodule (dropout behaves
# differently in the two modes), and return the module itself so you can write
# `model = Model().eval()`.
#
# **TODO**: write `named_parameters`, `modules`, `zero_grad` and `train`. *Hints*: a recursive
# helper (a generator with `yield from`) that takes a value and its dotted name is the
# shortest way; track `id(tensor)` in a set to skip repeats; `zero_grad` sets every
# parameter's `.grad` to None.


# %% [solution id=module]
class Module:
    """The base class of every layer and model: subclasses store parameters and write forward."""

    training = True  # train() and eval() set it on every submodule

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self):
        """(dotted name, parameter) pairs, each parameter once, in attribute order."""
        ### BEGIN SOLUTION
        seen = set()

        def walk(value, name):
            if isinstance(value, Tensor):
                if value.requires_grad and id(value) not in seen:
                    seen.add(id(value))
                    yield name, value
            elif isinstance(value, Module):
                for attribute, child in vars(value).items():
                    yield from walk(child, f"{name}.{attribute}" if name else attribute)
            elif isinstance(value, (list, tuple)):
                for position, child in enumerate(value):
                    yield from walk(child, f"{name}.{position}" if name else str(position))

        return list(walk(self, ""))
        ### END SOLUTION

    def parameters(self):
        """Every parameter, each once, in the order of named_parameters()."""
        return [parameter for _, parameter in self.named_parameters()]

    def modules(self):
        """This module and every module inside it (through attributes, lists and tuples)."""
        ### BEGIN SOLUTION
        found = []

        def walk(value):
            if isinstance(value, Module):
                if any(value is module for module in found):
                    return
                found.append(value)
                for child in vars(value).values():
                    walk(child)
            elif isinstance(value, (list, tuple)):
                for child in value:
                    walk(child)

        walk(self)
        return found
        ### END SOLUTION

    def zero_grad(self):
        """Forget the gradients of every parameter (before the next backward pass)."""
        ### BEGIN SOLUTION
        for parameter in self.parameters():
            parameter.grad = None
        ### END SOLUTION

    def train(self, mode=True):
        """Put this module and every submodule in training mode (or evaluation, mode=False)."""
        ### BEGIN SOLUTION
        for module in self.modules():
            module.training = mode
        return self
        ### END SOLUTION

    def eval(self):
        """Evaluation mode everywhere: dropout off."""
        return self.train(False)


# %% [markdown]
# ## 3. Linear
#
# A fully connected layer maps `in_features` numbers to `out_features`:
#
# $$y = x W + b, \qquad W \in \mathbb{R}^{\text{in} \times \text{out}},\ b \in \mathbb{R}^{\text{out}}$$
#
# `x` may have any number of leading (batch) axes: `(B, in)` or `(B, T, in)`; `@`
# multiplies the last axis and broadcasting adds `b` to every position. Your autograd already
# sums `b`'s gradient over all those positions.
#
# **Initialisation** matters: if every weight started equal, every output unit would compute
# the same thing and receive the same gradient forever. Draw the weights (and the bias)
# uniformly from $[-k, k]$ with $k = 1/\sqrt{\text{in}}$ (PyTorch's default), which keeps the
# outputs' scale close to the inputs'. Parameters are `float32` with `requires_grad=True`;
# with `bias=False`, `self.bias` is None.
#
# **TODO**: write `Linear`. *Hint*: `default_generator().uniform(-k, k, size=shape)`.


# %% [solution id=linear]
class Linear(Module):
    """y = x @ weight + bias, with weight of shape (in_features, out_features)."""

    def __init__(self, in_features, out_features, bias=True):
        self.in_features, self.out_features = in_features, out_features
        ### BEGIN SOLUTION
        bound = 1.0 / np.sqrt(in_features)
        generator = default_generator()
        weight = generator.uniform(-bound, bound, size=(in_features, out_features))
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        self.bias = None
        if bias:
            bias = generator.uniform(-bound, bound, size=out_features)
            self.bias = Tensor(bias.astype(np.float32), requires_grad=True)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        y = x @ self.weight
        return y if self.bias is None else y + self.bias
        ### END SOLUTION

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features}, bias={self.bias is not None})"


# %% [markdown]
# ## 4. Dropout
#
# While training, dropout sets each element to zero with probability `p` and keeps it with
# probability $1-p$. A network that cannot rely on any single unit learns more robust
# features. Kept elements are **scaled by $1/(1-p)$**, so the *expected* output equals the
# input and nothing needs to change at evaluation time, where dropout is the identity.
#
# Worked example, `p = 0.5`: `[1, 2, 3, 4]` may become `[2, 0, 0, 8]` while training, and
# stays `[1, 2, 3, 4]` after `eval()`.
#
# The mask is a **constant**: multiply `x` by `Tensor(mask)` and autograd gives the gradient
# (upstream times mask) for free. Each `Dropout` has its own numpy Generator, made from
# `seed` if given (so `Dropout(0.5, seed=1)` always draws the same masks), else from a number
# drawn from `default_generator()`.
#
# **TODO**: write `Dropout`. *Hints*: `generator.random(shape) >= p` keeps each element with
# probability $1-p$; keep the mask in `x`'s dtype; `p = 1` drops everything; raise
# `ValueError` for a `p` outside $[0, 1]$.


# %% [solution id=dropout]
class Dropout(Module):
    """Zero each element with probability p while training, scaling the rest by 1/(1-p)."""

    def __init__(self, p=0.5, seed=None):
        ### BEGIN SOLUTION
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        if seed is None:
            seed = int(default_generator().integers(2**32))
        self.generator = np.random.default_rng(seed)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        if not self.training or self.p == 0:
            return x
        keep = self.generator.random(x.shape) >= self.p
        scale = 0.0 if self.p == 1 else 1.0 / (1.0 - self.p)
        return x * Tensor((keep * scale).astype(x.dtype))
        ### END SOLUTION

    def __repr__(self):
        return f"Dropout(p={self.p})"


# %% [markdown]
# ## 5. Try it
#
# A small model made of a list of layers and a nested one:


# %% [code]
class TwoLayers(Module):
    def __init__(self):
        self.layers = [Linear(3, 4), Linear(4, 2)]
        self.dropout = Dropout(0.5, seed=0)

    def forward(self, x):
        return self.layers[1](self.dropout(self.layers[0](x)))


model = TwoLayers()
for name, parameter in model.named_parameters():
    print(f"{name:16} {parameter.shape}")
x = Tensor(np.ones((2, 3)))
print("training:", model(x).data.round(3).tolist())
print("eval:    ", model.eval()(x).data.round(3).tolist(), model.dropout.training)

# %% [markdown]
# ## 6. Tests

# %% [tests id=test_parameters points=3]


class Block(Module):
    def __init__(self):
        self.layers = [Linear(4, 8), Linear(8, 2)]
        self.scale = Tensor(np.ones(2), requires_grad=True)
        self.mask = Tensor(np.ones(2))  # requires_grad=False: a constant, not a parameter


class Model(Module):
    def __init__(self):
        self.embed = Linear(3, 4, bias=False)
        self.block = Block()
        self.heads = (Linear(2, 1), self.embed)  # the same layer twice: its weight counts once


model = Model()
names = [name for name, _ in model.named_parameters()]
expected = ["embed.weight", "block.layers.0.weight", "block.layers.0.bias", "block.layers.1.weight"]
expected += ["block.layers.1.bias", "block.scale", "heads.0.weight", "heads.0.bias"]
assert names == expected, f"named_parameters() names are {names}, expected {expected}"
assert model.parameters()[0] is model.embed.weight, "parameters() holds the tensors themselves, not copies"
assert len(model.parameters()) == 8, "each parameter once"
assert Module().parameters() == [], "an empty module has no parameters"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property

linear_specs = st.tuples(st.just("linear"), st.integers(1, 3), st.integers(1, 3), st.booleans())
tensor_specs = st.tuples(st.just("tensor"), st.booleans())
trees = st.recursive(
    linear_specs | tensor_specs,
    lambda children: st.tuples(st.sampled_from(["module", "list", "tuple"]), st.lists(children, max_size=3)),
    max_leaves=8,
)


def build(spec, name, expected):
    """The module, list, tuple, Linear or tensor of `spec`; its (dotted name, parameter) pairs, as
    the spec says, go into `expected`."""
    dotted = lambda key: f"{name}.{key}" if name else str(key)  # noqa: E731
    kind = spec[0]
    if kind == "linear":
        layer = Linear(spec[1], spec[2], bias=spec[3])
        expected.append((dotted("weight"), layer.weight))
        if spec[3]:
            expected.append((dotted("bias"), layer.bias))
        return layer
    if kind == "tensor":
        tensor = Tensor(np.zeros(2), requires_grad=spec[1])
        if spec[1]:
            expected.append((name, tensor))
        return tensor
    if kind in ("list", "tuple"):
        children = [build(child, dotted(position), expected) for position, child in enumerate(spec[1])]
        return children if kind == "list" else tuple(children)
    module = Module()
    for position, child in enumerate(spec[1]):
        setattr(module, f"child{position}", build(child, dotted(f"child{position}"), expected))
    return module


def finds_every_parameter(children, shared):
    expected = []  # the test's own list, from the spec: never read back from the modules
    root = build(("module", children), "", expected)
    if shared and expected:
        root.again = [expected[0][1]]  # a parameter reachable twice is listed once
    found = root.named_parameters()
    assert [name for name, _ in found] == [name for name, _ in expected], "named_parameters() names"
    assert all(a is b for (_, a), (_, b) in zip(found, expected, strict=True)), "the parameters themselves"
    assert [name for name, _ in found] == [name for name, _ in root.named_parameters()], "names are stable"
    assert len(root.parameters()) == len(expected), "parameters() lists each parameter once"


check_property(
    "named_parameters() finds every parameter through attributes, lists, tuples and nested modules",
    finds_every_parameter,
    children=st.lists(trees, max_size=3),
    shared=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_zero_grad points=2]


class Outer(Module):
    def __init__(self):
        self.inner = Linear(2, 3)
        self.head = Linear(3, 1)


model = Outer()
model.head(model.inner(Tensor(np.ones((4, 2))))).sum().backward()
assert model.inner.weight.grad is not None, "backward() filled the gradients"
model.zero_grad()
for name, parameter in model.named_parameters():
    assert parameter.grad is None, f"zero_grad() should reset {name}.grad to None"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property


def resets_every_gradient(depth, width):
    def nested(level):
        module = Module()
        for position in range(width):
            setattr(module, f"layer{position}", Linear(2, 2))
        if level < depth:
            module.child = nested(level + 1)
        return module

    root = nested(0)
    for parameter in root.parameters():
        parameter.grad = np.ones(parameter.shape)
    root.zero_grad()
    stale = [name for name, parameter in root.named_parameters() if parameter.grad is not None]
    assert not stale, f"after zero_grad() these still have a gradient: {stale}"


check_property(
    "zero_grad() reaches the parameters of every nested module",
    resets_every_gradient,
    depth=st.integers(0, 3),
    width=st.integers(1, 3),
)
### END HIDDEN TESTS

# %% [tests id=test_train_eval points=2]


class Net(Module):
    def __init__(self):
        self.layers = [Linear(2, 2), Dropout(0.5)]
        self.head = Linear(2, 1)


model = Net()
assert model.training and model.layers[1].training, "modules start in training mode"
assert model.eval() is model, "eval() returns the module itself"
assert not model.layers[1].training, "eval() must reach the Dropout inside the list"
assert not model.head.training, "eval() must reach every submodule"
model.train()
assert all(module.training for module in model.modules()), "train() switches everything back"
assert len(model.modules()) == 4, "modules(): the model, two Linear and one Dropout"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property

leaves = st.sampled_from(["linear", "dropout", "none"])
kinds = st.sampled_from(["module", "list"])
trees = st.recursive(leaves, lambda children: st.tuples(kinds, st.lists(children, max_size=3)))


def build(spec, every):
    if spec == "none":
        return None
    if spec == "linear":
        module = Linear(1, 1)
    elif spec == "dropout":
        module = Dropout(0.5)
    else:
        kind, children = spec
        built = [build(child, every) for child in children]
        if kind == "list":
            return built
        module = Module()
        for position, child in enumerate(built):
            setattr(module, f"child{position}", child)
    every.append(module)
    return module


def switches_every_module(children):
    every = []
    root = build(("module", children), every)
    assert len(root.modules()) == len(every), f"modules() found {len(root.modules())} modules, expected {len(every)}"
    assert root.eval() is root, "eval() returns the module"
    assert not any(module.training for module in every), "after eval() every submodule has training=False"
    assert root.train() is root, "train() returns the module"
    assert all(module.training for module in every), "after train() every submodule has training=True"
    root.train(False)
    assert not any(module.training for module in every), "train(False) is eval()"


check_property(
    "train() and eval() reach every module, through attributes, lists and nesting",
    switches_every_module,
    children=st.lists(trees, max_size=3),
)
### END HIDDEN TESTS

# %% [tests id=test_linear points=3]
from tinytorch.testing import assert_close

layer = Linear(3, 2)
assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,), "weight (in, out), bias (out,)"
assert layer.weight.dtype == np.float32 and layer.weight.requires_grad, "float32 parameters"
assert np.all(np.abs(layer.weight.data) <= 1 / np.sqrt(3)), "weights uniform in [-1/sqrt(in), 1/sqrt(in)]"
layer.weight.data[...] = [[1, 0], [0, 1], [1, 1]]
layer.bias.data[...] = [10, 20]
assert_close(layer(Tensor([[1.0, 2.0, 3.0]])), [[14, 25]], "x @ W + b for x = [[1, 2, 3]]")
assert layer(Tensor(np.ones((5, 4, 3)))).shape == (5, 4, 2), "a (B, T, in) input gives (B, T, out)"
assert Linear(3, 2, bias=False).bias is None, "bias=False: no bias"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, assert_uniform, check_property, random_array, seeds


def linear_matches_numpy(batch, in_features, out_features, bias, seed):
    layer = Linear(in_features, out_features, bias=bias)
    bound = 1 / np.sqrt(in_features)
    assert layer.weight.shape == (in_features, out_features), f"weight shape {layer.weight.shape}"
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad, "weight: float32, requires_grad"
    assert np.all(np.abs(layer.weight.data) <= bound), "weights within [-1/sqrt(in), 1/sqrt(in)]"
    if in_features * out_features > 1:
        assert np.ptp(layer.weight.data) > 0, "weights must be random, not all equal"
    x = random_array((*batch, in_features), seed)
    expected = x @ layer.weight.data
    if bias:
        assert layer.bias.shape == (out_features,) and layer.bias.dtype == np.float32, "bias: (out,), float32"
        assert np.all(np.abs(layer.bias.data) <= bound), "bias within [-1/sqrt(in), 1/sqrt(in)]"
        expected = expected + layer.bias.data
    else:
        assert layer.bias is None, "bias=False means bias is None"
    assert_close(layer(Tensor(x)), expected, f"Linear({in_features}, {out_features}) on shape {x.shape}")


def initialised_uniformly(in_features, seed):
    manual_seed(seed)
    layer = Linear(in_features, 2048)
    bound = 1 / np.sqrt(in_features)
    assert_uniform(layer.weight, -bound, bound, f"Linear({in_features}, 2048).weight, uniform in [-k, k]")
    assert_uniform(layer.bias, -bound, bound, f"Linear({in_features}, 2048).bias, uniform in [-k, k]")
    manual_seed(seed)
    assert_close(Linear(in_features, 2048).weight, layer.weight.data, "manual_seed(seed) makes Linear reproducible")


check_property(
    "Linear computes x @ W + b on inputs with any batch axes",
    linear_matches_numpy,
    batch=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple),
    in_features=st.integers(1, 4),
    out_features=st.integers(1, 4),
    bias=st.booleans(),
    seed=seeds,
)
check_property(
    "Linear's weight and bias are drawn uniformly from [-1/sqrt(in), 1/sqrt(in)] by default_generator()",
    initialised_uniformly,
    in_features=st.integers(1, 64),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_linear_gradients points=3]
from tinytorch.testing import assert_close, check_gradients

layer = Linear(3, 2)
layer.weight = Tensor(np.arange(6.0).reshape(3, 2) / 10, requires_grad=True)
layer.bias = Tensor(np.array([0.5, -0.5]), requires_grad=True)
x = Tensor(np.ones((4, 3)), requires_grad=True)
layer(x).backward(np.ones((4, 2)))
assert_close(layer.bias.grad, [4, 4], "the bias was added to 4 rows: its gradient sums over them")
# f ignores w and b (the layer holds them); the numpy forward uses all three
check_gradients(lambda x, w, b: layer(x), [x, layer.weight, layer.bias], forward=lambda x, w, b: x @ w + b)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds


def linear_gradients(batch, in_features, out_features, seed):
    layer = Linear(in_features, out_features)
    w, b = random_array((in_features, out_features), seed), random_array((out_features,), seed + 1)
    x = random_array((*batch, in_features), seed + 2)
    layer.weight, layer.bias = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    inputs = [Tensor(x, requires_grad=True), layer.weight, layer.bias]
    forward = lambda x, w, b: x @ w + b  # noqa: E731
    check_gradients(lambda x, w, b: layer(x), inputs, seed=seed, forward=forward, values=[x, w, b])


check_property(
    "Linear has the right gradients for x, W and b, for inputs (B, in) and (B, T, in)",
    linear_gradients,
    batch=st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple),
    in_features=st.integers(1, 3),
    out_features=st.integers(1, 3),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_dropout points=3]
from tinytorch.testing import assert_close

x = Tensor(np.arange(1.0, 1001.0))
dropout = Dropout(0.25, seed=0)
y = dropout(x)
kept = y.data != 0
assert 0.7 < kept.mean() < 0.8, f"p=0.25 should keep about 75% of the elements, kept {kept.mean():.0%}"
assert_close(y.data[kept], x.data[kept] / 0.75, "kept elements are scaled by 1/(1-p)")
assert_close(dropout.eval()(x), x.data, "in eval mode dropout is the identity")
assert_close(Dropout(0.25, seed=0)(x), y.data, "the same seed gives the same mask")
### BEGIN HIDDEN TESTS
import warnings

from hypothesis import strategies as st

from tinytorch.testing import assert_close, assert_fraction, check_gradients, check_property, random_array, seeds


def drops_and_scales(p, seed, dtype):
    values = random_array((40, 50), seed, low=0.5, high=2.0).astype(dtype)
    x = Tensor(values, requires_grad=True)
    dropout = Dropout(p, seed=seed)
    assert dropout.training, "a new Dropout is in training mode"
    y = dropout(x)
    assert y.shape == x.shape and y.dtype == x.dtype, f"output shape {y.shape} and dtype {y.dtype}"
    kept = y.data != 0
    assert_fraction(kept, 1 - p, f"the elements Dropout({p}) keeps")
    assert_close(y.data[kept], values[kept] / (1 - p), f"kept elements scaled by 1/(1-p), p={p}", rtol=1e-4)
    y.backward(np.ones(x.shape, dtype=dtype))
    assert_close(x.grad, kept / (1 - p), "the gradient is the mask: 1/(1-p) where kept, 0 where dropped", rtol=1e-4)
    assert_close(Dropout(p, seed=seed)(x), y.data, "the same seed gives the same mask")
    assert not np.array_equal(Dropout(p, seed=seed + 1)(x).data, y.data), "another seed gives another mask"
    assert_close(dropout.eval()(x), values, "in eval mode dropout is the identity")
    # The mask is the student's own draw (the text fixes its distribution, not its numbers): read
    # it once from a fresh Dropout(p, seed) on positive inputs; the expected values are then the
    # test's numpy x * mask / (1 - p), and f draws the same mask again from the same seed.
    small = values[:2, :5].astype(np.float64)
    mask = Dropout(p, seed=seed)(Tensor(small)).data != 0
    forward = lambda x: x * mask / (1 - p)  # noqa: E731
    inputs = [Tensor(small, requires_grad=True)]
    check_gradients(lambda x: Dropout(p, seed=seed)(x), inputs, seed=seed, forward=forward, values=[small])


def keeps_all_or_nothing(p, dtype):
    x = Tensor(random_array((8, 5), 0, low=0.5, high=2.0).astype(dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = Dropout(p, seed=0)(x)
        y.backward(np.ones(x.shape, dtype=dtype))
    assert_close(y, x.data * (1 - p), f"Dropout({p}) keeps {'every' if p == 0 else 'no'} element")
    assert_close(x.grad, np.full(x.shape, 1 - p), f"the gradient of Dropout({p})")


def unseeded_masks_differ_and_follow_manual_seed(seed):
    # 20 Dropouts without a seed each draw a seed from default_generator(): two of them share a
    # mask of 64 elements with probability below 190 * (2**-32 + 2**-64) < 1e-7 (a false alarm).
    x = Tensor(np.ones(64))
    manual_seed(seed)
    masks = {tuple(Dropout(0.5)(x).data != 0) for _ in range(20)}
    assert len(masks) == 20, f"20 Dropouts made without a seed drew only {len(masks)} different masks"
    manual_seed(seed)
    again = {tuple(Dropout(0.5)(x).data != 0) for _ in range(20)}
    assert again == masks, "after manual_seed(seed), Dropouts made without a seed draw the same masks again"


def rejects_bad_probabilities(p):
    try:
        Dropout(p)
    except ValueError:
        return
    raise AssertionError(f"Dropout({p}) should raise ValueError")


check_property(
    "dropout keeps 1-p of the elements, scales them by 1/(1-p), is seeded, and is off in eval",
    drops_and_scales,
    p=st.sampled_from([0.1, 0.25, 0.5, 0.8]),
    seed=seeds,
    dtype=st.sampled_from([np.float32, np.float64]),
)
check_property(
    "Dropout(0) keeps every element and Dropout(1) drops every one, without a warning",
    keeps_all_or_nothing,
    p=st.sampled_from([0.0, 1.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
check_property(
    "Dropouts made without a seed draw different masks, reproducible with manual_seed",
    unseeded_masks_differ_and_follow_manual_seed,
    seed=seeds,
)
check_property("Dropout rejects p outside [0, 1]", rejects_bad_probabilities, p=st.sampled_from([-0.1, 1.5]))
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Written question
#
# `Dropout` scales the elements it keeps by $1/(1-p)$ while training and does nothing in
# evaluation. What would go wrong at evaluation time if it did not scale while training?
# Give the factor by which the next layer's input would be off, for `p = 0.2`.

# %% [written id=why_dropout_scaling points=2]
# While training, the next layer sees on average $(1-p)$ times each input; its weights adapt to
# that scale. At evaluation every input is kept, so without the scaling the next layer would
# receive inputs $1/(1-p)$ times larger than what it was trained on: 1.25 times for $p = 0.2$,
# shifting every activation after it. Scaling by $1/(1-p)$ while training keeps the expected
# value equal in both modes, so evaluation needs no change.
