"""`python -m tinytorch_ref`: train the reference TinyGPT on random tokens, then generate.

The model memorises one fixed batch of random tokens, so the loss falls from ln(vocab) (a
uniform guess) towards 0; afterwards, prompted with the start of a memorised sequence, it
continues it. Options set the configuration; the defaults are the course's demo model.
"""

import argparse
import time

import numpy as np

from tinytorch_ref import Adam, CrossEntropyLoss, TinyGPT, manual_seed


def arguments():
    parser = argparse.ArgumentParser(prog="python -m tinytorch_ref", description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=100, help="vocabulary size (default 100)")
    parser.add_argument("--embed", type=int, default=32, help="embedding size (default 32)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads (default 4)")
    parser.add_argument("--layers", type=int, default=2, help="transformer blocks (default 2)")
    parser.add_argument("--context", type=int, default=16, help="context length (default 16)")
    parser.add_argument("--batch", type=int, default=8, help="sequences in the batch (default 8)")
    parser.add_argument("--steps", type=int, default=150, help="Adam steps (default 150)")
    parser.add_argument("--lr", type=float, default=1e-2, help="learning rate (default 0.01)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args()


def main():
    args = arguments()
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


if __name__ == "__main__":
    main()
