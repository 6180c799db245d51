"""The report's top: how many students and submissions, each module's median and spread of
scores, and who has not submitted what."""

import statistics

from ..html import bar, details, escape, names, section, table

BINS = 10


def histogram(fractions):
    """Ten columns of the students' shares of the points, 0-10% to 90-100%, as small bars."""
    counts = [0] * BINS
    for fraction in fractions:
        counts[min(BINS - 1, int(fraction * BINS))] += 1
    tallest = max(counts) or 1
    columns = "".join(
        f'<span class="hist-bin" title="{count} students" style="height:{round(24 * count / tallest)}px"></span>'
        for count in counts
    )
    return f'<span class="hist">{columns}</span>'


def module_rows(data):
    rows = []
    for assignment in data.assignments:
        scores = [row[assignment] for row in data.scores.values() if assignment in row]
        fractions = [score / most if most else 0.0 for score, most in scores]
        most = scores[0][1] if scores else 0
        median = statistics.median(score for score, _ in scores) if scores else 0
        missing = [student for student, _ in data.students if assignment not in data.scores.get(student, {})]
        rows.append(
            [
                escape(assignment),
                str(len(scores)),
                bar(median / most if most else 0, f"{median:g} / {most:g}"),
                histogram(fractions),
                details(f"{len(missing)} missing", names(missing)) if missing else "none",
            ]
        )
    return rows


def summary(data):
    submissions = sum(len(row) for row in data.scores.values())
    intro = (
        f"{len(data.students)} students, {submissions} submissions autograded, {len(data.assignments)} assignments; "
        f'gradebook {escape(data.gradebook)}. Grades for a spreadsheet: <a href="grades.csv">grades.csv</a>.'
    )
    headers = ["module", "submissions", "median score", "students by share of points (0 to 100%)", "not submitted"]
    return section("summary", "Summary", table(headers, module_rows(data), 'class="compact"'), intro)
