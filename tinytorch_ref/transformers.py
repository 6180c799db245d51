"""Reference solution of 10_transformers.

Generated from course/10_transformers.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .activations import GELU
from .attention import MultiHeadAttention
from .autograd import GRADIENT_RULES, unbroadcast
from .layers import Dropout, Linear, Module
from .tensor import Tensor


def layer_norm(x, gamma, beta, eps=1e-5):
    """gamma * (x - mean) / sqrt(var + eps) + beta over the last axis, as one operation."""
    centered = x.data - x.data.mean(axis=-1, keepdims=True)
    variance = (centered**2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(variance + eps)
    normalized = centered * inv_std
    data = normalized * gamma.data + beta.data
    return Tensor.from_op(data, "layer_norm", (x, gamma, beta), normalized=normalized, inv_std=inv_std)


def grad_layer_norm(grad, out, x, gamma, beta):
    """The gradients of x, gamma and beta (see the formulas above)."""
    normalized, inv_std = out.ctx["normalized"], out.ctx["inv_std"]
    grad_normalized = grad * gamma.data
    grad_x = inv_std * (
        grad_normalized
        - grad_normalized.mean(axis=-1, keepdims=True)
        - normalized * (grad_normalized * normalized).mean(axis=-1, keepdims=True)
    )
    return grad_x, unbroadcast(grad * normalized, gamma.shape), unbroadcast(grad, beta.shape)


GRADIENT_RULES["layer_norm"] = grad_layer_norm


class LayerNorm(Module):
    """Normalise each vector over the last axis, then scale by gamma and shift by beta."""

    def __init__(self, normalized_shape, eps=1e-5):
        if isinstance(normalized_shape, (tuple, list)):
            (normalized_shape,) = normalized_shape
        self.normalized_shape = normalized_shape
        self.eps = eps
        self.gamma = Tensor(np.ones(normalized_shape, dtype=np.float32), requires_grad=True)
        self.beta = Tensor(np.zeros(normalized_shape, dtype=np.float32), requires_grad=True)

    def forward(self, x):
        return layer_norm(x, self.gamma, self.beta, self.eps)


class FeedForward(Module):
    """linear2(GELU(linear1(x))), applied to each position on its own."""

    def __init__(self, embed_dim, hidden_dim=None):
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.linear1 = Linear(embed_dim, hidden_dim)
        self.activation = GELU()
        self.linear2 = Linear(hidden_dim, embed_dim)

    def forward(self, x):
        return self.linear2(self.activation(self.linear1(x)))


class TransformerBlock(Module):
    """x + attention(ln1(x)), then + mlp(ln2(x)): GPT-2's pre-norm block."""

    def __init__(self, embed_dim, num_heads, mlp_ratio=4, dropout_prob=0.0):
        self.ln1 = LayerNorm(embed_dim)
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.ln2 = LayerNorm(embed_dim)
        self.mlp = FeedForward(embed_dim, int(embed_dim * mlp_ratio))
        self.dropout = Dropout(dropout_prob)

    def forward(self, x, mask=None):
        x = x + self.dropout(self.attention(self.ln1(x), mask))
        return x + self.dropout(self.mlp(self.ln2(x)))
