"""Reference solution of 09_attention.

Generated from course/09_attention.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import math

import numpy as np

from .activations import Softmax
from .layers import Linear, Module
from .tensor import Tensor


def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d) + blocked) V for inputs (..., T, d); returns (output, weights)."""
    scores = (Q @ K.transpose()) * (1.0 / math.sqrt(Q.shape[-1]))
    if mask is not None:
        keep = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        blocked = np.where(keep != 0, 0.0, -1e9).astype(scores.dtype)
        scores = scores + Tensor(blocked)
    weights = Softmax(dim=-1)(scores)
    return weights @ V, weights


def causal_mask(T):
    """The (T, T) mask letting position i attend to positions 0..i (True = attend)."""
    return np.tril(np.ones((T, T), dtype=bool))


class MultiHeadAttention(Module):
    """num_heads attentions over slices of learned projections of x, mixed by out_proj."""

    def __init__(self, embed_dim, num_heads):
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = Linear(embed_dim, embed_dim)
        self.k_proj = Linear(embed_dim, embed_dim)
        self.v_proj = Linear(embed_dim, embed_dim)
        self.out_proj = Linear(embed_dim, embed_dim)

    def split_heads(self, x):
        """(B, T, C) -> (B, num_heads, T, head_dim)"""
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def merge_heads(self, x):
        """(B, num_heads, T, head_dim) -> (B, T, C)"""
        batch, _, length, _ = x.shape
        return x.transpose(1, 2).reshape(batch, length, self.embed_dim)

    def forward(self, x, mask=None):
        q = self.split_heads(self.q_proj(x))
        k = self.split_heads(self.k_proj(x))
        v = self.split_heads(self.v_proj(x))
        output, _ = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(self.merge_heads(output))
