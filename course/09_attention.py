# %% [markdown]
# # Module 09: Attention
#
# In a sentence, the meaning of a word depends on other words, often far away: in "the cat that
# the dog chased *ran*", the verb belongs to "cat". **Attention** lets every position of a
# sequence look at every other position and decide, from the data, which ones matter. It is the
# heart of the Transformer, and of every GPT.
#
# In this module you build:
#
# 1. `scaled_dot_product_attention(Q, K, V, mask=None)`: each query scores every key, a softmax
#    turns the scores into weights, and the output is the weighted average of the values;
# 2. `causal_mask(T)`: the mask that stops a position from looking at the future, which is what
#    lets a language model learn to predict the next token;
# 3. `MultiHeadAttention(embed_dim, num_heads)`: several attentions side by side, each on its
#    own slice of learned projections.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.attention`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 09_attention/attention.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import math

import numpy as np
from tinytorch.activations import Softmax
from tinytorch.layers import Linear, Module
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. Scaled dot-product attention
#
# Take `T` queries, `T'` keys and `T'` values, the rows of `Q` (shape `(T, d)`), `K` (`(T', d)`) and
# `V` (`(T', d_v)`). Query `i` scores key `j` by their dot product; the softmax of row `i` of the
# scores says how much of each value goes into output `i`:
#
# $$\text{scores} = \frac{Q K^T}{\sqrt{d}}, \qquad
#   \text{weights} = \text{softmax}(\text{scores}) \text{ (over the last axis)}, \qquad
#   \text{output} = \text{weights}\; V$$
#
# Why divide by $\sqrt{d}$? A dot product of two random vectors of `d` unit-variance numbers has
# variance `d`. Without the scale, scores grow with `d`, the softmax saturates into a one-hot row,
# and its gradient vanishes. Dividing by $\sqrt{d}$ keeps the scores' variance near 1.
#
# Everything works the same on batches: with inputs of shape `(..., T, d)` (a batch, and later
# heads), `@` and `transpose()` act on the last two axes. The function returns both the output
# `(..., T, d_v)` and the weights `(..., T, T')`.
#
# Worked example, `d = 2`: one query `q = [1, 0]` and two keys `[0, 0]` and `[2, 0]` give scores
# `[0, 2] / sqrt(2) = [0, 1.414]`, weights `softmax = [0.196, 0.804]`, and an output that is
# 20% of the first value plus 80% of the second.
#
# ## 2. Masks
#
# A **mask** says which keys each query may look at: `1` (or `True`) attends, `0` (`False`)
# blocks. It has the scores' shape, or any shape that broadcasts to it, for example `(T, T')`
# for every batch and head at once. The mask must act **before** the softmax, so that each row of
# weights still sums to one over the allowed keys. The usual way: add a large negative number,
# `-1e9`, to every blocked score; its `exp` is exactly 0.
#
# Why not `-inf`? A row where *every* key is blocked (it happens with padding) would be all
# `-inf`, and the stable softmax computes `-inf - (-inf)`, which is `nan` (with a warning).
# With `-1e9` such a row stays finite: it attends uniformly, and nothing breaks.
#
# **TODO**: write `scaled_dot_product_attention`. *Hints*: use `Softmax(dim=-1)` from module 03;
# scale by a Python float (`1.0 / math.sqrt(d)`) so float32 stays float32; a mask may be a
# numpy array (of bools or numbers) or a Tensor: `np.where(keep != 0, 0.0, -1e9)` builds the
# constant to add, in the scores' dtype.


