"""Which module of the student's chain breaks the capstone, decided in the harness.

The capstone runs on the student's own modules 01-10, 12_language_model and 13_inference on
01-11 (the modules each builds on, `earlier_modules`). When one of its checks fails, the harness
asks the student process for the graded module built again with some of them swapped for the
reference, and replays the check on its smallest failing input (no new search): the one module
whose swap alone makes it pass breaks the chain. It is found by swapping halves of the chain, and
confirmed alone. A module that was not submitted, or cannot be built, is named as such without
any replay.
"""

from tinytorch.course import MODULES, earlier_modules

from .peer import ProcessStopped


def passes(replay, swapped, ask):
    """Whether the replay passes on the graded module built with the reference of `swapped`;
    `ask` is the harness's line to the student process, which builds it."""
    try:
        replay(ask("capstone", sorted(swapped)))
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


def explain(replay, handed_in, ask):
    """Which of the student's modules makes `replay(capstone_module)` fail, as a sentence.

    The student process holds no reference until here (after the seal): each request to build the
    module again hands it the reference code of the modules it swaps in."""
    chain = handed_in.get("chain")
    if not chain:
        return "To find the module that breaks it, run the tests of your earlier notebooks again."
    reference, ask_student = handed_in["reference"], ask

    def ask(op, swapped):
        return ask_student(op, swapped, {name: reference[name] for name in swapped})

    graded = handed_in["graded"]
    earlier = earlier_modules(graded)
    modules = f"{MODULES[earlier[0]][:2]}-{MODULES[earlier[-1]][:2]}"
    reason = unbuildable(chain, earlier, graded)
    if reason:
        return reason
    if not passes(replay, set(earlier), ask):
        return f"It fails even on the reference modules {modules}: the problem is in this notebook ({MODULES[graded]})."
    suspect = bisect(replay, earlier, ask)
    if suspect:
        name = MODULES[suspect]
        return f"The chain breaks in {name}: with the reference {name} instead of yours, it passes."
    return f"More than one of your modules {modules} breaks it: with all of them from the reference, it passes."


def bisect(replay, modules, ask):
    """The one module whose reference alone makes the replay pass, or None: halves of the
    chain are swapped in until one module is left (four replays for ten modules, not ten)."""
    while len(modules) > 1:
        half = modules[: len(modules) // 2]
        modules = half if passes(replay, set(half), ask) else modules[len(half) :]
    return modules[0] if passes(replay, set(modules), ask) else None
