# %% [markdown]
# # Module 10: Transformers
#
# A Transformer is a stack of identical **blocks**. Each block lets the positions of a
# sequence talk to each other (attention, module 09) and then thinks about each position on its
# own (a small MLP). Two more ingredients make a deep stack of them trainable: **residual
# connections**, which give gradients a direct path from the loss to every layer, and **layer
# normalisation**, which keeps the activations at a steady scale.
#
# In this module you build:
#
# 1. `LayerNorm(normalized_shape, eps=1e-5)`, as a new fused operation with its own gradient;
# 2. `FeedForward(embed_dim, hidden_dim=None)`: `Linear`, `GELU`, `Linear`;
# 3. `TransformerBlock(embed_dim, num_heads, mlp_ratio=4, dropout_prob=0.0)`, the pre-norm
#    block of GPT-2.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.transformers`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 10_transformers/transformers.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np
from tinytorch.activations import GELU
from tinytorch.attention import MultiHeadAttention
from tinytorch.autograd import GRADIENT_RULES, unbroadcast
from tinytorch.layers import Dropout, Linear, Module
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. Layer normalisation
#
# LayerNorm normalises each vector over its **last axis** (the `C` features of one position),
# then lets the model rescale and shift it with learned `gamma` and `beta` of shape `(C,)`:
#
# $$\mu = \frac{1}{C}\sum_j x_j, \qquad \sigma^2 = \frac{1}{C}\sum_j (x_j - \mu)^2, \qquad
#   \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad y_i = \gamma_i \hat x_i + \beta_i$$
#
# Three details matter, and the tests check them: the statistics are over the last axis only
# (each position on its own, unlike batch normalisation); the variance is the **biased** one
# (divide by `C`, not `C - 1`: `np.var`'s default); `eps` goes **inside** the square root, so a
# constant vector gives `x_hat = 0` instead of a division by zero.
#
# Worked example, `x = [1, 2, 3]`: `mu = 2`, `sigma^2 = 2/3`, `x_hat = [-1.2247, 0, 1.2247]`
# (up to `eps`).
#
# **A fused operation.** You could build LayerNorm from `mean`, `-`, `**` and `/`, and module 02
# would differentiate it; but that records a dozen operations per call. One operation,
# `"layer_norm"`, with its own gradient rule, is faster and a classic derivation. With upstream
# gradient $g$, $g_{\hat x} = g \gamma$ and $s = 1/\sqrt{\sigma^2 + \varepsilon}$, averages over
# the last axis written $\langle\cdot\rangle$:
#
# $$\frac{\partial L}{\partial x} = s\,\Big(g_{\hat x} - \langle g_{\hat x}\rangle
#   - \hat x\,\langle g_{\hat x}\, \hat x\rangle\Big), \qquad
#   \frac{\partial L}{\partial \gamma} = \sum_{\text{positions}} g\, \hat x, \qquad
#   \frac{\partial L}{\partial \beta} = \sum_{\text{positions}} g$$
#
# The two averages are there because every $x_j$ moves $\mu$ and $\sigma$, and so every
# $\hat x_i$ of its row. Keep `x_hat` and `s` in the result's `ctx` so the rule need not
# recompute them.
#
# **TODO**: write `layer_norm` and `grad_layer_norm`. *Hint*: `unbroadcast` (module 02) sums
# `g * x_hat` down to `gamma`'s shape.


