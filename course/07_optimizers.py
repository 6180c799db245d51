# %% [markdown]
# # Module 07: Optimizers
#
# `loss.backward()` tells every parameter which way is uphill. An **optimizer** decides how far
# to step the other way. The simplest, gradient descent, moves each weight by `lr * grad`;
# the optimizers that train real networks remember past gradients to go faster through long
# valleys (momentum) and to give every weight a step of a sensible size (Adam). In this module
# you write:
#
# 1. `SGD(params, lr, momentum=0.0, weight_decay=0.0)`: gradient descent with momentum;
# 2. `Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)`;
# 3. `AdamW`: Adam with *decoupled* weight decay, the optimizer of GPT models.
#
# Every optimizer has `zero_grad()` and `step()`; a training loop is
#
# ```python
# optimizer = Adam(parameters, lr=1e-3)
# for batch in data:
#     optimizer.zero_grad()          # forget the previous batch's gradients
#     loss = loss_fn(model(x), y)
#     loss.backward()                # fill every parameter's .grad
#     optimizer.step()               # update every parameter's .data
# ```
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.optimizers`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 07_optimizers/optimizers.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np
from tinytorch.tensor import Tensor

# %% [markdown]
# ## 1. The optimizer base class
#
# An optimizer holds a **list** of parameters, Tensors whose `.data` it updates and whose
# `.grad` it reads. `params` may be any iterable (a list, or a generator such as
# `model.parameters()` that can be read only once), so the constructor turns it into a list.
#
# Three rules every `step()` follows:
#
# - a parameter whose `.grad` is `None` (it took no part in the loss) is **skipped**: neither
#   it nor the optimizer's memory of it changes;
# - the update is **in place**, `param.data -= update`: the same numpy array, same dtype (a
#   `float32` weight stays `float32`);
# - it reads gradients, it does not record a graph (it works on numpy arrays only).
#
# `zero_grad()` sets every parameter's `.grad` to `None` (your `backward()` accumulates into
# `.grad`, so without it each batch would add to the previous ones).
#
# **TODO**: write `zero_grad`.


# %% [solution id=optimizer]
class Optimizer:
    """The parameters an optimizer updates, and `zero_grad()`; subclasses define `step()`."""

    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got an empty list of parameters")
        if not all(isinstance(param, Tensor) for param in self.params):
            raise TypeError("an optimizer's parameters must be Tensors")

    def zero_grad(self):
        """Forget every parameter's gradient (set `.grad` to None)."""
        ### BEGIN SOLUTION
        for param in self.params:
            param.grad = None
        ### END SOLUTION

    def step(self):
        raise NotImplementedError("each optimizer defines its own step()")


# %% [markdown]
# ## 2. SGD with momentum and weight decay
#
# With gradient $g$, learning rate $\eta$, weight decay $\lambda$ and momentum $\mu$, each step
# does, for every parameter $w$ (this is exactly PyTorch's `torch.optim.SGD`):
#
# $$g \leftarrow g + \lambda w \qquad v \leftarrow \mu v + g \qquad w \leftarrow w - \eta v$$
#
# - **Weight decay** adds $\lambda w$ to the gradient: the gradient of $\frac{\lambda}{2}\|w\|^2$,
#   a penalty that keeps weights small.
# - **Momentum** keeps a *velocity* $v$ per parameter (zeros at first): a running sum of past
#   gradients, each step's weight $\mu$ times smaller. With $\mu = 0$, $v = g$: plain gradient
#   descent, $w \leftarrow w - \eta g$.
#
# Worked example, $\eta = 0.1$, $\mu = 0.9$, a constant gradient $g = 1$: the velocity is 1,
# 1.9, 2.71, ..., so $w$ goes $0, -0.1, -0.29, -0.561$: steps grow towards $\eta / (1 - \mu)$
# $= 1$ per step, ten times plain gradient descent.
#
# **TODO**: write `SGD.step`. The velocities are created for you, one per parameter.


# %% [solution id=sgd]
class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay (as torch.optim.SGD)."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocities = [np.zeros_like(param.data) for param in self.params]

    def step(self):
        ### BEGIN SOLUTION
        for param, velocity in zip(self.params, self.velocities, strict=True):
            if param.grad is None:
                continue
            grad = param.grad + self.weight_decay * param.data
            if self.momentum:
                velocity *= self.momentum
                velocity += grad
                grad = velocity
            param.data -= self.lr * grad
        ### END SOLUTION


# %% [markdown]
# ## 3. Adam and AdamW
#
# SGD moves every weight in proportion to its gradient, and gradients of different weights
# differ by orders of magnitude. **Adam** keeps, per parameter, running means of the gradient
# $m$ and of its square $v$ (zeros at first), and divides one by the square root of the other,
# so every weight moves by about $\eta$. At step $t = 1, 2, \dots$ of a parameter:
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1) g \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2$$
#
# $$\hat m = \frac{m}{1 - \beta_1^t} \qquad \hat v = \frac{v}{1 - \beta_2^t} \qquad
# w \leftarrow w - \eta \frac{\hat m}{\sqrt{\hat v} + \epsilon}$$
#
# **Bias correction** ($\hat m$, $\hat v$): $m$ and $v$ start at zero, so early on they are too
# small, $m = (1 - \beta_1) g = 0.1 g$ after one step. Dividing by $1 - \beta^t$ undoes that.
# Worked example, the first step: $\hat m = g$, $\hat v = g^2$, so the weight moves by
# $\eta\, g / (|g| + \epsilon) \approx \eta$ against the sign of $g$, whatever the size of $g$.
#
# **Weight decay, two ways.**
#
# - `Adam(..., weight_decay=λ)` adds $\lambda w$ to the gradient before the update (an L2
#   penalty, as `torch.optim.Adam`). The decay then goes through the division by
#   $\sqrt{\hat v}$ like the rest of the gradient.
# - `AdamW(..., weight_decay=λ)` (default $\lambda = 0.01$) **decouples** it: first
#   $w \leftarrow w - \eta \lambda w$, then the Adam update with the plain gradient (as
#   `torch.optim.AdamW`). Every weight shrinks by the same factor $1 - \eta\lambda$.
#
# The step count $t$ is per parameter: a parameter that was skipped (`.grad` None) has not
# taken a step. `AdamW` is `Adam` with `decoupled_weight_decay = True`: your `Adam.step`
# handles both.
#
# **TODO**: write `Adam.step`. *Hint*: update `self.m[i]`, `self.v[i]` and `self.steps[i]` for
# parameter `i`; `np.sqrt` works element-wise.


# %% [solution id=adam]
class Adam(Optimizer):
    """Adam with bias correction; weight_decay adds weight_decay * w to the gradient (L2)."""

    decoupled_weight_decay = False  # AdamW: shrink the weights directly instead

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, tuple(betas), eps, weight_decay
        self.m = [np.zeros_like(param.data) for param in self.params]
        self.v = [np.zeros_like(param.data) for param in self.params]
        self.steps = [0 for _ in self.params]

    def step(self):
        beta1, beta2 = self.betas
        ### BEGIN SOLUTION
        for i, param in enumerate(self.params):
            if param.grad is None:
                continue
            self.steps[i] += 1
            t = self.steps[i]
            grad = param.grad
            if self.decoupled_weight_decay:
                param.data -= self.lr * self.weight_decay * param.data
            else:
                grad = grad + self.weight_decay * param.data
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * grad
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * grad * grad
            m_hat = self.m[i] / (1 - beta1**t)
            v_hat = self.v[i] / (1 - beta2**t)
            param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        ### END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay (as torch.optim.AdamW)."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# %% [markdown]
# ## 4. Try it
#
# Minimise $f(w) = \sum (w - 3)^2$ from $w = 0$ with each optimizer. The gradient is computed
# by hand here, $2(w - 3)$, so this cell needs nothing but your optimizers.

# %% [code]
for make in (lambda w: SGD(w, lr=0.1), lambda w: SGD(w, lr=0.1, momentum=0.5), lambda w: Adam(w, lr=0.1)):
    w = Tensor(np.zeros(2), requires_grad=True)
    optimizer = make([w])
    for _ in range(100):
        optimizer.zero_grad()
        w.grad = 2 * (w.data - 3)
        optimizer.step()
    print(f"{type(optimizer).__name__:4} -> w = {w.data.round(4).tolist()}")

# %% [markdown]
# ## 5. Tests
#
# Each test cell starts with small examples you can read and reproduce. The grader also runs
# hidden tests: the update formulas above, written in numpy, over several steps, with
# hyperparameters drawn at random. When one fails it tells you which property broke and the
# smallest input that shows it.

# %% [tests id=test_zero_grad points=2]
w = Tensor(np.ones(3), requires_grad=True)
b = Tensor(np.zeros(2), requires_grad=True)
w.grad, b.grad = np.ones(3), np.ones(2)
optimizer = SGD([w, b], lr=0.1)
optimizer.zero_grad()
assert w.grad is None and b.grad is None, "zero_grad() sets every parameter's .grad to None"
w.grad, b.grad = np.ones(3), np.ones(2)
optimizer = Adam(param for param in [w, b])  # a generator can be read only once
optimizer.zero_grad()
assert w.grad is None and b.grad is None, "optimizers accept any iterable of parameters, even a generator"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import check_property, random_array, seeds, shapes

OPTIMIZERS = {
    "SGD": lambda params: SGD(params, lr=0.1, momentum=0.9),
    "Adam": lambda params: Adam(params),
    "AdamW": lambda params: AdamW(params),
}


def zero_grad_clears(shapes_, seed, kind, as_generator):
    params = [Tensor(random_array(shape, seed + i), requires_grad=True) for i, shape in enumerate(shapes_)]
    optimizer = OPTIMIZERS[kind](iter(params) if as_generator else params)
    for i, param in enumerate(params):
        param.grad = random_array(param.shape, seed + 100 + i) if i % 2 == 0 else None
    optimizer.zero_grad()
    assert all(param.grad is None for param in params), f"{kind}.zero_grad() left a .grad that is not None"


check_property(
    "zero_grad() sets the .grad of every parameter to None",
    zero_grad_clears,
    shapes_=st.lists(shapes(max_dims=2, max_side=3), min_size=1, max_size=4),
    seed=seeds,
    kind=st.sampled_from(sorted(OPTIMIZERS)),
    as_generator=st.booleans(),
)
### END HIDDEN TESTS

# %% [tests id=test_sgd points=3]
from tinytorch.testing import assert_close

w = Tensor([1.0, 2.0], requires_grad=True)
data = w.data
w.grad = np.array([0.5, -1.0], dtype=np.float32)
SGD([w], lr=0.1).step()
assert_close(w.data, [0.95, 2.1], "one step of gradient descent: w - lr * grad", rtol=1e-6)
assert w.data is data and w.dtype == np.float32, "step() updates param.data in place, keeping float32"
w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
w.grad = np.array([0.5, -1.0])
SGD([w], lr=0.1, weight_decay=0.1).step()
assert_close(w.data, [0.94, 2.08], "weight decay: w - lr * (grad + 0.1 * w)")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def sgd_matches_formula(shape, seed, lr, weight_decay, steps):
    start = random_array(shape, seed)
    w = Tensor(start.copy(), requires_grad=True)
    optimizer = SGD([w], lr=lr, weight_decay=weight_decay)
    expected = start.copy()
    for step in range(1, steps + 1):
        grad = random_array(shape, seed + step)
        w.grad = grad.copy()
        optimizer.step()
        expected = expected - lr * (grad + weight_decay * expected)
        assert_close(w.data, expected, f"w after step {step}", rtol=1e-7, atol=1e-12)
    assert w.dtype == np.float64, f"a float64 parameter became {w.dtype}"


check_property(
    "SGD without momentum follows w <- w - lr * (grad + weight_decay * w)",
    sgd_matches_formula,
    shape=shapes(max_dims=2, max_side=4),
    seed=seeds,
    lr=st.floats(1e-4, 1.0),
    weight_decay=st.sampled_from([0.0, 1e-4, 0.01, 0.5]),
    steps=st.integers(1, 5),
)
### END HIDDEN TESTS

# %% [tests id=test_sgd_momentum points=3]
from tinytorch.testing import assert_close

w = Tensor(np.zeros(1), requires_grad=True)
optimizer = SGD([w], lr=0.1, momentum=0.9)
for expected in (-0.1, -0.29, -0.561):
    w.grad = np.ones(1)
    optimizer.step()
    assert_close(w.data, [expected], "momentum 0.9, constant gradient 1: velocity 1, 1.9, 2.71")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def momentum_matches_formula(shape, seed, lr, momentum, weight_decay, steps):
    start = random_array(shape, seed)
    w = Tensor(start.copy(), requires_grad=True)
    optimizer = SGD([w], lr=lr, momentum=momentum, weight_decay=weight_decay)
    expected, velocity = start.copy(), np.zeros(shape)
    for step in range(1, steps + 1):
        grad = random_array(shape, seed + step)
        w.grad = grad.copy()
        optimizer.step()
        velocity = momentum * velocity + grad + weight_decay * expected
        expected = expected - lr * velocity
        assert_close(w.data, expected, f"w after step {step}", rtol=1e-7, atol=1e-12)


check_property(
    "SGD with momentum follows v <- momentum * v + grad + weight_decay * w, w <- w - lr * v",
    momentum_matches_formula,
    shape=shapes(max_dims=2, max_side=4),
    seed=seeds,
    lr=st.floats(1e-4, 1.0),
    momentum=st.floats(0.01, 0.99),
    weight_decay=st.sampled_from([0.0, 1e-4, 0.01, 0.5]),
    steps=st.integers(2, 6),
)
### END HIDDEN TESTS

# %% [tests id=test_adam points=4]
from tinytorch.testing import assert_close

w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
data = w.data
w.grad = np.array([0.5, -10.0, 1e-3], dtype=np.float32)
Adam([w], lr=0.01).step()
assert_close(w.data, [0.99, -1.99, 2.99], "Adam's first step moves every weight by lr, whatever |grad|", rtol=1e-5)
assert w.data is data and w.dtype == np.float32, "step() updates param.data in place, keeping float32"
w = Tensor(np.array([1.0]), requires_grad=True)
optimizer = Adam([w], lr=0.1, betas=(0.5, 0.5))
for grad in (1.0, 3.0):
    w.grad = np.array([grad])
    optimizer.step()
# step 2: m = 0.5 * 0.5 + 0.5 * 3 = 1.75, v = 0.5 * 0.5 + 0.5 * 9 = 4.75, corrections 1 - 0.5^2 = 0.75
assert_close(w.data, [0.9 - 0.1 * (1.75 / 0.75) / (np.sqrt(4.75 / 0.75) + 1e-8)], "two Adam steps by hand")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def first_step_is_lr(shape, seed, lr):
    start = random_array(shape, seed)
    grad = random_array(shape, seed + 1, low=1e-2, high=10.0) * np.random.default_rng(seed).choice([-1, 1], shape)
    w = Tensor(start.copy(), requires_grad=True)
    w.grad = grad
    Adam([w], lr=lr).step()
    assert_close(np.abs(w.data - start), np.full(shape, lr), "|first step| = lr", rtol=1e-5)
    assert np.all(np.sign(w.data - start) == -np.sign(grad)), "the first step goes against the gradient"


def adam_matches_formula(shape, seed, lr, beta1, beta2, eps, weight_decay, steps):
    start = random_array(shape, seed)
    w = Tensor(start.copy(), requires_grad=True)
    optimizer = Adam([w], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    expected, m, v = start.copy(), np.zeros(shape), np.zeros(shape)
    for t in range(1, steps + 1):
        grad = random_array(shape, seed + t)
        w.grad = grad.copy()
        optimizer.step()
        g = grad + weight_decay * expected
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
        assert_close(w.data, expected, f"w after step {t}", rtol=1e-7, atol=1e-12)


check_property(
    "Adam's first step moves each weight by lr against its gradient",
    first_step_is_lr,
    shape=shapes(max_dims=2, max_side=4),
    seed=seeds,
    lr=st.floats(1e-4, 1.0),
)
check_property(
    "Adam follows its update with bias correction (and L2 weight decay)",
    adam_matches_formula,
    shape=shapes(max_dims=2, max_side=4),
    seed=seeds,
    lr=st.floats(1e-4, 1.0),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.sampled_from([1e-8, 1e-6, 1e-3]),
    weight_decay=st.sampled_from([0.0, 1e-4, 0.01, 0.5]),
    steps=st.integers(1, 5),
)
### END HIDDEN TESTS

# %% [tests id=test_adamw points=3]
from tinytorch.testing import assert_close

assert AdamW([Tensor([1.0])]).weight_decay == 0.01, "AdamW's default weight_decay is 0.01"
w = Tensor(np.array([2.0, -4.0]), requires_grad=True)
w.grad = np.zeros(2)
AdamW([w], lr=0.1, weight_decay=0.5).step()
assert_close(w.data, [2.0 * 0.95, -4.0 * 0.95], "with a zero gradient, AdamW only shrinks w by 1 - lr * decay")
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes


def adamw_matches_formula(shape, seed, lr, beta1, beta2, eps, weight_decay, steps):
    start = random_array(shape, seed)
    w = Tensor(start.copy(), requires_grad=True)
    optimizer = AdamW([w], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    expected, m, v = start.copy(), np.zeros(shape), np.zeros(shape)
    for t in range(1, steps + 1):
        grad = random_array(shape, seed + t)
        w.grad = grad.copy()
        optimizer.step()
        expected = expected * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
        assert_close(w.data, expected, f"w after step {t}", rtol=1e-7, atol=1e-12)


check_property(
    "AdamW shrinks w by 1 - lr * weight_decay, then takes Adam's step with the plain gradient",
    adamw_matches_formula,
    shape=shapes(max_dims=2, max_side=4),
    seed=seeds,
    lr=st.floats(1e-4, 1.0),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    eps=st.sampled_from([1e-8, 1e-6, 1e-3]),
    weight_decay=st.sampled_from([1e-4, 0.01, 0.1, 0.5]),
    steps=st.integers(1, 5),
)
### END HIDDEN TESTS

# %% [tests id=test_skips_params_without_grad points=2]
from tinytorch.testing import assert_close

for make in (lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1), lambda p: Adam(p), lambda p: AdamW(p)):
    used = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    unused = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    optimizer = make([used, unused])
    used.grad = np.array([1.0, 1.0])
    optimizer.step()
    name = type(optimizer).__name__
    assert_close(unused.data, [3.0, 4.0], f"{name}: a parameter whose .grad is None does not move")
    assert not np.allclose(used.data, [1.0, 2.0]), f"{name}: the parameter with a gradient moves"
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close, check_property, random_array, seeds, shapes

MAKERS = {
    "SGD": lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
    "Adam": lambda params: Adam(params, lr=0.01, weight_decay=0.01),
    "AdamW": lambda params: AdamW(params, lr=0.01, weight_decay=0.1),
}


def skipped_state_is_untouched(shape, seed, kind, without, skipped, steps):
    start = [random_array(shape, seed), random_array(shape, seed + 1)]
    pair = [Tensor(start[0].copy(), requires_grad=True), Tensor(start[1].copy(), requires_grad=True)]
    alone = [Tensor(start[0].copy(), requires_grad=True), Tensor(start[1].copy(), requires_grad=True)]
    optimizer = MAKERS[kind](pair)
    separate = [MAKERS[kind]([alone[0]]), MAKERS[kind]([alone[1]])]
    for step in range(1, steps + 1):
        grads = [random_array(shape, seed + 10 * step), random_array(shape, seed + 10 * step + 1)]
        for i in (0, 1):
            pair[i].grad = None if i == without and step <= skipped else grads[i].copy()
        optimizer.step()
        for i in (0, 1):
            if pair[i].grad is not None:
                alone[i].grad = grads[i].copy()
                separate[i].step()
            what = f"{kind}, parameter {i} at step {step} (parameter {without} has no gradient in steps 1 to {skipped})"
            assert_close(pair[i].data, alone[i].data, what, rtol=1e-7, atol=1e-12)


check_property(
    "a parameter without a gradient is skipped, the others are updated: its value and state do not change",
    skipped_state_is_untouched,
    shape=shapes(max_dims=2, max_side=3),
    seed=seeds,
    kind=st.sampled_from(sorted(MAKERS)),
    without=st.integers(0, 1),
    skipped=st.integers(1, 3),
    steps=st.integers(2, 5),
)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Written question
#
# Adam's first step moves each weight by about `lr`, whatever the size of its gradient. Show
# why from the formulas, and say how large the first step would be **without** bias correction
# for the default betas (0.9, 0.999). Then explain in two sentences how AdamW's weight decay
# differs in effect from `Adam(..., weight_decay=λ)` for a weight whose gradients are large.

# %% [written id=why_bias_correction points=2]
# At t = 1, m = (1 - β1) g and v = (1 - β2) g², so m̂ = g and v̂ = g², and the step is
# lr · g / (|g| + ε) ≈ lr · sign(g), independent of the scale of g. Without bias correction it
# would be lr · 0.1 g / (√0.001 |g|) ≈ 3.16 lr, and different again at every early step.
# Adam's L2 decay λw is added to the gradient, so it is divided by √v̂ like the rest: a weight
# with large gradients has a large √v̂ and is hardly decayed at all. AdamW shrinks every weight
# by the same factor 1 - lr·λ per step, whatever its gradients, which is the regularisation
# one actually asked for.
