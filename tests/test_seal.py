"""The verdict sealed (README, "Threat model"): the attacks of tests/catalogues/seal.py, graded
with stock nbgrader in small classes (01_tensor, 02_autograd, 04_layers, 10_transformers), score what their honest
part deserves; what the student process logged never reaches the autograded notebook or the
feedback past a few characters; markdown and HTML stay inert in a real browser."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from catalogues import seal
from catalogues.cheats import autograded_text, feedback_text, leaked, secret_lines, shown_in, written_lines
from catalogues.hostile import ASSIGNMENT, TESTS
from test_cheats import grade_class, lost

from tinytorch.grading.output import MAX_STUDENT_TEXT, MAX_VERDICT
from tinytorch_tools import classroom
from tinytorch_tools.nbgrader_cli import nbgrader

AUTOGRAD_TESTS = frozenset(
    ["test_unbroadcast", "test_elementwise_gradients", "test_broadcast_gradients", "test_matmul_gradient"]
    + ["test_shape_gradients", "test_reduction_gradients", "test_backward_order", "test_accumulation", "test_no_grad"]
)


def graded(assignment):
    return pytest.mark.skipif(assignment not in classroom.assignments(), reason=f"{assignment} is not graded")


@pytest.fixture(scope="module")
def sealed_class(tmp_path_factory, shared_courses):
    """01_tensor: the attacks on names (with their honest part alone), the watchers, markdown and metadata."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("sealed"), ASSIGNMENT, cell_timeout=30)
    return grade_class(course, ASSIGNMENT, seal.SEALED)


@pytest.fixture(scope="module")
def gradient_class(tmp_path_factory, shared_courses):
    """02_autograd: five rules unwritten, alone and with the tricks that hid it."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("gradients"), seal.AUTOGRAD, cell_timeout=60)
    return grade_class(course, seal.AUTOGRAD, seal.GRADIENTS)


@graded(ASSIGNMENT)
@pytest.mark.parametrize("attack", seal.SEALED, ids=lambda h: h.student)
def test_an_attack_on_the_seal_scores_what_its_honest_part_deserves(sealed_class, attack):
    _, scores = sealed_class
    tests = lost(scores, attack.student, ASSIGNMENT, TESTS)
    assert tests == attack.loses, (
        f"{attack.description}: won {sorted(attack.loses - tests)}, lost {sorted(tests - attack.loses)}"
    )


@graded(seal.AUTOGRAD)
@pytest.mark.parametrize("attack", seal.GRADIENTS, ids=lambda h: h.student)
def test_a_gradient_check_trusts_no_forward_of_the_student(gradient_class, attack):
    _, scores = gradient_class
    tests = lost(scores, attack.student, seal.AUTOGRAD, AUTOGRAD_TESTS)
    assert tests == attack.loses, (
        f"{attack.description}: won {sorted(attack.loses - tests)}, lost {sorted(tests - attack.loses)}"
    )


LAYER_TESTS = frozenset(
    ["test_parameters", "test_zero_grad", "test_train_eval", "test_linear", "test_linear_gradients", "test_dropout"]
)
TRANSFORMER_TESTS = frozenset(
    ["test_layernorm_forward", "test_layernorm_statistics", "test_layernorm_gradients", "test_feedforward"]
    + ["test_transformer_block", "test_transformer_block_gradients"]
)


@pytest.fixture(scope="module")
def layer_gradient_class(tmp_path_factory, shared_courses):
    """04_layers: a Linear honest only on the visible test's shape, alone and keeping its answers."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("layer-gradients"), seal.LAYERS, cell_timeout=60)
    return grade_class(course, seal.LAYERS, seal.LAYER_GRADIENTS)


@pytest.fixture(scope="module")
def transformer_gradient_class(tmp_path_factory, shared_courses):
    """10_transformers: a layer_norm honest only on the visible tests' shapes, alone and keeping its answers."""
    course = shared_courses.new_course(
        tmp_path_factory.mktemp("transformer-gradients"), seal.TRANSFORMERS, cell_timeout=60
    )
    return grade_class(course, seal.TRANSFORMERS, seal.TRANSFORMER_GRADIENTS)


@graded(seal.LAYERS)
@pytest.mark.parametrize("attack", seal.LAYER_GRADIENTS, ids=lambda h: h.student)
def test_a_layers_gradient_check_trusts_no_forward_of_the_student(layer_gradient_class, attack):
    _, scores = layer_gradient_class
    tests = lost(scores, attack.student, seal.LAYERS, LAYER_TESTS)
    assert tests == attack.loses, (
        f"{attack.description}: won {sorted(attack.loses - tests)}, lost {sorted(tests - attack.loses)}"
    )
    assert lost(scores, "reference", seal.LAYERS, LAYER_TESTS) == set(), "the reference keeps full marks"


