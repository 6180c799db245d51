"""The class dashboard (`python -m tinytorch_tools report`), the similarity check and the LMS
exports, on a small class graded by stock nbgrader: honest students, a planted copied pair, a
student whose code and errors are HTML, and hostile files the report must not follow."""

import csv
import re

import pytest
from catalogues import report as catalogue

from tinytorch.course import ASSIGNMENTS
from tinytorch_tools import classroom
from tinytorch_tools.authoring import samples


@pytest.fixture(scope="module")
def report(report_class):
    """`python -m tinytorch_tools report`, as the instructor runs it: (course, page's HTML)."""
    course, _ = report_class
    catalogue.run_tools(course, "report")
    return course, (course / "reports" / "class_report.html").read_text()


def section(html, anchor):
    return re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.DOTALL).group(1)


def test_the_heatmap_has_every_student_and_links_to_their_files(report, report_class):
    course, html = report
    heatmap = section(html, "heatmap")
    for student in report_class[1]:
        assert f'data-student="{student}"' in heatmap
    name = ASSIGNMENTS[catalogue.ASSIGNMENT]
    assert f'href="../feedback/{catalogue.FEEDBACK_FOR}/{catalogue.ASSIGNMENT}/{name}.html"' in heatmap
    assert f'href="../autograded/blank/{catalogue.ASSIGNMENT}/{name}.ipynb"' in heatmap
    assert "../feedback/blank/" not in heatmap  # no link to feedback that was never generated


def test_failed_tests_show_what_their_failures_say(report):
    failures = section(report[1], "failures")
    assert "test_mse" in failures and catalogue.BUG in failures
    assert "YOUR CODE HERE: write" in failures  # the blank student's stubs, as their errors say


def test_the_manual_queue_has_the_written_answers_with_their_guide(report):
    manual = section(report[1], "manual")
    assert "Model answer" in manual and "reference" in manual and "copy-renamed" in manual


def test_only_the_copies_are_flagged_and_hostile_files_are_skipped(report):
    course, html = report
    similar = section(html, "similar")
    flagged = set(re.findall(r"<td>([\w-]+) and ([\w-]+)</td>", similar))
    assert {student for pair in flagged for student in pair} == catalogue.COPIERS
    assert len(flagged) == 3  # every two of the three
    skipped = section(html, "incidents")
    assert (
        f"{catalogue.SYMLINK}/{catalogue.ASSIGNMENT}" in skipped
        and f"{catalogue.FIFO}/{catalogue.ASSIGNMENT}" in skipped
    )


def test_student_html_is_inert_in_the_report_and_the_side_by_side_pages(report):
    course, html = report
    assert catalogue.SCRIPT not in html and "<script>document.title" not in html
    assert "ValueError: &lt;/pre&gt;&lt;script&gt;" in section(html, "failures")
    pages = [path.read_text() for path in (course / "reports" / "similar").glob("*.html")]
    assert len(pages) == 3
    for page in pages:
        assert "<script" not in page and "<img" not in page  # their tags shown as text: &lt;script&gt;
    assert sum("&lt;script&gt;document.title=" in page for page in pages) == 2  # the HTML student's pairs


def test_the_similarity_command_lists_the_copied_pairs(report_class):
    course, _ = report_class
    output = catalogue.run_tools(course, "similarity", catalogue.ASSIGNMENT)
    assert "3 similar pair(s) in 1 assignment(s)" in output
    assert f"{samples.COPIED_PAIR[0]} and {samples.COPIED_PAIR[1]} share 100% / 100%" in output
    assert f"skipped {course}/submitted/{catalogue.FIFO}" in output


EXPORTERS = {
    "CanvasCsvExporter": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"],
    "MoodleCsvExporter": ["First name", "Last name", "ID number", "Email address"],
}


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_lms_exports_read_back_as_the_gradebook(report_class, exporter, tmp_path):
    course, students = report_class
    path = tmp_path / "grades.csv"
    classroom.nbgrader("export", f"--exporter=tinytorch_tools.exporters.{exporter}", f"--to={path}", course=course)
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == EXPORTERS[exporter] + [catalogue.ASSIGNMENT]
    if exporter == "CanvasCsvExporter":
        assert rows.pop(1)[0] == "Points Possible"
    scores = {key[0]: sum(score for score, _ in grades.values()) for key, grades in classroom.scores(course).items()}
    identity = 2  # the class list's id: Canvas's SIS User ID, Moodle's ID number; then its email
    exported = {row[identity]: float(row[-1]) for row in rows[1:]}
    assert exported == {student: pytest.approx(scores[student]) for student in students}
    emails = {row[identity]: row[3] for row in rows[1:]}
    assert {student: emails[student] for student in catalogue.EMAILS} == catalogue.EMAILS


def blame_sentence(breaking, chain=None):
    """The sentence tinytorch/grading/blame.py writes for a capstone whose replay passes only
    with the reference of every module in `breaking` (the harness's line to the student faked)."""
    from tinytorch.course import earlier_modules
    from tinytorch.grading.blame import explain

    def replay(swapped):
        if not breaking <= swapped:
            raise AssertionError("still broken")

    chain = chain or {name: {"cells": []} for name in earlier_modules("tinygpt")}
    handed_in = {"chain": chain, "graded": "tinygpt", "reference": {name: "" for name in earlier_modules("tinygpt")}}
    return explain(replay, handed_in, lambda _, swapped, reference: set(swapped))


def test_every_blame_sentence_names_its_module():
    from tinytorch_tools.reports.autograded import NOTEBOOK_ITSELF, blamed

    assert blamed(blame_sentence({"attention"})) == {"09_attention"}
    assert blamed(blame_sentence({"attention", "tensor"})) == {"several of 01-10"}
    assert blamed(blame_sentence({"no module fixes it"})) == {NOTEBOOK_ITSELF}
    unbuilt = {
        "tensor": {"cells": []},
        "layers": {"error": "not submitted"},
        "losses": {"error": "SyntaxError: 06_x: y"},
    }
    assert blamed(blame_sentence(set(), unbuilt)) == {"04_layers", "06_losses"}


def test_the_blame_section_names_the_module_that_breaks_each_chain(capstone_course, tmp_path):
    from tinytorch.course import CAPSTONE
    from tinytorch_tools.reports import class_report

    blame = section(class_report(capstone_course, tmp_path / "reports").read_text(), "blame")
    capstone = blame.split(f"<h3>{CAPSTONE}</h3>", 1)[1].split("<h3>", 1)[0]
    rows = dict(re.findall(r"<tr><td>(\w+)</td><td>.*?</td><td>(.*?)</td></tr>", capstone))
    for student, (broken, _) in samples.CHAIN_STUDENTS.items():
        assert student in rows[broken], (student, rows)
    assert "chain-complete" not in capstone


def test_the_reports_grades_csv_is_stock_nbgraders(report, tmp_path):
    course, _ = report
    stock = "--ExportApp.plugin_class=nbgrader.plugins.CsvExportPlugin"  # not the course's own exporter
    classroom.nbgrader("export", f"--to={tmp_path / 'stock.csv'}", stock, course=course)
    assert (course / "reports" / "grades.csv").read_text() == (tmp_path / "stock.csv").read_text()
