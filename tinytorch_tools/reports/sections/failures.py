"""Per module, the tests the class fails most, each with how many failed it and the first line
its failures say (a hidden test's property, or a visible test's message), most common first."""

from collections import Counter

from ..html import bar, details, escape, names, section, table

SHOWN = 5  # tests per module


def failed_tests(data):
    """{assignment: {grade_id: [students who lost points on it]}} of the autograded tests."""
    failed = {}
    for row in data.rows:
        if row["autograded"] and row["score"] < row["max_score"]:
            failed.setdefault(row["assignment"], {}).setdefault(row["grade_id"], []).append(row["student"])
    return failed


def reasons(data, assignment, grade_id, students):
    """The distinct first lines of the students' failures of one test, most common first."""
    said = Counter(data.autograded.reasons.get((student, assignment, grade_id)) for student in students)
    return [(reason, count) for reason, count in said.most_common(3) if reason]


def failed_test_rows(data, assignment, tests):
    submitted = sum(1 for row in data.scores.values() if assignment in row) or 1
    rows = []
    for grade_id, students in sorted(tests.items(), key=lambda item: (-len(item[1]), item[0]))[:SHOWN]:
        said = "".join(
            f"<div><code>{escape(reason)}</code> ({count})</div>"
            for reason, count in reasons(data, assignment, grade_id, students)
        )
        rows.append(
            [
                escape(grade_id),
                bar(len(students) / submitted, f"{len(students)} of {submitted}", "#c0504d"),
                said or "(no error message: see the autograded notebooks)",
                details(f"{len(students)} students", names(sorted(students))),
            ]
        )
    return rows


def failures(data):
    failed = failed_tests(data)
    headers = ["test", "failed by", "what the failures say", "who"]
    parts = [
        f"<h3>{escape(assignment)}</h3>" + table(headers, failed_test_rows(data, assignment, failed[assignment]))
        for assignment in data.assignments
        if assignment in failed
    ]
    return section("failures", "Tests the class fails most", "".join(parts) or "<p>No test failed.</p>")
