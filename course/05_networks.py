# %% [markdown]
# # Module 05: Networks
#
# You have layers (module 04) and activations (module 03). A network is layers composed, and
# a trained network is worth keeping: in this module you build
#
# 1. `Sequential(*modules)`: apply modules one after the other;
# 2. `MLP(sizes, activation=ReLU)`: the multi-layer perceptron, `Linear` layers with an
#    activation between each two;
# 3. `count_parameters(module)`: how big is a model?
# 4. `state_dict()` / `load_state_dict(state)`: a model's parameters as a dict of numpy arrays
#    by name, and back, as methods of every `Module`;
# 5. `save(module, path)` / `load(module, path)`: the same, to and from a `.npz` file.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.networks`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 05_networks/networks.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import os

import numpy as np
from tinytorch.activations import ReLU
from tinytorch.layers import Linear, Module
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. Sequential
#
# `Sequential(a, b, c)(x)` is `c(b(a(x)))`. Store the modules in a **list** attribute named
# `layers`: your `Module` from 04 then finds their parameters by itself, named
# `layers.0.weight`, `layers.0.bias`, ... Activations are parameter-free, so they just take a
# position in the list:
#
# ```python
# model = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
# [name for name, _ in model.named_parameters()]
# # ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']
# ```
#
# **TODO**: write `Sequential.__init__` and `forward`.


# %% [solution id=sequential]
class Sequential(Module):
    """Apply `modules` in order: Sequential(a, b)(x) is b(a(x))."""

    def __init__(self, *modules):
        ### BEGIN SOLUTION
        self.layers = list(modules)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)


# %% [markdown]
# ## 2. The multi-layer perceptron
#
# `MLP([4, 8, 8, 2])` maps 4 inputs to 2 outputs through two hidden layers of 8 units:
#
# ```
# Linear(4, 8), ReLU(), Linear(8, 8), ReLU(), Linear(8, 2)
# ```
#
# An activation goes **between** two linear layers, never after the last one: the output
# is a raw score (a logit) that the loss (module 06) interprets. `activation` is a class (or
# any function without arguments that makes a module): call it once per gap, so that each
# gap has its own activation object.
#
# **TODO**: write `MLP.__init__`: build the list of layers and pass it to `Sequential`'s
# constructor (`super().__init__(*layers)`). Raise `ValueError` when `sizes` has fewer than
# two numbers.


# %% [solution id=mlp]
class MLP(Sequential):
    """Linear layers of the given sizes, with `activation()` between each two."""

    def __init__(self, sizes, activation=ReLU):
        sizes = list(sizes)
        ### BEGIN SOLUTION
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got {sizes}")
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            if index > 0:
                layers.append(activation())
            layers.append(Linear(fan_in, fan_out))
        super().__init__(*layers)
        ### END SOLUTION
        self.sizes = sizes


# %% [markdown]
# ## 3. Counting parameters
#
# The size of a model is its number of **scalar** parameters: a `Linear(in, out)` has
# `in * out` weights plus `out` biases. GPT-2 small has 124 million; your TinyGPT will have
# tens of thousands.
#
# **TODO**: write `count_parameters(module)`.


# %% [solution id=count_parameters]
def count_parameters(module):
    """The number of scalar parameters of `module` (each shared parameter counted once)."""
    ### BEGIN SOLUTION
    return int(sum(parameter.data.size for parameter in module.parameters()))
    ### END SOLUTION


# %% [markdown]
# ## 4. State dicts
#
# A **state dict** maps each parameter's dotted name to a *copy* of its values:
#
# ```python
# MLP([2, 3, 1]).state_dict()
# # {'layers.0.weight': array(...), 'layers.0.bias': array(...), 'layers.2.weight': ..., 'layers.2.bias': ...}
# ```
#
# Copies, because a snapshot (the best model so far, say) must not change while training
# goes on. `load_state_dict(state)` writes the values back into the parameters, **in place**
# (`parameter.data[...] = value`, which keeps the parameter's dtype and the very same Tensor
# objects an optimizer holds). It refuses a state that does not fit the model, naming the
# culprit:
#
# - a name the model expects but `state` lacks, or a name `state` has but the model does not:
#   `KeyError`, with the name in the message;
# - an array of the wrong shape: `ValueError`, with the name and both shapes in the message.
#
# These are written as functions whose first argument is `self`, then attached to `Module`,
# as module 02 attached `backward` to `Tensor`: every model gets `model.state_dict()`.
#
# **TODO**: write `state_dict` and `load_state_dict`.


