"""A student's first week, in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
installs) drives JupyterLab through 01_tensor and 02_autograd. nbclient runs no front end: only a
browser shows whether JupyterLab's own Run All goes past the worked examples to the visible tests,
whether a fix typed into the editor is saved, and whether it reaches 02 without an export step."""

import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from catalogues import report as report_catalogue
from playwright.sync_api import Locator, Page, expect, sync_playwright

from tinytorch_tools import classroom, paths
from tinytorch_tools.authoring.samples import release_notebook, source_notebook
from tinytorch_tools.nbgrader_cli import environment

WEEK = ["01_tensor", "02_autograd"]
CHROMIUM = "/usr/bin/chromium"  # Debian's: playwright's own browser download is not reachable
KERNEL = 120_000  # ms a kernel may take to start or to run a notebook on a busy 2-core machine
ADDRESS = re.compile(r"(http://127\.0\.0\.1:\d+/)\S*\?token=(\w+)")  # what `jupyter lab` prints
RAN = re.compile(r"^\[\d+\]:$")  # the input prompt of a cell that ran; "[*]:" while it runs
# The error of a function not written yet names it and the section that explains it.
UNWRITTEN = re.compile(r"NotImplementedError: YOUR CODE HERE: write [\w.]+, as section \d+ \(.+\) explains")
FIXED = "to_array"  # the solution cell the student writes: every Tensor is made through it
TRY_IT = "Tensor([1, 2]) + 1"  # what the student tries in 02, through 01's Tensor
TRY_IT_WORKS = "Tensor([2. 3.], requires_grad=False)"
CHECK = "!python -m tinytorch.check ../01_tensor/tensor.ipynb"  # the command the notebook's first cell names
CHECKED = re.compile(r"visible tests: [1-9]\d* of \d+ pass\n(.|\n)*still to write \(YOUR CODE HERE\): Tensor\.")


@pytest.fixture
def week(tmp_path):
    """The student's folder, the two assignments fetched side by side."""
    folder = tmp_path / "assignments"
    for assignment in WEEK:
        shutil.copytree(paths.RELEASE / assignment, folder / assignment)
    return folder


@pytest.fixture
def lab(week, tmp_path):
    """`jupyter lab` in the student's folder (as root in CI, no news pop-up): its address with token."""
    config = tmp_path / "jupyter"
    config.mkdir()
    (config / "jupyter_server_config.py").write_text(
        "c.ServerApp.allow_root = True\nc.ServerApp.open_browser = False\n"
    )
    news = config / "lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')
    env = dict(environment(), JUPYTER_CONFIG_DIR=str(config))
    server = subprocess.Popen(["jupyter", "lab", "--port=0"], cwd=week, env=env, stderr=subprocess.PIPE, text=True)
    try:
        found = next(filter(None, map(ADDRESS.search, server.stderr)), None)
        assert found, "`jupyter lab` exited without printing its address"
        threading.Thread(target=server.stderr.read, daemon=True).start()  # a full pipe would stall it
        yield f"{found.group(1)}lab?token={found.group(2)}"
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture
def page(lab):
    """Headless Chromium on JupyterLab's page, closed after the test."""
    assert Path(CHROMIUM).exists(), f"no {CHROMIUM}: install Debian's chromium (`apt-get install chromium`)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.goto(lab)
            yield page
        finally:
            browser.close()


@dataclass
class Notebook:
    """An open notebook: its panel, and its tab in the main area."""

    panel: Locator
    tab: Locator

    def code_cell(self, number):
        """The `number`-th code cell, from 0, in the notebook's order."""
        return self.panel.locator(".jp-CodeCell").nth(number)

    def expect_idle(self):
        """Its kernel started and is idle, as its toolbar shows (idle alone is shown before it exists)."""
        expect(self.panel.locator(".jp-KernelName")).to_have_text("Python 3 (ipykernel)", timeout=KERNEL)
        status = self.panel.locator(".jp-Notebook-ExecutionIndicator")
        expect(status).to_have_attribute("data-status", "idle", timeout=KERNEL)


