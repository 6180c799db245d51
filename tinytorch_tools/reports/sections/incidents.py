"""The submissions grading marked (ran out of time, graded without the sandbox, and whatever
other marker gradebook.MARKERS lists), and the students' files the report could not read."""

from tinytorch_tools.preprocessors.grading_execute import OVER_BUDGET, TIMED_OUT, UNSANDBOXED
from tinytorch_tools.submission_files import REFUSED

from ..gradebook import MARKERS
from ..html import escape, section, table

# What an instructor does about each marker; a marker without a line here is just listed.
ADVICE = {
    TIMED_OUT: "A cell was stopped at nbgrader's cell timeout (its tests score zero); class grading has already "
    "graded each of them twice. Look at the code, or regrade with a longer <code>c.Execute.timeout</code>.",
    OVER_BUDGET: "The notebook's box (memory, processes or CPU time of all its processes) was stopped: the tests from "
    "that cell on score zero; class grading has graded each of them twice. Look at the code, or raise "
    "<code>c.GradingExecute.box</code>.",
    REFUSED: "Their files break the rules of a submission (a link, a special file, too large or too many files; "
    "see the README's threat model): every test scores zero and nothing of them was read; under stock nbgrader "
    "the submission itself is kept in <code>refused/</code>.",
    UNSANDBOXED: "Their kernels ran without isolation (<code>--no-sandbox</code>, trusted work only).",
}


def incidents(data):
    parts = []
    for marker, title in MARKERS.items():
        marked = data.markers.get(marker, {})
        rows = [
            [escape(student), escape(assignment), f"<pre>{escape(text)}</pre>"]
            for (student, assignment), text in sorted(marked.items())
        ]
        body = table(["student", "module", "details"], rows) if rows else "<p>none</p>"
        parts.append(
            f"<h3>{escape(title)} ({len(rows)})</h3>"
            f"<p>{ADVICE.get(marker, '')} Marked by {escape(marker)} in their autograded folder.</p>{body}"
        )
    if data.autograded.unreadable:
        parts.append(
            "<h3>Students' files not read</h3><ul>"
            + "".join(f"<li>{escape(reason)}</li>" for reason in data.autograded.unreadable)
            + "</ul>"
        )
    return section("incidents", "Time-outs, refusals and unsandboxed gradings", "".join(parts))
