"""Caps on what a graded notebook may print, display or raise, applied in both processes.

The grader's `c.GradingExecute.max_output` reaches the sandbox in the hand-in (`handed_in.py`);
nbgrader's side cuts at the same number again (tinytorch_tools/preprocessors/grading_execute.py).
"""

MAX_OUTPUT = 1_000_000  # characters a cell may print or display, unless the grader says otherwise
MAX_ERROR = 10_000  # characters of an error's message, and of its traceback


def shorten(text, limit):
    return text if len(text) <= limit else text[:limit] + f" ... ({len(text) - limit} more characters cut)"


def shorten_middle(text, limit):
    """`text` in at most `limit` characters: its start and its end, with what was cut between."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head - 40
    return f"{text[:head]} ... ({len(text) - head - tail} characters cut) ... {text[-tail:]}"


def truncation_notice(limit):
    """What a cell's output says where the grader cut it."""
    return f"\n... output truncated by the grader after {limit} characters ...\n"


def cap_displays_and_errors(shell, max_output):
    """Cap what IPython sends as displays and errors, as the captured streams are capped."""
    publish, show_traceback = shell.display_pub.publish, shell._showtraceback

    def capped_publish(data, *args, **kwargs):
        data = {kind: shorten(value, max_output) if isinstance(value, str) else value for kind, value in data.items()}
        return publish(data, *args, **kwargs)

    def capped_traceback(etype, evalue, stb):
        return show_traceback(etype, shorten(str(evalue), MAX_ERROR), [shorten("\n".join(stb), MAX_ERROR)])

    shell.display_pub.publish, shell._showtraceback = capped_publish, capped_traceback


# Once the first test cell has started (the seal of the verdict): characters of an error the
# student's code raised that reach a test's message, and characters of a failing test's message
# (the harness's words, with the values of the student's code it names: a string its code
# returned, a repr), its middle cut so that the property and the blame's verdict stay.
MAX_STUDENT_TEXT = 200
MAX_VERDICT = 1_000