# %% [solution id=layer_norm_op]
def layer_norm(x, gamma, beta, eps=1e-5):
    """gamma * (x - mean) / sqrt(var + eps) + beta over the last axis, as one operation."""
    ### BEGIN SOLUTION
    centered = x.data - x.data.mean(axis=-1, keepdims=True)
    variance = (centered**2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(variance + eps)
    normalized = centered * inv_std
    data = normalized * gamma.data + beta.data
    return Tensor.from_op(data, "layer_norm", (x, gamma, beta), normalized=normalized, inv_std=inv_std)
    ### END SOLUTION


def grad_layer_norm(grad, out, x, gamma, beta):
    """The gradients of x, gamma and beta (see the formulas above)."""
    ### BEGIN SOLUTION
    normalized, inv_std = out.ctx["normalized"], out.ctx["inv_std"]
    grad_normalized = grad * gamma.data
    grad_x = inv_std * (
        grad_normalized
        - grad_normalized.mean(axis=-1, keepdims=True)
        - normalized * (grad_normalized * normalized).mean(axis=-1, keepdims=True)
    )
    return grad_x, unbroadcast(grad * normalized, gamma.shape), unbroadcast(grad, beta.shape)
    ### END SOLUTION


GRADIENT_RULES["layer_norm"] = grad_layer_norm


# %% [markdown]
# `LayerNorm(normalized_shape, eps=1e-5)` holds the parameters: `gamma`, float32 ones, and
# `beta`, float32 zeros, both of shape `(normalized_shape,)` with `requires_grad=True`
# (`normalized_shape` is the size of the last axis, an int or a one-element tuple).
#
# **TODO**: write the class.


# %% [solution id=layer_norm_class]
class LayerNorm(Module):
    """Normalise each vector over the last axis, then scale by gamma and shift by beta."""

    def __init__(self, normalized_shape, eps=1e-5):
        if isinstance(normalized_shape, (tuple, list)):
            (normalized_shape,) = normalized_shape
        self.normalized_shape = normalized_shape
        self.eps = eps
        ### BEGIN SOLUTION
        self.gamma = Tensor(np.ones(normalized_shape, dtype=np.float32), requires_grad=True)
        self.beta = Tensor(np.zeros(normalized_shape, dtype=np.float32), requires_grad=True)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return layer_norm(x, self.gamma, self.beta, self.eps)
        ### END SOLUTION


# %% [markdown]
# ## 2. The feed-forward network
#
# After attention has mixed information *between* positions, each position goes through the
# same two-layer MLP on its own: `linear1` widens `C` to `hidden_dim` (4 times `C` by default, as
# in GPT-2), `GELU` (module 03), and `linear2` brings it back to `C`. `Linear` works on
# `(B, T, C)` inputs as it is: `@` acts on the last axis.
#
# **TODO**: write `FeedForward`.


# %% [solution id=feed_forward]
class FeedForward(Module):
    """linear2(GELU(linear1(x))), applied to each position on its own."""

    def __init__(self, embed_dim, hidden_dim=None):
        ### BEGIN SOLUTION
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.linear1 = Linear(embed_dim, hidden_dim)
        self.activation = GELU()
        self.linear2 = Linear(hidden_dim, embed_dim)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.linear2(self.activation(self.linear1(x)))
        ### END SOLUTION


# %% [markdown]
# ## 3. The Transformer block
#
# GPT-2's block is **pre-norm**: each sub-layer reads a normalised copy of `x` and *adds* its
# result to `x`, which itself is never normalised:
#
# ```
# x = x + attention(ln1(x), mask)
# x = x + mlp(ln2(x))
# ```
#
# The original Transformer was **post-norm**, `x = ln1(x + attention(x))`: every path from the
# output back to the input then goes through a LayerNorm, and deep stacks train badly without
# a careful learning-rate warm-up. In the pre-norm block the residual path `x + ...` is a clean
# highway for gradients (the gradient of `x + f(x)` is `1 + f'`, never smaller than the path
# around `f`).
#
# The block holds `ln1 = LayerNorm(C)`, `attention = MultiHeadAttention(C, num_heads)`,
# `ln2 = LayerNorm(C)`, `mlp = FeedForward(C, int(C * mlp_ratio))` and a `Dropout(dropout_prob)`
# applied to the output of attention and of the MLP before each is added (with the default
# `dropout_prob=0.0` it does nothing). `forward(x, mask=None)` passes the mask on to attention.
#
# **TODO**: write `TransformerBlock`.


# %% [solution id=transformer_block]
class TransformerBlock(Module):
    """x + attention(ln1(x)), then + mlp(ln2(x)): GPT-2's pre-norm block."""

    def __init__(self, embed_dim, num_heads, mlp_ratio=4, dropout_prob=0.0):
        ### BEGIN SOLUTION
        self.ln1 = LayerNorm(embed_dim)
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.ln2 = LayerNorm(embed_dim)
        self.mlp = FeedForward(embed_dim, int(embed_dim * mlp_ratio))
        self.dropout = Dropout(dropout_prob)
        ### END SOLUTION

    def forward(self, x, mask=None):
        ### BEGIN SOLUTION
        x = x + self.dropout(self.attention(self.ln1(x), mask))
        return x + self.dropout(self.mlp(self.ln2(x)))
        ### END SOLUTION


# %% [markdown]
# ## 4. Try it
#
# A block keeps the shape `(B, T, C)`, so blocks stack. Look at the statistics of LayerNorm's
# output, and at how many parameters one small block has.

# %% [code]
from tinytorch.attention import causal_mask

x = Tensor(np.random.default_rng(0).normal(3.0, 5.0, size=(2, 4, 8)).astype(np.float32))
normalized = LayerNorm(8)(x)
print("LayerNorm: mean per position", normalized.data.mean(axis=-1).round(4)[0])
print("           var per position ", normalized.data.var(axis=-1).round(4)[0])
block = TransformerBlock(embed_dim=8, num_heads=2)
print("block:", x.shape, "->", block(x, causal_mask(4)).shape)
for name, parameter in block.named_parameters():
    print(f"  {name:28} {parameter.shape}")
print("parameters:", sum(parameter.data.size for parameter in block.parameters()))

# %% [markdown]
# ## 5. Tests

# %% [tests id=test_layernorm_forward points=3]
from tinytorch.testing import assert_close

norm = LayerNorm(3)
assert norm.gamma.shape == (3,) and norm.beta.shape == (3,), "gamma and beta have shape (normalized_shape,)"
assert_close(norm.gamma, [1, 1, 1], "gamma starts at ones")
assert_close(norm.beta, [0, 0, 0], "beta starts at zeros")
parameters = norm.parameters()
assert len(parameters) == 2 and parameters[0] is norm.gamma and parameters[1] is norm.beta, "parameters: gamma, beta"
x = Tensor(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
s = 1 / np.sqrt(2 / 3 + 1e-5)
assert_close(norm(x), [[-s, 0, s], [0, 0, 0]], "each row normalised on its own; a constant row gives zeros")
norm.gamma.data = np.array([1.0, 2.0, 3.0])
norm.beta.data = np.array([0.5, 0.0, -1.0])
assert_close(norm(x), [[0.5 - s, 0, 3 * s - 1], [0.5, 0, -1]], "then scaled by gamma and shifted by beta")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def numpy_layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * gamma + beta


def matches_numpy(shape, seed, scale, eps):
    x = random_array(shape, seed) * scale + random_array(shape[-1:], seed + 3)
    norm = LayerNorm(shape[-1]) if eps is None else LayerNorm((shape[-1],), eps=eps)
    gamma, beta = random_array(shape[-1:], seed + 1), random_array(shape[-1:], seed + 2)
    norm.gamma.data, norm.beta.data = gamma, beta
    expected = numpy_layer_norm(x, gamma, beta, 1e-5 if eps is None else eps)
    assert_close(norm(Tensor(x)), expected, f"LayerNorm({shape[-1]}, eps={eps}) of x of shape {shape}, scale {scale}")
    float32 = LayerNorm(shape[-1])(Tensor(x.astype(np.float32)))
    assert float32.dtype == np.float32, "float32 inputs and parameters give a float32 output"


check_property(
    "LayerNorm matches gamma * (x - mean) / sqrt(var + eps) + beta over the last axis (biased var)",
    matches_numpy,
    shape=shapes(min_dims=1, max_dims=3, max_side=5),
    seed=seeds,
    scale=st.sampled_from([1.0, 0.01, 100.0]),
    eps=st.sampled_from([None, 1e-5, 0.1]),
)
### END HIDDEN TESTS

# %% [tests id=test_layernorm_statistics points=2]
from tinytorch.testing import assert_close

x = Tensor(np.array([[0.0, 10.0, 20.0, 30.0], [1.0, -1.0, 1.0, -1.0]]))
y = LayerNorm(4)(x).data
assert_close(y.mean(axis=-1), [0, 0], "each row of the output has mean 0", atol=1e-6)
assert_close(y.var(axis=-1), [1, 1], "each row of the output has variance 1 (up to eps)", rtol=1e-4)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def normalises_each_row(batch, features, seed, scale, offset):
    x = random_array((*batch, features), seed) * scale + offset
    variance = x.var(axis=-1)
    y = LayerNorm(features)(Tensor(x)).data
    assert_close(y.mean(axis=-1), np.zeros(batch), f"mean of each output row (inputs of scale {scale})", atol=1e-6)
    expected = variance / (variance + 1e-5)  # 1, up to eps
    assert_close(y.var(axis=-1), expected, f"variance of each output row (inputs of scale {scale})", rtol=1e-4)


check_property(
    "before gamma and beta, each row of LayerNorm's output has mean 0 and variance 1 (up to eps)",
    normalises_each_row,
    batch=st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple),
    features=st.integers(2, 6),
    seed=seeds,
    scale=st.sampled_from([1.0, 10.0]),
    offset=st.sampled_from([0.0, 5.0, -100.0]),
)
### END HIDDEN TESTS

# %% [tests id=test_layernorm_gradients points=3]
from tinytorch.testing import check_gradients

x = Tensor(np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 0.0]]), requires_grad=True)
gamma = Tensor(np.array([1.0, 2.0, -1.0]), requires_grad=True)
beta = Tensor(np.array([0.0, 1.0, 0.5]), requires_grad=True)
check_gradients(layer_norm, [x, gamma, beta])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds, shapes


