"""Reference solution of 01_tensor.

Generated from course/01_tensor.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np


def to_array(data):
    """The numpy array a Tensor stores for `data` (see the table above)."""
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, (np.ndarray, np.floating)) and np.issubdtype(data.dtype, np.floating):
        return np.asarray(data)
    return np.asarray(data, dtype=np.float32)


def as_tensor(value, like=None):
    """`value` itself if it is a Tensor, else a new constant Tensor (for `x + 1` and friends).
    A Python number takes the dtype of `like`, the tensor it meets, as in numpy and PyTorch."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (int, float)):
        return Tensor(np.asarray(value, dtype=like.data.dtype))
    return Tensor(value)


class Tensor:
    """An n-dimensional array of floats that records how it was computed."""

    grad_enabled = True  # module 02's no_grad() turns graph recording off
    __array_ufunc__ = None  # numpy defers to Tensor: `np_array + tensor` is Tensor.__radd__

    def __init__(self, data, requires_grad=False):
        self.data = to_array(data)
        self.requires_grad = requires_grad
        self.grad = None
        self.parents = ()
        self.op = None
        self.ctx = {}

    @staticmethod
    def from_op(data, op, parents, **ctx):
        """The result of operation `op` on `parents`, recording the graph when needed."""
        result = Tensor(data)
        if Tensor.grad_enabled and any(parent.requires_grad for parent in parents):
            result.requires_grad = True
            result.parents, result.op, result.ctx = tuple(parents), op, ctx
        return result

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return float(self.data)

    def __repr__(self):
        return f"Tensor({self.data}, requires_grad={self.requires_grad})"

    # Element-wise arithmetic, with numpy broadcasting.
    def __add__(self, other):
        other = as_tensor(other, like=self)
        return Tensor.from_op(self.data + other.data, "add", (self, other))

    def __mul__(self, other):
        other = as_tensor(other, like=self)
        return Tensor.from_op(self.data * other.data, "mul", (self, other))

    def __truediv__(self, other):
        other = as_tensor(other, like=self)
        return Tensor.from_op(self.data / other.data, "div", (self, other))

    def __neg__(self):
        return Tensor.from_op(-self.data, "neg", (self,))

    def __sub__(self, other):
        return self + (-as_tensor(other, like=self))

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError("Tensor ** p needs a number p")
        return Tensor.from_op(self.data**exponent, "pow", (self,), exponent=exponent)

    # `2 - x` calls x.__rsub__(2): the number comes first.
    def __radd__(self, other):
        return as_tensor(other, like=self) + self

    def __rsub__(self, other):
        return as_tensor(other, like=self) - self

    def __rmul__(self, other):
        return as_tensor(other, like=self) * self

    def __rtruediv__(self, other):
        return as_tensor(other, like=self) / self

    # Linear algebra and shapes.
    def matmul(self, other):
        other = as_tensor(other, like=self)
        if other.data.ndim == 2:
            # A batch of rows times one matrix (every Linear layer): one large matrix product
            # is several times faster than numpy's loop over the batch.
            rows = self.data.reshape(-1, self.shape[-1]) @ other.data
            return Tensor.from_op(rows.reshape(*self.shape[:-1], -1), "matmul", (self, other))
        return Tensor.from_op(np.matmul(self.data, other.data), "matmul", (self, other))

    def __matmul__(self, other):
        return self.matmul(other)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Tensor.from_op(self.data.reshape(shape), "reshape", (self,))

    def transpose(self, dim0=-2, dim1=-1):
        data = np.swapaxes(self.data, dim0, dim1)
        return Tensor.from_op(data, "transpose", (self,), dim0=dim0, dim1=dim1)

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data.astype(np.int64)
        return Tensor.from_op(self.data[index], "getitem", (self,), index=index)

    # Reductions: `axis` is None (everything), an int or a tuple of ints.
    def sum(self, axis=None, keepdims=False):
        data = self.data.sum(axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "sum", (self,), axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * (total.data.size / self.data.size)

    def max(self, axis=None, keepdims=False):
        data = self.data.max(axis=axis, keepdims=keepdims)
        return Tensor.from_op(data, "max", (self,), axis=axis, keepdims=keepdims)

    # Element-wise functions.
    def exp(self):
        return Tensor.from_op(np.exp(self.data), "exp", (self,))

    def log(self):
        return Tensor.from_op(np.log(self.data), "log", (self,))
