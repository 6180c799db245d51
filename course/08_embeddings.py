# %% [markdown]
# # Module 08: Embeddings
#
# A language model reads **tokens**: integers, one per word piece, between 0 and the size of
# the vocabulary. A matrix multiply cannot do much with the number 4017, so the first layer of
# every language model turns each token into a learned vector, its **embedding**. Transformers
# also see all positions of a sequence at once, so they need to be told *where* each token is:
# a **positional encoding** is added to the token vectors.
#
# In this module you build:
#
# 1. `Embedding(vocab_size, embed_dim)`: a lookup table with a learned row per token, whose
#    gradient adds up when a token appears several times;
# 2. `PositionalEncoding(max_seq_len, embed_dim)`: the fixed sinusoidal encoding of
#    "Attention is all you need" (Vaswani et al., 2017).
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.embeddings`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 08_embeddings/embeddings.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np
from tinytorch.autograd import GRADIENT_RULES
from tinytorch.layers import Module, default_generator
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. A lookup table, and its gradient
#
# An embedding table is a matrix `weight` of shape `(vocab_size, embed_dim)`; token `i` is
# row `i`. Looking tokens up is numpy fancy indexing, and it works for an index array of any
# shape: indices of shape `(B, T)` give vectors of shape `(B, T, embed_dim)`.
#
# ```python
# weight = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 4.0]])   # vocab 3, dim 2
# weight[np.array([[2, 0], [2, 1]])]   # shape (2, 2, 2): rows 2, 0, 2, 1
# ```
#
# (Multiplying a one-hot matrix by `weight` gives the same result, at `vocab_size` times the cost.)
#
# **The gradient.** Row `i` of `weight` is copied to every position holding token `i`, so its
# gradient is the **sum** of the upstream gradients at all those positions. The obvious
# numpy line is wrong:
#
# ```python
# grad_weight[indices] += grad    # token 2 appears twice: only ONE of its gradients survives
# np.add.at(grad_weight, indices, grad)   # right: adds every occurrence
# ```
#
# `x[i] += y` with a repeated index reads, adds and writes once per *distinct* index.
# `np.add.at` adds unbuffered, once per occurrence.
#
# You write the lookup as a new operation (course README, "New operations"):
# `embedding_lookup(weight, indices)` returns `Tensor.from_op(data, "embedding", (weight,),
# indices=indices)` and `grad_embedding(grad, out, weight)` returns the weight's gradient
# (a tuple of one array). The indices are not a parent: they have no gradient.
#
# **TODO**: write `embedding_lookup` and `grad_embedding`.


# %% [solution id=embedding_op]
def embedding_lookup(weight, indices):
    """Rows `indices` (an integer array of any shape) of `weight`: shape (*indices.shape, dim)."""
    ### BEGIN SOLUTION
    return Tensor.from_op(weight.data[indices], "embedding", (weight,), indices=indices)
    ### END SOLUTION


def grad_embedding(grad, out, weight):
    """The gradient of the table: each row gets the sum of the gradients where it was used."""
    ### BEGIN SOLUTION
    grad_weight = np.zeros_like(weight.data)
    np.add.at(grad_weight, out.ctx["indices"], grad)
    return (grad_weight,)
    ### END SOLUTION


GRADIENT_RULES["embedding"] = grad_embedding


# %% [markdown]
# ## 2. The `Embedding` layer
#
# `Embedding(vocab_size, embed_dim)` is a `Module` whose only parameter is `weight`, a float32
# Tensor of shape `(vocab_size, embed_dim)` with `requires_grad=True`, initialised from a
# normal distribution with standard deviation 0.02 (as GPT-2 does), drawn from
# `default_generator()` of module 04 so that `manual_seed` makes models reproducible.
#
# `forward(indices)` takes a numpy integer array or a `Tensor` (whose values are whole
# numbers) of any shape. A token outside `0 .. vocab_size - 1` is a bug in the caller, and numpy
# would not always notice: `weight[-1]` is silently the last row. Check first, and raise an
# `IndexError` that names the bad token, the vocabulary size and the valid range, for example
# `token 7 is out of range for an Embedding of vocab_size 5 (valid: 0 to 4)`.
#
# **TODO**: write `__init__` and `forward`. *Hints*: call `super().__init__()` first;
# `np.asarray(indices.data).astype(np.int64)` turns a Tensor's values into integers.