# %% [solution id=state_dict]
def state_dict(self):
    """{dotted name: copy of the parameter's values} for every parameter of the module."""
    ### BEGIN SOLUTION
    return {name: parameter.data.copy() for name, parameter in self.named_parameters()}
    ### END SOLUTION


def load_state_dict(self, state):
    """Copy the arrays of `state` into the parameters of the same names, checking names and shapes."""
    ### BEGIN SOLUTION
    parameters = dict(self.named_parameters())
    missing = [name for name in parameters if name not in state]
    if missing:
        raise KeyError(f"load_state_dict: the state has no value for parameter {missing[0]!r}")
    unexpected = [name for name in state if name not in parameters]
    if unexpected:
        raise KeyError(f"load_state_dict: the model has no parameter named {unexpected[0]!r}")
    for name, parameter in parameters.items():
        value = np.asarray(state[name])
        if value.shape != parameter.shape:
            raise ValueError(
                f"load_state_dict: {name!r} has shape {value.shape} in the state, {parameter.shape} in the model"
            )
    for name, parameter in parameters.items():
        parameter.data[...] = state[name]
    ### END SOLUTION


Module.state_dict = state_dict
Module.load_state_dict = load_state_dict


# %% [markdown]
# ## 5. Saving to a file
#
# numpy's `.npz` format stores several named arrays in one file: `np.savez(path, **arrays)`
# writes it and `np.load(path)` reads it back (a dict-like object; use it in a `with` block
# so the file gets closed). Saving a model is saving its state dict.
#
# `np.savez` adds `.npz` to a path that does not end with it; the helper `npz_path` below does
# the same, so that `save(model, "model")` and `load(model, "model")` find the same file.
#
# **TODO**: write `save` and `load`.


# %% [solution id=save_load]
def npz_path(path):
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def save(module, path):
    """Write the module's state dict to the .npz file `path`."""
    ### BEGIN SOLUTION
    np.savez(npz_path(path), **module.state_dict())
    ### END SOLUTION


def load(module, path):
    """Load the parameters saved in the .npz file `path` into `module`, and return it."""
    ### BEGIN SOLUTION
    with np.load(npz_path(path)) as archive:
        module.load_state_dict({name: archive[name] for name in archive.files})
    return module
    ### END SOLUTION


# %% [markdown]
# ## 6. Try it
#
# An MLP on a batch of 5 inputs, its size, and a snapshot restored:

# %% [code]
model = MLP([4, 8, 2])
print(model.layers)
print("parameters:", count_parameters(model), "= 4*8 + 8 + 8*2 + 2")
x = Tensor(np.ones((5, 4)))
snapshot = model.state_dict()
before = model(x).data
model.layers[0].weight.data += 1.0  # "training" changes the model...
model.load_state_dict(snapshot)  # ...and the snapshot brings it back
print("restored:", np.array_equal(model(x).data, before))

# %% [markdown]
# ## 7. Tests

# %% [tests id=test_sequential points=2]
from tinytorch.activations import ReLU

from tinytorch.testing import assert_close

first, second = Linear(2, 3), Linear(3, 1)
model = Sequential(first, ReLU(), second)
x = Tensor([[1.0, -2.0], [0.5, 0.5]])
assert_close(model(x), second(ReLU()(first(x))).data, "Sequential(a, b, c)(x) is c(b(a(x)))")
names = [name for name, _ in model.named_parameters()]
expected = ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
assert names == expected, f"parameter names {names}, expected {expected}"
assert len(model) == 3 and model[2] is second, "len(model) and model[i] give the layers"
assert_close(Sequential()(x), x.data, "an empty Sequential is the identity")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from tinytorch.activations import GELU, ReLU, Sigmoid, Tanh

from tinytorch.testing import assert_close, check_property, random_array, seeds

ACTIVATIONS = {"ReLU": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "GELU": GELU}
NUMPY_STEPS = {
    "ReLU": lambda x: np.maximum(x, 0),
    "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "Tanh": np.tanh,
    "GELU": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
}


