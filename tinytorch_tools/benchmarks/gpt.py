"""Benchmark: one training step (forward, backward, Adam) of the reference TinyGPT against the
same model in PyTorch on the CPU, in the same process, float32, same weights and batch; and
the characters per second of 12_language_model's training on Tiny Shakespeare (AdamW and
gradient clipping, `python -m tinytorch_ref lm`'s model), the same way.

PyTorch is the peer, not a dependency: `pip install torch==2.13.0` first. Both models start
from the same weights, so their first losses must agree, which also checks the reference.
Both run on one thread (numpy's BLAS and PyTorch's), their steps interleaved, so that a busy
machine slows both alike; the ratio printed is the median of the ratios of each pair of steps.
"""

import os
import statistics
import sys
import time

import numpy as np

from tinytorch.data import load_shakespeare
from tinytorch_ref import (
    Adam,
    AdamW,
    CharTokenizer,
    CrossEntropyLoss,
    TextLoader,
    TinyGPT,
    endless,
    manual_seed,
    training_step,
)

ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}

CONFIGURATIONS = {
    "seed (demo)": dict(vocab=100, embed=32, layers=2, heads=4, context=16, batch=8),
    "larger": dict(vocab=100, embed=128, layers=4, heads=4, context=64, batch=16),
}
LANGUAGE_MODEL = dict(vocab=65, embed=64, layers=2, heads=4, context=64, batch=16)  # python -m tinytorch_ref lm


def copy_weights(torch, ours, theirs):
    """Load the reference model's weights into the PyTorch one (Linear weights are transposed)."""
    targets = dict(theirs.named_parameters())
    with torch.no_grad():
        for name, parameter in ours.named_parameters():
            target_name = name.replace(".gamma", ".weight").replace(".beta", ".bias")
            value = parameter.data
            if value.ndim == 2 and "embedding" not in name:
                value = value.T
            targets.pop(target_name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    assert not targets, f"PyTorch parameters with no counterpart: {sorted(targets)}"


def seconds(step):
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def interleaved(ours, theirs, repeats):
    """Median seconds of each step and median ratio of the pairs, the two steps taking turns."""
    ours(), theirs()  # warm-up
    pairs = [(seconds(ours), seconds(theirs)) for _ in range(repeats)]
    medians = [statistics.median(side) for side in zip(*pairs, strict=True)]
    return (*medians, statistics.median(a / b for a, b in pairs))


def benchmark_configuration(torch, config, repeats):
    from .torch_gpt import torch_gpt

    manual_seed(0)
    ours = TinyGPT(config["vocab"], config["embed"], config["layers"], config["heads"], config["context"])
    theirs = torch_gpt(config)
    copy_weights(torch, ours, theirs)
    batch = np.random.default_rng(0).integers(0, config["vocab"], size=(config["batch"], config["context"] + 1))
    inputs, targets = batch[:, :-1], batch[:, 1:]
    loss_fn, optimizer = CrossEntropyLoss(), Adam(ours.parameters(), lr=1e-3)
    torch_inputs, torch_targets = torch.from_numpy(inputs), torch.from_numpy(targets)
    torch_optimizer = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    first_losses = []

    def our_step():
        loss = loss_fn(ours(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        first_losses.append(loss.item())

    def torch_step():
        logits = theirs(torch_inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, config["vocab"]), torch_targets.reshape(-1))
        torch_optimizer.zero_grad()
        loss.backward()
        torch_optimizer.step()
        first_losses.append(loss.item())

    our_step(), torch_step()
    assert abs(first_losses[0] - first_losses[1]) < 1e-4, f"the two models disagree: losses {first_losses}"
    return interleaved(our_step, torch_step, repeats)


def benchmark_gpt(repeats=20):
    if any(os.environ.get(name) != value for name, value in ONE_THREAD.items()):
        # numpy reads its thread count when it starts: start again with one thread.
        os.execve(
            sys.executable, [sys.executable, "-m", "tinytorch_tools", "benchmark-gpt"], {**os.environ, **ONE_THREAD}
        )
    try:
        import torch
    except ImportError:
        raise SystemExit("this benchmark compares with PyTorch: pip install torch==2.13.0") from None
    torch.set_num_threads(1)
    print(f"training step (forward, backward, Adam), {repeats} interleaved pairs, one thread each;")
    print(f"PyTorch {torch.__version__} on the CPU, float32")
    print(f"{'configuration':<14}{'reference (ms)':>16}{'PyTorch (ms)':>14}{'ratio':>8}  (median)")
    for name, config in CONFIGURATIONS.items():
        ours, theirs, ratio = benchmark_configuration(torch, config, repeats)
        print(f"{name:<14}{ours * 1e3:>16.1f}{theirs * 1e3:>14.1f}{ratio:>7.2f}x  {describe(config)}")
    ours, theirs, ratio = benchmark_language_model(torch, repeats)
    characters = LANGUAGE_MODEL["batch"] * LANGUAGE_MODEL["context"]
    print("\ntraining on Tiny Shakespeare (AdamW, clipping at norm 1), characters per second:")
    print(
        f"reference {characters / ours:,.0f}, PyTorch {characters / theirs:,.0f}: {ratio:.2f}x PyTorch's time per step"
    )
    print(f"({describe(LANGUAGE_MODEL)})")


def benchmark_language_model(torch, repeats):
    """12_language_model's training step, each model on its own loader of the same seed (so the
    same batches), interleaved as in benchmark_configuration."""
    from .torch_gpt import torch_gpt

    config = LANGUAGE_MODEL
    manual_seed(0)
    ours = TinyGPT(config["vocab"], config["embed"], config["layers"], config["heads"], config["context"])
    theirs = torch_gpt(config)
    copy_weights(torch, ours, theirs)
    train_text, _ = load_shakespeare()
    tokens = CharTokenizer(train_text).encode(train_text)
    our_batches, torch_batches = (endless(TextLoader(tokens, config["context"], config["batch"])) for _ in range(2))
    optimizer = AdamW(ours.parameters(), lr=1e-3)
    torch_optimizer = torch.optim.AdamW(theirs.parameters(), lr=1e-3, weight_decay=0.01)

    def our_step():
        training_step(ours, optimizer, *next(our_batches), max_norm=1.0)

    def torch_step():
        inputs, targets = (torch.from_numpy(part) for part in next(torch_batches))
        loss = torch.nn.functional.cross_entropy(theirs(inputs).reshape(-1, config["vocab"]), targets.reshape(-1))
        torch_optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        torch_optimizer.step()

    return interleaved(our_step, torch_step, repeats)


def describe(config):
    return ", ".join(f"{key} {value}" for key, value in config.items())
