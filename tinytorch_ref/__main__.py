"""`python -m tinytorch_ref`: train the reference TinyGPT on random tokens, then generate.

The model memorises one fixed batch of random tokens, so the loss falls from ln(vocab) (a
uniform guess) towards 0; afterwards, prompted with the start of a memorised sequence, it
continues it. Options set the configuration; the defaults are the course's demo model.

`python -m tinytorch_ref lm`: train it on Tiny Shakespeare (12_language_model), printing the
held-out bits per character as they fall below the unigram baseline, then let it write; the
loss curve goes to a PNG.

`python -m tinytorch_ref cache`: generate with and without the KV cache (13_inference), printing
the tokens per second measured on this machine and the multiply-adds counted.
"""

import argparse
import sys
import time

import numpy as np

from tinytorch_ref import (
    Adam,
    CharTokenizer,
    CrossEntropyLoss,
    Profiler,
    TextLoader,
    TinyGPT,
    bits_per_character,
    generate_cached,
    generate_text,
    manual_seed,
    train_language_model,
    unigram_bits_per_character,
)


def demo_model_arguments(parser, context):
    """The options of the demo TinyGPT's configuration, with the default context `context`."""
    parser.add_argument("--vocab", type=int, default=100, help="vocabulary size (default 100)")
    parser.add_argument("--embed", type=int, default=32, help="embedding size (default 32)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads (default 4)")
    parser.add_argument("--layers", type=int, default=2, help="transformer blocks (default 2)")
    parser.add_argument("--context", type=int, default=context, help=f"context length (default {context})")


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m tinytorch_ref", description=__doc__.splitlines()[0])
    demo_model_arguments(parser, context=16)
    parser.add_argument("--batch", type=int, default=8, help="sequences in the batch (default 8)")
    parser.add_argument("--steps", type=int, default=150, help="Adam steps (default 150)")
    parser.add_argument("--lr", type=float, default=1e-2, help="learning rate (default 0.01)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args(argv)


def random_tokens(argv):
    args = arguments(argv)
    manual_seed(args.seed)
    model = TinyGPT(args.vocab, args.embed, args.layers, args.heads, args.context)
    tokens = np.random.default_rng(args.seed).integers(0, args.vocab, size=(args.batch, args.context + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    loss_fn, optimizer = CrossEntropyLoss(), Adam(model.parameters(), lr=args.lr)
    parameters = sum(parameter.data.size for parameter in model.parameters())
    print(f"TinyGPT: {parameters:,} parameters; memorising {args.batch} random sequences of {args.context} tokens")
    print(f"a uniform guess has loss ln({args.vocab}) = {np.log(args.vocab):.3f}")
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step == 1 or step % 10 == 0 or step == args.steps:
            print(
                f"step {step:4d}/{args.steps}  loss {loss.item():.3f}  ({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
    prompt = tokens[0, :4]
    generated = model.generate(prompt, max_new_tokens=args.context - 4, temperature=0.5, seed=args.seed)
    print(f"prompt:       {prompt.tolist()}")
    print(f"generated:    {generated.tolist()}")
    print(f"memorised as: {tokens[0, : args.context].tolist()}")


def language_model_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tinytorch_ref lm", description="Train the reference TinyGPT on Tiny Shakespeare."
    )
    parser.add_argument("--embed", type=int, default=64, help="embedding size (default 64)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads (default 4)")
    parser.add_argument("--layers", type=int, default=2, help="transformer blocks (default 2)")
    parser.add_argument("--context", type=int, default=64, help="context length in characters (default 64)")
    parser.add_argument("--batch", type=int, default=16, help="windows per batch (default 16)")
    parser.add_argument("--steps", type=int, default=1000, help="AdamW steps (default 1000)")
    parser.add_argument("--lr", type=float, default=6e-3, help="peak learning rate (default 0.006)")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up steps (default 50)")
    parser.add_argument("--eval-every", type=int, default=100, help="steps between held-out checks (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--plot", default="lm_loss.png", help="the loss curve's PNG (default lm_loss.png)")
    return parser.parse_args(argv)


def language_model(argv):
    """Train on the training text, check on a slice of the held-out text every few steps, and
    measure the whole held-out text at the end."""
    from tqdm import tqdm

    from tinytorch.data import load_shakespeare

    args = language_model_arguments(argv)
    manual_seed(args.seed)
    train_text, heldout_text = load_shakespeare()
    tokenizer = CharTokenizer(train_text)
    train_tokens, heldout_tokens = tokenizer.encode(train_text), tokenizer.encode(heldout_text)
    batches = TextLoader(train_tokens, args.context, args.batch, seed=args.seed)
    checked = TextLoader(heldout_tokens[:20_000], args.context, 256)
    unigram = unigram_bits_per_character(train_tokens, heldout_tokens, tokenizer.vocab_size)
    model = TinyGPT(tokenizer.vocab_size, args.embed, args.layers, args.heads, args.context)
    parameters = sum(parameter.data.size for parameter in model.parameters())
    print(f"Tiny Shakespeare: {len(train_text):,} training and {len(heldout_text):,} held-out characters")
    print(f"TinyGPT: {parameters:,} parameters; the unigram baseline needs {unigram:.3f} bits per character")
    bar = tqdm(total=args.steps, unit="step")

    def progress(history):
        bar.update(1)
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}")
        step, bits = history["heldout_bits"][-1] if history["heldout_bits"] else (None, None)
        if step == len(history["loss"]):
            bar.write(f"step {step:5d}: {bits:.3f} bits per held-out character (unigram {unigram:.3f})")

    start = time.perf_counter()
    history = train_language_model(
        model,
        batches,
        args.steps,
        checked,
        max_lr=args.lr,
        warmup_steps=args.warmup,
        eval_every=args.eval_every,
        progress=progress,
    )
    seconds = time.perf_counter() - start
    bar.close()
    final = bits_per_character(model, TextLoader(heldout_tokens, args.context, 256))
    print(f"trained in {seconds:.0f} s, {args.steps * args.batch * args.context / seconds:,.0f} characters per second")
    print(f"the whole held-out text: {final:.3f} bits per character, the unigram baseline {unigram:.3f}")
    print(generate_text(model, tokenizer, "ROMEO:\n", 300, temperature=0.8, top_k=10, seed=args.seed))
    plot_losses(history, unigram, args.plot)
    print(f"loss curve: {args.plot}")


def plot_losses(history, unigram, path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4))
    steps = np.arange(1, len(history["loss"]) + 1)
    axes.plot(steps, np.array(history["loss"]) / np.log(2), lw=0.8, alpha=0.6, label="training batch")
    axes.plot(*zip(*history["heldout_bits"], strict=True), "o-", label="held-out text")
    axes.axhline(unigram, color="grey", ls="--", label="unigram baseline")
    axes.set(xlabel="step", ylabel="bits per character", title="TinyGPT on Tiny Shakespeare")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def cache_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tinytorch_ref cache", description="Generate with and without the KV cache."
    )
    parser.add_argument("--tokens", type=int, nargs="+", default=[16, 64, 256], help="lengths (default 16 64 256)")
    demo_model_arguments(parser, context=256)
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args(argv)