def composes_in_order(width, steps, seed):
    modules, expected_names = [], []
    x = random_array((2, width), seed)
    expected = x  # the test's own numpy, on the weights it gave each Linear
    for position, step in enumerate(steps):
        if step == "Linear":
            weight = random_array((width, width), seed + 2 * position + 1)
            bias = random_array((width,), seed + 2 * position + 2)
            modules.append(Linear(width, width))
            modules[-1].weight.data, modules[-1].bias.data = weight, bias
            expected = expected @ weight + bias
            expected_names += [f"layers.{position}.weight", f"layers.{position}.bias"]
        else:
            modules.append(ACTIVATIONS[step]())
            expected = NUMPY_STEPS[step](expected)
    model = Sequential(*modules)
    assert_close(model(Tensor(x)), expected, f"Sequential of {steps}")
    assert [name for name, _ in model.named_parameters()] == expected_names, "parameter names"
    assert model.eval() is model and all(not m.training for m in modules if isinstance(m, Module)), "eval() reaches"


check_property(
    "Sequential applies its modules in order and owns their parameters",
    composes_in_order,
    width=st.integers(1, 4),
    steps=st.lists(st.sampled_from(["Linear", *ACTIVATIONS]), max_size=5),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_mlp points=3]
from tinytorch.activations import ReLU, Tanh

model = MLP([4, 8, 8, 2])
kinds = [type(layer).__name__ for layer in model.layers]
assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"], f"MLP([4, 8, 8, 2]) has layers {kinds}"
assert [layer.weight.shape for layer in model.layers[::2]] == [(4, 8), (8, 8), (8, 2)], "Linear sizes"
assert model(Tensor(np.ones((5, 4)))).shape == (5, 2), "MLP([4, 8, 8, 2]) maps (5, 4) to (5, 2)"
assert isinstance(MLP([3, 5, 1], activation=Tanh).layers[1], Tanh), "activation=Tanh puts Tanh between"
assert len(MLP([3, 1]).layers) == 1, "MLP([3, 1]) is a single Linear layer, no activation"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from tinytorch.activations import GELU, ReLU, Sigmoid, Tanh

from tinytorch.testing import assert_close, check_gradients, check_property, expect_error, random_array, seeds

NUMPY = {
    ReLU: lambda x: np.maximum(x, 0),
    Sigmoid: lambda x: 1 / (1 + np.exp(-x)),
    Tanh: np.tanh,
    GELU: lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
}


def mlp_structure_and_forward(sizes, activation, seed):
    model = MLP(sizes, activation=activation)
    linears, gaps = model.layers[::2], model.layers[1::2]
    assert len(model.layers) == 2 * len(sizes) - 3, f"MLP({sizes}) has {len(model.layers)} layers"
    assert all(isinstance(layer, Linear) for layer in linears), "Linear layers at even positions"
    assert all(isinstance(layer, activation) for layer in gaps), f"{activation.__name__} between them, none last"
    assert len({id(layer) for layer in gaps}) == len(gaps), "each gap has its own activation object"
    shapes = [layer.weight.shape for layer in linears]
    assert shapes == list(zip(sizes[:-1], sizes[1:], strict=True)), f"weight shapes {shapes} for sizes {sizes}"
    x = random_array((3, sizes[0]), seed)
    expected = x  # in numpy, with the weights the test gives each layer
    for position, layer in enumerate(linears):
        weight = random_array(layer.weight.shape, seed + 2 * position + 1)
        bias = random_array(layer.bias.shape, seed + 2 * position + 2)
        layer.weight.data, layer.bias.data = weight, bias
        expected = expected @ weight + bias
        if position < len(linears) - 1:
            expected = NUMPY[activation](expected)
    assert_close(model(Tensor(x)), expected, f"MLP({sizes}, activation={activation.__name__})(x)")


def rejects_too_few_sizes(sizes):
    expect_error(ValueError, lambda: MLP(sizes), f"MLP({sizes}), fewer than two sizes")


def numpy_mlp(activation, x, *parameters):
    """Linear layers (weight, bias pairs) with the activation between each two, in numpy."""
    for position in range(0, len(parameters), 2):
        x = x @ parameters[position] + parameters[position + 1]
        if position < len(parameters) - 2:
            x = NUMPY[activation](x)
    return x


def mlp_gradients(sizes, activation, seed):
    model = MLP(sizes, activation=activation)
    values = [random_array((2, sizes[0]), seed)]
    for position, parameter in enumerate(model.parameters()):
        values.append(random_array(parameter.shape, seed + position))
        parameter.data = values[-1]
    x = Tensor(values[0], requires_grad=True)
    forward = lambda x, *parameters: numpy_mlp(activation, x, *parameters)  # noqa: E731
    inputs = [x, *model.parameters()]  # f reaches the parameters through the model
    check_gradients(lambda x, *parameters: model(x), inputs, seed=seed, forward=forward, values=values)


