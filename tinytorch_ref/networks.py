"""Reference solution of 05_networks.

Generated from course/05_networks.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import os

import numpy as np

from .activations import ReLU
from .layers import Linear, Module
from .tensor import Tensor


class Sequential(Module):
    """Apply `modules` in order: Sequential(a, b)(x) is b(a(x))."""

    def __init__(self, *modules):
        self.layers = list(modules)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)


class MLP(Sequential):
    """Linear layers of the given sizes, with `activation()` between each two."""

    def __init__(self, sizes, activation=ReLU):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got {sizes}")
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            if index > 0:
                layers.append(activation())
            layers.append(Linear(fan_in, fan_out))
        super().__init__(*layers)
        self.sizes = sizes


def count_parameters(module):
    """The number of scalar parameters of `module` (each shared parameter counted once)."""
    return int(sum(parameter.data.size for parameter in module.parameters()))


def state_dict(self):
    """{dotted name: copy of the parameter's values} for every parameter of the module."""
    return {name: parameter.data.copy() for name, parameter in self.named_parameters()}


def load_state_dict(self, state):
    """Copy the arrays of `state` into the parameters of the same names, checking names and shapes."""
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


Module.state_dict = state_dict
Module.load_state_dict = load_state_dict


def npz_path(path):
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def save(module, path):
    """Write the module's state dict to the .npz file `path`."""
    np.savez(npz_path(path), **module.state_dict())


def load(module, path):
    """Load the parameters saved in the .npz file `path` into `module`, and return it."""
    with np.load(npz_path(path)) as archive:
        module.load_state_dict({name: archive[name] for name in archive.files})
    return module