def timed_generation(write, length, seed):
    """The tokens `write` generates up to `length` after a one-token prompt, its tokens per
    second (the best of three runs: a busy machine only slows some) and its multiply-adds
    (counted in one more run: the profiler's own work is not timed)."""
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        tokens = write(np.array([0]), length - 1, seed=seed)
        seconds.append(time.perf_counter() - start)
    with Profiler() as profile:
        write(np.array([0]), length - 1, seed=seed)
    return tokens, profile.multiply_adds, (length - 1) / min(seconds)


def kv_cache(argv):
    """The demo model, untrained (the cost does not depend on the weights), writes sequences of
    each length with `generate` and with `generate_cached`: the same tokens, and what each costs."""
    args = cache_arguments(argv)
    manual_seed(args.seed)
    model = TinyGPT(args.vocab, args.embed, args.layers, args.heads, args.context)
    print(f"TinyGPT: embedding {args.embed}, {args.heads} heads, {args.layers} blocks, context {args.context}")
    print(" tokens  multiply-adds without / with the cache   tokens per second without / with")
    for length in args.tokens:
        plain, plain_work, plain_speed = timed_generation(model.generate, length, args.seed)
        cached, cached_work, cached_speed = timed_generation(
            lambda *given, **options: generate_cached(model, *given, **options), length, args.seed
        )
        if not np.array_equal(plain, cached):
            raise SystemExit(f"{length} tokens: generate and generate_cached disagree")
        print(
            f"{length:7d}  {plain_work:16,d} / {cached_work:<16,d} ({plain_work / cached_work:5.1f}x)"
            f"  {plain_speed:8,.0f} / {cached_speed:<8,.0f} ({cached_speed / plain_speed:5.1f}x)"
        )
    print("the same tokens with and without the cache, at every length")


def main():
    commands = {"lm": language_model, "cache": kv_cache}
    if sys.argv[1:2] and sys.argv[1] in commands:
        commands[sys.argv[1]](sys.argv[2:])
    else:
        random_tokens(sys.argv[1:])


if __name__ == "__main__":
    main()