sizes = st.lists(st.integers(1, 4), min_size=2, max_size=4)
activations = st.sampled_from([ReLU, Sigmoid, Tanh, GELU])
check_property(
    "MLP is Linear layers with an activation between each two",
    mlp_structure_and_forward,
    sizes=sizes,
    activation=activations,
    seed=seeds,
)
check_property(
    "an MLP has the right gradients for its input and every parameter",
    mlp_gradients,
    sizes=sizes,
    activation=activations,
    seed=seeds,
)
check_property(
    "MLP raises ValueError for fewer than two sizes",
    rejects_too_few_sizes,
    sizes=st.lists(st.integers(1, 4), max_size=1),
)
### END HIDDEN TESTS

# %% [tests id=test_count_parameters points=2]
assert count_parameters(Linear(3, 4)) == 3 * 4 + 4, "Linear(3, 4): 12 weights and 4 biases"
assert count_parameters(Linear(3, 4, bias=False)) == 12, "no bias, 12 weights"
assert count_parameters(MLP([3, 4, 2])) == 26, "MLP([3, 4, 2]): (3*4 + 4) + (4*2 + 2)"
assert count_parameters(Sequential()) == 0, "nothing to count"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property


def counts_by_the_formula(sizes, biases):
    layers = [
        Linear(a, b, bias=bias) for a, b, bias in zip(sizes[:-1], sizes[1:], biases[: len(sizes) - 1], strict=True)
    ]
    model = Sequential(*layers, layers[0]) if layers else Sequential()  # a shared layer counts once
    expected = sum(
        a * b + (b if bias else 0) for a, b, bias in zip(sizes[:-1], sizes[1:], biases[: len(sizes) - 1], strict=True)
    )
    assert count_parameters(model) == expected, f"layers of sizes {sizes} with bias={biases}: {expected}"
    assert count_parameters(MLP(sizes)) == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True)), (
        f"MLP({sizes})"
    )


check_property(
    "count_parameters adds in * out (+ out with a bias) over the layers",
    counts_by_the_formula,
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    biases=st.lists(st.booleans(), min_size=4, max_size=4),
)
### END HIDDEN TESTS

# %% [tests id=test_state_dict points=3]
from tinytorch.testing import assert_close

model = MLP([2, 3, 1])
state = model.state_dict()
assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"], list(state)
assert isinstance(state["layers.0.weight"], np.ndarray), "a state dict holds numpy arrays"
assert_close(state["layers.2.bias"], model.layers[2].bias.data, "values of layers.2.bias")
model.layers[0].weight.data += 1.0
assert not np.array_equal(state["layers.0.weight"], model.layers[0].weight.data), "state_dict() holds copies"
other = MLP([2, 3, 1])
weight = other.layers[0].weight
other.load_state_dict(state)
assert other.layers[0].weight is weight, "load_state_dict writes into the existing parameters"
assert_close(other.layers[0].weight, state["layers.0.weight"], "loaded values")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from tinytorch.layers import manual_seed

from tinytorch.testing import assert_close, check_property, random_array, seeds


def round_trips(sizes, seed):
    manual_seed(seed)
    model, other = MLP(sizes), MLP(sizes)
    state = state_dict(model)
    assert list(state) == [name for name, _ in model.named_parameters()], "keys are the named_parameters() names"
    for name, parameter in model.named_parameters():
        assert np.array_equal(state[name], parameter.data), f"state[{name!r}] holds the values"
        parameter.data += 1.0
        assert not np.array_equal(state[name], parameter.data), f"state[{name!r}] is a copy"
    parameters = other.parameters()
    other.load_state_dict(state)
    assert all(a is b for a, b in zip(parameters, other.parameters(), strict=True)), "the same Tensor objects"
    for name, parameter in other.named_parameters():
        assert np.array_equal(parameter.data, state[name]), f"{name} loaded exactly"
        assert parameter.dtype == np.float32, f"{name} keeps its float32 dtype"
    # A layer computes with what it loaded: the test's own state, and x @ W + b in numpy.
    weight, bias = random_array((sizes[0], sizes[1]), seed + 1), random_array((sizes[1],), seed + 2)
    layer = Linear(sizes[0], sizes[1])
    layer.load_state_dict({"weight": weight.astype(np.float32), "bias": bias.astype(np.float32)})
    x = random_array((2, sizes[0]), seed)
    expected = x @ weight.astype(np.float32) + bias.astype(np.float32)
    assert_close(layer(Tensor(x)), expected, "a Linear computes with the state it loaded", rtol=1e-6)


