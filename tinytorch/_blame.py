"""Which module of the student's chain breaks the capstone (SPEC §6), decided in the harness.

The capstone runs on the student's own modules 01-10, and 12_language_model on 01-11. When
one of its checks fails, the harness asks the student process for the graded module built
again with some of them swapped for the reference, and replays the check on its smallest
failing input (no new search): the one module whose swap alone makes it pass breaks the chain.
It is found by swapping halves of the chain, and confirmed alone. A module that was not
submitted, or cannot be built, is named as such without any replay.
"""

from . import _harness
from ._grading import ORDER
from ._peer import ProcessStopped
from .modules import MODULES


def passes(replay, swapped):
    try:
        replay(_harness.ask("capstone", sorted(swapped)))
    except ProcessStopped:
        raise
    except Exception:  # noqa: BLE001 - any failure of the replay means "still broken"
        return False
    return True


def unbuildable(chain, earlier, graded):
    """Why the chain cannot be built at all (modules missing or unreadable), or None."""
    broken = [f"{MODULES[name]}: {chain[name]['error']}" for name in earlier if "error" in chain.get(name, {})]
    if not broken:
        return None
    return f"Your chain cannot be built, so {MODULES[graded]} cannot pass: " + " ".join(broken)


def explain(replay):
    """Which of the student's modules makes `replay(capstone_module)` fail, as a sentence."""
    chain = _harness.handed_in.get("chain")
    if _harness.peer is None or not chain:
        return "To find the module that breaks it, run the tests of your earlier notebooks again."
    graded = _harness.handed_in["graded"]
    earlier = ORDER[: ORDER.index(graded)]
    modules = f"{MODULES[earlier[0]][:2]}-{MODULES[earlier[-1]][:2]}"
    reason = unbuildable(chain, earlier, graded)
    if reason:
        return reason
    if not passes(replay, set(earlier)):
        return f"It fails even on the reference modules {modules}: the problem is in this notebook ({MODULES[graded]})."
    suspect = bisect(replay, earlier)
    if suspect:
        name = MODULES[suspect]
        return f"The chain breaks in {name}: with the reference {name} instead of yours, it passes."
    return f"More than one of your modules {modules} breaks it: with all of them from the reference, it passes."


def bisect(replay, modules):
    """The one module whose reference alone makes the replay pass, or None: halves of the
    chain are swapped in until one module is left (four replays for ten modules, not ten)."""
    while len(modules) > 1:
        half = modules[: len(modules) // 2]
        modules = half if passes(replay, set(half)) else modules[len(half) :]
    return modules[0] if passes(replay, set(modules)) else None