def numpy_layer_norm(x, gamma, beta, eps=1e-5):
    centered = x - x.mean(axis=-1, keepdims=True)
    return centered / np.sqrt((centered**2).mean(axis=-1, keepdims=True) + eps) * gamma + beta


def layer_norm_gradients(shape, seed):
    values = [random_array(shape, seed), random_array(shape[-1:], seed + 1), random_array(shape[-1:], seed + 2)]
    norm = LayerNorm(shape[-1])
    norm.gamma.data, norm.beta.data = values[1], values[2]
    inputs = [Tensor(values[0], requires_grad=True), norm.gamma, norm.beta]  # f reaches gamma and beta through norm
    check_gradients(lambda x, gamma, beta: norm(x), inputs, seed=seed, forward=numpy_layer_norm, values=values)


check_property(
    "LayerNorm has the right gradients for x, gamma and beta",
    layer_norm_gradients,
    shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_feedforward points=3]
from tinytorch.testing import assert_close

mlp = FeedForward(3)
assert mlp.linear1.weight.shape == (3, 12), "linear1 widens embed_dim to 4 * embed_dim by default"
assert mlp.linear2.weight.shape == (12, 3), "linear2 brings it back to embed_dim"
assert FeedForward(3, hidden_dim=5).linear1.weight.shape == (3, 5), "hidden_dim sets the width"
mlp = FeedForward(2, hidden_dim=2)
mlp.linear1.weight.data, mlp.linear1.bias.data = np.eye(2), np.array([0.0, 1.0])
mlp.linear2.weight.data, mlp.linear2.bias.data = np.array([[1.0, 0.0], [0.0, -1.0]]), np.zeros(2)
gelu = lambda v: 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v**3)))  # noqa: E731
assert_close(mlp(Tensor(np.array([[1.0, 2.0]]))), [[gelu(1.0), -gelu(3.0)]], "linear2(GELU(linear1(x)))")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_gradients, check_property, random_array, seeds


