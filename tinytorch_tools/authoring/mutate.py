"""Mutation testing: which wrong solutions do a module's tests let through?

A mutant is the reference solution with one small change made by one of cosmic-ray's mutation
operators (an operator, a comparison, a constant, a keyword). Only the code students write is
mutated: the lines between `### BEGIN SOLUTION` and `### END SOLUTION` of `course/NN_name.py`,
never the read-only cells, nor the text of an error message (an f-string). Binary operators are
replaced within their family (arithmetic by arithmetic, bitwise by bitwise): a float array under
`<<` or `|` just raises TypeError.

The oracle is the module's own test cells, visible and hidden parts, run as grading runs them but
in one process: the earlier modules come from `tinytorch_ref`, the mutated module is built from
its cells, and each test cell runs in the module's namespace, as in the notebook. A cell fails
when it raises or writes to stderr (nbgrader gives such a cell 0). A mutant is killed when a cell
fails, or when it runs out of time or crashes; it survives when every cell passes. Each mutant
runs in a forked process, so that it cannot leave anything behind (a gradient rule it registers).

Equivalent mutants, which behave as the reference on every input the module's text allows, are
listed with the reason in `course/mutants/NN_name.toml`; the score leaves them out.
"""

import contextlib
import functools
import importlib
import io
import itertools
import multiprocessing
import re
import time
import tomllib
from dataclasses import dataclass

from cosmic_ray import plugins
from cosmic_ray.ast import ast_nodes, get_ast
from cosmic_ray.mutating import mutate_code

from tinytorch.course import ASSIGNMENTS, earlier_modules
from tinytorch.grading.sources import HandedInSources
from tinytorch.loader import use_sources
from tinytorch_tools import paths

from .textform import module_code, parse_cells

SOLUTION_MARKER = re.compile(r"\s*### (BEGIN|END) SOLUTION")
ARITHMETIC = {"Add", "Sub", "Mul", "Div", "FloorDiv", "Mod", "Pow"}
EQUIVALENTS = paths.COURSE / "mutants"
PRINT = functools.partial(print, flush=True)  # a long report shows survivors as they come


@dataclass(frozen=True)
class Mutant:
    operator: str
    line: int  # in course/NN_name.py
    original: str  # that line, stripped
    text: str  # the mutated course/NN_name.py

    @property
    def mutated(self):
        return self.text.splitlines()[self.line - 1].strip()

    def describe(self, course_file):
        return f"{course_file}:{self.line} {self.operator}\n    - {self.original}\n    + {self.mutated}"


def solution_lines(text):
    """The numbers of the lines students write: between BEGIN and END SOLUTION."""
    inside, lines = False, set()
    for number, line in enumerate(text.splitlines(), start=1):
        marker = SOLUTION_MARKER.match(line)
        if marker:
            inside = marker[1] == "BEGIN"
        elif inside:
            lines.add(number)
    return lines


def within_family(name):
    """False for a binary operator replaced by one of the other family (`*` by `<<`)."""
    parts = name.split("/")[-1].split("_")
    if parts[0] != "ReplaceBinaryOperator":
        return True
    return (parts[1] in ARITHMETIC) == (parts[2] in ARITHMETIC)


def operators():
    """(name, operator) of cosmic-ray's core operators that take no arguments."""
    for name in plugins.operator_names():
        operator_class = plugins.get_operator(name)
        if not operator_class.arguments() and within_family(name):
            yield name.split("/")[-1], operator_class()


def in_message(node):
    """Whether `node` is inside an f-string: the text of an error message is not graded."""
    while node is not None:
        if node.type == "fstring":
            return True
        node = node.parent
    return False


@functools.cache
def operator_table():
    return dict(operators())


def mutants(text):
    """Every mutant of the solution lines of a module's text form, operator by operator."""
    lines, original_lines = solution_lines(text), text.splitlines()
    nodes = list(ast_nodes(get_ast(text)))
    for name, operator in operator_table().items():
        positions = [(start, node) for node in nodes for start, _ in operator.mutation_positions(node)]
        for occurrence, ((line, _), node) in enumerate(positions):
            if line in lines and not in_message(node):
                yield Mutant(name, line, original_lines[line - 1].strip(), mutate_code(text, operator, occurrence))


