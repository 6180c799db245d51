"""One entry, trained on a worker: the student's own chain trains in the grading sandbox, and the
reference measures the trained weights in a sandbox of its own.

The student process of grading (tinytorch/grading/student.py, in a box) builds tinytorch from the
student's handed-in modules 01-12, and this trusted side drives it by requests (peer.py): it builds
their TinyGPT, calls their `train_language_model` on windows of the training text it hands in (the
same seeded windows for every entry) and takes back the trained weights as plain arrays. Nothing
else the student's process says is believed: the held-out text is hidden from it, and a second
process that runs only the reference loads the weights and measures the bits per character on the
whole held-out text, and the unigram baseline. A crash, a NaN, a timeout or a box over its budget
becomes the result's status, never an error of the command.
"""

import functools
import math
import os
import tempfile
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinytorch import data
from tinytorch.grading import handed_in, wire
from tinytorch.grading.peer import Peer, ProcessStopped
from tinytorch.leaderboard import multiply_adds, parameters
from tinytorch_tools.sandbox import Limits
from tinytorch_tools.sandbox.box import Box, Budget
from tinytorch_tools.sandbox.processes import student_process

REFERENCE = "(reference)"  # the reference's entry, trained on the reference chain (no student id has parentheses)
SEED = 0  # of the windows' order and of the weights' initialisation: a rerun gives the same table
HELDOUT_FILE = data.FOLDER / "shakespeare_heldout.txt"  # empty in the student's sandbox
HELDOUT_BATCH = 256
CURVE_POINTS = 10  # points of the loss curve kept
MAX_MESSAGE = 300  # characters of a student's error kept


@dataclass(frozen=True)
class Settings:
    budget: int  # multiply-adds of an entry
    timeout: float  # seconds each sandboxed process may take (wall clock, and CPU time of its box)
    reference: dict  # {module: source} of the reference chain, which measures the trained weights
    sandbox: bool = True  # False: trusted entries only (the course's samples)


@dataclass(frozen=True)
class Corpus:
    vocab: int
    train: np.ndarray
    heldout: np.ndarray


@functools.cache
def corpus():
    """Tiny Shakespeare's tokens, one per character of the training text (the held-out text has no other)."""
    train, heldout = data.load_shakespeare()
    token_of = {char: token for token, char in enumerate(sorted(set(train)))}
    return Corpus(len(token_of), *(np.array([token_of[char] for char in text]) for text in (train, heldout)))


class Stopped(Exception):
    """The entry ends here: args (status, message) are its line of the table."""


class Remote:
    """An object of the sandboxed process, known here only by reference."""

    def __init__(self, ref):
        self._remote_ref = ref


class Sandboxed:
    """A student process driven from here, one request at a time, each within the deadline."""

    def __init__(self, connection, deadline):
        self.peer = Peer(connection, lambda ref, type_name: Remote(ref), {}, may_share=lambda value: False)
        self.deadline = deadline

    def ask(self, op, *args):
        self.peer.connection.settimeout(max(self.deadline - time.monotonic(), 0.1))
        return self.peer.request(op, *args)[0]

    def call(self, owner, name, *args, **kwargs):
        return self.ask("callmethod", owner, name, list(args), kwargs)


@contextmanager
def sandboxed(hand_in, settings, hidden=()):
    """A student process on `hand_in` (handed_in.py's format), in a box of its own; yields it and its box."""
    box = Box(Budget(cpu_seconds=math.ceil(settings.timeout))) if settings.sandbox else nullcontext()
    with box as opened, tempfile.TemporaryDirectory(prefix="tinytorch-leaderboard-") as private:
        folder = Path(private) / "student"
        folder.mkdir(mode=0o755)
        handed_in.write(folder, {"max_output": 10_000, **hand_in})
        with student_process(folder, Limits(), settings.sandbox, opened, hidden) as (channel, _):
            connection = wire.connect(os.dup(channel))
            try:
                yield Sandboxed(connection, time.monotonic() + settings.timeout), opened
            finally:
                connection.close()


def clean(text):
    """A student's text as one printable line, capped: its start, and its end, where a chained
    error names its first cause (the module that does not build)."""
    line = "".join(char if char.isprintable() else " " for char in str(text))
    return line if len(line) <= MAX_MESSAGE else f"{line[:100]} ... {line[105 - MAX_MESSAGE :]}"


def why_stopped(error, box, timeout):
    if isinstance(error, Stopped):
        return error
    reason = box.over_budget() if box else None
    if reason:
        return Stopped("out of budget", f"its box was stopped: {reason}")
    if isinstance(error, ProcessStopped) and "TimeoutError" in str(error):
        return Stopped("out of budget", f"it trained longer than {timeout:g} s")
    return Stopped("crashed", clean(f"{type(error).__name__}: {error}"))