def numpy_feed_forward(x, w1, b1, w2, b2):
    """linear2(GELU(linear1(x))) in numpy, GELU's tanh approximation."""
    hidden = x @ w1 + b1
    hidden = 0.5 * hidden * (1 + np.tanh(np.sqrt(2 / np.pi) * (hidden + 0.044715 * hidden**3)))
    return hidden @ w2 + b2


def feed_forward_matches_numpy(batch, length, embed_dim, hidden_dim, seed):
    mlp = FeedForward(embed_dim) if hidden_dim is None else FeedForward(embed_dim, hidden_dim)
    width = 4 * embed_dim if hidden_dim is None else hidden_dim
    assert mlp.linear1.weight.shape == (embed_dim, width), f"FeedForward({embed_dim}, {hidden_dim}).linear1"
    assert mlp.linear2.weight.shape == (width, embed_dim), f"FeedForward({embed_dim}, {hidden_dim}).linear2"
    assert len(mlp.parameters()) == 4, "the parameters are linear1's and linear2's weight and bias"
    parameters = [mlp.linear1.weight, mlp.linear1.bias, mlp.linear2.weight, mlp.linear2.bias]
    values = [random_array((batch, length, embed_dim), seed)]
    for offset, parameter in enumerate(parameters):
        values.append(random_array(parameter.shape, seed + 10 + offset))
        parameter.data = values[-1]
    x = values[0]
    expected = numpy_feed_forward(*values)
    assert_close(mlp(Tensor(x)), expected, f"FeedForward({embed_dim}, {hidden_dim}) on x of shape {x.shape}")
    inputs = [Tensor(x, requires_grad=True), *parameters]  # f reaches the parameters through mlp
    check_gradients(lambda x, *parameters: mlp(x), inputs, seed=seed, forward=numpy_feed_forward, values=values)