@graded(seal.TRANSFORMERS)
@pytest.mark.parametrize("attack", seal.TRANSFORMER_GRADIENTS, ids=lambda h: h.student)
def test_a_transformers_gradient_check_trusts_no_forward_of_the_student(transformer_gradient_class, attack):
    _, scores = transformer_gradient_class
    tests = lost(scores, attack.student, seal.TRANSFORMERS, TRANSFORMER_TESTS)
    assert tests == attack.loses, (
        f"{attack.description}: won {sorted(attack.loses - tests)}, lost {sorted(tests - attack.loses)}"
    )
    assert lost(scores, "reference", seal.TRANSFORMERS, TRANSFORMER_TESTS) == set(), "the reference keeps full marks"


def watched_text(text, own):
    """The characters of a watcher's log entries in `text` (each distinct line counted once, from
    the first entry on), but for the lines of the student's own code."""
    parts = {line[line.index(seal.WATCHED) :] for line in text.splitlines() if seal.WATCHED in line}
    return sum(len(part) for part in parts if not any(part in line for line in own))


@graded(ASSIGNMENT)
@pytest.mark.parametrize("watcher", seal.WATCHERS, ids=lambda h: h.student)
def test_what_the_student_process_saw_of_the_tests_stays_there(sealed_class, watcher):
    """At most MAX_VERDICT characters of the student's own text per failing test reach the
    instructor's autograded notebook or the feedback; a cell after the first test shows nothing."""
    course, _ = sealed_class
    own = written_lines(course, watcher.student)
    allowed = MAX_VERDICT * len(watcher.loses)
    for shown in (autograded_text(course, watcher.student), feedback_text(course, watcher.student)):
        assert watched_text(shown, own) <= allowed, f"{watcher.description}: {shown[-3000:]}"


@graded(ASSIGNMENT)
def test_a_cell_after_the_first_test_says_its_outputs_were_dropped(sealed_class):
    course, _ = sealed_class
    text = autograded_text(course, "seal-watch-print")
    assert "does not show what this cell printed" in text and seal.WATCHED not in text, text[-2000:]


class Watched(BaseHTTPRequestHandler):
    """A server that records every request a page makes to it."""

    requests = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def formgrader_html(course, student):
    """The autograded notebook as the formgrader renders it: nbconvert's HTMLExporter with the
    course's configuration and nbgrader's formgrade template."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": "tensor", "submission_id": "x", "index": 0, "total": 1}
    resources |= {"base_url": "/", "student": student, "last_name": "", "first_name": "", "notebook_path": "x"}
    path = classroom.notebook_in(Path(course) / "autograded" / student, ASSIGNMENT)
    html, _ = HTMLExporter(config=config).from_filename(str(path), resources=resources)
    return html


@graded(ASSIGNMENT)
def test_markdown_and_html_of_a_student_are_inert_in_a_browser(sealed_class, tmp_path):
    """Chromium opens the formgrader's page of the autograded notebook and the feedback of the
    student whose added cell, edited course text and written answer carry handlers and scripts:
    none runs, and nothing is fetched from the address they name."""
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM

    course, _ = sealed_class
    student = seal.MARKDOWN[0].student
    formgrader = tmp_path / "formgrader.html"
    formgrader.write_text(formgrader_html(course, student))
    feedback = next((Path(course) / "feedback" / student / ASSIGNMENT).glob("*.html"))
    server = ThreadingHTTPServer(("127.0.0.1", 9), Watched)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            try:
                for page_file in (formgrader, feedback):
                    page = browser.new_page()
                    page.goto(page_file.as_uri())
                    page.wait_for_load_state("load")
                    page.wait_for_timeout(500)
                    assert page.evaluate("window.pwned || []") == [], f"a handler ran in {page_file.name}"
                    assert "Added by the student" in page.content(), "the added cell is not on the page"
            finally:
                browser.close()
    finally:
        server.shutdown()
    assert Watched.requests == [], f"the pages fetched {Watched.requests}"


def test_a_gradient_check_takes_its_expected_values_from_the_tests_forward():
    """A function that ignores its input, and whose backward computes nothing, agrees with central
    differences taken of itself; not with those of the test's numpy forward."""
    import numpy as np

    from tinytorch.testing import check_gradients
    from tinytorch_ref import Tensor

    x = Tensor(np.array([0.5, 1.0, 2.0]), requires_grad=True)
    check_gradients(lambda x: x.exp(), [x], forward=np.exp)
    constant = Tensor(np.exp(x.data))  # exp(x) as it was: no graph, the same for every x
    check_gradients(lambda x: constant, [x])  # the weakness of differences of the tested code
    with pytest.raises(AssertionError, match="the output the gradient is taken of"):
        check_gradients(lambda x: constant * 1.0001, [x], forward=np.exp)
    with pytest.raises(AssertionError, match="got no gradient"):
        check_gradients(lambda x: constant, [x], forward=np.exp)


