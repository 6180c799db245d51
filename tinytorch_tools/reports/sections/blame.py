"""Which module breaks the students' chains in the modules graded on them (the capstone, the
language model), as the blame sentences of their failures say, and for whom."""

from tinytorch.course import GRADED_ON_OWN_CHAIN

from ..html import bar, escape, names, section, table


def culprits(data, assignment):
    """{blamed module: [students]} for one module graded on the chain."""
    blamed = {}
    for (student, graded), modules in sorted(data.autograded.blamed.items()):
        if graded == assignment:
            for module in modules:
                blamed.setdefault(module, []).append(student)
    return blamed


def chain_blame(data):
    parts = []
    for assignment in sorted(GRADED_ON_OWN_CHAIN & set(data.assignments)):
        blamed = culprits(data, assignment)
        students = len({student for group in blamed.values() for student in group}) or 1
        rows = [
            [escape(module), bar(len(who) / students, f"{len(who)} students", "#8064a2"), names(who)]
            for module, who in sorted(blamed.items(), key=lambda item: (-len(item[1]), item[0]))
        ]
        body = table(["module blamed", "students", "who"], rows) if rows else "<p>No chain broke.</p>"
        parts.append(f"<h3>{escape(assignment)}</h3>{body}")
    intro = (
        "When a module graded on the student's own chain fails, grading names the module that breaks it "
        "(the one whose reference alone makes it pass). A module that often breaks chains is worth a word in class."
    )
    return section(
        "blame", "What breaks the chains", "".join(parts) or "<p>No module graded on the chain yet.</p>", intro
    )