check_property(
    "FeedForward is linear2(GELU(linear1(x))), 4 * embed_dim wide by default",
    feed_forward_matches_numpy,
    batch=st.integers(1, 2),
    length=st.integers(1, 3),
    embed_dim=st.integers(1, 3),
    hidden_dim=st.none() | st.integers(1, 5),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_transformer_block points=4]
from tinytorch.attention import MultiHeadAttention, causal_mask

from tinytorch.testing import assert_close

block = TransformerBlock(embed_dim=4, num_heads=2)
assert isinstance(block.ln1, LayerNorm) and isinstance(block.ln2, LayerNorm), "ln1 and ln2 are LayerNorms"
assert isinstance(block.attention, MultiHeadAttention) and block.attention.num_heads == 2, "attention"
assert isinstance(block.mlp, FeedForward) and block.mlp.linear1.weight.shape == (4, 16), "mlp, mlp_ratio 4"
x = Tensor(np.random.default_rng(0).standard_normal((1, 3, 4)))
h = x.data + block.attention(block.ln1(x), causal_mask(3)).data
expected = h + block.mlp(block.ln2(Tensor(h))).data
assert_close(block(x, causal_mask(3)), expected, "x + attention(ln1(x), mask), then + mlp(ln2(x))")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
PARAMETERS = ["ln1.gamma", "ln1.beta"] + [
    f"attention.{name}.{kind}" for name in PROJECTIONS for kind in ("weight", "bias")
]
PARAMETERS += [
    "ln2.gamma",
    "ln2.beta",
    "mlp.linear1.weight",
    "mlp.linear1.bias",
    "mlp.linear2.weight",
    "mlp.linear2.bias",
]


def parameter(block, dotted):
    """The block's parameter at a dotted name ("attention.q_proj.weight"), found by attributes."""
    for name in dotted.split("."):
        block = getattr(block, name)
    return block