# %% [solution id=embedding_class]
class Embedding(Module):
    """A learned vector for each of `vocab_size` tokens."""

    def __init__(self, vocab_size, embed_dim):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed_dim = embed_dim
        ### BEGIN SOLUTION
        values = default_generator().normal(0.0, 0.02, size=(vocab_size, embed_dim))
        self.weight = Tensor(values.astype(np.float32), requires_grad=True)
        ### END SOLUTION

    def forward(self, indices):
        ### BEGIN SOLUTION
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
        ### END SOLUTION


# %% [markdown]
# ## 3. Sinusoidal positional encoding
#
# Attention (module 09) treats its inputs as a *set*: shuffle the tokens and each output is
# shuffled the same way. To know word order, the model adds to the token at position `pos` a
# vector that depends on `pos` only. The original Transformer uses, for `i = 0, 1, ...`,
#
# $$PE[pos, 2i] = \sin\left(\frac{pos}{10000^{2i/d}}\right), \qquad
#   PE[pos, 2i+1] = \cos\left(\frac{pos}{10000^{2i/d}}\right)$$
#
# with `d = embed_dim`: even columns hold sines, odd columns cosines, and each pair `(2i, 2i+1)`
# shares one frequency. Frequencies go from 1 (fast, column 0) down to 1/10000 (slow), so nearby
# positions differ in the fast columns and far-apart ones in the slow columns, and
# `PE[pos + k]` is a rotation of `PE[pos]` for every `k`, which attention can learn to use.
#
# Worked example, `d = 4`, `pos = 1`: the frequencies are `1/10000^0 = 1` and `1/10000^(2/4) =
# 0.01`, so `PE[1] = [sin 1, cos 1, sin 0.01, cos 0.01] = [0.841, 0.540, 0.010, 1.000]`, and
# `PE[0] = [0, 1, 0, 1]`.
#
# `PositionalEncoding(max_seq_len, embed_dim)` computes the table `encoding`, a float64 numpy
# array of shape `(max_seq_len, embed_dim)`, once in `__init__`. It has no parameters: nothing
# in it is learned. `forward(x)` takes `x` of shape `(B, T, embed_dim)` with any
# `T <= max_seq_len` and returns `x + PE[:T]` (as a Tensor of `x`'s dtype; the gradient flows to
# `x`). A longer sequence has no encoding: raise a `ValueError` that says so, naming `T` and
# `max_seq_len`. An odd `embed_dim` works too: its last column is a sine.
#
# **TODO**: write `sinusoidal_encoding` and the class. *Hint*: `np.arange(max_seq_len)[:, None]`
# times a row of frequencies gives every angle at once; fill `table[:, 0::2]` and `table[:, 1::2]`.


# %% [solution id=positional_encoding]
def sinusoidal_encoding(max_seq_len, embed_dim):
    """The (max_seq_len, embed_dim) table PE of the formula above, in float64."""
    ### BEGIN SOLUTION
    positions = np.arange(max_seq_len, dtype=np.float64)[:, None]
    frequencies = 1.0 / 10000.0 ** (np.arange(0, embed_dim, 2, dtype=np.float64) / embed_dim)
    angles = positions * frequencies
    table = np.zeros((max_seq_len, embed_dim))
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : embed_dim // 2])
    return table
    ### END SOLUTION


class PositionalEncoding(Module):
    """Adds the fixed sinusoidal encoding of each position to a (B, T, embed_dim) input."""

    def __init__(self, max_seq_len, embed_dim):
        super().__init__()
        self.max_seq_len = max_seq_len
        self.embed_dim = embed_dim
        self.encoding = sinusoidal_encoding(max_seq_len, embed_dim)

    def forward(self, x):
        ### BEGIN SOLUTION
        x = x if isinstance(x, Tensor) else Tensor(x)
        length = x.shape[-2]
        if length > self.max_seq_len:
            raise ValueError(
                f"a sequence of length {length} is longer than this PositionalEncoding's max_seq_len {self.max_seq_len}"
            )
        return x + Tensor(self.encoding[:length].astype(x.dtype))
        ### END SOLUTION


