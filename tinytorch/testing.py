"""Helpers for the notebooks' tests: comparisons that explain themselves, gradient checks,
and property-based checks with Hypothesis that report the smallest failing input.

Visible tests use `assert_close` and `check_gradients` directly. Hidden tests wrap a check in
`check_property`, which runs it on many inputs drawn by Hypothesis (always the same inputs:
grading is deterministic) and, when it fails, says which property failed and the smallest
input that shows it.
"""

import os
import tempfile
import traceback

import numpy as np

# Hypothesis caches what it learns in a `.hypothesis` folder in the working directory; keep it
# out of student, release and autograded folders (no example database is used either).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "tinytorch-hypothesis"))

from hypothesis import HealthCheck, Verbosity, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import array_shapes  # noqa: E402

GRADING = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=20,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.quiet,
    print_blob=False,
)

seeds = st.integers(min_value=0, max_value=2**16)


def shapes(min_dims=1, max_dims=3, min_side=1, max_side=5):
    """Array shapes, drawn by Hypothesis (which shrinks them towards the smallest)."""
    return array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def random_array(shape, seed, low=-2.0, high=2.0, dtype=np.float64):
    """Values drawn by numpy from a Hypothesis-drawn seed: reproducible and cheap to shrink."""
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


class PropertyFailed(AssertionError):
    """A hidden test's property does not hold; the message names it and the smallest input."""


class RecordedDraws:
    """What a test drew from `st.data()`, kept so that the failure message can show it."""

    def __init__(self, data):
        self.data, self.drawn = data, []

    def draw(self, strategy, label=None):
        value = self.data.draw(strategy, label)
        self.drawn.append((label or f"draw {len(self.drawn) + 1}", value))
        return value


def describe_inputs(inputs):
    """name=value of every input, the values drawn inside the test included."""
    shown = []
    for name, value in inputs.items():
        pairs = value.drawn if isinstance(value, RecordedDraws) else [(name, value)]
        shown += [f"{label}={drawn!r}" for label, drawn in pairs]
    return ", ".join(shown)


def check_property(name, check, max_examples=None, smallest=None, **strategies):
    """Check that `check(**inputs)` passes for inputs drawn from `strategies`.

    `max_examples` lowers the number of examples for an expensive property (training a model);
    `smallest`, a dict, receives the smallest failing input.
    """
    last_inputs = {} if smallest is None else smallest

    @settings(GRADING, max_examples=max_examples or GRADING.max_examples)
    @given(**strategies)
    def run(**inputs):
        inputs = {name: RecordedDraws(value) if hasattr(value, "draw") else value for name, value in inputs.items()}
        last_inputs.clear()
        last_inputs.update(inputs)
        try:
            check(**inputs)
        except BaseException as error:
            # Hypothesis keeps each failure it meets while it shrinks; without the locals of its
            # frames (a grader keeps a copy of each array a test read from the student's objects).
            traceback.clear_frames(error.__traceback__)
            raise

    try:
        run()
    except Exception as error:
        # Hypothesis replays the smallest failing example last, so `last_inputs` holds it.
        raise PropertyFailed(
            f"property failed: {name}\n"
            f"smallest failing input: {describe_inputs(last_inputs)}\n"
            f"what went wrong: {type(error).__name__}: {error}"
        ) from None


def explain_chain_failure(replay):
    """Which module of the student's chain makes `replay(capstone_module)` fail, as a sentence.
    While grading, the harness puts the capstone's blame here (tinytorch/grading/blame.py)."""
    return "To find the module that breaks it, run the tests of your earlier notebooks again."


def check_capstone(name, check, notebook, max_examples=None, **strategies):
    """Check a property of the capstone: `check(notebook, **inputs)` uses the notebook's names
    (notebook.TinyGPT, ...); with no strategies, `check(notebook)` runs once.

    When it fails, the message also says which module of the student's chain breaks it
    (`explain_chain_failure`).
    """
    smallest = {}
    try:
        if strategies:
            check_property(name, lambda **inputs: check(notebook, **inputs), max_examples, smallest, **strategies)
        else:
            check(notebook)
    except Exception as failure:
        reason = str(failure) if isinstance(failure, PropertyFailed) else f"{name}: {type(failure).__name__}: {failure}"
        explanation = explain_chain_failure(lambda capstone: check(capstone, **smallest))
        raise PropertyFailed(f"{reason}\n{explanation}") from None


def epochs_of(loader, count):
    """`count` epochs of `loader` in turn, each the list of its batches. While grading, the harness
    asks the student process for all of them at once (a test of shuffling needs thousands)."""
    return [list(loader) for _ in range(count)]


def as_array(value):
    return np.asarray(getattr(value, "data", value))


