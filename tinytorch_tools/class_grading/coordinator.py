"""Autograde a whole class on all cores (or several machines) with dask.distributed.

One task per assignment prepares it: stock `nbgrader generate_assignment` in a scratch course
gives a throwaway gradebook that knows it. Then each task grades one student's assignment in
isolation: a worker writes the files the task carries (the course configuration,
source/<assignment>, the reference, that gradebook, the student's submission) into a private
scratch course and runs stock `nbgrader autograde` there (nbgrader's Python API, in the
worker process). It returns the autograded files and
the scores. This process is the only writer of the course: it puts the files into
autograded/<student>/<assignment>/ and the scores into the course's gradebook (its db_url,
SQLite or PostgreSQL) with nbgrader's own Gradebook API, as `nbgrader autograde` does, so
manual grades stay and every stock command works on the gradebook afterwards.

A run can be interrupted and started again: a submission is skipped when its autograded
folder and gradebook entry are there and not older than the submission (nbgrader's own rule),
and the files of a submission are moved into place only after its scores are committed.

Every grading kernel runs in the OS sandbox (tinytorch_tools/sandbox/); with `sandbox=False`
(trusted submissions only) nbgrader's GradingExecute grades without it and leaves its marker file
(`UNSANDBOXED`) in the autograded folder, which `report` lists.
"""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from tqdm import tqdm

from tinytorch_tools.sandbox import require_sandbox
from tinytorch_tools.settings import course_directory
from tinytorch_tools.submission_files import quoted

from .gradebook import ensure_generated, record, record_refused
from .submissions import assignment_task, is_graded, student_task, submissions
from .worker import grade_submission, prepare_assignment


@dataclass
class Outcome:
    """What grading a class came to, besides the grades."""

    failed: dict = field(default_factory=dict)  # {(student, assignment): why nbgrader could not grade it}
    timed_out: dict = field(default_factory=dict)  # {(student, assignment): cells out of time in both attempts}
    refused: dict = field(default_factory=dict)  # {(student, assignment): why its files were refused}

    @property
    def exit_status(self):
        """0 when all is well; 1 when a submission could not be graded, 2 when one was refused
        (it scores zero), 4 when one timed out; their sum when several happened."""
        return (1 if self.failed else 0) | (2 if self.refused else 0) | (4 if self.timed_out else 0)


def start_client(scheduler=None, workers=None):
    """A dask client: of the scheduler at `scheduler`, or of a local cluster of one process per core."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: a second cluster on the machine makes no port warning
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def grade_class(
    course,
    assignments=None,
    students=None,
    scheduler=None,
    workers=None,
    db_url=None,
    force=False,
    progress=True,
    sandbox=True,
    pairs=None,
):
    """Autograde every chosen submission (of `assignments` by `students`, or the (student,
    assignment) `pairs`); returns the Outcome: which failed, which ran out of time.

    Kernels run in the OS sandbox unless `sandbox` is False. On a local cluster, raises
    SandboxUnavailable before any work if it cannot run here; with a scheduler, each worker checks."""
    course = Path(course).resolve()
    directory = course_directory(course, db_url)
    pairs = pairs or submissions(course, assignments, students)
    if not pairs:
        print(f"no submission to grade in {course / 'submitted'}")
        return Outcome()
    if sandbox and not scheduler:
        require_sandbox()
    ensure_generated(course, directory, sorted({assignment for _, assignment in pairs}))
    with Gradebook(directory.db_url, directory.course_id) as gradebook:
        todo = [pair for pair in pairs if force or not is_graded(course, gradebook, *pair)]
        if len(todo) < len(pairs):
            print(f"{len(pairs) - len(todo)} of {len(pairs)} submissions already autograded (--force to regrade)")
        if not todo:
            return Outcome()
        tasks = [student_task(course, student, assignment, directory.ignore) for student, assignment in todo]
        outcome = record_refusals(course, gradebook, [task for task in tasks if task.refused])
        tasks = [task for task in tasks if not task.refused]
        if not tasks:
            return outcome
        client = start_client(scheduler, workers)
        try:
            futures = submit_tasks(client, course, gradebook, directory.ignore, tasks, sandbox)
            return record_results(course, gradebook, futures, tasks, progress, outcome)
        finally:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def record_refusals(course, gradebook, tasks):
    """Record each refused submission (zero, and why) without grading it; returns the Outcome."""
    outcome = Outcome()
    for task in tasks:
        record_refused(course, gradebook, task.student, task.assignment, task.refused)
        outcome.refused[task.student, task.assignment] = task.refused
        print(f"REFUSED {quoted(task.student)} {quoted(task.assignment)}: {task.refused}")
    return outcome


def submit_tasks(client, course, gradebook, ignore, tasks, sandbox):
    """[future] of one task grading each submission (after one preparing each assignment), each
    future's key naming the submission it grades."""
    prepared = {}
    for assignment in sorted({task.assignment for task in tasks}):
        duedate = gradebook.find_assignment(assignment).duedate
        prepared[assignment] = client.submit(
            prepare_assignment, assignment_task(course, assignment, ignore, duedate), key=f"prepare/{assignment}"
        )
    return [
        client.submit(
            grade_submission, task, prepared[task.assignment], sandbox, key=task_key(task.student, task.assignment)
        )
        for task in tasks
    ]


def task_key(student, assignment):
    return f"grade/{student}/{assignment}"


def record_results(course, gradebook, futures, tasks, progress, outcome):
    """Record each graded submission as it comes, with a progress bar, into the Outcome."""
    from dask.distributed import as_completed

    pairs_of = {task_key(task.student, task.assignment): (task.student, task.assignment) for task in tasks}
    bar = tqdm(as_completed(futures), total=len(futures), unit="submission", disable=not progress)
    for future in bar:
        key = pairs_of[future.key]
        try:
            graded = future.result()
        except Exception as error:  # nbgrader failed, timed out, or the worker died
            outcome.failed[key] = f"{type(error).__name__}: {error}"
            bar.write(f"{quoted(key[0])} {key[1]}: {outcome.failed[key].splitlines()[0]}")
        else:
            record(course, gradebook, graded)
            if graded.timed_out:
                outcome.timed_out[key] = graded.timed_out
                bar.write(f"{quoted(key[0])} {key[1]}: out of time twice: {graded.timed_out.splitlines()[0]}")
        future.release()
    return outcome