# %% [markdown]
# ## 4. Try it
#
# Two sentences of three tokens each from a vocabulary of 5 words, embedded in 4 dimensions,
# plus their positions. Token 2 appears three times: look at the gradient of its row.

# %% [code]
embedding = Embedding(5, 4)
positions = PositionalEncoding(16, 4)
tokens = np.array([[2, 0, 2], [1, 2, 4]])
vectors = positions(embedding(tokens))
print("tokens", tokens.shape, "-> vectors", vectors.shape)
print("PE[:3] =\n", positions.encoding[:3].round(3))
embedding(tokens).backward(np.ones((2, 3, 4)))
print("gradient of each row (token 2 was used 3 times):\n", embedding.weight.grad)

# %% [markdown]
# ## 5. Tests

# %% [tests id=test_embedding_lookup points=3]
from tinytorch.testing import assert_close

embedding = Embedding(3, 2)
assert embedding.weight.shape == (3, 2), (
    f"weight should have shape (vocab_size, embed_dim), got {embedding.weight.shape}"
)
assert embedding.weight.requires_grad, "the weight is a parameter: it requires grad"
assert [p is embedding.weight for p in embedding.parameters()] == [True], "weight is the only parameter"
embedding.weight.data = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 4.0]], dtype=np.float32)
assert_close(embedding(np.array([2, 0])), [[2, 4], [0, 0]], "tokens [2, 0]")
assert_close(embedding(np.array([[2, 0], [2, 1]])), [[[2, 4], [0, 0]], [[2, 4], [1, 1]]], "a (2, 2) batch of tokens")
assert_close(embedding(Tensor([1, 1])), [[1, 1], [1, 1]], "tokens given as a Tensor")
assert embedding(np.array([1])).dtype == np.float32, "the output has the weight's dtype"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st
from tinytorch.layers import manual_seed

from tinytorch.testing import assert_close, assert_normal, check_property, random_array, seeds, shapes


def looks_up_rows(vocab_size, embed_dim, index_shape, seed, as_tensor):
    embedding = Embedding(vocab_size, embed_dim)
    assert embedding.weight.shape == (vocab_size, embed_dim), f"weight shape {embedding.weight.shape}"
    table = random_array((vocab_size, embed_dim), seed)
    embedding.weight.data = table
    indices = np.random.default_rng(seed).integers(0, vocab_size, size=index_shape)
    given = Tensor(indices) if as_tensor else indices
    kind = "a Tensor" if as_tensor else "a numpy array"
    assert_close(embedding(given), table[indices], f"looking up indices of shape {index_shape} given as {kind}")


def initialised_like_gpt2(vocab_size, embed_dim, seed):
    manual_seed(seed)
    embedding = Embedding(vocab_size, embed_dim)
    assert embedding.weight.dtype == np.float32, f"the weight is float32, not {embedding.weight.dtype}"
    assert_normal(embedding.weight, 0.0, 0.02, f"Embedding({vocab_size}, {embed_dim}).weight, normal with std 0.02")
    manual_seed(seed)
    assert_close(Embedding(vocab_size, embed_dim).weight, embedding.weight.data, "manual_seed makes it reproducible")


check_property(
    "an Embedding's weight is drawn from a normal distribution, mean 0 and std 0.02, by default_generator()",
    initialised_like_gpt2,
    vocab_size=st.integers(64, 128),
    embed_dim=st.integers(16, 32),
    seed=seeds,
)
check_property(
    "an Embedding looks up one row per index, for index arrays of any shape",
    looks_up_rows,
    vocab_size=st.integers(1, 6),
    embed_dim=st.integers(1, 5),
    index_shape=shapes(min_dims=0, max_dims=3, max_side=4),
    seed=seeds,
    as_tensor=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_embedding_gradient points=3]
from tinytorch.testing import assert_close, check_gradients

