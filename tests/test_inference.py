"""13_inference is graded on the student's own chain 01-11 (not 12: nothing in it trains on text),
with real stock nbgrader: a chain without 12 gets every point, a chain broken in 09 is blamed on
09, and the reference's `python -m tinytorch_ref cache` prints what the module measures."""

import subprocess
import sys

import pytest

from tinytorch.course import INFERENCE
from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring.samples import chain_submission

# Students who submitted every module but 12: student -> (buggy module, its bug, the module blamed)
STUDENTS = {
    "chain-without-language-model": (None, None, None),
    "chain-bug-attention-without-language-model": ("09_attention", "bug-mask-after-softmax", "09_attention"),
}


@pytest.fixture(scope="module")
def inference_course(tmp_path_factory, shared_courses):
    if INFERENCE not in classroom.assignments():
        pytest.skip(f"an authoring run without {INFERENCE}")
    course = shared_courses.new_course(tmp_path_factory.mktemp("inference"), INFERENCE)
    for student, (broken, bug, _) in STUDENTS.items():
        for assignment, notebook in chain_submission(broken, bug).items():
            if assignment != "12_language_model":
                classroom.submit(course, student, assignment, notebook)
    result = classroom.autograde(course, INFERENCE)
    assert result.returncode == 0, result.stderr[-3000:]
    return course


def failed_tests(course, student):
    grades = classroom.scores(course)[student, INFERENCE]
    return [
        grade_id for grade_id, (score, maximum) in grades.items() if grade_id.startswith("test_") and score < maximum
    ]


@pytest.mark.parametrize("student", list(STUDENTS))
def test_graded_on_the_chain_01_to_11(inference_course, student):
    blamed = STUDENTS[student][2]
    failed = failed_tests(inference_course, student)
    errors = classroom.autograded_errors(inference_course, student, INFERENCE, tests_only=True)
    if blamed is None:
        assert not failed, errors
        return
    assert failed, f"a chain broken in {blamed} should fail {INFERENCE}"
    assert len(errors) == len(failed) and all(f"The chain breaks in {blamed}" in error for error in errors), errors


def test_the_reference_compares_generation_with_and_without_the_cache():
    command = [sys.executable, "-m", "tinytorch_ref", "cache", "--tokens", "8", "24", "--context", "24"]
    result = subprocess.run(command, cwd=paths.ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "same tokens with and without the cache" in result.stdout, result.stdout
    assert sum(line.lstrip().startswith(("8 ", "24 ")) for line in lines) == 2, result.stdout


def test_the_reference_exposes_the_names_of_13_inference():
    """What the module builds, at tinytorch_ref's top level and in its module file of the same name."""
    import tinytorch_ref
    from tinytorch_ref import inference

    for name in ("Profiler", "KVCache", "cached_attention", "cached_forward", "generate_cached"):
        assert getattr(tinytorch_ref, name) is getattr(inference, name), name
