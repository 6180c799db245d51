"""Reference solution of 06_losses.

Generated from course/06_losses.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .autograd import GRADIENT_RULES
from .tensor import Tensor


def log_softmax(x, dim=-1):
    """The logarithm of the softmax of `x` along axis `dim`, stable for logits of any size."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    shifted = x.data - x.data.max(axis=dim, keepdims=True)
    data = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return Tensor.from_op(data, "log_softmax", (x,), dim=dim)


def grad_log_softmax(grad, out, x):
    """The gradient rule of log_softmax: g - softmax * (sum of g along dim)."""
    dim = out.ctx["dim"]
    softmax = np.exp(out.data)
    return (grad - softmax * grad.sum(axis=dim, keepdims=True),)


GRADIENT_RULES["log_softmax"] = grad_log_softmax


class MSELoss:
    """Mean squared error: `MSELoss()(prediction, target)` is a scalar Tensor."""

    def __call__(self, prediction, target):
        return self.forward(prediction, target)

    def forward(self, prediction, target):
        prediction = prediction if isinstance(prediction, Tensor) else Tensor(prediction)
        if not isinstance(target, Tensor):
            target = Tensor(np.asarray(target, dtype=prediction.dtype))
        if prediction.shape != target.shape:
            raise ValueError(f"MSELoss: prediction shape {prediction.shape} != target shape {target.shape}")
        difference = prediction - target
        return (difference * difference).mean()


def class_targets(targets, logits_shape):
    """`targets` as an int64 numpy array of shape logits_shape[:-1], every value in 0 .. C-1."""
    targets = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if targets.shape != tuple(logits_shape[:-1]):
        raise ValueError(f"targets of shape {targets.shape} do not match logits of shape {logits_shape}")
    if not np.issubdtype(targets.dtype, np.integer):
        if not np.all(np.round(targets) == targets):
            raise ValueError("class targets must be whole numbers")
        targets = targets.astype(np.int64)
    classes = logits_shape[-1]
    bad = targets[(targets < 0) | (targets >= classes)]
    if bad.size:
        raise ValueError(f"target {int(bad[0])} is out of range for {classes} classes (0 to {classes - 1})")
    return targets.astype(np.int64)


class CrossEntropyLoss:
    """Mean cross-entropy of logits (..., C) and integer class targets (...)."""

    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        logits = logits if isinstance(logits, Tensor) else Tensor(logits)
        targets = class_targets(targets, logits.shape)
        classes = logits.shape[-1]
        log_probs = log_softmax(logits, dim=-1).reshape(-1, classes)
        flat = targets.reshape(-1)
        picked = log_probs[np.arange(flat.size), flat]
        return -picked.mean()
