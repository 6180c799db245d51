# %% [markdown]
# # Module 13: What a transformer costs, and a KV cache
#
# Your TinyGPT works. This module asks what it **costs**, and measures it: not in seconds, which
# depend on the machine and on whatever else it is doing, but by **counting** the work, which
# depends only on the model and the input. You will find three facts that shape every real
# language model:
#
# 1. attention compares every position with every other: its scores take memory and work that
#    grow with the **square** of the sequence length $T$, while the MLP's work grows like $T$;
# 2. generating token after token with `model.generate` runs the whole sequence through the model
#    again for **every** new token, so most of the work repeats what was done the step before;
# 3. a **KV cache** keeps the keys and values of the positions already seen, so that one more
#    token costs only that token's work: generation becomes linear, with exactly the same tokens.
#
# What you write here is the same math as a production inference engine, at a smaller size.
#
# In this module you build:
#
# 1. `Profiler`: a context manager that counts the multiply-adds of every matrix product and the
#    peak bytes of tensor data alive, by operation, for the code run inside it;
# 2. `KVCache`, `cached_attention` and `cached_forward`: attention and TinyGPT that take a cache of
#    past keys and values;
# 3. `generate_cached`: `generate` with the cache, giving the very tokens `generate` gives.
#
# Like the capstone, this notebook is graded on **your own modules 01-11** (not 12: nothing here
# trains on text): when a test fails, the grader tells you which of them breaks it.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.inference`.

# %% [export id=imports]
import weakref

import numpy as np
from tinytorch.attention import causal_mask, scaled_dot_product_attention
from tinytorch.autograd import no_grad
from tinytorch.tensor import Tensor
from tinytorch.tinygpt import TinyGPT

# %% [markdown]
# ## 1. Counting the cost
#
# Almost all the arithmetic of a transformer is in its **matrix products**. A product of
# $(\dots, n, k)$ by $(\dots, k, m)$ computes $n \times m$ numbers per matrix of the batch, each a
# sum of $k$ products: $k$ **multiply-adds** per number of the result,
#
# $$\text{multiply-adds} = (\text{size of the result}) \times k .$$
#
# Worked example: a batch of 2 matrices $(3, 4)$ times one $(4, 5)$ gives a result of size
# $2 \times 3 \times 5 = 30$, each number a sum of 4 products: 120 multiply-adds. Element-wise
# operations (`+`, `exp`, a softmax) cost a few operations per number: next to the products,
# nothing.
#
# **Memory** is the other cost: every tensor an operation makes holds `data.nbytes` bytes (4 per
# number in float32) until nothing refers to it any more and Python frees it. What limits the
# size of a model or of a sequence is the **peak**: the most bytes alive at one time.
#
# Every operation of your `Tensor` ends with `Tensor.from_op(data, op, parents, **ctx)`. That is
# the one place to watch: `Profiler` (the plumbing is written for you) replaces `Tensor.from_op`
# inside the `with` block by a version that also calls `record(result, op, parents)`, and puts
# the original back when the block ends, even when it ends with an error:
#
# ```python
# with Profiler() as profile:
#     y = x @ w
# profile.multiply_adds      # every matrix product inside the block
# profile.peak_bytes         # the most bytes of tensor data made inside the block alive at once
# profile.peak_bytes_by_op   # {op: bytes} of what was alive at that peak, by the op that made it
# ```
#
# **TODO**: write `record` and `release`.
#
# - `record` adds the result's multiply-adds when `op` is `"matmul"` ($k$ is the last axis of
#   the first parent), adds its bytes to `alive_by_op[op]`, and asks Python to call
#   `self.release(op, nbytes)` when the result is freed: `weakref.finalize(result, self.release,
#   op, nbytes)`. When the bytes alive (the sum over every op) are **more** than the peak so
#   far, that is the new peak: keep the total and a copy of `alive_by_op` without the ops at 0.
# - `release` takes the bytes of a freed result off `alive_by_op`.
#
# Worked example: `y = a @ w` (120 bytes in float32), then `z = y * 2` (120), then `del y`, then
# `z + 1` (120), then its sum (4): the peak is 240 bytes, `{"matmul": 120, "mul": 120}`. The
# fourth step brings the bytes alive back to 240, no more than the peak, and the last one to 124:
# the peak stays the first one.