def numpy_block(num_heads, mask, x, *parameters):
    """x + attention(ln1(x), mask), then + mlp(ln2(x)), in numpy, from the block's 16 parameters in the
    order of PARAMETERS."""
    g1, c1, wq, bq, wk, bk, wv, bv, wo, bo, g2, c2, w1, b1, w2, b2 = parameters
    (batch, length, embed_dim), size = x.shape, x.shape[-1] // num_heads

    def norm(a, gamma, beta):
        centered = a - a.mean(axis=-1, keepdims=True)
        return centered / np.sqrt((centered**2).mean(axis=-1, keepdims=True) + 1e-5) * gamma + beta

    def split(a):
        return a.reshape(batch, length, num_heads, size).transpose(0, 2, 1, 3)

    a = norm(x, g1, c1)
    scores = split(a @ wq + bq) @ split(a @ wk + bk).transpose(0, 1, 3, 2) / np.sqrt(size)
    scores = scores if mask is None else np.where(np.asarray(mask) != 0, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    heads = weights / weights.sum(axis=-1, keepdims=True) @ split(a @ wv + bv)
    h = x + heads.transpose(0, 2, 1, 3).reshape(batch, length, embed_dim) @ wo + bo
    hidden = norm(h, g2, c2) @ w1 + b1
    hidden = 0.5 * hidden * (1 + np.tanh(np.sqrt(2 / np.pi) * (hidden + 0.044715 * hidden**3)))
    return h + hidden @ w2 + b2


def pre_norm_residuals(batch, length, num_heads, head_dim, mlp_ratio, seed, causal):
    embed_dim = num_heads * head_dim
    block = TransformerBlock(embed_dim, num_heads, mlp_ratio=mlp_ratio)
    assert block.mlp.linear1.weight.shape == (embed_dim, embed_dim * mlp_ratio), "the mlp is mlp_ratio times wider"
    assert block.attention.num_heads == num_heads, "attention has num_heads heads"
    values = []
    for offset, each in enumerate(parameter(block, name) for name in PARAMETERS):
        values.append(random_array(each.shape, seed + 10 + offset))
        each.data = values[-1]
    x = random_array((batch, length, embed_dim), seed)
    mask = np.tril(np.ones((length, length))) if causal else None
    expected = numpy_block(num_heads, mask, x, *values)
    what = f"TransformerBlock({embed_dim}, {num_heads}, mlp_ratio={mlp_ratio}) on x {x.shape}, causal={causal}"
    assert_close(block(Tensor(x), mask), expected, what)


def stays_causal(length, position, seed):
    position = position % length
    block = TransformerBlock(4, 2)
    x = random_array((1, length, 4), seed)
    changed = x.copy()
    changed[:, position:] = random_array(changed[:, position:].shape, seed + 1)
    mask = np.tril(np.ones((length, length)))
    before, after = block(Tensor(x), mask).data, block(Tensor(changed), mask).data
    assert_close(after[:, :position], before[:, :position], f"outputs before position {position} (mask passed on)")


check_property(
    "the block is pre-norm: x + attention(ln1(x), mask), then + mlp(ln2(x))",
    pre_norm_residuals,
    batch=st.integers(1, 2),
    length=st.integers(1, 4),
    num_heads=st.integers(1, 2),
    head_dim=st.integers(1, 2),
    mlp_ratio=st.integers(1, 4),
    seed=seeds,
    causal=st.booleans(),
)
check_property(
    "a block given the causal mask never looks ahead",
    stays_causal,
    length=st.integers(2, 4),
    position=st.integers(1, 3),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_transformer_block_gradients points=3]
from tinytorch.attention import causal_mask

from tinytorch.testing import check_gradients

block = TransformerBlock(embed_dim=2, num_heads=1, mlp_ratio=1)
assert len(block.parameters()) == 16, "2 LayerNorms (2 each), 4 projections and 2 linears (2 each)"
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
PARAMETERS = ["ln1.gamma", "ln1.beta"] + [
    f"attention.{name}.{kind}" for name in PROJECTIONS for kind in ("weight", "bias")
]
PARAMETERS += [
    "ln2.gamma",
    "ln2.beta",
    "mlp.linear1.weight",
    "mlp.linear1.bias",
    "mlp.linear2.weight",
    "mlp.linear2.bias",
]


def parameter(block, dotted):
    """The block's parameter at a dotted name ("attention.q_proj.weight"), found by attributes."""
    for name in dotted.split("."):
        block = getattr(block, name)
    return block


parameters = [parameter(block, name) for name in PARAMETERS]
for each in parameters:
    each.data = each.data.astype(np.float64)
x = Tensor(np.array([[[1.0, -1.0], [0.5, 2.0]]]), requires_grad=True)
check_gradients(lambda x, *parameters: block(x, causal_mask(2)), [x, *parameters], rtol=1e-3, atol=1e-4)
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_gradients, check_property, random_array, seeds


def numpy_block(num_heads, mask, x, *parameters):
    """x + attention(ln1(x), mask), then + mlp(ln2(x)), in numpy, from the block's 16 parameters in the
    order of PARAMETERS."""
    g1, c1, wq, bq, wk, bk, wv, bv, wo, bo, g2, c2, w1, b1, w2, b2 = parameters
    (batch, length, embed_dim), size = x.shape, x.shape[-1] // num_heads

    def norm(a, gamma, beta):
        centered = a - a.mean(axis=-1, keepdims=True)
        return centered / np.sqrt((centered**2).mean(axis=-1, keepdims=True) + 1e-5) * gamma + beta

    def split(a):
        return a.reshape(batch, length, num_heads, size).transpose(0, 2, 1, 3)

    a = norm(x, g1, c1)
    scores = split(a @ wq + bq) @ split(a @ wk + bk).transpose(0, 1, 3, 2) / np.sqrt(size)
    scores = scores if mask is None else np.where(np.asarray(mask) != 0, scores, -1e9)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    heads = weights / weights.sum(axis=-1, keepdims=True) @ split(a @ wv + bv)
    h = x + heads.transpose(0, 2, 1, 3).reshape(batch, length, embed_dim) @ wo + bo
    hidden = norm(h, g2, c2) @ w1 + b1
    hidden = 0.5 * hidden * (1 + np.tanh(np.sqrt(2 / np.pi) * (hidden + 0.044715 * hidden**3)))
    return h + hidden @ w2 + b2


def block_gradients(length, num_heads, head_dim, mlp_ratio, seed):
    embed_dim = num_heads * head_dim
    block = TransformerBlock(embed_dim, num_heads, mlp_ratio=mlp_ratio)
    parameters = [parameter(block, name) for name in PARAMETERS]
    values = [random_array((1, length, embed_dim), seed)]
    for offset, each in enumerate(parameters):
        values.append(random_array(each.shape, seed + 10 + offset))
        each.data = values[-1]
    x = Tensor(values[0], requires_grad=True)
    mask = np.tril(np.ones((length, length)))
    forward = lambda x, *parameters: numpy_block(num_heads, mask, x, *parameters)  # noqa: E731
    check_gradients(
        lambda x, *parameters: block(x, mask),
        [x, *parameters],
        seed=seed,
        rtol=1e-3,
        atol=1e-4,
        forward=forward,
        values=values,
    )


check_property(
    "a TransformerBlock has the right gradients for x and every parameter",
    block_gradients,
    length=st.integers(1, 3),
    num_heads=st.integers(1, 2),
    head_dim=st.integers(1, 2),
    mlp_ratio=st.integers(1, 2),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Written question
#
# Your block adds the outputs of attention and of the MLP to `x` instead of replacing `x`.
# Explain, in terms of gradients, why a stack of 48 such blocks still trains while 48 blocks
# without the residual connections hardly do.

# %% [written id=why_residuals points=2]
# With `x_{l+1} = x_l + f_l(x_l)`, the Jacobian of each block is `I + f_l'`: the product over the
# layers always contains the identity term, so the loss's gradient reaches the first layers
# directly along the residual path, however small the `f_l'` are. Without residuals the
# gradient is the product of 48 Jacobians `f_l'`, which shrinks (or explodes) exponentially with
# depth, so early layers get almost no signal. Residual blocks also start close to the identity,
# which makes a deep network behave like a shallow one at the start of training.
