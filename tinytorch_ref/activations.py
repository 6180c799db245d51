"""Reference solution of 03_activations.

Generated from course/03_activations.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .autograd import GRADIENT_RULES
from .tensor import Tensor


class Activation:
    """A parameter-free function used like a layer: `ReLU()(x)` calls `forward(x)`."""

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(Activation):
    def forward(self, x):
        return Tensor.from_op(np.maximum(x.data, 0), "relu", (x,))


def grad_relu(grad, out, x):
    return (grad * (x.data > 0),)


GRADIENT_RULES["relu"] = grad_relu


class Sigmoid(Activation):
    def forward(self, x):
        small = np.exp(-np.abs(x.data))
        data = np.where(x.data >= 0, 1 / (1 + small), small / (1 + small))
        return Tensor.from_op(data, "sigmoid", (x,))


def grad_sigmoid(grad, out, x):
    return (grad * out.data * (1 - out.data),)


GRADIENT_RULES["sigmoid"] = grad_sigmoid


class Tanh(Activation):
    def forward(self, x):
        return Tensor.from_op(np.tanh(x.data), "tanh", (x,))


def grad_tanh(grad, out, x):
    return (grad * (1 - out.data**2),)


GRADIENT_RULES["tanh"] = grad_tanh


GELU_C = (2 / np.pi) ** 0.5
GELU_A = 0.044715


class GELU(Activation):
    def forward(self, x):
        t = np.tanh(GELU_C * (x.data + GELU_A * x.data * x.data * x.data))
        return Tensor.from_op(0.5 * x.data * (1 + t), "gelu", (x,), tanh=t)


def grad_gelu(grad, out, x):
    t = out.ctx["tanh"]
    slope_of_t = (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x.data * x.data)
    return (grad * (0.5 * (1 + t) + 0.5 * x.data * slope_of_t),)


GRADIENT_RULES["gelu"] = grad_gelu


class Softmax(Activation):
    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        shifted = x.data - x.data.max(axis=self.dim, keepdims=True)
        exponentials = np.exp(shifted)
        data = exponentials / exponentials.sum(axis=self.dim, keepdims=True)
        return Tensor.from_op(data, "softmax", (x,), dim=self.dim)

    def __repr__(self):
        return f"Softmax(dim={self.dim})"


def grad_softmax(grad, out, x):
    s = out.data
    return (s * (grad - (grad * s).sum(axis=out.ctx["dim"], keepdims=True)),)


GRADIENT_RULES["softmax"] = grad_softmax
