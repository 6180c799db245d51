# %% [markdown]
# # Module 12: A language model of real text
#
# Your TinyGPT (module 11) memorised random tokens. Random tokens have nothing to learn, so
# that proved only that the chain works. Here it learns **Shakespeare**, one character at a
# time, and writes some of its own.
#
# Real training needs more than a loop of Adam steps:
#
# 1. a **tokenizer** that turns text into integers and back;
# 2. a **data loader** that cuts the text into windows, each target shifted by one character,
#    and serves them in a new random order every epoch;
# 3. a **training loop** with AdamW, **gradient clipping** and a **learning-rate schedule**,
#    which measures the loss on **held-out** text it never trains on;
# 4. **generation** from a prompt, with a temperature and top-k;
# 5. a yardstick: **bits per character**, against a model that ignores the context.
#
# Like the capstone, this notebook is graded on **your own modules 01-11**: when a test fails,
# the grader tells you which of them breaks it.
#
# Only the cells marked `YOUR CODE HERE` (and the import cell) become `tinytorch.language_model`.
#
# **Before you submit**, check this notebook as the grader will run it: in a terminal, in the
# folder of your assignments, `python -m tinytorch.check 12_language_model/language_model.ipynb` runs it
# top to bottom in a fresh kernel and sums up the visible tests that pass, the functions still
# to write, and any test cell that was edited.

# %% [export id=imports]
import numpy as np
from tinytorch.autograd import no_grad
from tinytorch.losses import CrossEntropyLoss
from tinytorch.optimizers import AdamW
from tinytorch.tensor import Tensor
from tinytorch.tinygpt import TinyGPT

# %% [markdown]
# ## 1. Characters to tokens
#
# The simplest tokenizer gives each distinct character of a text its own token. With the
# characters **sorted**, the same text always gives the same vocabulary: for `"hello"` the
# vocabulary is `['e', 'h', 'l', 'o']`, so `encode("hello")` is `[1, 0, 2, 2, 3]` and
# `decode([1, 0, 2, 2, 3])` is `"hello"` again.
#
# A character the tokenizer never saw has no token. Mapping it silently to some token would
# train and evaluate on the wrong text, so `encode` refuses it: it raises `ValueError` and names
# the characters it does not know.
#
# **TODO**: write `CharTokenizer`. *Hints*: `sorted(set(text))`; a dict from character to token
# makes `encode` fast; `encode` returns an int64 numpy array, `decode` accepts any sequence of
# token ids.


# %% [solution id=tokenizer]
class CharTokenizer:
    """One token per distinct character of `text`, in sorted order."""

    def __init__(self, text):
        ### BEGIN SOLUTION
        self.chars = sorted(set(text))
        self.token_of = {char: token for token, char in enumerate(self.chars)}
        ### END SOLUTION

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        """The tokens of `text`; ValueError names the characters not in the vocabulary."""
        ### BEGIN SOLUTION
        unknown = sorted(set(text) - self.token_of.keys())
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return np.array([self.token_of[char] for char in text], dtype=np.int64)
        ### END SOLUTION

    def decode(self, tokens):
        ### BEGIN SOLUTION
        return "".join(self.chars[int(token)] for token in np.asarray(tokens).reshape(-1))
        ### END SOLUTION


# %% [markdown]
# ## 2. Windows of text, shuffled
#
# The model reads `context` characters and predicts, at every position, the next one. So a
# training example is a **window** of `context` tokens and its **target**, the same window
# shifted by one token. `TextLoader` cuts the tokens into windows that do not overlap:
#
# ```
# tokens   0 1 2 3 4 5 6 7 8 9 10          context = 3
# inputs  [0 1 2] [3 4 5] [6 7 8]          (token 9 and 10 are only targets)
# targets [1 2 3] [4 5 6] [7 8 9]
# ```
#
# There are $\lfloor (n - 1) / \text{context} \rfloor$ windows in $n$ tokens. Iterating over the
# loader is one **epoch**: every window exactly once, in batches of `batch_size` windows (the last
# batch may be smaller), in an order shuffled by the loader's own `np.random.default_rng(seed)`.
# Each new epoch is shuffled again, so the model never sees the batches in the same order twice,
# but the same seed always gives the same epochs: training is reproducible.
#
# **TODO**: write `TextLoader`. *Hints*: `np.arange(count)[:, None] * context + np.arange(context)`
# are the positions of every window's tokens, `generator.permutation(count)` an order.