# %% [solution id=profiler]
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
        ### BEGIN SOLUTION
        if op == "matmul":
            self.multiply_adds += result.data.size * parents[0].shape[-1]
        nbytes = result.data.nbytes
        self.alive_by_op[op] = self.alive_by_op.get(op, 0) + nbytes
        weakref.finalize(result, self.release, op, nbytes)
        alive = sum(self.alive_by_op.values())
        if alive > self.peak_bytes:
            self.peak_bytes = alive
            self.peak_bytes_by_op = {name: size for name, size in self.alive_by_op.items() if size}
        ### END SOLUTION

    def release(self, op, nbytes):
        """A result was freed: its bytes are no longer alive."""
        ### BEGIN SOLUTION
        self.alive_by_op[op] -= nbytes
        ### END SOLUTION


# %% [markdown]
# ## 2. What a transformer block costs
#
# Count the products of one block on $T$ positions of width $C$ (batch 1):
#
# | part | products | multiply-adds |
# |---|---|---|
# | attention: `q_proj`, `k_proj`, `v_proj`, `out_proj` | $(T, C) \times (C, C)$, four times | $4\,T C^2$ |
# | attention: scores $Q K^T$, weights $\times V$ | $(T, d) \times (d, T)$, $(T, T) \times (T, d)$ a head | $2\,T^2 C$ |
# | MLP: `linear1`, `linear2` (hidden $4C$) | $(T, C) \times (C, 4C)$, $(T, 4C) \times (4C, C)$ | $8\,T C^2$ |
#
# The projections and the MLP grow like $T$; the scores and their weighted sum like $T^2$, and
# so does the memory of the weights, $T^2$ numbers per head. For short sequences the $12\,TC^2$
# dominate; once $T$ is larger than about $6C$, attention does. Run the cell below: doubling $T$
# doubles the MLP's multiply-adds, while the attention weights (the output of `softmax`) take
# four times the bytes.

# %% [code]
from tinytorch.attention import MultiHeadAttention
from tinytorch.transformers import FeedForward

attention, mlp = MultiHeadAttention(embed_dim=32, num_heads=4), FeedForward(32)
print("   T   attention multiply-adds   softmax bytes at the peak   MLP multiply-adds")
for T in (8, 16, 32, 64):
    x = Tensor(np.random.default_rng(0).standard_normal((1, T, 32)).astype(np.float32))
    with no_grad(), Profiler() as attending:
        attention(x, causal_mask(T))
    with no_grad(), Profiler() as feeding:
        mlp(x)
    softmax = attending.peak_bytes_by_op.get("softmax", 0)
    print(f"{T:4d}   {attending.multiply_adds:23,d}   {softmax:25,d}   {feeding.multiply_adds:17,d}")

