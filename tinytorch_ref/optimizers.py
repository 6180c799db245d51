"""Reference solution of 07_optimizers.

Generated from course/07_optimizers.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .tensor import Tensor


class Optimizer:
    """The parameters an optimizer updates, and `zero_grad()`; subclasses define `step()`."""

    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        if not all(isinstance(param, Tensor) for param in self.params):
            raise TypeError("an optimizer's parameters must be Tensors")

    def zero_grad(self):
        """Forget every parameter's gradient (set `.grad` to None)."""
        for param in self.params:
            param.grad = None

    def step(self):
        raise NotImplementedError("each optimizer defines its own step()")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay (as torch.optim.SGD)."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocities = [np.zeros_like(param.data) for param in self.params]

    def step(self):
        for param, velocity in zip(self.params, self.velocities, strict=True):
            if param.grad is None:
                continue
            grad = param.grad + self.weight_decay * param.data
            if self.momentum:
                velocity *= self.momentum
                velocity += grad
                grad = velocity
            param.data -= self.lr * grad


class Adam(Optimizer):
    """Adam with bias correction; weight_decay adds weight_decay * w to the gradient (L2)."""

    decoupled_weight_decay = False  # AdamW: shrink the weights directly instead

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, tuple(betas), eps, weight_decay
        self.m = [np.zeros_like(param.data) for param in self.params]
        self.v = [np.zeros_like(param.data) for param in self.params]
        self.steps = [0 for _ in self.params]

    def step(self):
        beta1, beta2 = self.betas
        for i, param in enumerate(self.params):
            if param.grad is None:
                continue
            self.steps[i] += 1
            t = self.steps[i]
            grad = param.grad
            if self.decoupled_weight_decay:
                param.data -= self.lr * self.weight_decay * param.data
            else:
                grad = grad + self.weight_decay * param.data
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * grad
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * grad * grad
            m_hat = self.m[i] / (1 - beta1**t)
            v_hat = self.v[i] / (1 - beta2**t)
            param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (as torch.optim.AdamW)."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
