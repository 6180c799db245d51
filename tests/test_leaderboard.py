"""The class leaderboard of 12_language_model (issue 28): an entry is read as data and checked
against its bounds and budget; `python -m tinytorch_tools leaderboard` trains each student's own
chain in the sandbox, ranks the class by held-out bits per character beside the reference's entry
and the unigram baseline, gives a crash, a NaN, a timeout or a refusal a line of its own, trains
again only what changed, and `report` shows the table without training."""

import subprocess
import sys

import pytest

from tinytorch.course import LANGUAGE_MODEL
from tinytorch.leaderboard import BUDGET, DEFAULT_ENTRY, EntryError, check_entry, fitted, parameters
from tinytorch_ref import TinyGPT
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples
from tinytorch_tools.leaderboard import run_leaderboard, store
from tinytorch_tools.leaderboard.entries import entry_of, read_entry
from tinytorch_tools.leaderboard.training import REFERENCE
from tinytorch_tools.nbgrader_cli import environment
from tinytorch_tools.reports import class_report

TEST_BUDGET = 4_000_000_000  # multiply-adds: a fifteenth of the real budget, so that the class trains in seconds
HISTORY = '    history = {"loss": [], "heldout_bits": []}'  # a line of train_language_model, in 12's training cell


@pytest.mark.parametrize(
    "change, says",
    [
        ({"embed_dim": 256}, "embed_dim must be an integer from 8 to 128"),
        ({"max_lr": "0.01"}, "max_lr must be a number"),
        ({"num_layers": True}, "num_layers must be an integer"),
        ({"max_lr": float("nan")}, "max_lr must be a number"),
        ({"embed_dim": 30}, "embed_dim must be a multiple of num_heads"),
        ({"warmup_steps": 2000}, "warmup_steps must be at most steps"),
        ({"steps": 2000}, "over the budget of 60,000,000,000: at most 1,124 steps"),
        ({"steps": 5000, "embed_dim": 8, "num_heads": 1, "num_layers": 1, "batch_size": 64}, "training tokens"),
        ({"dropout": 0.1}, "unknown keys ['dropout']"),
    ],
)
def test_an_entry_out_of_its_bounds_is_refused_with_what_to_change(change, says):
    with pytest.raises(EntryError) as refused:
        check_entry(dict(DEFAULT_ENTRY, **change))
    assert says in str(refused.value)


@pytest.mark.parametrize(
    "source, says",
    [
        ("LEADERBOARD_ENTRY = dict(embed_dim=32)", "must be a dict literal"),
        ('LEADERBOARD_ENTRY = {"max_lr": 1 / 50}', "plain numbers"),
        ('LEADERBOARD_ENTRY = {"steps": __import__("os").system("true")}', "plain numbers"),
        ('LEADERBOARD_ENTRY = {**other, "steps": 1}', "plain numbers"),
        ("ENTRY = {}", "assign LEADERBOARD_ENTRY = {...} once (0 times"),
        ("LEADERBOARD_ENTRY = {\n", "not valid Python"),
        ("LEADERBOARD_ENTRY = {" + "[" * 100_000, "more than 20,000 characters"),
    ],
)
def test_the_entry_cell_is_read_as_data_and_never_run(source, says):
    with pytest.raises(EntryError) as refused:
        read_entry(source)
    assert says in str(refused.value)


def test_the_notebooks_enter_the_reference_entry_and_its_cost_is_counted():
    """The entry cell of the source and release notebooks is the reference's entry, within the
    budget; the parameters the budget counts are those of the reference TinyGPT."""
    for notebook in (samples.source_notebook(LANGUAGE_MODEL), samples.release_notebook(LANGUAGE_MODEL)):
        assert entry_of(notebook) == DEFAULT_ENTRY
    assert "of the budget" in check_entry(DEFAULT_ENTRY)
    for entry in (DEFAULT_ENTRY, dict(DEFAULT_ENTRY, embed_dim=48, num_layers=3, context=64)):
        model = TinyGPT(65, entry["embed_dim"], entry["num_layers"], entry["num_heads"], entry["context"])
        assert parameters(entry) == sum(parameter.data.size for parameter in model.parameters())
    assert fitted(DEFAULT_ENTRY, BUDGET) == DEFAULT_ENTRY


def with_training_line(notebook, instead):
    """The notebook with the first line of train_language_model's history replaced by `instead`."""
    cell = next(cell for cell in notebook.cells if HISTORY in cell.source)
    cell.source = cell.source.replace(HISTORY, instead)
    return notebook


