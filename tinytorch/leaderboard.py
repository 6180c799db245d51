"""The class leaderboard of 12_language_model: the bounds of an entry and its compute budget.

A student's entry is a dict of literal data in the notebook's cell "Your leaderboard entry". The
grader reads it as data (never runs it), checks it with `check_entry` and trains the student's
own TinyGPT with it on the training text, under one budget of multiply-adds counted, not timed:

    multiply-adds = 3 x steps x batch_size x context x (parameters + 2 x num_layers x context x embed_dim)

that is, per token, one multiply-add per parameter forward and two backward, plus the attention
scores and their weighted sum of every block. Run `check_entry` before submitting: the grader
refuses an entry it refuses.
"""

import functools
import math

BUDGET = 60_000_000_000  # multiply-adds of one entry's training (the reference's entry: about 12 s on one core)
MAX_TOKENS = 2_000_000  # steps x batch_size x context: the windows the grader hands in (2.2 epochs of the text)

# key: (type, smallest, largest)
BOUNDS = {
    "embed_dim": (int, 8, 128),
    "num_heads": (int, 1, 8),
    "num_layers": (int, 1, 4),
    "context": (int, 8, 128),
    "batch_size": (int, 1, 64),
    "steps": (int, 1, 5_000),
    "max_lr": (float, 1e-5, 100.0),
    "warmup_steps": (int, 0, 5_000),
    "max_norm": (float, 1e-3, 1e6),
    "weight_decay": (float, 0.0, 1.0),
}

# The reference's entry: the demo's TinyGPT (2 blocks of 4 heads, embedding 32), context 32.
DEFAULT_ENTRY = {
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


class EntryError(ValueError):
    """An entry the grader refuses; the message says what to change."""


@functools.cache
def vocab_size():
    """The characters of the training text: the model's vocabulary."""
    from tinytorch.data import load_shakespeare

    return len(set(load_shakespeare()[0]))


def parameters(entry, vocab=None):
    """The parameters of the TinyGPT of `entry` (embeddings, blocks, final LayerNorm, lm_head)."""
    vocab, embed, layers = vocab or vocab_size(), entry["embed_dim"], entry["num_layers"]
    block = 4 * (embed * embed + embed) + 4 * embed + (embed * 4 * embed + 4 * embed) + (4 * embed * embed + embed)
    return vocab * embed + entry["context"] * embed + layers * block + 2 * embed + embed * vocab


def multiply_adds(entry, vocab=None):
    """The training's multiply-adds, as the budget counts them (the formula of this module's text)."""
    per_token = parameters(entry, vocab) + 2 * entry["num_layers"] * entry["context"] * entry["embed_dim"]
    return 3 * entry["steps"] * entry["batch_size"] * entry["context"] * per_token


def check_entry(entry, budget=BUDGET):
    """A one-line summary of a valid entry; EntryError says what is wrong with any other."""
    if type(entry) is not dict:
        raise EntryError(f"the entry must be a dict of the keys {', '.join(BOUNDS)}, not a {type(entry).__name__}")
    unknown, missing = sorted(set(map(str, entry)) - set(BOUNDS)), [key for key in BOUNDS if key not in entry]
    if unknown or missing:
        raise EntryError(f"unknown keys {unknown}, missing keys {missing}: the entry has exactly {', '.join(BOUNDS)}")
    for key, (kind, low, high) in BOUNDS.items():
        value = entry[key]
        allowed = (int, float) if kind is float else (int,)
        if type(value) not in allowed or not math.isfinite(value) or not low <= value <= high:
            raise EntryError(f"{key} must be {'a number' if kind is float else 'an integer'} from {low} to {high}")
    if entry["embed_dim"] % entry["num_heads"]:
        raise EntryError("embed_dim must be a multiple of num_heads (each head gets embed_dim / num_heads)")
    if entry["warmup_steps"] > entry["steps"]:
        raise EntryError("warmup_steps must be at most steps")
    tokens = entry["steps"] * entry["batch_size"] * entry["context"]
    if tokens > MAX_TOKENS:
        raise EntryError(f"{tokens:,} training tokens (steps x batch_size x context), over the {MAX_TOKENS:,} allowed")
    cost = multiply_adds(entry)
    if cost > budget:
        most = budget // (cost // entry["steps"])
        raise EntryError(f"{cost:,} multiply-adds, over the budget of {budget:,}: at most {most:,} steps of this model")
    return f"{parameters(entry):,} parameters, {cost:,} multiply-adds: {cost / budget:.0%} of the budget"


def fitted(entry, budget=BUDGET):
    """`entry` with its steps cut to what `budget` allows (the reference's entry under a smaller budget)."""
    steps = max(1, min(entry["steps"], budget // (multiply_adds(entry) // entry["steps"])))
    return dict(entry, steps=steps, warmup_steps=min(entry["warmup_steps"], steps))
