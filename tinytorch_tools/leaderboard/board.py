"""`leaderboard`: train every student's entry on the class's dask workers, with a progress bar,
and keep the results beside the gradebook (store.py). An entry whose key (its settings, its
handed-in chain and the budget) has a result already is not trained again."""

from pathlib import Path

from tqdm import tqdm

from tinytorch.course import LANGUAGE_MODEL
from tinytorch.leaderboard import BUDGET, DEFAULT_ENTRY, fitted
from tinytorch_tools.class_grading.coordinator import start_client
from tinytorch_tools.sandbox import require_sandbox

from . import store
from .entries import Task, key_of, reference_sources, student_task
from .training import REFERENCE, Settings, train_entry

TIMEOUT = 300  # seconds of each sandboxed process of an entry (the reference's entry trains in about 15)


def submitted_students(course):
    return sorted(folder.parent.name for folder in (Path(course) / "submitted").glob(f"*/{LANGUAGE_MODEL}"))


def trained_already(result, task):
    """Whether `result` is the training of this task's entry (one whose worker failed is not)."""
    return result is not None and result["key"] == task.key and result["status"] != "failed"


def run_leaderboard(
    course,
    students=None,
    budget=BUDGET,
    timeout=TIMEOUT,
    scheduler=None,
    workers=None,
    force=False,
    progress=True,
    sandbox=True,
):
    """Train the entries of `students` (all who submitted 12_language_model) and the reference's
    that have no result for their key yet (all of them with `force`); returns the board and the
    students whose entry was trained."""
    course = Path(course).resolve()
    students = students or submitted_students(course)
    board = store.load(course)
    if not students:
        print(f"no entry to train: no one submitted {LANGUAGE_MODEL} in {course / 'submitted'}")
        return board, []
    if sandbox and not scheduler:
        require_sandbox()
    board["budget"] = budget
    reference = reference_sources(course)
    entry = fitted(DEFAULT_ENTRY, budget)
    tasks = [Task(REFERENCE, entry, key_of(entry, reference, budget))]
    tasks += [student_task(course, student, budget) for student in students]
    results = board["results"]
    todo = [task for task in tasks if force or task.refused or not trained_already(results.get(task.student), task)]
    if len(todo) < len(tasks):
        print(
            f"{len(tasks) - len(todo)} of {len(tasks)} entries unchanged since they were trained (--force to retrain)"
        )
    for task in todo:
        if task.refused:
            results[task.student] = store.checked(
                {"student": task.student, "key": task.key, "status": "refused", "message": task.refused}
            )
    store.save(course, board)
    trained = [task for task in todo if not task.refused]
    if trained:
        train_all(course, board, trained, Settings(budget, timeout, reference, sandbox), scheduler, workers, progress)
    return board, [task.student for task in trained]


def train_all(course, board, tasks, settings, scheduler, workers, progress):
    """Train each task on a dask worker; keep each result as it comes (an interrupted run keeps them)."""
    from dask.distributed import as_completed

    client = start_client(scheduler, workers)
    try:
        futures = [client.submit(train_entry, task, settings, key=f"leaderboard/{task.student}") for task in tasks]
        students = {future.key: task.student for future, task in zip(futures, tasks, strict=True)}
        bar = tqdm(as_completed(futures), total=len(futures), unit="entry", disable=not progress)
        for future in bar:
            student = students[future.key]
            try:
                result = future.result()
            except Exception as error:  # the worker died, or the reference could not measure
                result = {"student": student, "status": "failed", "message": f"{type(error).__name__}: {error}"}
            board["results"][student] = store.checked(result)
            store.save(course, board)
            future.release()
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
