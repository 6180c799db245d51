"""Reference solution of 11_tinygpt.

Generated from course/11_tinygpt.py by `python -m tinytorch_tools build`: edit the source, not this file.
"""

import numpy as np

from .attention import causal_mask
from .autograd import no_grad
from .embeddings import Embedding
from .layers import Linear, Module, default_generator
from .losses import CrossEntropyLoss
from .optimizers import Adam
from .tensor import Tensor
from .transformers import LayerNorm, TransformerBlock


class TinyGPT(Module):
    """A decoder-only transformer language model, GPT-2 style."""

    def __init__(self, vocab_size, embed_dim, num_layers, num_heads, max_seq_len):
        self.vocab_size, self.max_seq_len = vocab_size, max_seq_len
        self.token_embedding = Embedding(vocab_size, embed_dim)
        self.position_embedding = Embedding(max_seq_len, embed_dim)
        self.blocks = [TransformerBlock(embed_dim, num_heads) for _ in range(num_layers)]
        self.ln_f = LayerNorm(embed_dim)
        self.lm_head = Linear(embed_dim, vocab_size, bias=False)
        self.init_weights()

    def init_weights(self, std=0.02):
        """GPT-2's initialisation: small normal weights and zero biases (LayerNorm untouched)."""
        generator = default_generator()
        for name, parameter in self.named_parameters():
            if name.endswith("weight"):
                parameter.data = generator.normal(0.0, std, parameter.shape).astype(parameter.dtype)
            elif name.endswith("bias"):
                parameter.data = np.zeros_like(parameter.data)

    def forward(self, tokens):
        tokens = np.asarray(getattr(tokens, "data", tokens)).astype(np.int64)
        T = tokens.shape[-1]
        if T > self.max_seq_len:
            raise ValueError(f"a sequence of {T} tokens is longer than max_seq_len={self.max_seq_len}")
        x = self.token_embedding(tokens) + self.position_embedding(np.arange(T))
        mask = causal_mask(T)
        for block in self.blocks:
            x = block(x, mask)
        return self.lm_head(self.ln_f(x))


def train(model, tokens, steps, lr=1e-2):
    """Train `model` on the batch `tokens` (B, T+1) for `steps` Adam steps; return the losses."""
    tokens = np.asarray(tokens)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    loss_fn, optimizer = CrossEntropyLoss(), Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def generate(self, prompt, max_new_tokens, temperature=1.0, seed=None):
    """Sample `max_new_tokens` tokens after `prompt` (1-D token ids)."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    generator = np.random.default_rng(seed)
    tokens = [int(token) for token in np.asarray(prompt).reshape(-1)]
    with no_grad():
        for _ in range(max_new_tokens):
            context = np.array(tokens[-self.max_seq_len :])[None, :]
            logits = self(context).data[0, -1].astype(np.float64) / temperature
            probabilities = np.exp(logits - logits.max())
            probabilities /= probabilities.sum()
            tokens.append(int(generator.choice(len(probabilities), p=probabilities)))
    return np.array(tokens, dtype=np.int64)


TinyGPT.generate = generate