# %% [solution id=loader]
class TextLoader:
    """Batches of (inputs, targets) windows of `tokens`, each epoch in a new seeded order."""

    def __init__(self, tokens, context, batch_size, seed=0):
        tokens = np.asarray(tokens)
        ### BEGIN SOLUTION
        count = (len(tokens) - 1) // context
        positions = np.arange(count)[:, None] * context + np.arange(context)
        self.inputs, self.targets = tokens[positions], tokens[positions + 1]
        ### END SOLUTION
        self.batch_size = batch_size
        self.generator = np.random.default_rng(seed)

    def __len__(self):
        """Batches per epoch."""
        return -(-len(self.inputs) // self.batch_size)

    def __iter__(self):
        ### BEGIN SOLUTION
        order = self.generator.permutation(len(self.inputs))
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            yield self.inputs[chosen], self.targets[chosen]
        ### END SOLUTION


# %% [markdown]
# ## 3. Learning rate: warm-up, then a cosine
#
# At the first steps Adam's estimates of the gradient's size are poor and the weights are far
# from good ones: a full learning rate can throw them somewhere bad. So the rate **warms up**
# linearly over `warmup_steps`, then decays along half a cosine to 0 at `total_steps`: large
# steps while far from a good solution, small ones to settle into it. For step $s$ (from 0),
# warm-up $w$, total $S$ and peak $\eta$:
#
# $$\eta_s = \eta\,\frac{s + 1}{w} \quad (s < w), \qquad
#   \eta_s = \frac{\eta}{2}\left(1 + \cos\left(\pi\,\frac{s - w}{\max(1, S - w)}\right)\right) \quad (s \ge w).$$
#
# Worked example, $\eta = 1$, $w = 10$, $S = 110$: step 0 gets 0.1, step 9 and step 10 get 1,
# step 60 (half-way through the decay) gets 0.5, and step 110 would get 0.
#
# **TODO**: write `learning_rate`.


# %% [solution id=schedule]
def learning_rate(step, total_steps, max_lr, warmup_steps):
    """The learning rate at `step`: linear warm-up to `max_lr`, then a cosine down to 0."""
    ### BEGIN SOLUTION
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * max_lr * (1 + float(np.cos(np.pi * progress)))
    ### END SOLUTION


# %% [markdown]
# ## 4. Clipping the gradient by its global norm
#
# Now and then one batch gives a huge gradient, and one huge step can undo hours of training.
# **Clipping** bounds the step: take all gradients of all parameters as one long vector $g$ and,
# when its norm is above `max_norm`, scale **every** gradient by the same factor:
#
# $$\|g\| = \sqrt{\sum_{p} \sum_i g_{p,i}^2}, \qquad g \leftarrow g \cdot \frac{\text{max\_norm}}{\|g\|}
#   \quad \text{if } \|g\| > \text{max\_norm}.$$
#
# One common factor keeps the direction of the step and changes only its length; clipping each
# parameter on its own would turn the step. Worked example: gradients $(3, 0)$ and $(4)$ have
# global norm 5; clipped to 1 they become $(0.6, 0)$ and $(0.8)$.
#
# **TODO**: write `clip_grad_norm`: it clips in place (assign the scaled gradient to `.grad`),
# skips parameters whose `.grad` is None, and returns the norm **before** clipping (worth
# watching: a norm that keeps growing means trouble).


# %% [solution id=clipping]
def clip_grad_norm(parameters, max_norm):
    """Scale all gradients by one factor so that their global norm is at most `max_norm`;
    return the norm they had."""
    ### BEGIN SOLUTION
    gradients = [parameter for parameter in parameters if parameter.grad is not None]
    norm = float(np.sqrt(sum(np.sum(np.square(parameter.grad, dtype=np.float64)) for parameter in gradients)))
    if norm > max_norm:
        for parameter in gradients:
            parameter.grad = parameter.grad * (max_norm / norm)
    return norm
    ### END SOLUTION


# %% [markdown]
# ## 5. Bits per character, and the baseline to beat
#
# The cross-entropy loss is the average of $-\ln p(\text{next character})$. Divided by
# $\ln 2$ it is in **bits per character**: how many bits a compressor driven by the model would
# need per character. The fewer, the better the model predicts.
#
# $$\text{bits per character} = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(c_{i} \mid c_{<i})
#   = \frac{\text{mean cross-entropy}}{\ln 2}.$$
#
# `bits_per_character(model, batches)` averages over **every** target of every batch (a smaller
# last batch counts for fewer characters), in eval mode and without a graph (`no_grad()`).
#
# A number alone says little, so we compare it with the best model that ignores the context,
# the **unigram** model: it predicts each character with its frequency in the training text.
# One is added to every count, so that a character absent from the training text does not get
# probability 0 (and an infinite number of bits). Worked example: training tokens `[0, 0, 1]`
# with a vocabulary of 2 give counts $(3, 2)$, probabilities $(0.6, 0.4)$, and held-out tokens
# `[0, 1]` cost $-(\log_2 0.6 + \log_2 0.4)/2 \approx 1.03$ bits per character. A model that
# beats it has learned something from the context.
#
# **TODO**: write both. *Hint*: `np.bincount(tokens, minlength=vocab_size)`.


# %% [solution id=bits]
def bits_per_character(model, batches):
    """The model's mean cross-entropy over every target in `batches`, in bits."""
    ### BEGIN SOLUTION
    loss_fn, total, count = CrossEntropyLoss(), 0.0, 0
    model.eval()
    with no_grad():
        for inputs, targets in batches:
            total += loss_fn(model(inputs), targets).item() * np.size(targets)
            count += np.size(targets)
    model.train()
    return total / count / np.log(2)
    ### END SOLUTION


def unigram_bits_per_character(train_tokens, heldout_tokens, vocab_size):
    """Bits per character on `heldout_tokens` of the character frequencies of `train_tokens`
    (each count plus one)."""
    ### BEGIN SOLUTION
    counts = np.bincount(np.asarray(train_tokens), minlength=vocab_size) + 1
    probabilities = counts / counts.sum()
    return float(-np.mean(np.log2(probabilities[np.asarray(heldout_tokens)])))
    ### END SOLUTION


# %% [markdown]
# ## 6. The training loop
#
# One step: logits, cross-entropy, `zero_grad`, `backward`, **clip**, `step`. Before each step
# the optimizer gets that step's learning rate (`optimizer.lr = learning_rate(...)`).
# `train_language_model` runs `steps` of them with your `AdamW` on batch after batch of
# `batches` (a new epoch when one ends), and every `eval_every` steps (and after the last)
# measures the bits per character on `heldout_batches`. It returns the history:
#
# ```python
# {"loss": [loss of step 1, loss of step 2, ...],            # floats, one per step (nats)
#  "heldout_bits": [(50, 3.91), (100, 3.52), ...]}           # (steps done, bits per character)
# ```
#
# `progress`, if given, is called after every step with the history so far (a progress bar).
#
# **TODO**: write `training_step` and `train_language_model`. *Hint*: `endless(batches)`
# (written for you) goes on through epoch after epoch.


# %% [solution id=training]
def endless(batches):
    """Batches epoch after epoch (a TextLoader shuffles each one anew)."""
    while True:
        yield from batches


def training_step(model, optimizer, inputs, targets, max_norm):
    """One clipped optimizer step on a batch; returns its loss."""
    ### BEGIN SOLUTION
    loss = CrossEntropyLoss()(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()
    ### END SOLUTION


def train_language_model(
    model,
    batches,
    steps,
    heldout_batches,
    max_lr=1e-2,
    warmup_steps=10,
    max_norm=1.0,
    weight_decay=0.01,
    eval_every=50,
    progress=None,
):
    """Train `model` for `steps` AdamW steps on `batches`; return the history of the losses."""
    optimizer = AdamW(model.parameters(), lr=max_lr, weight_decay=weight_decay)
    history = {"loss": [], "heldout_bits": []}
    ### BEGIN SOLUTION
    for step, (inputs, targets) in zip(range(steps), endless(batches), strict=False):
        optimizer.lr = learning_rate(step, steps, max_lr, warmup_steps)
        history["loss"].append(training_step(model, optimizer, inputs, targets, max_norm))
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            history["heldout_bits"].append((step + 1, bits_per_character(model, heldout_batches)))
        if progress:
            progress(history)
    ### END SOLUTION
    return history


# %% [markdown]
# ## 7. Writing
#
# To write, the model predicts the next character from the text so far (its last
# `max_seq_len` characters), one character is drawn, appended, and so on. Two knobs shape the
# draw from the logits $z$ of the last position:
#
# - the **temperature** $\tau$: $p_i \propto e^{z_i / \tau}$. Below 1 it sharpens the
#   distribution (safer, more repetitive text), above 1 it flattens it (more surprising, more
#   mistakes);
# - **top-k**: only the $k$ most likely characters may be drawn (the others get probability
#   0), which cuts the long tail of unlikely characters that each cost little but together
#   derail a text.
#
# `next_token_probabilities(logits, temperature=1.0, top_k=None)` returns the probabilities
# (float64, summing to 1; `top_k=None` keeps every token). `generate_text(model, tokenizer,
# prompt, max_new_chars, temperature=1.0, top_k=None, seed=None)` returns the prompt followed by
# the new characters; the same seed gives the same text.
#
# **TODO**: write both. *Hints*: a stable softmax subtracts the largest logit first;
# `np.sort(logits)[-top_k]` is the k-th largest logit; `no_grad()` while generating;
# `np.random.default_rng(seed).choice(V, p=probabilities)`.


# %% [solution id=generate]
def next_token_probabilities(logits, temperature=1.0, top_k=None):
    """The distribution to draw the next token from, given its logits (V,)."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    ### BEGIN SOLUTION
    logits = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        kth_largest = np.sort(logits)[-top_k]
        logits = np.where(logits >= kth_largest, logits, -np.inf)
    probabilities = np.exp(logits - logits.max())
    return probabilities / probabilities.sum()
    ### END SOLUTION


def generate_text(model, tokenizer, prompt, max_new_chars, temperature=1.0, top_k=None, seed=None):
    """`prompt` followed by `max_new_chars` characters the model writes."""
    if not prompt:
        raise ValueError("the prompt needs at least one character")
    ### BEGIN SOLUTION
    draws = np.random.default_rng(seed)
    tokens = list(tokenizer.encode(prompt))
    with no_grad():
        for _ in range(max_new_chars):
            context = np.array(tokens[-model.max_seq_len :])[None, :]
            logits = model(context).data[0, -1]
            probabilities = next_token_probabilities(logits, temperature, top_k)
            tokens.append(int(draws.choice(len(probabilities), p=probabilities)))
    return tokenizer.decode(tokens)
    ### END SOLUTION


# %% [markdown]
# ## 8. Try it
#
# A small model, 100 steps, a second or two: it learns which characters are common,
# which follow which, and where spaces and line breaks go. The held-out bits per character fall
# well below the unigram baseline. Train longer and larger (say 64-dimensional embeddings, 2
# blocks, context 64, 2000 steps: a couple of minutes) and it writes names, line breaks and
# almost-words in the shape of a play.

# %% [code]
from tinytorch.data import load_shakespeare

train_text, heldout_text = load_shakespeare()
tokenizer = CharTokenizer(train_text)
train_tokens, heldout_tokens = tokenizer.encode(train_text), tokenizer.encode(heldout_text)
train_batches = TextLoader(train_tokens, context=32, batch_size=16, seed=0)
heldout_batches = TextLoader(heldout_tokens[:5_000], context=32, batch_size=64)
model = TinyGPT(tokenizer.vocab_size, embed_dim=32, num_layers=1, num_heads=4, max_seq_len=32)
history = train_language_model(model, train_batches, 100, heldout_batches, max_lr=1e-2, eval_every=25)
print(f"{len(train_text):,} training characters, vocabulary of {tokenizer.vocab_size}")
print("held-out bits per character:", [f"{bits:.2f}" for _, bits in history["heldout_bits"]])
print(f"unigram baseline: {unigram_bits_per_character(train_tokens, heldout_tokens, tokenizer.vocab_size):.2f}")
print(generate_text(model, tokenizer, "ROMEO:\n", 100, temperature=0.8, top_k=10, seed=0))

# %% [markdown]
# ## 9. Tests
#
# Every test runs in seconds on a small model or a slice of the text. The hidden tests check the
# same properties on many inputs; if your chain 01-11 breaks one, the message names the module.

# %% [tests id=test_tokenizer points=3]
import sys

from tinytorch.testing import assert_close, check_capstone


def tokenizer_example(lm):
    tokenizer = lm.CharTokenizer("hello")
    assert tokenizer.vocab_size == 4, f"'hello' has 4 distinct characters, vocab_size is {tokenizer.vocab_size}"
    assert_close(tokenizer.encode("hello"), [1, 0, 2, 2, 3], "encode('hello') with the vocabulary e, h, l, o")
    assert tokenizer.decode([1, 0, 2, 2, 3]) == "hello", "decode undoes encode"
    try:
        tokenizer.encode("he7!")
    except ValueError as error:
        assert "7" in str(error) and "!" in str(error), f"the error should name '7' and '!': {error}"
        return
    raise AssertionError("encode('he7!') should raise ValueError: '7' and '!' are not in the vocabulary")


check_capstone("a tokenizer of 'hello'", tokenizer_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st


def round_trips(lm, text):
    tokenizer = lm.CharTokenizer(text)
    vocabulary = "".join(sorted(set(text)))
    assert tokenizer.vocab_size == len(vocabulary), f"vocab_size {tokenizer.vocab_size}, {len(vocabulary)} characters"
    tokens = np.asarray(tokenizer.encode(text))
    assert tokens.shape == (len(text),) and np.issubdtype(tokens.dtype, np.integer), f"tokens {tokens!r}"
    assert_close(tokenizer.encode(vocabulary), np.arange(len(vocabulary)), "the sorted characters are tokens 0, 1, ...")
    assert tokenizer.decode(tokens) == text, "decode(encode(text)) should give the text back"
    unknown = "7"  # the text has no digit
    try:
        tokenizer.encode(text[:2] + unknown)
    except ValueError as error:
        assert unknown in str(error), f"the error should name the unknown character {unknown!r}: {error}"
        return
    raise AssertionError(f"encoding the unknown character {unknown!r} should raise ValueError")


check_capstone(
    "decode(encode(text)) == text, tokens are the sorted characters, unknown ones are refused",
    round_trips,
    sys.modules[__name__],
    text=st.text(
        st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="0123456789"), min_size=1, max_size=30
    ),
)
### END HIDDEN TESTS

# %% [tests id=test_loader points=4]
import sys

from tinytorch.testing import assert_close, check_capstone


def loader_example(lm):
    loader = lm.TextLoader(np.arange(11), context=3, batch_size=2, seed=0)
    batches = list(loader)
    assert len(loader) == len(batches) == 2, f"3 windows in batches of 2 make 2 batches, got {len(batches)}"
    inputs = np.concatenate([np.asarray(batch[0]) for batch in batches])
    targets = np.concatenate([np.asarray(batch[1]) for batch in batches])
    assert_close(np.sort(inputs[:, 0]), [0, 3, 6], "the windows start at tokens 0, 3 and 6")
    assert_close(targets, inputs + 1, "the targets are the inputs shifted by one token")
    again = np.concatenate([np.asarray(batch[0]) for batch in lm.TextLoader(np.arange(11), 3, 2, seed=0)])
    assert_close(again, inputs, "the same seed gives the same order")


check_capstone("a loader of 11 tokens", loader_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_fraction, epochs_of


def every_window_once_per_epoch(lm, length, context, batch_size, seed):
    count = (length - 1) // context
    loader = lm.TextLoader(np.arange(length), context, batch_size, seed)
    epochs = [list(loader), list(loader)]
    assert len(loader) == -(-count // batch_size), f"len(loader) is {len(loader)} for {count} windows"
    orders = []
    for epoch in epochs:
        sizes = [len(batch[0]) for batch in epoch]
        assert all(size == batch_size for size in sizes[:-1]) and 0 < sizes[-1] <= batch_size, f"sizes {sizes}"
        inputs = np.concatenate([np.asarray(batch[0]) for batch in epoch])
        targets = np.concatenate([np.asarray(batch[1]) for batch in epoch])
        assert inputs.shape == (count, context), f"an epoch has inputs of shape {inputs.shape}"
        assert_close(targets, inputs + 1, "targets: the inputs shifted by one token")
        assert_close(inputs - inputs[:, :1], np.tile(np.arange(context), (count, 1)), "windows of consecutive tokens")
        assert_close(np.sort(inputs[:, 0]), np.arange(count) * context, "the start of every window, once each")
        orders.append(inputs[:, 0])
    replay = np.concatenate(
        [np.asarray(batch[0])[:, 0] for batch in lm.TextLoader(np.arange(length), context, batch_size, seed)]
    )
    assert_close(replay, orders[0], "the first epoch of a loader with the same seed")


def shuffles_uniformly_and_anew(lm):
    # Fixed seed, no search: 2000 epochs of 3 windows. Each of the 6 orders should come up with
    # share 1/6, and an epoch should repeat the order of the epoch before with share 1/6 (each epoch
    # shuffled independently). assert_fraction fails a correct loader with probability below 7e-9.
    loader = lm.TextLoader(np.arange(10), context=3, batch_size=3, seed=2024)
    epochs = epochs_of(loader, 2000)
    orders = np.array([np.concatenate([np.asarray(inputs)[:, 0] for inputs, _ in epoch]) // 3 for epoch in epochs])
    for order in ([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]):
        assert_fraction(np.all(orders == order, axis=1), 1 / 6, f"the share of epochs in the window order {order}")
    repeats = np.all(orders[1:] == orders[:-1], axis=1)
    assert_fraction(repeats, 1 / 6, "the share of epochs in the same order as the epoch before")


check_capstone(
    "each epoch yields every shifted window once, in batches; the same seed gives the same first epoch",
    every_window_once_per_epoch,
    sys.modules[__name__],
    length=st.integers(9, 120),
    context=st.integers(1, 8),
    batch_size=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
check_capstone(
    "the loader draws every order of the windows equally often, each epoch anew",
    shuffles_uniformly_and_anew,
    sys.modules[__name__],
)
### END HIDDEN TESTS

# %% [tests id=test_schedule points=3]
import sys

from tinytorch.testing import assert_close, check_capstone


def schedule_example(lm):
    rates = [lm.learning_rate(step, 110, 1.0, 10) for step in (0, 9, 10, 60, 110)]
    assert_close(rates, [0.1, 1.0, 1.0, 0.5, 0.0], "steps 0, 9, 10, 60, 110 with warm-up 10 of 110 steps", atol=1e-9)


check_capstone("a schedule of 110 steps", schedule_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st


def warms_up_then_decays(lm, warmup_steps, decay_steps, max_lr):
    total_steps = warmup_steps + decay_steps
    steps = range(total_steps + 1)  # step total_steps too: the text gives it a rate (0 after a decay)
    rates = np.array([float(lm.learning_rate(step, total_steps, max_lr, warmup_steps)) for step in steps])
    expected = [
        max_lr * (step + 1) / warmup_steps
        if step < warmup_steps
        else 0.5 * max_lr * (1 + np.cos(np.pi * (step - warmup_steps) / max(1, total_steps - warmup_steps)))
        for step in steps
    ]
    assert_close(rates, expected, "the learning rate at steps 0 to total_steps", rtol=1e-6, atol=1e-12)


check_capstone(
    "the learning rate rises linearly to max_lr over warm-up, then follows a cosine to 0",
    warms_up_then_decays,
    sys.modules[__name__],
    warmup_steps=st.integers(1, 20),
    decay_steps=st.integers(0, 40),
    max_lr=st.floats(1e-4, 1.0),
)
### END HIDDEN TESTS

# %% [tests id=test_clipping points=3]
import sys

from tinytorch.testing import assert_close, check_capstone


def clipping_example(lm):
    a = lm.Tensor(np.zeros(2), requires_grad=True)
    b = lm.Tensor(np.zeros(1), requires_grad=True)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    norm = lm.clip_grad_norm([a, b], max_norm=1.0)
    assert abs(norm - 5.0) < 1e-9, f"clip_grad_norm returns the global norm before clipping, 5, not {norm}"
    assert_close(a.grad, [0.6, 0.0], "the first gradient, scaled by 1/5")
    assert_close(b.grad, [0.8], "the second gradient, scaled by the same 1/5")
    lm.clip_grad_norm([a, b], max_norm=10.0)
    assert_close(b.grad, [0.8], "a gradient already below max_norm is left alone")


check_capstone("clipping gradients (3, 0) and (4)", clipping_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import random_array, seeds, shapes


def clips_the_global_norm(lm, parameter_shapes, max_norm, seed, without_gradient):
    gradients = [random_array(shape, seed + number) for number, shape in enumerate(parameter_shapes)]
    with_gradient = [lm.Tensor(np.zeros(gradient.shape), requires_grad=True) for gradient in gradients]
    for parameter, gradient in zip(with_gradient, gradients, strict=True):
        parameter.grad = gradient
    unused = lm.Tensor(np.zeros(2), requires_grad=True)
    norm = np.sqrt(sum(np.sum(gradient**2) for gradient in gradients))
    returned = lm.clip_grad_norm([unused, *with_gradient] if without_gradient else with_gradient, max_norm)
    assert abs(float(returned) - norm) <= 1e-6 * norm, f"returned {returned}, the global norm before is {norm}"
    scale = min(1.0, max_norm / norm)
    for number, (parameter, gradient) in enumerate(zip(with_gradient, gradients, strict=True)):
        assert_close(parameter.grad, gradient * scale, f"gradient {number}: scaled by min(1, max_norm / global norm)")
    assert unused.grad is None, "a parameter without a gradient keeps none"


def leaves_zero_gradients_alone(lm, parameter_shapes, max_norm):
    parameters = [lm.Tensor(np.zeros(shape), requires_grad=True) for shape in parameter_shapes]
    for parameter in parameters:
        parameter.grad = np.zeros(parameter.shape)
    norm = lm.clip_grad_norm(parameters, max_norm)
    assert float(norm) == 0.0, f"gradients that are all zero have global norm 0, not {norm}"
    for number, parameter in enumerate(parameters):
        assert_close(parameter.grad, np.zeros(parameter.shape), f"gradient {number}: a norm of 0 is not above max_norm")


check_capstone(
    "every gradient is scaled by one factor, min(1, max_norm / global norm)",
    clips_the_global_norm,
    sys.modules[__name__],
    parameter_shapes=st.lists(shapes(max_dims=2, max_side=4), min_size=1, max_size=4),
    max_norm=st.floats(0.1, 20.0),
    seed=seeds,
    without_gradient=st.booleans(),
)
check_capstone(
    "gradients that are all zero are left alone (their norm, 0, is not above max_norm, even max_norm 0)",
    leaves_zero_gradients_alone,
    sys.modules[__name__],
    max_examples=5,
    parameter_shapes=st.lists(shapes(max_dims=2, max_side=4), min_size=1, max_size=3),
    max_norm=st.sampled_from([0.0, 1.0]),
)
### END HIDDEN TESTS

# %% [tests id=test_bits_per_character points=4]
import sys

from tinytorch.testing import check_capstone


def bits_example(lm):
    model = lm.TinyGPT(vocab_size=5, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=4)
    batches = [(np.array([[0, 1, 2, 3]]), np.array([[1, 2, 3, 4]]))]
    bits = lm.bits_per_character(model, batches)
    assert abs(bits - np.log2(5)) < 0.05, f"an untrained model guesses 1 of 5: log2(5) = 2.32 bits, got {bits:.3f}"
    unigram = lm.unigram_bits_per_character(np.array([0, 0, 1]), np.array([0, 1]), vocab_size=2)
    expected = -(np.log2(0.6) + np.log2(0.4)) / 2
    assert abs(unigram - expected) < 1e-9, f"counts (2+1, 1+1) give p = (0.6, 0.4): {expected:.4f} bits, got {unigram}"


check_capstone("bits per character of a tiny example", bits_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import seeds


def harness_bits(logits, targets):
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probabilities, np.asarray(targets)[..., None], axis=-1)
    return -picked.sum() / np.log(2), np.size(targets)


def measures_bits(lm, batch_sizes, length, vocab, seed):
    rng = np.random.default_rng(seed)
    model = lm.TinyGPT(vocab, 8, 1, 2, 6)
    for parameter in model.parameters():
        parameter.data = rng.normal(0.0, 0.5, parameter.shape).astype(np.float32)
    batches = [tuple(rng.integers(0, vocab, size=(2, size, length))) for size in batch_sizes]
    bits, count = 0.0, 0
    for inputs, targets in batches:
        batch_bits, batch_count = harness_bits(np.asarray(model(inputs).data), targets)
        bits, count = bits + batch_bits, count + batch_count
    measured = lm.bits_per_character(model, batches)
    assert abs(measured - bits / count) < 1e-4 * bits / count, (
        f"bits per character over every target: expected {bits / count:.5f}, got {measured:.5f}"
    )


def unigram_matches(lm, vocab, train_length, heldout_length, seed):
    rng = np.random.default_rng(seed)
    train, heldout = rng.integers(0, vocab, size=train_length), rng.integers(0, vocab, size=heldout_length)
    probabilities = (np.bincount(train, minlength=vocab) + 1) / (train_length + vocab)
    expected = -np.mean(np.log2(probabilities[heldout]))
    measured = lm.unigram_bits_per_character(train, heldout, vocab)
    assert abs(measured - expected) < 1e-9, f"unigram baseline: expected {expected:.6f} bits, got {measured:.6f}"


check_capstone(
    "bits per character is the mean cross-entropy of every target, in bits",
    measures_bits,
    sys.modules[__name__],
    max_examples=10,
    batch_sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    length=st.integers(1, 6),
    vocab=st.integers(2, 9),
    seed=seeds,
)
check_capstone(
    "the unigram baseline: character frequencies of the training text, each count plus one",
    unigram_matches,
    sys.modules[__name__],
    vocab=st.integers(1, 12),
    train_length=st.integers(1, 40),
    heldout_length=st.integers(1, 40),
    seed=seeds,
)
### END HIDDEN TESTS

# %% [tests id=test_training points=6]
import sys

from tinytorch.data import load_shakespeare
from tinytorch.testing import check_capstone


def training_example(lm):
    train_text, heldout_text = load_shakespeare()
    tokenizer = lm.CharTokenizer(train_text)
    batches = lm.TextLoader(tokenizer.encode(train_text[:20_000]), context=16, batch_size=16, seed=0)
    heldout = lm.TextLoader(tokenizer.encode(heldout_text[:2_000]), context=16, batch_size=64)
    model = lm.TinyGPT(tokenizer.vocab_size, embed_dim=16, num_layers=1, num_heads=2, max_seq_len=16)
    history = lm.train_language_model(model, batches, 40, heldout, max_lr=2e-2, warmup_steps=5, eval_every=20)
    assert len(history["loss"]) == 40, f"one loss per step: 40, got {len(history['loss'])}"
    steps = [step for step, _ in history["heldout_bits"]]
    assert steps == [20, 40], f"held-out bits after steps 20 and 40, got them after {steps}"
    first, last = history["loss"][0], history["loss"][-1]
    assert last < first - 0.5, f"40 steps should lower the loss by more than 0.5: {first:.3f} -> {last:.3f}"


check_capstone("40 steps on Shakespeare", training_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_close

TRAIN_TEXT, HELDOUT_TEXT = load_shakespeare()
CHARS = sorted(set(TRAIN_TEXT))
TOKEN_OF = {char: token for token, char in enumerate(CHARS)}
TRAIN = np.array([TOKEN_OF[char] for char in TRAIN_TEXT])
HELDOUT = np.array([TOKEN_OF[char] for char in HELDOUT_TEXT[:4_097]])
STEPS, BATCH, CONTEXT = 60, 16, 16


def windows(tokens, count):
    positions = np.arange(count)[:, None] * CONTEXT + np.arange(CONTEXT)
    return tokens[positions], tokens[positions + 1]


def heldout_bits(logits, targets):
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.mean(np.take_along_axis(log_probabilities, targets[..., None], axis=-1)) / np.log(2)


def beats_the_unigram_baseline(lm, start):
    """60 steps on the text from `start` must beat, on held-out text, the best model that ignores
    the context. The tokens and batches are the harness's: only the training is the student's."""
    inputs, targets = windows(TRAIN[start:], STEPS * BATCH)
    batches = [(inputs[i : i + BATCH], targets[i : i + BATCH]) for i in range(0, len(inputs), BATCH)]
    heldout_inputs, heldout_targets = windows(HELDOUT, 256)
    model = lm.TinyGPT(len(CHARS), 16, 1, 2, CONTEXT)
    checked = [(heldout_inputs[:BATCH], heldout_targets[:BATCH])]
    history = lm.train_language_model(model, batches, STEPS, checked, max_lr=2e-2, warmup_steps=6, eval_every=30)
    losses = history["loss"]
    assert len(losses) == STEPS and np.all(np.isfinite(losses)), f"{len(losses)} losses, the last {losses[-3:]}"
    bits = heldout_bits(model(heldout_inputs).data, heldout_targets)
    frequencies = (np.bincount(TRAIN, minlength=len(CHARS)) + 1) / (len(TRAIN) + len(CHARS))
    unigram = -np.mean(np.log2(frequencies[heldout_targets]))
    assert bits < unigram - 0.3, (
        f"after {STEPS} steps the model needs {bits:.2f} bits per held-out character, the unigram "
        f"baseline {unigram:.2f}: it should beat it by 0.3 bits at least"
    )


check_capstone(
    "60 AdamW steps on Shakespeare beat the unigram baseline on held-out text",
    beats_the_unigram_baseline,
    sys.modules[__name__],
    max_examples=3,
    start=st.integers(0, len(TRAIN) - STEPS * BATCH * CONTEXT - 1),
)


def trains_step_by_step(lm, steps, eval_every, warmup_steps, max_norm):
    """The steps the text describes, replayed with the notebook's own parts on a copy of the model:
    each step's learning rate, clipping to max_norm, batch after batch (anew when they run out),
    held-out bits every eval_every steps and after the last, progress after every step."""
    rng = np.random.default_rng(steps)
    batches = [tuple(rng.integers(0, 6, size=(2, 2, 4))) for _ in range(3)]
    heldout = [tuple(rng.integers(0, 6, size=(2, 2, 4)))]
    model, replica = lm.TinyGPT(6, 8, 1, 2, 4), lm.TinyGPT(6, 8, 1, 2, 4)
    for parameter, copy in zip(model.parameters(), replica.parameters(), strict=True):
        copy.data = parameter.data.copy()
    seen = []

    def record(so_far):
        seen.append(len(so_far["loss"]))

    history = lm.train_language_model(
        model, batches, steps, heldout, 0.05, warmup_steps, max_norm, eval_every=eval_every, progress=record
    )
    optimizer = lm.AdamW(replica.parameters(), lr=0.05, weight_decay=0.01)
    losses, bits = [], []
    for step in range(steps):
        inputs, targets = batches[step % len(batches)]
        optimizer.lr = lm.learning_rate(step, steps, 0.05, warmup_steps)
        loss = lm.CrossEntropyLoss()(replica(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        lm.clip_grad_norm(replica.parameters(), max_norm)
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            bits.append((step + 1, lm.bits_per_character(replica, heldout)))
    assert seen == list(range(1, steps + 1)), f"progress(history) after every step: it saw {seen} losses"
    measured_at = [step for step, _ in history["heldout_bits"]]
    assert measured_at == [step for step, _ in bits], (
        f"{steps} steps with eval_every={eval_every}: held-out bits after steps {[step for step, _ in bits]}, "
        f"not {measured_at}"
    )
    assert_close(history["loss"], losses, "the loss of each step (before its update)", rtol=1e-4)
    measured = [value for _, value in history["heldout_bits"]]
    assert_close(measured, [value for _, value in bits], "the held-out bits per character", rtol=1e-4)
    for (name, parameter), copy in zip(model.named_parameters(), replica.parameters(), strict=True):
        assert_close(parameter.data, copy.data, f"{name} after {steps} clipped AdamW steps", rtol=1e-4, atol=1e-6)


def measures_after_the_last_of_many_steps(lm):
    example = [(np.zeros((1, 1), dtype=np.int64), np.ones((1, 1), dtype=np.int64))]
    history = lm.train_language_model(lm.TinyGPT(2, 2, 1, 1, 1), example, 300, example, eval_every=128)
    measured_at = [step for step, _ in history["heldout_bits"]]
    assert measured_at == [128, 256, 300], (
        f"300 steps with eval_every=128: held-out bits after steps [128, 256, 300], not {measured_at}"
    )


check_capstone(
    "training is the steps the text describes: scheduled learning rate, clipping, held-out bits, progress",
    trains_step_by_step,
    sys.modules[__name__],
    max_examples=10,
    steps=st.integers(1, 7),
    eval_every=st.integers(1, 5),
    warmup_steps=st.integers(1, 4),
    max_norm=st.sampled_from([1e-8, 0.1, 100.0]),
)
check_capstone(
    "a long run measures the held-out bits every eval_every steps and after the last",
    measures_after_the_last_of_many_steps,
    sys.modules[__name__],
)
### END HIDDEN TESTS

# %% [tests id=test_generate points=4]
import sys

from tinytorch.testing import assert_close, check_capstone


def generate_example(lm):
    probabilities = lm.next_token_probabilities(np.array([2.0, 1.0, 0.0, -1.0]), temperature=1.0, top_k=2)
    top_two = np.exp([2.0, 1.0]) / np.exp([2.0, 1.0]).sum()
    assert_close(probabilities, [*top_two, 0, 0], "top_k=2: the softmax of the two largest logits, 0 elsewhere")
    tokenizer = lm.CharTokenizer("abc ")
    model = lm.TinyGPT(tokenizer.vocab_size, embed_dim=8, num_layers=1, num_heads=2, max_seq_len=4)
    text = lm.generate_text(model, tokenizer, "ab", 10, seed=0)
    assert isinstance(text, str) and text.startswith("ab"), f"the prompt, then the new characters: {text!r}"
    assert len(text) == 12 and set(text) <= set("abc "), f"10 characters of the vocabulary after 'ab': {text!r}"
    assert lm.generate_text(model, tokenizer, "ab", 10, seed=0) == text, "the same seed gives the same text"


check_capstone("top-k and a generated text", generate_example, sys.modules[__name__])
### BEGIN HIDDEN TESTS
from hypothesis import strategies as st

from tinytorch.testing import assert_fraction, random_array, seeds


def samples_from_top_k(lm, vocab, top_k, temperature, scale, seed):
    logits = random_array(vocab, seed) * scale
    top_k = None if top_k > vocab else top_k
    probabilities = lm.next_token_probabilities(logits, temperature, top_k)
    assert np.asarray(probabilities).dtype == np.float64, f"probabilities of dtype {np.asarray(probabilities).dtype}"
    kept = np.argsort(logits)[-top_k:] if top_k else np.arange(vocab)
    expected = np.zeros(vocab)
    expected[kept] = np.exp((logits[kept] - logits[kept].max()) / temperature)
    assert_close(probabilities, expected / expected.sum(), f"p over the top {top_k or vocab} of logits / {temperature}")


def writes_greedily_with_top_1(lm, prompt_length, new, seed):
    tokenizer = lm.CharTokenizer("abcdef")
    model = lm.TinyGPT(6, 8, 1, 2, 4)
    prompt = "".join(np.random.default_rng(seed).choice(list("abcdef"), size=prompt_length))
    text = lm.generate_text(model, tokenizer, prompt, new, temperature=0.7, top_k=1, seed=seed)
    tokens = ["abcdef".index(char) for char in prompt]
    for _ in range(new):
        logits = np.asarray(model(np.array([tokens[-4:]])).data)[0, -1]
        tokens.append(int(np.argmax(logits)))
    expected = "".join("abcdef"[token] for token in tokens)
    assert text == expected, (
        f"top_k=1 always takes the most likely character (of the last 4): {text!r}, not {expected!r}"
    )


def draws_from_the_next_token_probabilities(lm):
    # ln_f with gamma 0 and beta = (1, 0, ...) gives every position the logits lm_head.weight[0],
    # whatever the context: the new characters are independent draws from one distribution.
    # Fixed seeds, no search: 2000 characters per setting, each share checked by assert_fraction (a
    # correct sampler fails with probability below 1e-8); a character outside the top k never comes.
    tokenizer = lm.CharTokenizer("abcde")
    model = lm.TinyGPT(5, 8, 1, 2, 4)
    weight = np.zeros((8, 5), dtype=np.float32)
    weight[0] = [3.9, 2.0, -2.7, -1.8, 0.2]  # no other temperature gives shares within 0.2
    model.lm_head.weight.data = weight
    model.ln_f.gamma.data = np.zeros(8, dtype=np.float32)
    model.ln_f.beta.data = np.eye(8, dtype=np.float32)[0]
    for seed, (temperature, top_k) in enumerate(((0.5, None), (2.0, 3))):
        drawn = np.array(list(lm.generate_text(model, tokenizer, "a", 2000, temperature, top_k, seed=seed)[1:]))
        logits = weight[0].astype(np.float64) / temperature
        kept = np.argsort(logits)[-top_k:] if top_k else np.arange(5)
        expected = np.zeros(5)
        expected[kept] = np.exp(logits[kept] - logits.max())
        for char, probability in zip("abcde", expected / expected.sum(), strict=True):
            setting = f"temperature {temperature}, top_k={top_k}"
            if probability == 0:
                assert char not in drawn, f"{char!r} is not in the top {top_k}, yet it was drawn ({setting})"
            else:
                assert_fraction(drawn == char, probability, f"the share of {char!r} ({setting})")


check_capstone(
    "next-token probabilities: float64 softmax of logits / temperature over the top k, stable for logits of 1e3",
    samples_from_top_k,
    sys.modules[__name__],
    vocab=st.integers(1, 12),
    top_k=st.integers(1, 13),
    temperature=st.sampled_from([0.5, 1.0, 2.0]),
    scale=st.sampled_from([1.0, 1e3]),
    seed=seeds,
)
check_capstone(
    "with top_k=1 the text is the greedy continuation of the prompt",
    writes_greedily_with_top_1,
    sys.modules[__name__],
    max_examples=8,
    prompt_length=st.integers(1, 6),
    new=st.integers(0, 5),
    seed=seeds,
)
check_capstone(
    "generate_text draws each character from next_token_probabilities, anew at every step",
    draws_from_the_next_token_probabilities,
    sys.modules[__name__],
)
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Written question
#
# Your model ends with fewer bits per character on held-out text than the unigram baseline.
# What does that difference mean, in words? Why must both be measured on **held-out** text,
# and what would you expect to see in the training loss and the held-out bits if you trained a
# much larger model for far longer on this 0.9 MB of text?

# %% [written id=held_out points=3]
# Bits per character is the code length a model's predictions give each character; the
# difference with the unigram baseline is what the model gains from the context (which
# character follows which, words, line structure), beyond knowing how frequent each character
# is. On the training text a model can score well by remembering it, which says nothing about
# text it has not seen; held-out text measures what generalises. A much larger model trained
# far longer would keep lowering its training loss while the held-out bits stop falling and
# then rise: it overfits, memorising the 0.9 MB. One stops (or regularises: weight decay,
# dropout, more data) when the held-out bits stop improving.

# %% [markdown]
# ## 11. Your leaderboard entry
#
# The class has a leaderboard: the grader trains **your** TinyGPT, built from your own modules
# 01-12 with your `train_language_model`, with the settings you choose below, on the training
# text, and ranks the class by bits per character on the held-out text (the unigram baseline and
# the reference's entry are on the board too). Every entry gets the same compute budget,
# **counted, not timed**, so a slow machine changes nothing:
#
# $$\text{multiply-adds} = 3 \times \text{steps} \times \text{batch\_size} \times \text{context}
#   \times (\text{parameters} + 2 \times \text{num\_layers} \times \text{context} \times \text{embed\_dim})$$
#
# at most `tinytorch.leaderboard.BUDGET` (60 billion). A bigger model gets fewer steps: is it worth
# it? The bounds of each setting are `tinytorch.leaderboard.BOUNDS`; `embed_dim` must be a multiple
# of `num_heads`. The grader feeds every entry the same shuffled windows of the training text,
# uses your `warmup_steps` and your cosine schedule, and measures the trained weights on the
# held-out text itself.
#
# The grader reads the dict below **as data**, without running this cell: write plain numbers
# (`0.02`, not `1 / 50`) and keep the name `LEADERBOARD_ENTRY`. Run the cell: `check_entry` says
# what your entry costs, or why the grader would refuse it. This cell is worth no points.

# %% [code id=leaderboard_entry]
from tinytorch.leaderboard import check_entry

LEADERBOARD_ENTRY = {
    "embed_dim": 32,
    "num_heads": 4,
    "num_layers": 2,
    "context": 32,
    "batch_size": 16,
    "steps": 1100,
    "max_lr": 0.01,
    "warmup_steps": 20,
    "max_norm": 1.0,
    "weight_decay": 0.01,
}
print(check_entry(LEADERBOARD_ENTRY))