# %% [markdown]
# ## 3. Generation repeats itself: a KV cache
#
# `model.generate` computes the logits of the next token from the whole sequence so far. At the
# next step it does it all again, one token longer: to write $N$ tokens it processes
# $1 + 2 + \dots + N$ positions, and its attention $1^2 + 2^2 + \dots + N^2$ pairs. Yet with the
# causal mask, the keys and values of position $i$ depend only on tokens $0 \dots i$: once
# computed, they never change. So keep them. With a **cache** of the keys and values of every
# block, one more token needs only
#
# 1. its embedding, at its own position $t$ (the number of positions cached): not position 0;
# 2. in each block, its own query, key and value (three products of $(1, C)$ by $(C, C)$); its key
#    and value are appended to the cache; its query attends to all $t + 1$ cached keys
#    (it may see every earlier position and itself, so the causal mask lets it see them all);
# 3. the rest of the block, `ln_f` and `lm_head`, for that one position.
#
# Its work per block is $12\,C^2 + 2\,(t + 1)\,C$: **linear** in the length of the cache, where
# running the whole sequence again costs $12\,(t+1)\,C^2 + 2\,(t+1)^2 C$.
#
# The same code serves for the **prompt**: feed all its $P$ tokens at once to an empty cache and
# they fill it with $P$ positions. In general $T$ new positions follow $t$ cached ones: queries
# of positions $t \dots t + T - 1$ against keys $0 \dots t + T - 1$, and new position $i$ sees key
# $j$ when $j \le t + i$: the last $T$ rows of `causal_mask(t + T)`. Build those rows alone,
# a `(T, t + T)` mask of booleans: the whole `causal_mask(t + T)` would cost $(t + T)^2$ for
# every token, the very square the cache is there to avoid.
#
# `KVCache(num_layers)` holds, for each block, the keys and values of shape `(B, heads, t,
# head_dim)` (or `None` while empty); `len(cache)` is $t$. The keys and values are glued
# together along the positions by `concatenate` (written for you; it records no gradient:
# generation runs under `no_grad()`).
#
# **TODO**: write `KVCache.append`, `cached_attention` and `cached_forward`. *Hints*:
# `cached_attention` is `MultiHeadAttention.forward` with a few more lines: use the layer's
# `q_proj`, `split_heads`, ... of module 09; `np.arange(n) <= rows[:, None]` compares every key
# position with every query position in `rows`. `cached_forward` is `TinyGPT.forward` of module 11
# with the blocks unrolled, `x + cached_attention(block.attention, block.ln1(x), ...)` then
# `x + block.mlp(block.ln2(x))`; raise `ValueError` when the cached and new positions together
# are more than `max_seq_len`.


# %% [solution id=kv_cache]
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
        ### BEGIN SOLUTION
        if self.keys[layer] is not None:
            keys = concatenate(self.keys[layer], keys)
            values = concatenate(self.values[layer], values)
        self.keys[layer], self.values[layer] = keys, values
        return keys, values
        ### END SOLUTION


def cached_attention(attention, x, cache, layer):
    """`attention(x, causal mask)` for new positions x (B, T, C) that follow those in `cache`
    (block `layer`), whose keys and values it appends there."""
    ### BEGIN SOLUTION
    q = attention.split_heads(attention.q_proj(x))
    k = attention.split_heads(attention.k_proj(x))
    v = attention.split_heads(attention.v_proj(x))
    keys, values = cache.append(layer, k, v)
    everything = keys.shape[-2]
    positions = np.arange(everything - x.shape[1], everything)
    mask = np.arange(everything) <= positions[:, None]
    output, _ = scaled_dot_product_attention(q, keys, values, mask)
    return attention.out_proj(attention.merge_heads(output))
    ### END SOLUTION


def cached_forward(model, tokens, cache):
    """The logits (B, T, vocab) of `model` for tokens (B, T) that follow the positions in `cache`."""
    ### BEGIN SOLUTION
    tokens = np.asarray(getattr(tokens, "data", tokens)).astype(np.int64)
    start, T = len(cache), tokens.shape[-1]
    if start + T > model.max_seq_len:
        raise ValueError(f"{start} cached and {T} new positions are more than max_seq_len={model.max_seq_len}")
    x = model.token_embedding(tokens) + model.position_embedding(np.arange(start, start + T))
    for layer, block in enumerate(model.blocks):
        x = x + cached_attention(block.attention, block.ln1(x), cache, layer)
        x = x + block.mlp(block.ln2(x))
    return model.lm_head(model.ln_f(x))
    ### END SOLUTION


# %% [markdown]
# ## 4. Generating with the cache
#
# `generate_cached(model, prompt, max_new_tokens, temperature=1.0, seed=None)` does what
# `model.generate` does (module 11: the logits of the last position, divided by the temperature,
# a stable softmax, `np.random.default_rng(seed).choice`), and returns the same tokens for the
# same seed, but feeds the model only what is new: the prompt at the first step, then the one
# token drawn at the step before.
#
# **Past the context.** `generate` reads the last `max_seq_len` tokens, at positions
# $0 \dots$ `max_seq_len - 1`. Once the sequence is longer, that window slides: every token moves
# to a new position, so every cached key and value is out of date. When the cache is full,
# `generate_cached` therefore starts a new one from the last `max_seq_len` tokens: the same
# tokens as `generate`, at the cost of a whole window per token from then on. (Real models have
# contexts of thousands of tokens, and stop or drop old tokens when it is full.)
#
# **TODO**: write the loop's body. *Hint*: a new cache and the last `max_seq_len` tokens when the
# cache is empty or full, else the last token alone.