# %% [solution id=attention]
def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q K^T / sqrt(d) + blocked) V for inputs (..., T, d); returns (output, weights)."""
    ### BEGIN SOLUTION
    scores = (Q @ K.transpose()) * (1.0 / math.sqrt(Q.shape[-1]))
    if mask is not None:
        keep = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        blocked = np.where(keep != 0, 0.0, -1e9).astype(scores.dtype)
        scores = scores + Tensor(blocked)
    weights = Softmax(dim=-1)(scores)
    return weights @ V, weights
    ### END SOLUTION


# %% [markdown]
# ## 3. The causal mask
#
# A language model predicts token `t + 1` from tokens `0 .. t`. Trained on whole sequences at
# once, position `t` must not see positions after `t`, or it would simply copy the answer. The
# **causal mask** lets query `i` attend to keys `j <= i`: a lower-triangular matrix of ones.
#
# ```
# causal_mask(3) = [[1, 0, 0],
#                   [1, 1, 0],
#                   [1, 1, 1]]
# ```
#
# **TODO**: write `causal_mask(T)`, returning a boolean numpy array of shape `(T, T)`
# (*hint*: `np.tril`).


# %% [solution id=causal_mask]
def causal_mask(T):
    """The (T, T) mask letting position i attend to positions 0..i (True = attend)."""
    ### BEGIN SOLUTION
    return np.tril(np.ones((T, T), dtype=bool))
    ### END SOLUTION


# %% [markdown]
# ## 4. Multi-head attention
#
# One attention computes one weighted average per position: one "kind" of relation. Multi-head
# attention runs `num_heads` of them in parallel, each in a `head_dim = embed_dim // num_heads`
# dimensional subspace, then mixes their results:
#
# 1. project `x` (shape `(B, T, C)`, `C = embed_dim`) into queries, keys and values with three
#    `Linear(C, C)` layers, `q_proj`, `k_proj`, `v_proj`;
# 2. **split the heads**: reshape each to `(B, T, h, d)` then transpose to `(B, h, T, d)`, so that
#    head `i` owns columns `i*d .. (i+1)*d - 1` and attention runs over the `T` axis of each head;
# 3. attend (the mask broadcasts over batch and heads);
# 4. **merge the heads**: transpose back to `(B, T, h, d)` and reshape to `(B, T, C)`;
# 5. mix them with `out_proj`, a fourth `Linear(C, C)`.
#
# Careful in step 2: reshaping `(B, T, C)` straight to `(B, h, T, d)` has the right shape but
# mixes positions and heads. Only the reshape to `(B, T, h, d)` keeps each position's numbers
# together.
#
# `embed_dim` must be divisible by `num_heads`: raise a `ValueError` otherwise.
#
# **TODO**: write `MultiHeadAttention`.


# %% [solution id=multihead_attention]
class MultiHeadAttention(Module):
    """num_heads attentions over slices of learned projections of x, mixed by out_proj."""

    def __init__(self, embed_dim, num_heads):
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        ### BEGIN SOLUTION
        self.q_proj = Linear(embed_dim, embed_dim)
        self.k_proj = Linear(embed_dim, embed_dim)
        self.v_proj = Linear(embed_dim, embed_dim)
        self.out_proj = Linear(embed_dim, embed_dim)
        ### END SOLUTION

    def split_heads(self, x):
        """(B, T, C) -> (B, num_heads, T, head_dim)"""
        ### BEGIN SOLUTION
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.num_heads, self.head_dim).transpose(1, 2)
        ### END SOLUTION

    def merge_heads(self, x):
        """(B, num_heads, T, head_dim) -> (B, T, C)"""
        ### BEGIN SOLUTION
        batch, _, length, _ = x.shape
        return x.transpose(1, 2).reshape(batch, length, self.embed_dim)
        ### END SOLUTION

    def forward(self, x, mask=None):
        ### BEGIN SOLUTION
        q = self.split_heads(self.q_proj(x))
        k = self.split_heads(self.k_proj(x))
        v = self.split_heads(self.v_proj(x))
        output, _ = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(self.merge_heads(output))
        ### END SOLUTION


# %% [markdown]
# ## 5. Try it
#
# Three positions, one head, queries and keys chosen by hand. Position 2 matches key 0 best;
# with the causal mask, position 0 can only look at itself.

# %% [code]
Q = Tensor([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0]])
K = Tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
V = Tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
output, weights = scaled_dot_product_attention(Q, K, V)
print("weights without a mask:\n", weights.data.round(3))
output, weights = scaled_dot_product_attention(Q, K, V, causal_mask(3))
print("weights with the causal mask:\n", weights.data.round(3))
attention = MultiHeadAttention(embed_dim=8, num_heads=2)
x = Tensor(np.random.default_rng(0).standard_normal((2, 5, 8)).astype(np.float32))
print("multi-head attention:", x.shape, "->", attention(x, causal_mask(5)).shape)

# %% [markdown]
# ## 6. Tests

# %% [tests id=test_attention_values points=3]
from tinytorch.testing import assert_close

Q = Tensor(np.array([[1.0, 0.0]]))
K = Tensor(np.array([[0.0, 0.0], [2.0, 0.0]]))
V = Tensor(np.array([[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]]))
output, weights = scaled_dot_product_attention(Q, K, V)
scores = np.array([0.0, 2.0]) / np.sqrt(2)  # q . k_j / sqrt(d), d = 2
expected = np.exp(scores) / np.exp(scores).sum()
assert_close(weights, [expected], "weights = softmax(q . k / sqrt(d)) for one query and two keys")
assert_close(output, [expected @ V.data], "output = weights @ V")
assert output.shape == (1, 3) and weights.shape == (1, 2), "output (T, d_v), weights (T, T')"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds


def numpy_attention(q, k, v):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = scores / scores.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def matches_numpy(batch, queries, keys, d, d_v, seed):
    q = random_array((*batch, queries, d), seed)
    k = random_array((*batch, keys, d), seed + 1)
    v = random_array((*batch, keys, d_v), seed + 2)
    output, weights = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v))
    expected_output, expected_weights = numpy_attention(q, k, v)
    shapes = f"Q {q.shape}, K {k.shape}, V {v.shape}"
    assert_close(weights, expected_weights, f"attention weights for {shapes}")
    assert_close(output, expected_output, f"attention output for {shapes}")
    float32 = scaled_dot_product_attention(*(Tensor(a.astype(np.float32)) for a in (q, k, v)))
    assert float32[0].dtype == np.float32, "float32 inputs give a float32 output"


check_property(
    "attention matches softmax(Q K^T / sqrt(d)) V for batches, T != T' and d != d_v",
    matches_numpy,
    batch=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    queries=st.integers(1, 4),
    keys=st.integers(1, 5),
    d=st.integers(1, 6),
    d_v=st.integers(1, 3),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_attention_weights points=2]
from tinytorch.testing import assert_close

Q = Tensor(np.array([[0.0, 1.0], [3.0, 0.0], [1.0, 1.0]]))
K = Tensor(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 2.0]]))
output, weights = scaled_dot_product_attention(Q, K, Tensor(np.eye(4)))
assert weights.shape == (3, 4), f"3 queries, 4 keys: weights of shape (3, 4), got {weights.shape}"
assert_close(weights.data.sum(axis=-1), [1, 1, 1], "each row of weights sums to one")
assert (weights.data > 0).all(), "without a mask every weight is positive"
assert_close(output, weights.data, "with V the identity, the output is the weights themselves")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds


def rows_are_distributions(batch, queries, keys, d, seed, scale):
    q = random_array((*batch, queries, d), seed) * scale
    k = random_array((*batch, keys, d), seed + 1) * scale
    v = random_array((*batch, keys, 2), seed + 2)
    output, weights = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v))
    assert np.isfinite(weights.data).all(), f"weights must stay finite for inputs of size {scale}"
    assert (weights.data >= 0).all(), "weights are never negative"
    assert_close(weights.data.sum(axis=-1), np.ones((*batch, queries)), "rows of weights sum to one")
    assert_close(output, weights.data @ v, "output = weights @ V")


check_property(
    "each row of attention weights is a probability distribution, even for large scores",
    rows_are_distributions,
    batch=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    queries=st.integers(1, 4),
    keys=st.integers(1, 4),
    d=st.integers(1, 4),
    seed=seeds,
    scale=st.sampled_from([1.0, 30.0]),
)
### END HIDDEN TESTS

# %% [tests id=test_attention_mask points=3]
from tinytorch.testing import assert_close

Q = Tensor(np.zeros((2, 2)))
K = Tensor(np.zeros((3, 2)))
V = Tensor(np.array([[1.0], [2.0], [6.0]]))
mask = np.array([[1, 0, 1], [0, 1, 0]])
output, weights = scaled_dot_product_attention(Q, K, V, mask)
assert_close(weights, [[0.5, 0, 0.5], [0, 1, 0]], "equal scores: the weight is shared by the allowed keys only")
assert_close(output, [[3.5], [2.0]], "blocked values do not count")
_, weights = scaled_dot_product_attention(Q, K, V, mask.astype(bool))
assert_close(weights, [[0.5, 0, 0.5], [0, 1, 0]], "a mask of booleans works the same")
_, weights = scaled_dot_product_attention(Q, K, V, Tensor(mask))
assert_close(weights, [[0.5, 0, 0.5], [0, 1, 0]], "a mask given as a Tensor works the same")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds


def masks_before_the_softmax(batch, queries, keys, d, seed, kind, per_batch):
    rng = np.random.default_rng(seed)
    q = random_array((*batch, queries, d), seed)
    k = random_array((*batch, keys, d), seed + 1)
    v = random_array((*batch, keys, 2), seed + 2)
    mask_shape = (*batch, queries, keys) if per_batch else (queries, keys)
    keep = rng.random(mask_shape) < 0.6
    keep[..., rng.integers(0, keys)] = True  # every query may attend to at least one key
    mask = {"bool": keep, "int": keep.astype(np.int64), "float": keep.astype(np.float32), "Tensor": Tensor(keep)}[kind]
    free = np.exp(q @ np.swapaxes(k, -1, -2) / np.sqrt(d))  # the test's own unmasked weights, unnormalised
    output, weights = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask)
    allowed = np.broadcast_to(keep, free.shape)
    assert_close(weights.data[~allowed], np.zeros((~allowed).sum()), f"blocked weights (mask of {kind})")
    expected = free * allowed
    expected = expected / expected.sum(axis=-1, keepdims=True)
    assert_close(weights, expected, f"masked weights are the unmasked ones renormalised over allowed keys ({kind})")
    assert_close(output, expected @ v, "the output of masked attention")


check_property(
    "a mask (bool, int, float or Tensor, broadcast or not) blocks keys before the softmax",
    masks_before_the_softmax,
    batch=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    queries=st.integers(1, 4),
    keys=st.integers(1, 4),
    d=st.integers(1, 3),
    seed=seeds,
    kind=st.sampled_from(["bool", "int", "float", "Tensor"]),
    per_batch=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_causal_mask points=2]
from tinytorch.testing import assert_close

assert_close(np.asarray(causal_mask(3), dtype=float), [[1, 0, 0], [1, 1, 0], [1, 1, 1]], "causal_mask(3)")
x = Tensor(np.array([[1.0], [2.0], [3.0]]))
output, weights = scaled_dot_product_attention(x, x, x, causal_mask(3))
assert_close(weights.data[0], [1, 0, 0], "position 0 can only attend to itself")
assert_close(output.data[0], [1.0], "so its output is its own value")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds


def never_looks_ahead(batch, length, d, position, seed):
    position = position % length
    q, k, v = (random_array((batch, length, d), seed + i) for i in range(3))
    mask = causal_mask(length)
    assert np.asarray(mask).shape == (length, length), f"causal_mask({length}) has shape {np.asarray(mask).shape}"
    expected = np.tril(np.ones((length, length)))
    assert_close(np.asarray(mask, dtype=float), expected, f"causal_mask({length})")
    before, _ = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask)
    changed = [a.copy() for a in (q, k, v)]
    for a in changed:
        a[:, position:] = random_array(a[:, position:].shape, seed + 7)
    after, _ = scaled_dot_product_attention(*(Tensor(a) for a in changed), mask)
    assert_close(
        after.data[:, :position],
        before.data[:, :position],
        f"outputs before position {position} after changing the inputs from position {position} on",
    )


check_property(
    "with the causal mask, changing inputs at position t never changes the outputs before t",
    never_looks_ahead,
    batch=st.integers(1, 2),
    length=st.integers(1, 5),
    d=st.integers(1, 3),
    position=st.integers(0, 4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_attention_edge_cases points=2]
Q = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
_, weights = scaled_dot_product_attention(Q, Q, Q, np.array([[1, 1], [0, 0]]))
assert np.isfinite(weights.data).all(), f"a row with every key blocked must stay finite (no nan), got {weights.data}"
output, weights = scaled_dot_product_attention(Q[:1], Q[:1], Q[:1])
assert weights.data.tolist() == [[1.0]], "with a single key (T = 1), the weight is 1"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds


def stays_finite(batch, queries, keys, d, seed):
    rng = np.random.default_rng(seed)
    q = random_array((*batch, queries, d), seed) * 10
    k = random_array((*batch, keys, d), seed + 1) * 10
    v = random_array((*batch, keys, 2), seed + 2)
    keep = rng.random((queries, keys)) < 0.5
    keep[rng.integers(0, queries)] = False  # at least one query may attend to nothing
    output, weights = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), keep)
    assert np.isfinite(weights.data).all(), f"weights of fully blocked rows must stay finite, got {weights.data}"
    assert np.isfinite(output.data).all(), "outputs of fully blocked rows must stay finite"
    one = tuple(Tensor(a[..., :1, :]) for a in (q, k, v))
    output, weights = scaled_dot_product_attention(*one, np.ones((1, 1)))
    assert_close(weights, np.ones((*batch, 1, 1)), "T = 1: the only key gets weight 1")
    assert_close(output, v[..., :1, :], "T = 1: the output is the only value")


check_property(
    "fully blocked rows and sequences of one position stay finite",
    stays_finite,
    batch=st.lists(st.integers(1, 2), max_size=2).map(tuple),
    queries=st.integers(1, 4),
    keys=st.integers(1, 4),
    d=st.integers(1, 3),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_attention_gradients points=3]
from tinytorch.testing import check_gradients

Q = Tensor(np.array([[0.5, -1.0], [1.0, 2.0]]), requires_grad=True)
K = Tensor(np.array([[1.0, 0.0], [0.5, 0.5], [-1.0, 1.0]]), requires_grad=True)
V = Tensor(np.array([[1.0], [2.0], [-1.0]]), requires_grad=True)
mask = np.array([[1, 0, 1], [1, 1, 0]])
check_gradients(lambda Q, K, V: scaled_dot_product_attention(Q, K, V)[0], [Q, K, V])
check_gradients(lambda Q, K, V: scaled_dot_product_attention(Q, K, V, mask)[0], [Q, K, V])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds


def numpy_attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d)), blocked keys left out, times v, in numpy: (output, weights)."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask) != 0, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def attention_gradients(batch, queries, keys, d, seed, masked):
    rng = np.random.default_rng(seed)
    values = [random_array((*batch, queries, d), seed), random_array((*batch, keys, d), seed + 1)]
    values.append(random_array((*batch, keys, 2), seed + 2))
    mask = None
    if masked:
        mask = rng.random((queries, keys)) < 0.6
        mask[:, 0] = True
    for which in (0, 1):  # the output, then the weights
        inputs = [Tensor(value, requires_grad=True) for value in values]
        forward = lambda q, k, v, which=which: numpy_attention(q, k, v, mask)[which]  # noqa: E731
        attention = lambda q, k, v, which=which: scaled_dot_product_attention(q, k, v, mask)[which]  # noqa: E731
        check_gradients(attention, inputs, seed=seed + which, forward=forward, values=values)


check_property(
    "attention has the right gradients for Q, K and V, with and without a mask",
    attention_gradients,
    batch=st.lists(st.integers(1, 2), max_size=1).map(tuple),
    queries=st.integers(1, 3),
    keys=st.integers(1, 3),
    d=st.integers(1, 3),
    seed=seeds,
    masked=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_multihead_attention points=4]
from tinytorch.testing import assert_close

attention = MultiHeadAttention(embed_dim=4, num_heads=2)
assert attention.head_dim == 2, "head_dim = embed_dim // num_heads"
for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
    layer = getattr(attention, name)
    assert layer.weight.shape == (4, 4) and layer.bias.shape == (4,), f"{name} is a Linear(4, 4)"
    layer.weight.data = np.eye(4)  # identity projections: q = k = v = x
    layer.bias.data = np.zeros(4)
x = np.array([[[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 2.0, 0.0], [1.0, 1.0, 0.0, -1.0]]])  # B=1, T=3, C=4
result = attention(Tensor(x))
assert result.shape == (1, 3, 4), f"the output has the input's shape (B, T, C), got {result.shape}"
for head, columns in enumerate([slice(0, 2), slice(2, 4)]):
    one_head, _ = scaled_dot_product_attention(*[Tensor(x[0, :, columns])] * 3)
    assert_close(
        result.data[0, :, columns], one_head.data, f"head {head} attends with columns {columns.start}:{columns.stop}"
    )
try:
    MultiHeadAttention(embed_dim=6, num_heads=4)
    raise AssertionError("embed_dim 6 with 4 heads should raise a ValueError")
except ValueError:
    pass
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")


def numpy_multihead(num_heads, mask, x, *parameters):
    """Projections (weight, bias of q, k, v, out), head split, attention and merge, in numpy."""
    (batch, length, embed_dim), size = x.shape, x.shape[-1] // num_heads
    wq, bq, wk, bk, wv, bv, wo, bo = parameters
    split = lambda a: a.reshape(batch, length, num_heads, size).transpose(0, 2, 1, 3)  # noqa: E731
    scores = split(x @ wq + bq) @ split(x @ wk + bk).transpose(0, 1, 3, 2) / np.sqrt(size)
    if mask is not None:
        scores = np.where(np.asarray(mask) != 0, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    heads = weights / weights.sum(axis=-1, keepdims=True) @ split(x @ wv + bv)
    return heads.transpose(0, 2, 1, 3).reshape(batch, length, embed_dim) @ wo + bo


def matches_reference(batch, length, num_heads, head_dim, seed, causal):
    embed_dim = num_heads * head_dim
    attention = MultiHeadAttention(embed_dim, num_heads)
    assert attention.parameters() == [
        p for name in PROJECTIONS for p in (getattr(attention, name).weight, getattr(attention, name).bias)
    ], "the parameters are q_proj, k_proj, v_proj and out_proj's weight and bias"
    parameters = [getattr(getattr(attention, name), kind) for name in PROJECTIONS for kind in ("weight", "bias")]
    values = [random_array(parameter.shape, seed + 10 + offset) for offset, parameter in enumerate(parameters)]
    for parameter, value in zip(parameters, values, strict=True):
        parameter.data = value
    x = random_array((batch, length, embed_dim), seed)
    mask = np.tril(np.ones((length, length))) if causal else None
    what = f"MultiHeadAttention({embed_dim}, {num_heads}) on x of shape {x.shape}, causal={causal}"
    assert_close(attention(Tensor(x), mask), numpy_multihead(num_heads, mask, x, *values), what)


check_property(
    "multi-head attention splits heads as (B, T, h, d) -> (B, h, T, d), attends, merges and projects",
    matches_reference,
    batch=st.integers(1, 2),
    length=st.integers(1, 4),
    num_heads=st.integers(1, 3),
    head_dim=st.integers(1, 3),
    seed=seeds,
    causal=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_multihead_gradients points=3]
from tinytorch.testing import check_gradients

attention = MultiHeadAttention(embed_dim=2, num_heads=2)
layers = [getattr(attention, name) for name in ("q_proj", "k_proj", "v_proj", "out_proj")]
parameters = [parameter for layer in layers for parameter in (layer.weight, layer.bias)]
for parameter in parameters:
    parameter.data = parameter.data.astype(np.float64)
x = Tensor(np.array([[[1.0, -1.0], [0.5, 2.0]]]), requires_grad=True)
mask = np.tril(np.ones((2, 2)))  # what causal_mask(2) gives
check_gradients(lambda x, *parameters: attention(x, mask), [x, *parameters])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds


def numpy_multihead(num_heads, mask, x, *parameters):
    """Projections (weight, bias of q, k, v, out), head split, attention and merge, in numpy."""
    (batch, length, embed_dim), size = x.shape, x.shape[-1] // num_heads
    wq, bq, wk, bk, wv, bv, wo, bo = parameters
    split = lambda a: a.reshape(batch, length, num_heads, size).transpose(0, 2, 1, 3)  # noqa: E731
    scores = split(x @ wq + bq) @ split(x @ wk + bk).transpose(0, 1, 3, 2) / np.sqrt(size)
    if mask is not None:
        scores = np.where(np.asarray(mask) != 0, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    heads = weights / weights.sum(axis=-1, keepdims=True) @ split(x @ wv + bv)
    return heads.transpose(0, 2, 1, 3).reshape(batch, length, embed_dim) @ wo + bo


def multihead_gradients(length, num_heads, head_dim, seed, causal):
    embed_dim = num_heads * head_dim
    attention = MultiHeadAttention(embed_dim, num_heads)
    layers = [getattr(attention, name) for name in ("q_proj", "k_proj", "v_proj", "out_proj")]
    parameters = [parameter for layer in layers for parameter in (layer.weight, layer.bias)]
    values = [random_array((1, length, embed_dim), seed)]
    for offset, parameter in enumerate(parameters):
        values.append(random_array(parameter.shape, seed + 10 + offset))
        parameter.data = values[-1]
    x = Tensor(values[0], requires_grad=True)
    mask = np.tril(np.ones((length, length))) if causal else None
    forward = lambda x, *parameters: numpy_multihead(num_heads, mask, x, *parameters)  # noqa: E731
    check_gradients(
        lambda x, *parameters: attention(x, mask), [x, *parameters], seed=seed, forward=forward, values=values
    )


check_property(
    "multi-head attention has the right gradients for x and every projection's weight and bias",
    multihead_gradients,
    length=st.integers(1, 3),
    num_heads=st.integers(1, 2),
    head_dim=st.integers(1, 2),
    seed=seeds,
    causal=st.booleans(),
)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Written question
#
# Attention compares every position with every other. How do the time and the memory of one
# attention layer grow with the sequence length `T` (and with `embed_dim`)? What does that mean
# for a model that should read a whole book at once?

# %% [written id=attention_cost points=2]
# The scores are a `(T, T)` matrix per head: computing them and `weights @ V` costs about
# `T^2 * embed_dim` operations, and storing the weights (needed for backward) `T^2 * num_heads`
# numbers; the projections cost `T * embed_dim^2`. Attention is quadratic in `T`: doubling the
# context quadruples its cost, so a book of 100,000 tokens needs 10^10 weights per head and
# layer. Long-context models use tricks (sliding windows, sparse or linear attention, recomputing
# the weights blockwise as FlashAttention does) to avoid storing the whole matrix.