def assert_close(actual, expected, what, rtol=1e-5, atol=1e-8):
    """Assert `actual` matches `expected` (arrays or Tensors), saying where and by how much."""
    actual, expected = as_array(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, expected {expected.shape}")
    wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise AssertionError(
            f"{what}: {int(wrong.sum())} of {wrong.size} values differ; first at index {index}: "
            f"got {actual[index]!r}, expected {expected[index]!r}"
        )


def numerical_gradient(f, inputs, upstream, index, step=1e-6):
    """Central differences of sum(f(inputs) * upstream) with respect to inputs[index].

    Each nudged input is a new array given to the tensor (`tensor.data = ...`): while grading,
    the tensor lives in the student process and a copy of its data here would not move it.
    Only for a check without a trusted `forward` (see check_gradients).
    """
    tensor = inputs[index]
    data = np.array(tensor.data)
    gradient = np.zeros_like(data)
    for position in np.ndindex(data.shape):
        original = data[position]
        values = []
        for nudged in (original + step, original - step):
            data[position] = nudged
            tensor.data = data.copy()
            values.append(np.sum(as_array(f(*inputs)) * upstream))
        data[position] = original
        gradient[position] = (values[0] - values[1]) / (2 * step)
    tensor.data = data
    return gradient


def trusted_gradient(forward, arrays, upstream, index, step=1e-6):
    """Central differences of sum(forward(*arrays) * upstream) with respect to arrays[index],
    each evaluation on new arrays: `forward` is the test's own (numpy), never the tested code."""
    gradient = np.zeros_like(arrays[index])
    for position in np.ndindex(gradient.shape):
        values = []
        for nudge in (step, -step):
            nudged = [np.array(array) for array in arrays]
            nudged[index][position] += nudge
            values.append(np.sum(np.asarray(forward(*nudged)) * upstream))
        gradient[position] = (values[0] - values[1]) / (2 * step)
    return gradient


def check_gradients(f, inputs, seed=0, rtol=1e-3, atol=1e-5, forward=None, values=None):
    """Compare backward() of `f(*inputs)` with central differences, in float64.

    `inputs` are float64 Tensors with requires_grad=True. The upstream gradient is random
    (seeded), never all ones, so a rule that sums or transposes the wrong way cannot hide.
    `forward`, the same function on numpy arrays, makes the expected values the test's own:
    f's output must match it, and the central differences are taken of it, not of the tested
    code (which could ignore its inputs, and agree with a backward that computes nothing).
    `values`, the arrays the test made the inputs from, are what `forward` is evaluated at
    (otherwise the inputs' data, as the tensors report it): a tensor that kept other numbers
    than it was given, or a layer that ignored `param.data = ...`, then fails on f's output.
    """
    arrays = []
    for tensor in inputs:
        arrays.append(np.array(tensor.data))
        assert arrays[-1].dtype == np.float64, "gradient checks need float64 inputs"
        tensor.grad = None
    if values is not None:
        assert forward is not None and len(values) == len(inputs), "values need a forward, one per input"
        arrays = [np.array(value, dtype=np.float64) for value in values]
    output = f(*inputs)
    computed_output = np.array(output.data)
    upstream = np.random.default_rng(seed).standard_normal(computed_output.shape)
    if forward is not None:
        assert_close(computed_output, np.asarray(forward(*arrays)), "the output the gradient is taken of")
    output.backward(upstream)
    for index, tensor in enumerate(inputs):
        if forward is None:
            expected = numerical_gradient(f, inputs, upstream, index)
        else:
            expected = trusted_gradient(forward, arrays, upstream, index)
        gradient = tensor.grad
        if gradient is None and np.any(expected):
            raise AssertionError(f"input {index} (shape {tensor.shape}) got no gradient")
        computed = np.zeros_like(expected) if gradient is None else gradient
        assert_close(computed, expected, f"gradient of input {index}", rtol=rtol, atol=atol)


# Statistical checks of random draws. Each accepts a correct sampler's draws except with
# probability below FALSE_ALARM, whatever the seed (the bounds below are exact, not asymptotic);
# grading stays deterministic because the draws themselves are seeded.
FALSE_ALARM = 1e-9


def assert_fraction(hits, expected, what):
    """Assert that the share of True among independent draws `hits` is `expected`.

    Hoeffding: P(|share - expected| >= t) <= 2 exp(-2 n t^2), so t = sqrt(ln(2 / FALSE_ALARM) / 2n).
    """
    hits = np.asarray(hits, dtype=bool).ravel()
    tolerance = np.sqrt(np.log(2 / FALSE_ALARM) / (2 * hits.size))
    if abs(hits.mean() - expected) > tolerance:
        raise AssertionError(f"{what}: a share of {hits.mean():.3f} of {hits.size} draws, expected {expected:.3f}")


def assert_uniform(values, low, high, what, bins=4):
    """Assert that `values` were drawn uniformly from [low, high]: all inside, and each of `bins`
    equal bins holds its share (assert_fraction per bin: a false alarm below bins * FALSE_ALARM)."""
    values = as_array(values).ravel()
    assert np.all((low <= values) & (values <= high)), f"{what}: values outside [{low:.4g}, {high:.4g}]"
    edges = np.linspace(low, high, bins + 1)
    for left, right in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (left <= values) & (values < right)
        assert_fraction(in_bin, 1 / bins, f"{what}: values in [{left:.4g}, {right:.4g}) of [{low:.4g}, {high:.4g}]")


def assert_normal(values, mean, std, what):
    """Assert that `values` were drawn from a normal distribution with this mean and std.

    With z = (values - mean) / std and x = ln(2 / FALSE_ALARM): the mean of z is within
    sqrt(2x / n) (Gaussian tail), and sum(z^2), a chi-square with n degrees of freedom, within
    [n - 2 sqrt(nx), n + 2 sqrt(nx) + 2x] (Laurent and Massart); a false alarm below 2 * FALSE_ALARM.
    """
    z = (as_array(values).astype(np.float64).ravel() - mean) / std
    n, x = z.size, np.log(2 / FALSE_ALARM)
    if abs(z.mean()) > np.sqrt(2 * x / n):
        raise AssertionError(f"{what}: mean {z.mean() * std + mean:.4g}, expected {mean:.4g} (std {std:.4g})")
    spread = np.sum(z**2)
    if not n - 2 * np.sqrt(n * x) <= spread <= n + 2 * np.sqrt(n * x) + 2 * x:
        raise AssertionError(f"{what}: standard deviation {std * np.sqrt(spread / n):.4g}, expected {std:.4g}")


def expect_error(error_type, action, what):
    """Assert that `action()` raises `error_type`; `what` describes the bad input."""
    try:
        action()
    except error_type:
        return
    raise AssertionError(f"{what} should raise {error_type.__name__}, but it did not")