# %% [solution id=generate]
def generate_cached(model, prompt, max_new_tokens, temperature=1.0, seed=None):
    """`model.generate(prompt, max_new_tokens, temperature, seed)`, with a KV cache."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    generator = np.random.default_rng(seed)
    tokens = [int(token) for token in np.asarray(prompt).reshape(-1)]
    cache = KVCache(len(model.blocks))
    with no_grad():
        for _ in range(max_new_tokens):
            ### BEGIN SOLUTION
            if len(cache) in (0, model.max_seq_len):
                cache = KVCache(len(model.blocks))
                new = tokens[-model.max_seq_len :]
            else:
                new = tokens[-1:]
            logits = cached_forward(model, np.array([new]), cache).data[0, -1].astype(np.float64) / temperature
            probabilities = np.exp(logits - logits.max())
            tokens.append(int(generator.choice(len(probabilities), p=probabilities / probabilities.sum())))
            ### END SOLUTION
    return np.array(tokens, dtype=np.int64)


# %% [markdown]
# ## 5. Try it
#
# A TinyGPT with a context of 64 writes 63 tokens after a one-token prompt, with and without
# the cache: the same tokens, and a fraction of the multiply-adds. The time falls less at this
# size, where each step's fixed costs (Python, many small numpy calls) weigh as much as its
# arithmetic; the longer the sequence, the more the cache saves.

# %% [code]
import time

model = TinyGPT(vocab_size=100, embed_dim=32, num_layers=2, num_heads=4, max_seq_len=64)
for cached in (False, True):
    start = time.perf_counter()
    with Profiler() as profile:
        if cached:
            tokens = generate_cached(model, np.array([0]), 63, seed=0)
        else:
            tokens = model.generate(np.array([0]), 63, seed=0)
    seconds = time.perf_counter() - start
    name = "generate_cached" if cached else "generate"
    print(f"{name:16s} {profile.multiply_adds:12,d} multiply-adds  {63 / seconds:8.0f} tokens/s  ends {tokens[-5:]}")

# %% [markdown]
# ## 6. Tests
#
# The hidden tests check the same properties on many small models and inputs. The cost is
# counted, never timed: your grade does not depend on how busy the grading machine is.

# %% [tests id=test_profiler_multiply_adds points=3]
import sys

from tinytorch.testing import check_capstone


def multiply_adds_example(inf):
    a = inf.Tensor(np.ones((2, 3, 4), dtype=np.float32))
    w = inf.Tensor(np.ones((4, 5), dtype=np.float32))
    with inf.Profiler() as profile:
        y = a @ w
        z = (y * 2.0).exp()
    assert profile.multiply_adds == 120, (
        f"(2, 3, 4) @ (4, 5): 30 results of 4 multiply-adds, 120, not {profile.multiply_adds}"
    )
    more = z @ inf.Tensor(np.ones((5, 1), dtype=np.float32))
    assert more.shape == (2, 3, 1), "a product after the block still works"
    assert profile.multiply_adds == 120, "a product after the block is not counted"


check_capstone("the multiply-adds of (2, 3, 4) @ (4, 5)", multiply_adds_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import random_array, seeds

sides = st.integers(1, 5)
products = st.tuples(st.lists(sides, max_size=2).map(tuple), sides, sides, sides, st.booleans())


def counts_every_product(inf, shapes, seed):
    """Products of (batch, n, k) by (k, m), or by (batch, k, m), with other operations between."""
    expected = 0
    with inf.Profiler() as profile:
        for number, (batch, n, k, m, batched) in enumerate(shapes):
            left = inf.Tensor(random_array((*batch, n, k), seed + number))
            right = inf.Tensor(random_array((*batch, k, m) if batched else (k, m), seed))
            product = (left + 1.0) @ right.transpose().transpose()
            assert product.shape == (*batch, n, m), f"product of shape {product.shape}"
            expected += int(np.prod(batch, dtype=np.int64)) * n * m * k
    assert profile.multiply_adds == expected, (
        f"{len(shapes)} products of shapes {shapes}: {expected} multiply-adds, counted {profile.multiply_adds}"
    )
    outside = inf.Tensor(np.ones((2, 2))) @ inf.Tensor(np.ones((2, 2)))
    assert outside.shape == (2, 2) and profile.multiply_adds == expected, "a product after the block is not counted"


def stops_counting_after_an_error(inf):
    try:
        with inf.Profiler() as profile:
            inf.Tensor(np.ones((2, 3))) @ inf.Tensor(np.ones((3, 4)))
            raise KeyError("inside the block")
    except KeyError:
        pass
    inf.Tensor(np.ones((2, 3))) @ inf.Tensor(np.ones((3, 4)))
    assert profile.multiply_adds == 24, f"only the product inside the block counts: 24, not {profile.multiply_adds}"


check_capstone(
    "the profiler counts size of the result x k multiply-adds for every matrix product inside the block",
    counts_every_product,
    sys.modules[__name__],
    shapes=st.lists(products, min_size=0, max_size=3),
    seed=seeds,
)
check_capstone(
    "a block that ends with an error stops the counting too",
    stops_counting_after_an_error,
    sys.modules[__name__],
)
### END HIDDEN TESTS

# %% [tests id=test_profiler_memory points=3]
import sys

from tinytorch.testing import check_capstone


def memory_example(inf):
    a = inf.Tensor(np.ones((2, 3, 4), dtype=np.float32))
    w = inf.Tensor(np.ones((4, 5), dtype=np.float32))
    with inf.Profiler() as profile:
        y = a @ w
        z = y * 2.0
        del y
        z = z + 1.0
        total = z.sum()
    assert total.shape == (), "z.sum() is one number"
    assert profile.peak_bytes == 240, f"y and z, 120 bytes each, alive at once: 240 bytes, not {profile.peak_bytes}"
    expected = {"matmul": 120, "mul": 120}
    assert profile.peak_bytes_by_op == expected, f"at the peak: {expected}, not {profile.peak_bytes_by_op}"


check_capstone("the peak bytes of three float32 results", memory_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import random_array, seeds, shapes

STEPS = {
    "mul": lambda x: x * 3.0,
    "exp": lambda x: x.exp(),
    "sum": lambda x: x.sum(axis=0),
    "reshape": lambda x: x.reshape(-1),
}


def tracks_the_peak(inf, shape, dtype, steps, seed):
    """Results made and dropped in turn: `steps` names each step's operation, or None to drop the
    oldest result still held. The harness keeps its own count of the bytes alive."""
    x = inf.Tensor(random_array(shape, seed, dtype=dtype))
    held, alive, peak, at_peak = [], [], 0, {}
    with inf.Profiler() as profile:
        for step in steps:
            if step is None:
                if held:
                    held.pop(0)
                    alive.pop(0)
                continue
            held.append(STEPS[step](x))  # no other name for it: dropping it frees it
            alive.append((step, int(np.prod(held[-1].shape, dtype=np.int64)) * np.dtype(dtype).itemsize))
            if sum(size for _, size in alive) > peak:
                peak = sum(size for _, size in alive)
                at_peak = {}
                for op, size in alive:
                    at_peak[op] = at_peak.get(op, 0) + size
    assert profile.peak_bytes == peak, f"steps {steps}: a peak of {peak} bytes, not {profile.peak_bytes}"
    assert profile.peak_bytes_by_op == at_peak, f"steps {steps}: at the peak {at_peak}, not {profile.peak_bytes_by_op}"


check_capstone(
    "the profiler's peak is the most bytes of results alive at once, by the operation that made them",
    tracks_the_peak,
    sys.modules[__name__],
    shape=shapes(max_dims=2),
    dtype=st.sampled_from([np.float32, np.float64]),
    steps=st.lists(st.sampled_from([*STEPS, None]), max_size=8),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_kv_cache points=3]
import sys

from tinytorch.testing import assert_close, check_capstone


def kv_cache_example(inf):
    cache = inf.KVCache(num_layers=2)
    assert len(cache) == 0, "a new cache holds no position"
    first = np.arange(12.0).reshape(1, 2, 3, 2)  # (B, heads, 3 positions, head_dim)
    keys, values = cache.append(0, inf.Tensor(first), inf.Tensor(-first))
    assert_close(keys, first, "the first keys of layer 0 are returned as they are")
    cache.append(1, inf.Tensor(first), inf.Tensor(first))
    one_more = np.full((1, 2, 1, 2), 7.0)
    keys, values = cache.append(0, inf.Tensor(one_more), inf.Tensor(-one_more))
    assert keys.shape == (1, 2, 4, 2), f"3 cached and 1 new position: keys of shape (1, 2, 4, 2), not {keys.shape}"
    assert_close(values, -np.concatenate([first, one_more], axis=2), "the values of layer 0, earliest first")
    assert len(cache) == 4, f"the cache holds 4 positions now, not {len(cache)}"


check_capstone("appending to a cache of two layers", kv_cache_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, random_array, seeds


def appends_along_the_positions(inf, layers, chunks, seed):
    """Chunks of positions appended to each layer in turn: each layer returns all of its own."""
    cache = inf.KVCache(layers)
    appended = [([], []) for _ in range(layers)]
    for number, length in enumerate(chunks):
        for layer in range(layers):
            keys = random_array((2, 3, length, 2), seed + number * layers + layer)
            values = random_array((2, 3, length, 2), seed + 1000 + number * layers + layer)
            appended[layer][0].append(keys)
            appended[layer][1].append(values)
            got_keys, got_values = cache.append(layer, inf.Tensor(keys), inf.Tensor(values))
            assert_close(
                got_keys, np.concatenate(appended[layer][0], axis=2), f"keys of layer {layer}, chunks {chunks}"
            )
            assert_close(got_values, np.concatenate(appended[layer][1], axis=2), f"values of layer {layer}")
        assert len(cache) == sum(chunks[: number + 1]), f"len(cache) after chunks {chunks[: number + 1]}"


check_capstone(
    "a cache appends each layer's keys and values after its earlier ones, along the positions",
    appends_along_the_positions,
    sys.modules[__name__],
    layers=st.integers(1, 3),
    chunks=st.lists(st.integers(1, 3), min_size=1, max_size=4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_cached_logits points=5]
import sys

from tinytorch.testing import assert_close, check_capstone


def cached_logits_example(inf):
    model = inf.TinyGPT(vocab_size=7, embed_dim=8, num_layers=2, num_heads=2, max_seq_len=6)
    tokens = np.array([[1, 2, 3, 4, 5, 6]])
    cache = inf.KVCache(2)
    chunks = [inf.cached_forward(model, tokens[:, start:end], cache) for start, end in ((0, 3), (3, 4), (4, 6))]
    logits = np.concatenate([np.asarray(chunk.data) for chunk in chunks], axis=1)
    assert_close(logits, model(tokens).data, "the logits of 3, 1 and 2 tokens fed in turn", rtol=1e-4, atol=1e-6)
    assert len(cache) == 6, f"the cache holds the 6 positions, not {len(cache)}"
    try:
        inf.cached_forward(model, np.array([[0]]), cache)
    except ValueError:
        return
    raise AssertionError("a 7th position is more than max_seq_len=6: cached_forward should raise ValueError")


check_capstone("a model fed 3, 1 and 2 tokens with a cache", cached_logits_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, seeds


def in_float64(model, seed):
    """The model's parameters drawn again, in float64 (large enough to make attention matter)."""
    rng = np.random.default_rng(seed)
    for parameter in model.parameters():
        parameter.data = rng.normal(0.0, 0.5, parameter.shape)
    return model


