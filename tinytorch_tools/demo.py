"""The end-to-end demo: generate every assignment, autograde sample students (stock nbgrader
on all cores, see grade_class.py) in this course folder, print the gradebook, and train the
reference TinyGPT. The samples are the course's own notebooks: where the OS sandbox cannot run,
they are graded without it (and the demo says why)."""

import subprocess
import sys

from . import classroom, paths, samples, sandbox
from .grade_class import grade_class
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


def demo(course=paths.ROOT):
    print("1. Generating every assignment into release/ (nbgrader generate_assignment)")
    classroom.generate_all(course)
    submissions = list(sample_submissions())
    print(f"2. Submitting {len(submissions)} sample notebooks into submitted/")
    for student, assignment, notebook in submissions:
        classroom.submit(course, student, assignment, notebook)
    print("3. Autograding them on all cores (python -m tinytorch_tools grade)")
    reason = sandbox.unavailable_reason()
    if reason:
        print(f"   without the OS sandbox (trusted sample notebooks only): {reason}")
    chain = {student for student, _, _ in submissions if student.startswith("sample-chain-")}
    others = {student for student, _, _ in submissions} - chain
    failures = grade_class(course, students=sorted(others), force=True, sandbox=not reason)
    # The capstone of the chain students, once their 01-10 are known.
    failures |= grade_class(course, [samples.CAPSTONE], sorted(chain), force=True, sandbox=not reason)
    for (student, assignment), error in sorted(failures.items()):
        print(f"   {student} {assignment}: {error.splitlines()[0]}")
    print("4. The gradebook (gradebook.db); written answers await manual grading in the formgrader:\n")
    print(score_table(course))
    print("\n5. The reference TinyGPT (python -m tinytorch_ref), trained on random tokens:\n", flush=True)
    subprocess.run([sys.executable, "-m", "tinytorch_ref"], cwd=course, check=True)