def open_notebook(page: Page, assignment):
    """Double-click the assignment's folder, then its notebook, in the file browser, as the
    student does; returns once its kernel is idle."""
    page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").click()
    page.locator(".jp-DirListing-item", has_text=assignment).dblclick()
    name = classroom.notebook_in("", assignment).name
    page.locator(".jp-DirListing-item", has_text=name).dblclick()
    panel_id = page.locator(".lm-DockPanel .lm-TabBar-tab.lm-mod-current", has_text=name).get_attribute("data-id")
    notebook = Notebook(page.locator(f"#{panel_id}"), page.locator(f'.lm-TabBar-tab[data-id="{panel_id}"]'))
    notebook.expect_idle()
    return notebook


def run_all(page: Page, notebook: Notebook, cells):
    """Run > Run All Cells; returns once each of the first `cells` code cells ran and the kernel is idle."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    for number in range(cells):
        expect(notebook.code_cell(number).locator(".jp-InputPrompt")).to_have_text(RAN, timeout=KERNEL)
    notebook.expect_idle()


def run_cell(page: Page, cell: Locator):
    """Click into the cell and press Shift+Enter; returns once it ran again."""
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.text_content()
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    expect(prompt).not_to_have_text(before)
    expect(prompt).to_have_text(RAN, timeout=KERNEL)


def replace_text(page: Page, cell: Locator, text):
    """Select all of the cell's text in its editor and type `text` instead."""
    cell.locator(".cm-content").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(text)


def add_cell_below(page: Page, cell: Locator, text):
    """Select the cell, B for a new cell below it, Enter to edit it, and type `text`."""
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(text)


def shown(cell: Locator):
    """The cell's outputs as the student reads them (text, tracebacks), without the prompt."""
    return cell.locator(".jp-OutputArea-output")


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def is_test(cell):
    return cell.metadata.get("nbgrader", {}).get("grade", False)


def is_worked_example(cell):
    return "raises-exception" in cell.metadata.get("tags", []) and not is_test(cell)


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def position(cells, cell_id):
    """Where the cell `cell_id` is among `cells`."""
    return next(number for number, cell in enumerate(cells) if grade_id(cell) == cell_id)


def written(assignment, cell_id):
    """A solution cell as a student writes it: the reference solution without nbgrader's markers."""
    cells = source_notebook(assignment).cells
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    lines = cells[position(cells, cell_id)].source.splitlines()
    return "\n".join(line for line in lines if line.strip() not in markers)


def saved(week, assignment, cell_id):
    """The cell `cell_id` of the student's notebook, as it is on disk."""
    cells = nbformat.read(classroom.notebook_in(week, assignment), as_version=4).cells
    return cells[position(cells, cell_id)].source


def test_a_students_first_week_in_jupyterlab(week, page):
    cells = code_cells(release_notebook("01_tensor"))
    examples = [number for number, cell in enumerate(cells) if is_worked_example(cell)]
    tests = [number for number, cell in enumerate(cells) if is_test(cell)]
    assert examples and tests and examples[0] < tests[0], "01 has worked examples, then visible tests"

    # Run All on a fresh 01: the worked examples and every visible test run, and say what is unwritten.
    tensor = open_notebook(page, "01_tensor")
    run_all(page, tensor, len(cells))
    for number in examples + tests:
        expect(shown(tensor.code_cell(number)).last).to_contain_text(UNWRITTEN)

    # 02 builds 01's Tensor from the notebook on disk: unwritten yet.
    autograd = open_notebook(page, "02_autograd")
    imports, try_it = autograd.code_cell(0), autograd.code_cell(1)
    expect(imports).to_contain_text("from tinytorch.tensor import Tensor")
    add_cell_below(page, imports, TRY_IT)
    run_cell(page, imports)
    run_cell(page, try_it)
    expect(shown(try_it).last).to_contain_text("YOUR CODE HERE: write to_array, as section 1 (Data types) explains")

    # Back in 01: write to_array, run it and the dtype test, which now passes; save.
    tensor.tab.click()
    fixed, dtypes = tensor.code_cell(position(cells, FIXED)), tensor.code_cell(position(cells, "test_dtypes"))
    replace_text(page, fixed, written("01_tensor", FIXED))
    run_cell(page, fixed)
    run_cell(page, dtypes)
    expect(shown(dtypes)).to_have_count(0)
    page.keyboard.press("ControlOrMeta+s")
    expect(tensor.tab).not_to_have_class(re.compile(r"\bjp-mod-dirty\b"))
    assert saved(week, "01_tensor", FIXED) == written("01_tensor", FIXED)

    # The running 02 gets the fix when its import cell runs again: no export, no restart.
    autograd.tab.click()
    run_cell(page, imports)
    run_cell(page, try_it)
    expect(shown(try_it)).to_have_text([TRY_IT_WORKS])

    # Before submitting 01, the student checks it as the grader will run it, from a cell of 02.
    add_cell_below(page, try_it, CHECK)
    check = autograd.code_cell(2)
    run_cell(page, check)
    expect(shown(check).last).to_contain_text(CHECKED)
    expect(shown(check).last).not_to_contain_text("to_array")  # written: no longer a stub