def matches_the_whole_forward(inf, batch, layers, heads, cuts, seed):
    model = in_float64(inf.TinyGPT(9, 4 * heads, layers, heads, 8), seed)
    tokens = np.random.default_rng(seed).integers(0, 9, size=(batch, 8))
    bounds = sorted({0, 8, *cuts})
    cache = inf.KVCache(layers)
    pieces = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        pieces.append(np.asarray(inf.cached_forward(model, tokens[:, start:end], cache).data))
        assert len(cache) == end, f"after positions {start}-{end - 1} the cache holds {end}, not {len(cache)}"
    whole = np.asarray(model(tokens).data)
    logits = np.concatenate(pieces, axis=1)
    what = f"the float64 logits of the chunks {bounds} fed in turn, against one forward of all 8 tokens"
    assert_close(logits, whole, what, rtol=1e-9, atol=1e-12)


check_capstone(
    "a cached forward of the tokens chunk by chunk gives the logits of one whole forward (float64)",
    matches_the_whole_forward,
    sys.modules[__name__],
    max_examples=15,
    batch=st.integers(1, 2),
    layers=st.integers(1, 2),
    heads=st.integers(1, 2),
    cuts=st.lists(st.integers(1, 7), max_size=4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_cached_generation points=4]
import sys

from tinytorch.testing import check_capstone


def cached_generation_example(inf):
    model = inf.TinyGPT(vocab_size=7, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=4)
    cached = inf.generate_cached(model, np.array([1, 2]), 6, seed=0)
    expected = model.generate(np.array([1, 2]), 6, seed=0)
    assert list(cached) == list(expected), f"generate gives {list(expected)}, generate_cached {list(cached)}"


check_capstone("generating 6 tokens past a context of 4", cached_generation_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import seeds


def gives_the_tokens_of_generate(inf, layers, prompt_length, new, temperature, seed):
    model = inf.TinyGPT(11, 8, layers, 2, 5)
    rng = np.random.default_rng(seed)
    for parameter in model.parameters():
        parameter.data = rng.normal(0.0, 0.5, parameter.shape)
    prompt = rng.integers(0, 11, size=prompt_length)
    cached = np.asarray(inf.generate_cached(model, prompt, new, temperature, seed=seed))
    expected = np.asarray(model.generate(prompt, new, temperature, seed=seed))
    assert cached.shape == expected.shape and np.array_equal(cached, expected), (
        f"a prompt of {prompt_length} tokens, {new} new ones, context 5: generate gives {expected.tolist()}, "
        f"generate_cached {cached.tolist()}"
    )


check_capstone(
    "generate_cached gives the tokens of generate, within the context and past it (float64)",
    gives_the_tokens_of_generate,
    sys.modules[__name__],
    max_examples=15,
    layers=st.integers(1, 2),
    prompt_length=st.integers(1, 8),
    new=st.integers(0, 9),
    temperature=st.sampled_from([1e-6, 0.5, 1.0, 3.0]),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_cost_per_token points=4]
import sys

from tinytorch.testing import check_capstone


def forward_multiply_adds(new, positions, width, layers, vocab):
    """The products of a forward of `new` positions whose queries see `positions` keys (batch 1):
    per block 4 projections, scores and weights x values, the MLP's two layers; then lm_head."""
    per_block = 4 * new * width * width + 2 * new * positions * width + 8 * new * width * width
    return layers * per_block + new * width * vocab


def cost_example(inf):
    model = inf.TinyGPT(vocab_size=10, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=8)
    cache = inf.KVCache(1)
    inf.cached_forward(model, np.array([[1, 2, 3]]), cache)
    with inf.Profiler() as profile:
        inf.cached_forward(model, np.array([[4]]), cache)
    expected = forward_multiply_adds(1, 4, 8, 1, 10)
    assert profile.multiply_adds == expected, (
        f"one new token after 3 cached: {expected} multiply-adds (see section 3), counted {profile.multiply_adds}"
    )


check_capstone("the work of one token after 3 cached ones", cost_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st


def grows_linearly_with_the_cache(inf, layers, heads, context):
    """Each new token costs a fixed amount plus 2 C per cached position per block, counted with
    the notebook's profiler and by the harness's own count of the products of section 3."""
    width, vocab = 4 * heads, 6
    model = inf.TinyGPT(vocab, width, layers, heads, context)
    cache = inf.KVCache(layers)
    for cached in range(context):
        with inf.Profiler() as step:
            inf.cached_forward(model, np.array([[cached % vocab]]), cache)
        with inf.Profiler() as whole:
            model(np.arange(cached + 1)[None, :] % vocab)
        expected = forward_multiply_adds(1, cached + 1, width, layers, vocab)
        assert step.multiply_adds == expected, (
            f"a new token after {cached} cached ones: {expected} multiply-adds, counted {step.multiply_adds}"
        )
        expected = forward_multiply_adds(cached + 1, cached + 1, width, layers, vocab)
        assert whole.multiply_adds == expected, (
            f"the whole forward of {cached + 1} tokens: {expected} multiply-adds, counted {whole.multiply_adds}"
        )


def steps_of_generation(prompt_length, new, context):
    """(positions fed, positions they see) at each step of generate_cached: the prompt once (its
    last `context` tokens), then one token per step, and past the context a whole window."""
    steps, cached = [], 0
    for step in range(new):
        if cached in (0, context):
            cached = min(prompt_length + step, context)
            steps.append((cached, cached))
        else:
            cached += 1
            steps.append((1, cached))
    return steps


def generation_does_only_new_work(inf, prompt_length, new):
    """generate_cached's whole work, counted by the notebook's profiler."""
    width, layers, vocab, context = 8, 1, 5, 4
    model = inf.TinyGPT(vocab, width, layers, 2, context)
    with inf.Profiler() as profile:
        inf.generate_cached(model, np.arange(prompt_length) % vocab, new, seed=0)
    steps = steps_of_generation(prompt_length, new, context)
    expected = sum(forward_multiply_adds(fed, seen, width, layers, vocab) for fed, seen in steps)
    assert profile.multiply_adds == expected, (
        f"a prompt of {prompt_length} tokens and {new} new ones: {expected} multiply-adds, "
        f"counted {profile.multiply_adds}"
    )


def feeds_each_layer_only_what_is_new(inf, layers, prompt_length, new):
    """The harness's own count, without the notebook's profiler: every projection, MLP and
    lm_head of the model is replaced by a function that notes how many positions reach it."""
    context, reached = 5, []

    def noting(layer):
        def forward(x):
            reached.append(x.shape[1])
            return layer(x)

        return forward

    model = inf.TinyGPT(6, 8, layers, 2, context)
    for block in model.blocks:
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(block.attention, name, noting(getattr(block.attention, name)))
        block.mlp = noting(block.mlp)
    model.lm_head = noting(model.lm_head)
    inf.generate_cached(model, np.arange(prompt_length) % 6, new, seed=0)
    expected = [fed for fed, _ in steps_of_generation(prompt_length, new, context) for _ in range(5 * layers + 1)]
    assert reached == expected, (
        f"a prompt of {prompt_length} tokens and {new} new ones: the positions reaching each projection, "
        f"MLP and lm_head in turn should be {expected}, not {reached}"
    )


check_capstone(
    "with the cache each token's work grows linearly with the cache; without, its square",
    grows_linearly_with_the_cache,
    sys.modules[__name__],
    max_examples=8,
    layers=st.integers(1, 2),
    heads=st.integers(1, 2),
    context=st.integers(1, 6),
)
check_capstone(
    "generate_cached feeds the model only the prompt, then each new token (a window past the context)",
    generation_does_only_new_work,
    sys.modules[__name__],
    max_examples=10,
    prompt_length=st.integers(1, 6),
    new=st.integers(0, 7),
)
check_capstone(
    "each layer of the model sees only the prompt, then one new position per token (a window past the context)",
    feeds_each_layer_only_what_is_new,
    sys.modules[__name__],
    max_examples=8,
    layers=st.integers(1, 2),
    prompt_length=st.integers(1, 7),
    new=st.integers(0, 7),
)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Written question
#
# The cache makes each new token's work linear in the length of the sequence. What does it cost
# instead? For a model of $L$ blocks of width $C$, how many numbers does the cache hold after
# $T$ tokens of one sequence, and what does that become for many sequences served at once? Why
# does attention's $T^2$ still matter when a prompt of thousands of tokens arrives?

# %% [written id=cache_cost points=2]
# Memory: each block keeps a key and a value of C numbers per position, 2 L T C numbers per
# sequence (2 x 12 x 1024 x 768 ~ 19 million, 75 MB in float32, for GPT-2 small at T = 1024),
# and that many again for every sequence served at the same time: the cache, not the weights,
# limits how many users a server holds. A long prompt must still be processed whole once (the
# prefill), and its queries against its keys are T^2 work and, without care, T^2 memory of
# weights; only the tokens after it are linear.
