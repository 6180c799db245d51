"""The reference TinyGPT's architecture in PyTorch, with the reference's parameter names: the
peer of `gpt.py`. Imported only when PyTorch is installed (it is not a course dependency)."""

import math

import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, embed, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(embed, embed) for _ in range(4))

    def forward(self, x, mask):
        batch, length, embed = x.shape

        def split(t):
            return t.view(batch, length, self.heads, embed // self.heads).transpose(1, 2)

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(embed // self.heads)
        weights = torch.softmax(scores.masked_fill(~mask, -1e9), dim=-1)
        return self.out_proj((weights @ v).transpose(1, 2).reshape(batch, length, embed))


class FeedForward(nn.Module):
    def __init__(self, embed):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(embed, 4 * embed), nn.Linear(4 * embed, embed)

    def forward(self, x):
        return self.linear2(nn.functional.gelu(self.linear1(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, embed, heads):
        super().__init__()
        self.ln1, self.attention = nn.LayerNorm(embed), Attention(embed, heads)
        self.ln2, self.mlp = nn.LayerNorm(embed), FeedForward(embed)

    def forward(self, x, mask):
        x = x + self.attention(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        embed = config["embed"]
        self.token_embedding = nn.Embedding(config["vocab"], embed)
        self.position_embedding = nn.Embedding(config["context"], embed)
        self.blocks = nn.ModuleList(Block(embed, config["heads"]) for _ in range(config["layers"]))
        self.ln_f = nn.LayerNorm(embed)
        self.lm_head = nn.Linear(embed, config["vocab"], bias=False)

    def forward(self, tokens):
        length = tokens.shape[1]
        x = self.token_embedding(tokens) + self.position_embedding(torch.arange(length))
        mask = torch.tril(torch.ones(length, length, dtype=torch.bool))
        for block in self.blocks:
            x = block(x, mask)
        return self.lm_head(self.ln_f(x))


def torch_gpt(config):
    """The same architecture as the reference TinyGPT of this configuration, in PyTorch."""
    return GPT(config)
