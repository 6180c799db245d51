"""The end-to-end demo: generate every assignment, autograde sample students with stock
nbgrader in this course folder, and print the gradebook."""

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


def demo(course=paths.ROOT):
    print("1. Generating every assignment into release/ (nbgrader generate_assignment)")
    classroom.generate_all(course)
    submissions = list(sample_submissions())
    print(f"2. Submitting {len(submissions)} sample notebooks into submitted/")
    for student, assignment, notebook in submissions:
        classroom.submit(course, student, assignment, notebook)
    print("3. Autograding them (nbgrader autograde), one notebook at a time")
    for student, assignment, _ in tqdm(submissions, unit="notebook"):
        result = classroom.autograde(course, assignment, student)
        if result.returncode != 0:
            tqdm.write(f"   {student} {assignment}: nbgrader failed: {result.stderr.strip().splitlines()[-1]}")
    print("4. The gradebook (gradebook.db), autograded points per module:\n")
    print(score_table(course))