def class_entries():
    """{student: {assignment: notebook}}: the sample entries (the reference's, a better one, a
    diverging one), a chain without 09_attention, a student who peeks at the held-out text, an
    entry over the budget, one that is code, not data, one that trains for ever, and one that
    reports a perfect history without training."""
    entries = {
        student: samples.leaderboard_submission(fitted(entry, TEST_BUDGET))
        for student, entry in samples.LEADERBOARD_ENTRIES.items()
    }
    entries["broken-chain"] = samples.leaderboard_submission(fitted(DEFAULT_ENTRY, TEST_BUDGET), "09_attention")
    peeking = samples.leaderboard_submission(fitted(DEFAULT_ENTRY, TEST_BUDGET))
    peek = (
        "    from tinytorch.data import load_shakespeare\n    raise RuntimeError(f'seen: {len(load_shakespeare()[1])}')"
    )
    with_training_line(peeking[LANGUAGE_MODEL], peek)
    entries["peeking"] = peeking
    entries["over-budget"] = samples.leaderboard_submission(DEFAULT_ENTRY)
    code = samples.leaderboard_submission(DEFAULT_ENTRY)
    cell = next(cell for cell in code[LANGUAGE_MODEL].cells if "LEADERBOARD_ENTRY = {" in cell.source)
    cell.source = f"LEADERBOARD_ENTRY = dict({', '.join(f'{key}={value!r}' for key, value in DEFAULT_ENTRY.items())})"
    entries["not-data"] = code
    liar = samples.leaderboard_submission(fitted(DEFAULT_ENTRY, TEST_BUDGET))
    with_training_line(liar[LANGUAGE_MODEL], '    return {"loss": [0.0] * steps, "heldout_bits": [(steps, 0.0)]}')
    entries["liar"] = liar
    endless = samples.leaderboard_submission(fitted(DEFAULT_ENTRY, TEST_BUDGET))
    with_training_line(endless[LANGUAGE_MODEL], "    while True:\n        pass")
    entries["endless"] = endless
    return entries


def leaderboard_command(course, *arguments):
    result = subprocess.run(
        [sys.executable, "-m", "tinytorch_tools", "leaderboard", "--budget", str(TEST_BUDGET), *arguments],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def submit(course, student, notebooks):
    for assignment, notebook in notebooks.items():
        classroom.submit(course, student, assignment, notebook)


@pytest.fixture(scope="module")
def leaderboard_class(tmp_path_factory):
    """(course, what the command printed) after the leaderboard of the class was trained, each
    entry within 20 s (one trains for ever: it costs one worker that long, beside the others)."""
    course = classroom.copy_course(tmp_path_factory.mktemp("leaderboard"))
    for student, notebooks in class_entries().items():
        submit(course, student, notebooks)
    return course, leaderboard_command(course, "--timeout", "20")


def lines_of(board):
    return {who: (rank, bits, detail) for rank, who, bits, detail in store.rows(board)}


def test_the_class_is_ranked_by_held_out_bits_with_a_line_for_each_failure(leaderboard_class):
    course, printed = leaderboard_class
    board = store.load(course)
    lines = lines_of(board)
    assert lines["leaderboard-better"][0] == "1" and lines["leaderboard-reference"][0] == "2", printed
    assert lines["leaderboard-reference"][1] == lines["reference's entry"][1], "the reference's entry, trained twice"
    unigram = float(lines["unigram baseline"][1])
    assert 4.7 < unigram < 4.8 and float(lines["leaderboard-better"][1]) < unigram - 0.5, printed
    assert float(lines["liar"][1]) > unigram and lines["liar"][0] == "3", (
        "the grader measures; the history is not believed"
    )
    assert lines["leaderboard-diverging"][1:] == ("-", "diverged: the loss was nan at step 17"), printed
    assert lines["broken-chain"][2].startswith("crashed: ImportError: tinytorch.language_model could not be built")
    assert "09_attention/attention.ipynb, which does not exist" in lines["broken-chain"][2]
    assert lines["peeking"][2].startswith("crashed: PeerError: PermissionError: [Errno 13] Permission denied: ")
    assert lines["peeking"][2].endswith("/tinytorch/data/shakespeare_heldout.txt'"), "the held-out text is hidden"
    assert lines["over-budget"][2].startswith("refused: 58,716,979,200 multiply-adds, over the budget of 4,000")
    assert lines["not-data"][2] == "refused: LEADERBOARD_ENTRY must be a dict literal {...}, read as data"
    assert lines["endless"][2] in (
        "out of budget: it trained longer than 20 s",
        "out of budget: its box was stopped: its processes used more than 20 s of CPU time together",
    )
    assert [rank for rank, _, _ in lines.values()].count("-") == 6
    assert store.table(board) in printed


def test_a_rerun_trains_only_what_changed_and_gives_the_same_table(leaderboard_class):
    course, printed = leaderboard_class
    first = store.load(course)
    again = leaderboard_command(course)
    assert "trained 0 entries" in again and store.table(store.load(course)) == store.table(first)

    better = samples.leaderboard_submission(
        fitted(dict(samples.LEADERBOARD_ENTRIES["leaderboard-better"], max_lr=0.03), TEST_BUDGET)
    )
    submit(course, "leaderboard-better", {LANGUAGE_MODEL: better[LANGUAGE_MODEL]})
    board, trained = run_leaderboard(course, budget=TEST_BUDGET, progress=False)
    assert trained == ["leaderboard-better"] and board["results"]["leaderboard-better"]["entry"]["max_lr"] == 0.03
    unchanged = {student: result for student, result in board["results"].items() if student != "leaderboard-better"}
    assert unchanged == {student: first["results"][student] for student in unchanged}

    before = board["results"]
    board, trained = run_leaderboard(course, ["leaderboard-diverging"], TEST_BUDGET, force=True, progress=False)
    assert trained == [REFERENCE, "leaderboard-diverging"]
    for student in trained:  # trained again, to the same bits and the same loss curve
        assert dict(board["results"][student], seconds=0) == dict(before[student], seconds=0)


def test_report_shows_the_leaderboard_without_training(leaderboard_class):
    course, _ = leaderboard_class
    stored = (course / store.FILE).read_bytes()
    page = class_report(course, course / "reports").read_text()
    assert (course / store.FILE).read_bytes() == stored
    assert 'id="leaderboard"' in page and "leaderboard-better" in page and "diverged: the loss was nan" in page