def equivalents(assignment):
    """{(line, mutated line): reason} of the mutants listed as equivalent for `assignment`."""
    path = EQUIVALENTS / f"{assignment}.toml"
    listed = tomllib.loads(path.read_text()).get("equivalent", []) if path.exists() else []
    return {(entry["line"], entry["mutant"]): entry["reason"] for entry in listed}


def build(assignment, code):
    """The module `assignment` built from `code`, on the reference of the modules before it."""
    name = ASSIGNMENTS[assignment]
    earlier = earlier_modules(name)
    reference = {module: (paths.REFERENCE / f"{module}.py").read_text() for module in earlier}
    use_sources(HandedInSources({"graded": name, "reference": {**reference, name: code}}))
    return importlib.import_module(f"tinytorch.{name}")


def passes(namespace, source):
    """Whether a test cell passes: it raises nothing and writes nothing to stderr."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            exec(compile(source, "<test cell>", "exec"), namespace)
    except Exception:  # noqa: BLE001 - any error fails the cell, as in nbgrader
        return False
    return not stderr.getvalue()


def first_failing_cell(assignment, code, cells):
    """The grade_id of the first of `cells` that fails on `code`, or None."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            namespace = vars(build(assignment, code))
    except Exception:  # noqa: BLE001 - a module that does not build fails every test
        return "(module does not build)"
    return next((grade_id for grade_id, source in cells if not passes(namespace, source)), None)


def grade(assignment, code, cells, timeout):
    """first_failing_cell in a forked process: what one mutant leaves behind dies with it."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=lambda: send.send(first_failing_cell(assignment, code, cells)))
    child.start()
    send.close()
    try:
        verdict = receive.recv() if receive.poll(timeout) else f"(ran longer than {timeout:.0f} s)"
    except EOFError:
        verdict = "(crashed)"
    child.kill()
    child.join()
    return verdict


@dataclass
class Score:
    killed: int = 0
    equivalent: int = 0
    survived: int = 0

    @property
    def percent(self):
        return 100 * self.killed / max(self.killed + self.survived, 1)


def report_stale(assignment, listed, found):
    """Name the listed equivalents that match no mutant any more (the solution line changed)."""
    for original, mutated in sorted(set(listed) - {(mutant.original, mutant.mutated) for mutant in found}):
        PRINT(f"STALE equivalent in course/mutants/{assignment}.toml (no such mutant): {original} -> {mutated}")


def mutate_module(assignment, limit=None):
    """Grade every mutant of `assignment` (the first `limit`), print the survivors and the score."""
    started = time.monotonic()
    course_file = paths.COURSE / f"{assignment}.py"
    text = course_file.read_text()
    cells = [(attributes["id"], body) for kind, attributes, body in parse_cells(text) if kind == "tests"]
    failing = grade(assignment, module_code(text), cells, timeout=600)
    if failing:
        raise SystemExit(f"{assignment}: the reference fails {failing}; fix it before mutating")
    timeout = 10 + 5 * (time.monotonic() - started)
    listed, score = equivalents(assignment), Score()
    found = list(itertools.islice(mutants(text), limit))
    for mutant in found:
        if (mutant.original, mutant.mutated) in listed:
            score.equivalent += 1
            continue
        verdict = grade(assignment, module_code(mutant.text), cells, timeout)
        if verdict is None:
            score.survived += 1
            PRINT(f"SURVIVED {mutant.describe(course_file.relative_to(paths.ROOT))}")
        else:
            score.killed += 1
            cells.sort(key=lambda cell: cell[0] != verdict)  # the cell that killed one mutant likely kills the next
    if limit is None:
        report_stale(assignment, listed, found)
    PRINT(
        f"{assignment}: {score.percent:.1f}% killed ({score.killed} of {score.killed + score.survived} mutants; "
        f"{score.survived} survived, {score.equivalent} equivalent) in {time.monotonic() - started:.0f} s"
    )
