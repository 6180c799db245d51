"""The leaderboard's results, kept beside the gradebook in leaderboard.json, and its table.

The file holds, per student, the last result of their entry with the key (hash) it was trained
for, and the reference's entry; `report` reads it and trains nothing. Each result is checked
before it is kept: known fields, numbers that are numbers, texts capped.
"""

import json
import math
import os
from pathlib import Path

from tinytorch.leaderboard import parameters
from tinytorch_tools.submission_files import quoted

from .training import REFERENCE

FILE = "leaderboard.json"
STATUSES = ("ok", "diverged", "crashed", "out of budget", "refused", "failed")
MAX_TEXT = 300


def load(course):
    """{"budget": multiply-adds, "results": {student or REFERENCE: result}} of the course's file."""
    try:
        board = json.loads((Path(course) / FILE).read_text())
    except FileNotFoundError:
        return {"budget": None, "results": {}}
    return {"budget": board.get("budget"), "results": {key: checked(value) for key, value in board["results"].items()}}


def save(course, board):
    """Write the file whole, then put it in place: an interrupted run leaves the last good one."""
    path = Path(course) / FILE
    partial = path.with_name(f".{FILE}.partial")
    partial.write_text(json.dumps(board, indent=1, sort_keys=True) + "\n")
    os.replace(partial, path)


def number(value):
    return float(value) if type(value) in (int, float) and math.isfinite(value) else None


def checked(result):
    """The result with only its known fields, each of its type, texts capped."""
    entry = result.get("entry") if isinstance(result.get("entry"), dict) else {}
    return {
        "student": str(result.get("student", ""))[:MAX_TEXT],
        "key": str(result.get("key", ""))[:100],
        "entry": {str(key)[:50]: number(value) for key, value in list(entry.items())[:20]},
        "status": result.get("status") if result.get("status") in STATUSES else "failed",
        "message": str(result.get("message", ""))[:MAX_TEXT],
        "bits": number(result.get("bits")),
        "unigram": number(result.get("unigram")),
        "curve": [[number(step), number(loss)] for step, loss in list(result.get("curve") or [])[:20]],
        "multiply_adds": number(result.get("multiply_adds")),
        "seconds": number(result.get("seconds")),
    }


def rows(board):
    """(rank, who, bits, details) of each line of the table: the ranked entries with the
    reference's and the unigram baseline among them (unranked), then the others."""
    results, reference = board["results"], board["results"].get(REFERENCE)
    ranked = sorted((result["bits"], student) for student, result in results.items() if result["status"] == "ok")
    ranked = [(bits, student) for bits, student in ranked if student != REFERENCE]
    better = {bits: sum(other < bits for other, _ in ranked) for bits, _ in ranked}  # equal bits, equal rank
    lines = [(str(better[bits] + 1), name(student), results[student]) for bits, student in ranked]
    if reference and reference["status"] == "ok":
        unigram = {"status": "ok", "bits": reference["unigram"], "entry": {}, "message": "ignores the context"}
        lines += [("", name(REFERENCE), reference), ("", "unigram baseline", unigram)]
    lines.sort(key=lambda line: line[2]["bits"])
    lines += [("-", name(student), result) for student, result in sorted(results.items()) if result["status"] != "ok"]
    return [(rank, who, bits_text(result), details(result, board["budget"])) for rank, who, result in lines]


def name(student):
    return "reference's entry" if student == REFERENCE else quoted(student)


def bits_text(result):
    return f"{result['bits']:.3f}" if result["status"] == "ok" else "-"


def details(result, budget):
    """What the entry was (its model, steps and share of the budget), or why it has no score."""
    if result["status"] != "ok":
        return f"{result['status']}: {result['message']}"
    if not result["entry"]:
        return result["message"]
    size = {key: int(result["entry"][key]) for key in ("embed_dim", "num_layers", "context", "steps", "batch_size")}
    share = f", {result['multiply_adds'] / budget:.0%} of the budget" if budget and result["multiply_adds"] else ""
    return (
        f"embed {size['embed_dim']}, blocks {size['num_layers']}, context {size['context']}: "
        f"{parameters(size):,} parameters; {size['steps']:,} steps of {size['batch_size']}, "
        f"lr {result['entry']['max_lr']:g}{share}"
    )


def table(board):
    """The leaderboard as text, one line per student."""
    lines = rows(board)
    width = max([len("student"), *(len(who) for _, who, _, _ in lines)])
    text = [f"{'rank':>4}  {'student':<{width}}  {'bits/char':>9}  details"]
    text += [f"{rank:>4}  {who:<{width}}  {bits:>9}  {detail}" for rank, who, bits, detail in lines]
    budget = f"{board['budget']:,} multiply-adds per entry" if board["budget"] else "no budget recorded"
    return "\n".join([f"Leaderboard: held-out bits per character of Tiny Shakespeare ({budget})", *text])