embedding = Embedding(3, 2)
tokens = np.array([2, 0, 2, 2])
embedding(tokens).backward(np.array([[1.0, 0.0], [5.0, 5.0], [2.0, 0.0], [3.0, 1.0]]))
assert_close(embedding.weight.grad[2], [6, 1], "token 2 appears 3 times: its row gets 1 + 2 + 3 and 0 + 0 + 1")
assert_close(embedding.weight.grad[1], [0, 0], "token 1 was not used: its row gets no gradient")
weight = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
tokens = np.array([[1, 1], [0, 1]])
check_gradients(lambda weight: embedding_lookup(weight, tokens), [weight], forward=lambda weight: weight[tokens])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds, shapes


def accumulates_repeated_tokens(vocab_size, embed_dim, index_shape, seed):
    embedding = Embedding(vocab_size, embed_dim)
    embedding.weight.data = random_array((vocab_size, embed_dim), seed)
    indices = np.random.default_rng(seed).integers(0, vocab_size, size=index_shape)
    upstream = random_array((*index_shape, embed_dim), seed + 1)
    embedding(indices).backward(upstream)
    expected = np.zeros((vocab_size, embed_dim))
    np.add.at(expected, indices, upstream)
    assert_close(embedding.weight.grad, expected, f"gradient of the weight for tokens {indices.tolist()}")
    table = random_array((vocab_size, embed_dim), seed + 2)
    weight = Tensor(table, requires_grad=True)
    forward = lambda weight: weight[indices]  # noqa: E731  (numpy's fancy indexing: rows, repeats included)
    check_gradients(
        lambda weight: embedding_lookup(weight, indices), [weight], seed=seed, forward=forward, values=[table]
    )


check_property(
    "the gradient of each row adds up over every position its token appears at",
    accumulates_repeated_tokens,
    vocab_size=st.integers(1, 4),
    embed_dim=st.integers(1, 4),
    index_shape=shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_embedding_errors points=2]


def expect_index_error(embedding, tokens, token):
    try:
        embedding(tokens)
    except IndexError as error:
        message, valid = str(error), f"0 to {embedding.vocab_size - 1}"
        assert str(token) in message, f"the error should name the bad token {token}: {message!r}"
        assert str(embedding.vocab_size) in message, f"the error should name the vocab_size: {message!r}"
        assert valid in message, f"the error should give the valid range, {valid!r}: {message!r}"
        return
    raise AssertionError(f"token {token} with vocab_size {embedding.vocab_size} should raise an IndexError")


embedding = Embedding(5, 2)
expect_index_error(embedding, np.array([0, 7, 1]), 7)
expect_index_error(embedding, np.array([5]), 5)
expect_index_error(embedding, np.array([[1], [-1]]), -1)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property, seeds, shapes


def rejects_bad_tokens(vocab_size, index_shape, seed, too_big, as_tensor):
    embedding = Embedding(vocab_size, 3)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, vocab_size, size=index_shape)
    bad = vocab_size + int(rng.integers(0, 3)) if too_big else -1 - int(rng.integers(0, 3))
    indices.flat[int(rng.integers(0, indices.size))] = bad
    expect_index_error(embedding, Tensor(indices) if as_tensor else indices, bad)


check_property(
    "a token outside 0 .. vocab_size - 1, vocab_size included, raises IndexError naming it, vocab_size and the range",
    rejects_bad_tokens,
    vocab_size=st.integers(2, 6),
    index_shape=shapes(min_dims=1, max_dims=3, max_side=4),
    seed=seeds,
    too_big=st.booleans(),
    as_tensor=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_positional_values points=3]
from tinytorch.testing import assert_close

table = sinusoidal_encoding(3, 4)
assert table.shape == (3, 4), f"the table should have shape (max_seq_len, embed_dim), got {table.shape}"
assert_close(table[0], [0, 1, 0, 1], "position 0: sin 0 = 0 in even columns, cos 0 = 1 in odd ones")
assert_close(table[1], [np.sin(1), np.cos(1), np.sin(0.01), np.cos(0.01)], "position 1 (the worked example)")
assert_close(PositionalEncoding(3, 4).encoding, table, "PositionalEncoding.encoding is the table")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property


