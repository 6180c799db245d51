"""Reference solution of 12_language_model.

Generated from course/12_language_model.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .autograd import no_grad
from .losses import CrossEntropyLoss
from .optimizers import AdamW
from .tensor import Tensor
from .tinygpt import TinyGPT


class CharTokenizer:
    """One token per distinct character of `text`, in sorted order."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.token_of = {char: token for token, char in enumerate(self.chars)}

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        """The tokens of `text`; ValueError names the characters not in the vocabulary."""
        unknown = sorted(set(text) - self.token_of.keys())
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return np.array([self.token_of[char] for char in text], dtype=np.int64)

    def decode(self, tokens):
        return "".join(self.chars[int(token)] for token in np.asarray(tokens).reshape(-1))


class TextLoader:
    """Batches of (inputs, targets) windows of `tokens`, each epoch in a new seeded order."""

    def __init__(self, tokens, context, batch_size, seed=0):
        tokens = np.asarray(tokens)
        count = (len(tokens) - 1) // context
        positions = np.arange(count)[:, None] * context + np.arange(context)
        self.inputs, self.targets = tokens[positions], tokens[positions + 1]
        self.batch_size = batch_size
        self.generator = np.random.default_rng(seed)

    def __len__(self):
        """Batches per epoch."""
        return -(-len(self.inputs) // self.batch_size)

    def __iter__(self):
        order = self.generator.permutation(len(self.inputs))
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            yield self.inputs[chosen], self.targets[chosen]


def learning_rate(step, total_steps, max_lr, warmup_steps):
    """The learning rate at `step`: linear warm-up to `max_lr`, then a cosine down to 0."""
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * max_lr * (1 + float(np.cos(np.pi * progress)))


def clip_grad_norm(parameters, max_norm):
    """Scale all gradients by one factor so that their global norm is at most `max_norm`;
    return the norm they had."""
    gradients = [parameter for parameter in parameters if parameter.grad is not None]
    norm = float(np.sqrt(sum(np.sum(np.square(parameter.grad, dtype=np.float64)) for parameter in gradients)))
    if norm > max_norm:
        for parameter in gradients:
            parameter.grad = parameter.grad * (max_norm / norm)
    return norm


def bits_per_character(model, batches):
    """The model's mean cross-entropy over every target in `batches`, in bits."""
    loss_fn, total, count = CrossEntropyLoss(), 0.0, 0
    model.eval()
    with no_grad():
        for inputs, targets in batches:
            total += loss_fn(model(inputs), targets).item() * np.size(targets)
            count += np.size(targets)
    model.train()
    return total / count / np.log(2)


def unigram_bits_per_character(train_tokens, heldout_tokens, vocab_size):
    """Bits per character on `heldout_tokens` of the character frequencies of `train_tokens`
    (each count plus one)."""
    counts = np.bincount(np.asarray(train_tokens), minlength=vocab_size) + 1
    probabilities = counts / counts.sum()
    return float(-np.mean(np.log2(probabilities[np.asarray(heldout_tokens)])))


def endless(batches):
    """Batches epoch after epoch (a TextLoader shuffles each one anew)."""
    while True:
        yield from batches


def training_step(model, optimizer, inputs, targets, max_norm):
    """One clipped optimizer step on a batch; returns its loss."""
    loss = CrossEntropyLoss()(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


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
    for step, (inputs, targets) in zip(range(steps), endless(batches), strict=False):
        optimizer.lr = learning_rate(step, steps, max_lr, warmup_steps)
        history["loss"].append(training_step(model, optimizer, inputs, targets, max_norm))
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            history["heldout_bits"].append((step + 1, bits_per_character(model, heldout_batches)))
        if progress:
            progress(history)
    return history


def next_token_probabilities(logits, temperature=1.0, top_k=None):
    """The distribution to draw the next token from, given its logits (V,)."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    logits = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        kth_largest = np.sort(logits)[-top_k]
        logits = np.where(logits >= kth_largest, logits, -np.inf)
    probabilities = np.exp(logits - logits.max())
    return probabilities / probabilities.sum()


def generate_text(model, tokenizer, prompt, max_new_chars, temperature=1.0, top_k=None, seed=None):
    """`prompt` followed by `max_new_chars` characters the model writes."""
    if not prompt:
        raise ValueError("the prompt needs at least one character")
    draws = np.random.default_rng(seed)
    tokens = list(tokenizer.encode(prompt))
    with no_grad():
        for _ in range(max_new_chars):
            context = np.array(tokens[-model.max_seq_len :])[None, :]
            logits = model(context).data[0, -1]
            probabilities = next_token_probabilities(logits, temperature, top_k)
            tokens.append(int(draws.choice(len(probabilities), p=probabilities)))
    return tokenizer.decode(tokens)
