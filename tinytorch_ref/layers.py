"""Reference solution of 04_layers.

Generated from course/04_layers.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .autograd import no_grad  # noqa: F401  (importing autograd gives Tensor.backward)
from .tensor import Tensor

_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the generator behind weight initialisation and dropout masks."""
    global _generator
    _generator = np.random.default_rng(seed)


def default_generator():
    """The numpy Generator that layers draw their random numbers from."""
    return _generator


class Module:
    """The base class of every layer and model: subclasses store parameters and write forward."""

    training = True  # train() and eval() set it on every submodule

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self):
        """(dotted name, parameter) pairs, each parameter once, in attribute order."""
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

    def parameters(self):
        """Every parameter, each once, in the order of named_parameters()."""
        return [parameter for _, parameter in self.named_parameters()]

    def modules(self):
        """This module and every module inside it (through attributes, lists and tuples)."""
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

    def zero_grad(self):
        """Forget the gradients of every parameter (before the next backward pass)."""
        for parameter in self.parameters():
            parameter.grad = None

    def train(self, mode=True):
        """Put this module and every submodule in training mode (or evaluation, mode=False)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Evaluation mode everywhere: dropout off."""
        return self.train(False)


class Linear(Module):
    """y = x @ weight + bias, with weight of shape (in_features, out_features)."""

    def __init__(self, in_features, out_features, bias=True):
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / np.sqrt(in_features)
        generator = default_generator()
        weight = generator.uniform(-bound, bound, size=(in_features, out_features))
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        self.bias = None
        if bias:
            bias = generator.uniform(-bound, bound, size=out_features)
            self.bias = Tensor(bias.astype(np.float32), requires_grad=True)

    def forward(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features}, bias={self.bias is not None})"


class Dropout(Module):
    """Zero each element with probability p while training, scaling the rest by 1/(1-p)."""

    def __init__(self, p=0.5, seed=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        if seed is None:
            seed = int(default_generator().integers(2**32))
        self.generator = np.random.default_rng(seed)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = self.generator.random(x.shape) >= self.p
        scale = 0.0 if self.p == 1 else 1.0 / (1.0 - self.p)
        return x * Tensor((keep * scale).astype(x.dtype))

    def __repr__(self):
        return f"Dropout(p={self.p})"
