"""Reports read from the gradebook."""

from pathlib import Path

from nbgrader.api import Gradebook


def submission_scores(course):
    """{student: {assignment: (score, max_score)}} from the course's gradebook.db."""
    table = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                table.setdefault(submission.student.id, {})[assignment.name] = (submission.score, submission.max_score)
    return table


def score_table(course):
    """A plain-text table: one row per student, one column per module, then the total."""
    table = submission_scores(course)
    assignments = sorted({assignment for row in table.values() for assignment in row})
    width = max([len(student) for student in table] + [7])

    def row(first, cells):
        return f"{first:<{width}}" + "".join(f"{cell:>12}" for cell in cells)

    lines = [row("student", [assignment[:11] for assignment in assignments] + ["total"])]
    for student in sorted(table):
        scores = [table[student].get(assignment) for assignment in assignments]
        cells = [f"{score[0]:g}/{score[1]:g}" if score else "-" for score in scores]
        earned = sum(score for score, _ in filter(None, scores))
        possible = sum(maximum for _, maximum in filter(None, scores))
        lines.append(row(student, cells + [f"{earned:g}/{possible:g}"]))
    return "\n".join(lines)