check_property(
    "state_dict() copies every parameter by name and load_state_dict() restores it",
    round_trips,
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_save_load points=2]
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as folder:  # write only in a temporary folder
    model, other = MLP([3, 4, 2]), MLP([3, 4, 2])
    save(model, Path(folder) / "model.npz")
    assert load(other, Path(folder) / "model.npz") is other, "load returns the module"
    for name, value in model.state_dict().items():
        assert np.array_equal(other.state_dict()[name], value), f"{name} after save and load"
### BEGIN HIDDEN TESTS
import tempfile
from pathlib import Path

from hypothesis import strategies as st
from tinytorch.layers import manual_seed

from tinytorch.testing import assert_close, check_property, random_array, seeds


def survives_a_file(sizes, seed, suffix):
    manual_seed(seed)
    model, other = MLP(sizes), MLP(sizes)
    given = {}  # the test's own values, saved with the model
    for offset, (name, parameter) in enumerate(model.named_parameters()):
        given[name] = random_array(parameter.shape, seed + offset).astype(np.float32)
        parameter.data = given[name].copy()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "weights") + suffix
        save(model, path)
        load(other, path)
    loaded = other.state_dict()
    assert list(loaded) == list(given), "the same names"
    for name in given:
        assert np.array_equal(loaded[name], given[name]), f"{name} after save and load, bit for bit"
    for position, layer in enumerate(other.layers[::2]):  # each loaded Linear computes with its values
        weight, bias = given[f"layers.{2 * position}.weight"], given[f"layers.{2 * position}.bias"]
        x = random_array((2, weight.shape[0]), seed + 100 + position)
        assert_close(layer(Tensor(x)), x @ weight + bias, f"the loaded layers.{2 * position} on x", rtol=1e-6)


check_property(
    "save() and load() round-trip every parameter exactly through a .npz file",
    survives_a_file,
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    seed=seeds,
    suffix=st.sampled_from([".npz", ""]),
)
### END HIDDEN TESTS

# %% [tests id=test_load_errors points=3]
state = MLP([2, 3, 1]).state_dict()
state["layers.2.bias"] = np.zeros(5)
try:
    MLP([2, 3, 1]).load_state_dict(state)
    raise AssertionError("loading a bias of shape (5,) into a (1,) parameter should raise ValueError")
except ValueError as error:
    assert "layers.2.bias" in str(error), f"the error should name the parameter: {error}"
del state["layers.2.bias"]
try:
    MLP([2, 3, 1]).load_state_dict(state)
    raise AssertionError("a state without layers.2.bias should raise KeyError")
except KeyError as error:
    assert "layers.2.bias" in str(error), f"the error should name the missing key: {error}"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property


def refuses_what_does_not_fit(sizes, data, fault):
    model = MLP(sizes)
    state = model.state_dict()
    name = data.draw(st.sampled_from(sorted(state)), label="name")
    if fault == "missing":
        del state[name]
        expected_error = KeyError
    elif fault == "unexpected":
        name = name.replace("layers", "blocks")
        state[name] = np.zeros(3)
        expected_error = KeyError
    else:
        shape = state[name].shape
        state[name] = np.zeros(shape + (1,) if fault == "extra axis" else (1,) * len(shape) if max(shape) > 1 else (2,))
        expected_error = ValueError
    try:
        model.load_state_dict(state)
    except expected_error as error:
        assert name in str(error), f"the {expected_error.__name__} for a {fault} {name!r} should name it: {error}"
        return
    raise AssertionError(f"a state with a {fault} {name!r} should raise {expected_error.__name__}")


check_property(
    "load_state_dict raises KeyError or ValueError naming a missing, unexpected or misshapen parameter",
    refuses_what_does_not_fit,
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    data=st.data(),
    fault=st.sampled_from(["missing", "unexpected", "extra axis", "wrong size"]),
)
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Written question
#
# A model could also be saved as the plain list `[p.data for p in model.parameters()]`,
# loaded back in the same order. Why is saving by **name** better? Give a concrete change to a
# model's code after which the list would load silently wrong, and say what the named state
# dict does instead.

# %% [written id=why_names points=2]
# A list relies on the order parameters are found in, which depends on the order attributes
# are assigned in `__init__`. Swap two lines (say, create `self.head` before `self.body`), or
# insert a layer, and every array would land in the wrong parameter; when the shapes happen to
# agree (two `Linear(8, 8)`), nothing fails and the model is silently wrong. With names, a
# reordered model still gets each array by its name, and a renamed, missing or extra
# parameter, or one of another shape, raises an error that names it.
