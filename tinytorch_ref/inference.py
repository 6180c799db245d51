"""Reference solution of 13_inference.

Generated from course/13_inference.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import weakref

import numpy as np

from .attention import causal_mask, scaled_dot_product_attention
from .autograd import no_grad
from .tensor import Tensor
from .tinygpt import TinyGPT


class Profiler:
    """Counts the multiply-adds and the peak bytes of the tensor operations run inside it."""

    def __enter__(self):
        self.multiply_adds = 0
        self.peak_bytes = 0
        self.peak_bytes_by_op = {}
        self.alive_by_op = {}
        self.original_from_op = Tensor.from_op
        original, record = self.original_from_op, self.record

        def counted_from_op(data, op, parents, **ctx):
            result = original(data, op, parents, **ctx)
            record(result, op, parents)
            return result

        Tensor.from_op = staticmethod(counted_from_op)
        return self

    def __exit__(self, *error):
        Tensor.from_op = staticmethod(self.original_from_op)
        return False

    def record(self, result, op, parents):
        """Count one operation's result: its multiply-adds, and its bytes while it is alive."""
        if op == "matmul":
            self.multiply_adds += result.data.size * parents[0].shape[-1]
        nbytes = result.data.nbytes
        self.alive_by_op[op] = self.alive_by_op.get(op, 0) + nbytes
        weakref.finalize(result, self.release, op, nbytes)
        alive = sum(self.alive_by_op.values())
        if alive > self.peak_bytes:
            self.peak_bytes = alive
            self.peak_bytes_by_op = {name: size for name, size in self.alive_by_op.items() if size}

    def release(self, op, nbytes):
        """A result was freed: its bytes are no longer alive."""
        self.alive_by_op[op] -= nbytes


def concatenate(first, second):
    """`first` then `second` along the positions (axis -2); for generation, no gradient."""
    return Tensor.from_op(np.concatenate([first.data, second.data], axis=-2), "concatenate", (first, second))


class KVCache:
    """The keys and values every block computed for the positions seen so far."""

    def __init__(self, num_layers):
        self.keys = [None] * num_layers
        self.values = [None] * num_layers

    def __len__(self):
        """The number of positions cached."""
        return 0 if self.keys[0] is None else self.keys[0].shape[-2]

    def append(self, layer, keys, values):
        """Add the keys and values (B, heads, T, head_dim) of T new positions to those of block
        `layer`; return all of that block's keys and values, earliest positions first."""
        if self.keys[layer] is not None:
            keys = concatenate(self.keys[layer], keys)
            values = concatenate(self.values[layer], values)
        self.keys[layer], self.values[layer] = keys, values
        return keys, values


def cached_attention(attention, x, cache, layer):
    """`attention(x, causal mask)` for new positions x (B, T, C) that follow those in `cache`
    (block `layer`), whose keys and values it appends there."""
    q = attention.split_heads(attention.q_proj(x))
    k = attention.split_heads(attention.k_proj(x))
    v = attention.split_heads(attention.v_proj(x))
    keys, values = cache.append(layer, k, v)
    everything = keys.shape[-2]
    positions = np.arange(everything - x.shape[1], everything)
    mask = np.arange(everything) <= positions[:, None]
    output, _ = scaled_dot_product_attention(q, keys, values, mask)
    return attention.out_proj(attention.merge_heads(output))


def cached_forward(model, tokens, cache):
    """The logits (B, T, vocab) of `model` for tokens (B, T) that follow the positions in `cache`."""
    tokens = np.asarray(getattr(tokens, "data", tokens)).astype(np.int64)
    start, T = len(cache), tokens.shape[-1]
    if start + T > model.max_seq_len:
        raise ValueError(f"{start} cached and {T} new positions are more than max_seq_len={model.max_seq_len}")
    x = model.token_embedding(tokens) + model.position_embedding(np.arange(start, start + T))
    for layer, block in enumerate(model.blocks):
        x = x + cached_attention(block.attention, block.ln1(x), cache, layer)
        x = x + block.mlp(block.ln2(x))
    return model.lm_head(model.ln_f(x))


def generate_cached(model, prompt, max_new_tokens, temperature=1.0, seed=None):
    """`model.generate(prompt, max_new_tokens, temperature, seed)`, with a KV cache."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    generator = np.random.default_rng(seed)
    tokens = [int(token) for token in np.asarray(prompt).reshape(-1)]
    cache = KVCache(len(model.blocks))
    with no_grad():
        for _ in range(max_new_tokens):
            if len(cache) in (0, model.max_seq_len):
                cache = KVCache(len(model.blocks))
                new = tokens[-model.max_seq_len :]
            else:
                new = tokens[-1:]
            logits = cached_forward(model, np.array([new]), cache).data[0, -1].astype(np.float64) / temperature
            probabilities = np.exp(logits - logits.max())
            tokens.append(int(generator.choice(len(probabilities), p=probabilities / probabilities.sum())))
    return np.array(tokens, dtype=np.int64)