# The class dashboard, as an instructor opens it from the file system after grading.
WINDOW = {"width": 1280, "height": 900}
WIDER_THAN_THE_WINDOW = """() => Array.from(document.querySelectorAll("body *"))
    .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
    .map((element) => element.tagName + (element.id ? "#" + element.id : ""))"""


@pytest.fixture
def browser_page():
    """Headless Chromium on an empty page of the window's size, with the page's errors collected."""
    assert Path(CHROMIUM).exists(), f"no {CHROMIUM}: install Debian's chromium (`apt-get install chromium`)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport=WINDOW)
            page.errors = []
            page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: page.errors.append(str(error)))
            page.on("dialog", lambda dialog: page.errors.append(f"a dialog: {dialog.message}"))
            yield page
        finally:
            browser.close()


def dashboard_section(page: Page, anchor):
    return page.locator(f"section#{anchor}")


def test_the_class_dashboard_in_a_browser(report_class, browser_page):
    course, students = report_class
    report_catalogue.run_tools(course, "report")
    page = browser_page
    page.goto((course / "reports" / "class_report.html").as_uri())
    expect(page).to_have_title("TinyTorch class report")
    assert page.evaluate(WIDER_THAN_THE_WINDOW) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= WINDOW["width"]

    # Every section names the students it should.
    rows = dashboard_section(page, "heatmap").locator("tbody tr")
    expect(rows).to_have_count(len(students))
    expect(dashboard_section(page, "summary")).to_contain_text(f"{len(students)} students")
    expect(dashboard_section(page, "failures")).to_contain_text("test_mse")
    dashboard_section(page, "failures").locator("summary").first.click()
    expect(dashboard_section(page, "failures")).to_contain_text(report_catalogue.BUG)
    expect(dashboard_section(page, "manual")).to_contain_text("why_log_softmax")
    expect(dashboard_section(page, "manual")).to_contain_text(report_catalogue.FEEDBACK_FOR)
    expect(dashboard_section(page, "incidents")).to_contain_text(report_catalogue.FIFO)
    for student in report_catalogue.COPIERS:
        expect(dashboard_section(page, "similar")).to_contain_text(student)
    expect(dashboard_section(page, "similar")).not_to_contain_text("honest-alternative")

    # Sorting by the total puts the best first; once more, the worst.
    total = dashboard_section(page, "heatmap").locator("th", has_text="total")
    total.click()
    expect(rows.first.locator("td").first).not_to_have_text("blank")
    total.click()
    expect(rows.first.locator("td").first).to_have_text("blank")

    # The side-by-side page of the HTML student shows their tags as text: nothing of theirs runs.
    dashboard_section(page, "similar").locator("tr", has_text=report_catalogue.HTML_STUDENT).first.get_by_text(
        "side by side"
    ).click()
    expect(page.locator("h1")).to_contain_text(report_catalogue.HTML_STUDENT)
    expect(page.locator("pre").last).to_contain_text("<script>")
    assert page.title() != "pwned" and page.evaluate("document.scripts.length") == 0
    assert page.errors == []

    # A score links to the student's feedback, which really opens.
    page.go_back()
    student = rows.filter(has=page.locator(f'td[data-value="{report_catalogue.FEEDBACK_FOR}"]'))
    student.locator("a", has_text=re.compile(r"^\d")).click()
    expect(page).to_have_url(
        re.compile(rf"/feedback/{report_catalogue.FEEDBACK_FOR}/{report_catalogue.ASSIGNMENT}/\w+\.html$")
    )
    expect(page.locator("body")).to_contain_text("test_mse")