def matches_the_formula(max_seq_len, embed_dim):
    expected = np.zeros((max_seq_len, embed_dim))
    for pos in range(max_seq_len):
        for column in range(embed_dim):
            angle = pos / 10000 ** ((column - column % 2) / embed_dim)
            expected[pos, column] = np.sin(angle) if column % 2 == 0 else np.cos(angle)
    assert_close(
        sinusoidal_encoding(max_seq_len, embed_dim), expected, f"sinusoidal_encoding({max_seq_len}, {embed_dim})"
    )
    assert_close(PositionalEncoding(max_seq_len, embed_dim).encoding, expected, "PositionalEncoding(...).encoding")


check_property(
    "the encoding is PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))",
    matches_the_formula,
    max_seq_len=st.integers(1, 12),
    embed_dim=st.integers(1, 9),
)
### END HIDDEN TESTS

# %% [tests id=test_positional_forward points=3]
from tinytorch.testing import assert_close, check_gradients, expect_error

encoding = PositionalEncoding(4, 2)
x = Tensor(np.ones((1, 3, 2)))
assert_close(encoding(x), 1 + encoding.encoding[None, :3], "x + PE[:3] for a sequence of 3 positions")
assert list(encoding.parameters()) == [], "the positional encoding is fixed: it has no parameters"
expect_error(ValueError, lambda: encoding(Tensor(np.ones((1, 5, 2)))), "a sequence of 5 positions with max_seq_len 4")
table = np.array([[0.0, 1.0], [np.sin(1.0), np.cos(1.0)]])  # PE[:2] for embed_dim 2: sin(pos), cos(pos)
forward = lambda x: (x + table) * x  # noqa: E731
check_gradients(lambda x: encoding(x) * x, [Tensor(np.ones((2, 2, 2)), requires_grad=True)], forward=forward)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_gradients, check_property, expect_error, random_array, seeds


def numpy_encoding(length, embed_dim):
    """PE[:length] by the formula, in numpy: the test's own table, not the student's."""
    positions, columns = np.arange(length)[:, None], np.arange(embed_dim)[None, :]
    angles = positions / 10000.0 ** ((columns - columns % 2) / embed_dim)
    return np.where(columns % 2 == 0, np.sin(angles), np.cos(angles))


def adds_the_encoding(batch, length, max_seq_len, embed_dim, seed):
    encoding = PositionalEncoding(max_seq_len, embed_dim)
    x = random_array((batch, length, embed_dim), seed)
    if length > max_seq_len:
        expect_error(ValueError, lambda: encoding(Tensor(x)), f"T = {length} > max_seq_len = {max_seq_len}")
        return
    table = numpy_encoding(length, embed_dim)
    result = encoding(Tensor(x))
    assert_close(result, x + table, f"x + PE[:{length}] for x of shape {x.shape}")
    assert encoding(Tensor(x.astype(np.float32))).dtype == np.float32, "a float32 input gives a float32 output"
    inputs = [Tensor(x, requires_grad=True)]
    check_gradients(lambda x: encoding(x), inputs, seed=seed, forward=lambda x: x + table, values=[x])


check_property(
    "forward adds PE[:T] to (B, T, C) inputs for every T <= max_seq_len, and rejects longer ones",
    adds_the_encoding,
    batch=st.integers(1, 3),
    length=st.integers(1, 6),
    max_seq_len=st.integers(1, 5),
    embed_dim=st.integers(1, 4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Written question
#
# GPT-2 (and the TinyGPT capstone) *learns* its position vectors with a second `Embedding`
# instead of using the sinusoidal table. Give one advantage of each choice, and say what a
# model with learned positions does when given a sequence longer than any it was trained on.

# %% [written id=learned_or_sinusoidal points=2]
# Learned positions can fit whatever the data needs (they cost `max_seq_len * embed_dim`
# parameters and learn from data). The sinusoidal table costs no parameters, is defined for
# any position, and relative offsets are rotations of it. A learned table simply has no row for
# positions beyond `max_seq_len`: the model cannot run on longer sequences (and positions seen
# rarely in training have poorly trained rows); the sinusoidal one can, though quality may drop.