def training_batches(tokens, entry):
    """`steps` batches of `batch_size` windows of `context` tokens and their targets, epoch after
    epoch in a seeded order: the same for every entry of the same shape."""
    context, size, steps = entry["context"], entry["batch_size"], entry["steps"]
    count = (len(tokens) - 1) // context
    generator = np.random.default_rng(SEED)
    order = np.concatenate([generator.permutation(count) for _ in range(-(-steps * size // count))])
    positions = (order[: steps * size] * context).reshape(steps, size)[..., None] + np.arange(context)
    return [(tokens[batch], tokens[batch + 1]) for batch in positions]


def heldout_batches(tokens, context):
    """Every window of the held-out text, in order."""
    count = (len(tokens) - 1) // context
    positions = np.arange(count)[:, None] * context + np.arange(context)
    return [
        (tokens[positions[i : i + HELDOUT_BATCH]], tokens[positions[i : i + HELDOUT_BATCH] + 1])
        for i in range(0, count, HELDOUT_BATCH)
    ]


def model_arguments(entry, vocab):
    return vocab, entry["embed_dim"], entry["num_layers"], entry["num_heads"], entry["context"]


def train(task, settings, text):
    """The student's TinyGPT trained by their own chain: (losses, {name: weights})."""
    entry = task.entry
    batches = training_batches(text.train, entry)
    reference = settings.reference if task.student == REFERENCE else {}
    hand_in = {"graded": "language_model", "reference": reference, "chain": task.chain}
    with sandboxed(hand_in, settings, hidden=[HELDOUT_FILE] if settings.sandbox else []) as (process, box):
        try:
            process.call(process.ask("import", "layers"), "manual_seed", SEED)
            lm = process.ask("import", "language_model")
            model = process.call(lm, "TinyGPT", *model_arguments(entry, text.vocab))
            options = {key: entry[key] for key in ("max_lr", "warmup_steps", "max_norm", "weight_decay")}
            history = process.call(
                lm,
                "train_language_model",
                model,
                batches,
                entry["steps"],
                batches[:1],
                eval_every=entry["steps"],
                **options,
            )
            named = process.ask("iter", process.call(model, "named_parameters"))
            weights = {clean(name): process.ask("getattr", parameter, "data") for name, parameter in named[:1000]}
        except Exception as error:
            raise why_stopped(error, box, settings.timeout) from None
    return checked_losses(history, entry["steps"]), checked_weights(weights, entry, text.vocab)


def checked_losses(history, steps):
    losses = history.get("loss") if type(history) is dict else None
    if type(losses) is not list or len(losses) != steps or any(type(loss) not in (float, int) for loss in losses):
        raise Stopped("crashed", f"train_language_model did not return the history of its {steps} losses")
    bad = next((step for step, loss in enumerate(losses, 1) if not math.isfinite(loss)), None)
    if bad:
        raise Stopped("diverged", f"the loss was {losses[bad - 1]} at step {bad}")
    return losses


def checked_weights(weights, entry, vocab):
    arrays = [value for value in weights.values() if isinstance(value, np.ndarray) and value.dtype.kind == "f"]
    if len(arrays) != len(weights) or sum(array.size for array in arrays) != parameters(entry, vocab):
        raise Stopped(
            "crashed", f"the trained model's parameters are not the {parameters(entry, vocab):,} of its TinyGPT"
        )
    if not all(np.isfinite(array).all() for array in arrays):
        raise Stopped("diverged", "its weights hold NaN or infinity after training")
    return weights


def measure(weights, entry, settings, text):
    """(held-out bits per character, unigram baseline) of the trained weights, with the reference."""
    with sandboxed({"graded": "language_model", "reference": settings.reference}, settings) as (process, _):
        lm = process.ask("import", "language_model")
        model = process.call(lm, "TinyGPT", *model_arguments(entry, text.vocab))
        named = process.ask("iter", process.call(model, "named_parameters"))
        for name, parameter in named:
            shape = tuple(process.ask("getattr", parameter, "shape"))
            if name not in weights or weights[name].shape != shape:
                raise Stopped("crashed", clean(f"the trained model has no parameter {name} of shape {shape}"))
            process.ask("setattr", parameter, "data", weights[name].astype(np.float32))
        bits = process.call(lm, "bits_per_character", model, heldout_batches(text.heldout, entry["context"]))
        unigram = process.call(lm, "unigram_bits_per_character", text.train, text.heldout, text.vocab)
    if not math.isfinite(bits):
        raise Stopped("diverged", f"its held-out bits per character are {bits}")
    return float(bits), float(unigram)


def train_entry(task, settings):
    """The result of one entry: {"status", "bits", "unigram", "message", "curve", "seconds", ...}."""
    text, started = corpus(), time.monotonic()
    result = {"student": task.student, "key": task.key, "entry": task.entry, "status": "ok", "message": ""}
    result.update(bits=None, unigram=None, curve=[], multiply_adds=multiply_adds(task.entry, text.vocab))
    try:
        losses, weights = train(task, settings, text)
        every = max(1, len(losses) // CURVE_POINTS)
        result["curve"] = [[step, float(losses[step - 1])] for step in range(every, len(losses) + 1, every)]
        result["bits"], result["unigram"] = measure(weights, task.entry, settings, text)
    except Stopped as stopped:
        result["status"], result["message"] = stopped.args
    result["seconds"] = round(time.monotonic() - started, 1)
    return result
