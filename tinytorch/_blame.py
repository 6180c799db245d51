"""Which module of the student's chain breaks the capstone (SPEC §6), decided in the harness.

The capstone runs on the student's own modules 01-10. When one of its checks fails, the
harness asks the student process for the capstone built again with one module at a time
swapped for the reference, and replays the check on its smallest failing input (no new
search): the module whose swap makes it pass is the one that breaks the chain. A module that
was not submitted, or cannot be built, is named as such without any replay.
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


def unbuildable(chain, earlier):
    """Why the chain cannot be built at all (modules missing or unreadable), or None."""
    broken = [f"{MODULES[name]}: {chain[name]['error']}" for name in earlier if "error" in chain.get(name, {})]
    if not broken:
        return None
    return "Your chain cannot be built, so the capstone cannot pass: " + " ".join(broken)


def explain(replay):
    """Which of the student's modules makes `replay(capstone_module)` fail, as a sentence."""
    chain = _harness.handed_in.get("chain")
    if _harness.peer is None or not chain:
        return "To find the module that breaks it, run the tests of your notebooks 01-10 again."
    graded = _harness.handed_in["graded"]
    earlier = ORDER[: ORDER.index(graded)]
    reason = unbuildable(chain, earlier)
    if reason:
        return reason
    for name in earlier:
        if passes(replay, {name}):
            return (
                f"The chain breaks in {MODULES[name]}: with the reference {MODULES[name]} instead of yours, it passes."
            )
    if passes(replay, set(earlier)):
        return "More than one of your modules 01-10 breaks it: with all of them from the reference, it passes."
    return f"It fails even on the reference modules 01-10: the problem is in this notebook ({MODULES[graded]})."
