"""Reference solution of 02_autograd.

Generated from course/02_autograd.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

from contextlib import contextmanager

import numpy as np

from .tensor import Tensor


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def grad_add(grad, out, a, b):
    return unbroadcast(grad, a.shape), unbroadcast(grad, b.shape)


def grad_mul(grad, out, a, b):
    return unbroadcast(grad * b.data, a.shape), unbroadcast(grad * a.data, b.shape)


def grad_div(grad, out, a, b):
    return unbroadcast(grad / b.data, a.shape), unbroadcast(-grad * a.data / b.data**2, b.shape)


def grad_neg(grad, out, a):
    return (-grad,)


def grad_pow(grad, out, a):
    exponent = out.ctx["exponent"]
    return (grad * exponent * a.data ** (exponent - 1),)


def grad_exp(grad, out, a):
    return (grad * out.data,)


def grad_log(grad, out, a):
    return (grad / a.data,)


def grad_matmul(grad, out, a, b):
    if b.data.ndim == 2:
        # A batch of rows times one matrix (every Linear layer): flatten the batch into rows,
        # so each gradient is one large matrix product and b's needs no sum over the batch.
        rows, grad_rows = a.data.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
        return (grad_rows @ b.data.T).reshape(a.shape), rows.T @ grad_rows
    grad_a = grad @ np.swapaxes(b.data, -1, -2)
    grad_b = np.swapaxes(a.data, -1, -2) @ grad
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)


def grad_reshape(grad, out, a):
    return (grad.reshape(a.shape),)


def grad_transpose(grad, out, a):
    return (np.swapaxes(grad, out.ctx["dim0"], out.ctx["dim1"]),)


def expand_to(grad, out, a):
    """Bring the gradient of a reduction back to the reduced tensor's shape (a helper)."""
    axis = out.ctx["axis"]
    if axis is not None and not out.ctx["keepdims"]:
        grad = np.expand_dims(grad, axis)
    return np.broadcast_to(grad, a.shape)


def grad_sum(grad, out, a):
    return (expand_to(grad, out, a).copy(),)


def grad_max(grad, out, a):
    maximum = expand_to(out.data, out, a)
    is_max = a.data == maximum
    share = is_max / expand_to(is_max.sum(axis=out.ctx["axis"], keepdims=out.ctx["keepdims"]), out, a)
    return (expand_to(grad, out, a) * share,)


def grad_getitem(grad, out, a):
    result = np.zeros_like(a.data)
    np.add.at(result, out.ctx["index"], grad)
    return (result,)


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


def topological_order(root):
    """Every tensor of root's graph, each after all of its parents."""
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


def backward(self, grad=None):
    """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad."""
    if grad is None:
        if self.data.size != 1:
            raise ValueError("backward() without a gradient needs a one-element tensor, like a loss")
        grad = np.ones_like(self.data)
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


Tensor.backward = backward


@contextmanager
def no_grad():
    """Within this block operations record no graph."""
    previous = Tensor.grad_enabled
    Tensor.grad_enabled = False
    try:
        yield
    finally:
        Tensor.grad_enabled = previous
