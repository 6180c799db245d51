"""The reference TinyTorch, one file per module.

Generated from course/ by `python -m tinytorch_tools build`: edit the source, not this file.
"""

from .autograd import (
    GRADIENT_RULES,
    backward,
    expand_to,
    grad_add,
    grad_div,
    grad_exp,
    grad_getitem,
    grad_log,
    grad_matmul,
    grad_max,
    grad_mul,
    grad_neg,
    grad_pow,
    grad_reshape,
    grad_sum,
    grad_transpose,
    no_grad,
    topological_order,
    unbroadcast,
)
from .embeddings import Embedding, PositionalEncoding, embedding_lookup, grad_embedding, sinusoidal_encoding
from .layers import Dropout, Linear, Module, default_generator, manual_seed
from .tensor import Tensor, as_tensor, to_array

__all__ = [
    "to_array",
    "as_tensor",
    "Tensor",
    "unbroadcast",
    "grad_add",
    "grad_mul",
    "grad_div",
    "grad_neg",
    "grad_pow",
    "grad_exp",
    "grad_log",
    "grad_matmul",
    "grad_reshape",
    "grad_transpose",
    "expand_to",
    "grad_sum",
    "grad_max",
    "grad_getitem",
    "GRADIENT_RULES",
    "topological_order",
    "backward",
    "no_grad",
    "manual_seed",
    "default_generator",
    "Module",
    "Linear",
    "Dropout",
    "embedding_lookup",
    "grad_embedding",
    "Embedding",
    "sinusoidal_encoding",
    "PositionalEncoding",
]
