"""Reference solution of 08_embeddings.

Generated from course/08_embeddings.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .autograd import GRADIENT_RULES
from .layers import Module, default_generator
from .tensor import Tensor


def embedding_lookup(weight, indices):
    """Rows `indices` (an integer array of any shape) of `weight`: shape (*indices.shape, dim)."""
    return Tensor.from_op(weight.data[indices], "embedding", (weight,), indices=indices)


def grad_embedding(grad, out, weight):
    """The gradient of the table: each row gets the sum of the gradients where it was used."""
    grad_weight = np.zeros_like(weight.data)
    np.add.at(grad_weight, out.ctx["indices"], grad)
    return (grad_weight,)


GRADIENT_RULES["embedding"] = grad_embedding


class Embedding(Module):
    """A learned vector for each of `vocab_size` tokens."""

    def __init__(self, vocab_size, embed_dim):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim
        values = default_generator().normal(0.0, 0.02, size=(vocab_size, embed_dim))
        self.weight = Tensor(values.astype(np.float32), requires_grad=True)

    def forward(self, indices):
        if isinstance(indices, Tensor):
            indices = indices.data
        indices = np.asarray(indices).astype(np.int64)
        outside = (indices < 0) | (indices >= self.vocab_size)
        if outside.any():
            token = int(indices[outside][0])
            raise IndexError(
                f"token {token} is out of range for an Embedding of vocab_size {self.vocab_size} "
                f"(valid: 0 to {self.vocab_size - 1})"
            )
        return embedding_lookup(self.weight, indices)


def sinusoidal_encoding(max_seq_len, embed_dim):
    """The (max_seq_len, embed_dim) table PE of the formula above, in float64."""
    positions = np.arange(max_seq_len, dtype=np.float64)[:, None]
    frequencies = 1.0 / 10000.0 ** (np.arange(0, embed_dim, 2, dtype=np.float64) / embed_dim)
    angles = positions * frequencies
    table = np.zeros((max_seq_len, embed_dim))
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : embed_dim // 2])
    return table


class PositionalEncoding(Module):
    """Adds the fixed sinusoidal encoding of each position to a (B, T, embed_dim) input."""

    def __init__(self, max_seq_len, embed_dim):
        super().__init__()
        self.max_seq_len = max_seq_len
        self.embed_dim = embed_dim
        self.encoding = sinusoidal_encoding(max_seq_len, embed_dim)

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        length = x.shape[-2]
        if length > self.max_seq_len:
            raise ValueError(
                f"a sequence of length {length} is longer than this PositionalEncoding's max_seq_len {self.max_seq_len}"
            )
        return x + Tensor(self.encoding[:length].astype(x.dtype))
