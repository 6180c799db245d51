"""The end-to-end demo: generate every assignment, autograde sample students with stock
nbgrader in this course folder, print the gradebook, and train the reference TinyGPT."""

import subprocess
import sys

from tqdm import tqdm

from . import classroom, paths, samples
from .report import score_table


def sample_submissions():
    """(student, assignment, notebook) for the reference, the blank release and every bug."""
    for assignment in classroom.assignments():
        yield "sample-reference", assignment, samples.source_notebook(assignment)
        yield "sample-blank", assignment, samples.release_notebook(assignment)
    for bug in samples.BUGS:
        yield f"sample-{bug.student}", bug.assignment, samples.buggy_notebook(bug)
    for student, (broken, bug) in samples.CHAIN_STUDENTS.items():
        for assignment, notebook in samples.chain_submission(broken, bug).items():
            yield f"sample-{student}", assignment, notebook


def graded(submissions):
    """Everything submitted, except the modules 01-10 of chain students (only their capstone is of interest)."""
    for student, assignment, notebook in submissions:
        if assignment == samples.CAPSTONE or not student.startswith("sample-chain-"):
            yield student, assignment, notebook


def demo(course=paths.ROOT):
    print("1. Generating every assignment into release/ (nbgrader generate_assignment)")
    classroom.generate_all(course)
    submissions = list(sample_submissions())
    print(f"2. Submitting {len(submissions)} sample notebooks into submitted/")
    for student, assignment, notebook in submissions:
        classroom.submit(course, student, assignment, notebook)
    print("3. Autograding them (nbgrader autograde), one notebook at a time")
    for student, assignment, _ in tqdm(list(graded(submissions)), unit="notebook"):
        result = classroom.autograde(course, assignment, student)
        if result.returncode != 0:
            tqdm.write(f"   {student} {assignment}: nbgrader failed: {result.stderr.strip().splitlines()[-1]}")
    print("4. The gradebook (gradebook.db); written answers await manual grading in the formgrader:\n")
    print(score_table(course))
    print("\n5. The reference TinyGPT (python -m tinytorch_ref), trained on random tokens:\n", flush=True)
    subprocess.run([sys.executable, "-m", "tinytorch_ref"], cwd=course, check=True)