def test_a_gradient_check_evaluates_the_forward_at_the_tests_own_arrays():
    """A tensor that keeps other numbers than the test gave it (here: zeros) agrees with a forward
    evaluated at what it reports; not with one evaluated at the test's own arrays (values=)."""
    import numpy as np

    from tinytorch.testing import check_gradients
    from tinytorch_ref import Tensor

    given = np.array([0.5, 1.0, 2.0])
    kept = Tensor(np.zeros(3), requires_grad=True)  # what the student's tensor holds and reports
    check_gradients(lambda x: x.exp(), [kept], forward=np.exp)
    with pytest.raises(AssertionError, match="the output the gradient is taken of"):
        check_gradients(lambda x: x.exp(), [kept], forward=np.exp, values=[given])
    check_gradients(lambda x: x.exp(), [Tensor(given, requires_grad=True)], forward=np.exp, values=[given])


@pytest.fixture(scope="module")
def capstone_class(tmp_path_factory, shared_courses):
    """11_tinygpt of one student whose chain breaks in 09_attention and whose capstone reads,
    raises and prints the reference the student process holds, and of one whose capstone hides a
    wrong LayerNorm gradient behind frozen weights and zero gradients."""
    course = shared_courses.new_course(tmp_path_factory.mktemp("capstone-reference"), seal.CAPSTONE, cell_timeout=60)
    for assignment, notebook in seal.capstone_reading_reference().items():
        classroom.submit(course, "seal-reads-reference", assignment, notebook)
    for assignment, notebook in seal.capstone_with_frozen_weights().items():
        classroom.submit(course, "seal-frozen-capstone", assignment, notebook)
    autograded = classroom.autograde(course, seal.CAPSTONE)
    assert autograded.returncode == 0, autograded.stderr[-3000:]
    feedback = nbgrader(
        "generate_feedback",
        seal.CAPSTONE,
        "--force",
        "--RefuseUngradedAnswers.enabled=False",
        course=course,
        check=False,
    )
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    return course


@graded(seal.CAPSTONE)
def test_the_capstones_student_process_holds_no_reference_before_the_tests(capstone_class):
    text = autograded_text(capstone_class, "seal-reads-reference", seal.CAPSTONE)
    assert "REFERENCE HELD: []" in text, text[:3000]
    blamed = ("The chain breaks in", "fails even on the reference modules", "More than one of your modules")
    assert any(sentence in text for sentence in blamed), "the blame did not run: the reference was never handed in"


@graded(seal.CAPSTONE)
def test_the_reference_the_blame_hands_in_stays_in_the_student_process(capstone_class):
    """After the blame, the student's forward raises the reference and a last cell prints it: the
    instructor sees at most MAX_STUDENT_TEXT characters of it per failing test, the student none."""
    course = capstone_class
    secrets = {
        line: origin for line, origin in secret_lines(course, seal.CAPSTONE).items() if "tinytorch_ref" in origin
    }
    printed = autograded_text(course, "seal-reads-reference", seal.CAPSTONE)
    assert "REFERENCE HELD AT THE END" not in printed, "a cell after the tests showed its output"
    shown = shown_in(printed, secrets)
    assert sum(map(len, shown)) <= 2 * MAX_STUDENT_TEXT * 6, (
        f"the instructor sees {len(shown)} lines: {sorted(shown)[:5]}"
    )
    assert not leaked(course, "seal-reads-reference", secrets, seal.CAPSTONE), "a reference line in the feedback"


@graded(seal.CAPSTONE)
def test_the_capstones_gradient_check_trusts_no_forward_of_the_student(capstone_class):
    """Weights that ignore what the test sets, and zero gradients, do not hide a wrong backward:
    the expected directional derivative is the test's numpy forward's."""
    grades = classroom.scores(capstone_class)["seal-frozen-capstone", seal.CAPSTONE]
    score, maximum = grades[seal.FROZEN_CAPSTONE_LOST]
    assert score < maximum, f"frozen weights and zero gradients kept {seal.FROZEN_CAPSTONE_LOST}: {grades}"
