"""NamedStubs: an unwritten function's stub names itself and the section that explains it."""

import re

from nbgrader import preprocessors

SECTION = re.compile(r"^## (?P<number>\d+)\. (?P<title>.+)$", re.MULTILINE)
DEFINITION = re.compile(r"^(?P<indent>\s*)(?:async\s+)?(?:def|class)\s+(?P<name>\w+)")


class NamedStubs(preprocessors.ClearSolutions):
    """nbgrader's ClearSolutions, with a stub that names its place. nbgrader has one code stub
    per language; here its `{where}` becomes the function the region belongs to and the
    notebook section that explains it: "write Tensor.matmul, as section 2 (The Tensor class)
    explains"."""

    def preprocess(self, nb, resources):
        self.section = "this notebook"
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        heading = SECTION.search(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            self.section = f"section {heading['number']} ({heading['title']})"
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code":
            lines = cell.source.split("\n")
            for number, line in enumerate(lines):
                if "{where}" in line:
                    lines[number] = line.replace(
                        "{where}", f"write {enclosing_function(lines[: number + 1])}, as {self.section} explains"
                    )
            cell.source = "\n".join(lines)
        return cell, resources


def enclosing_function(lines):
    """The dotted name (Tensor.matmul) of the def that the last line belongs to: the headers
    above it, each one less indented than what it encloses."""
    names, indent = [], len(lines[-1]) - len(lines[-1].lstrip())
    for line in reversed(lines[:-1]):
        definition = DEFINITION.match(line)
        if definition and len(definition["indent"]) < indent:
            names.insert(0, definition["name"])
            indent = len(definition["indent"])
    return ".".join(names) or "this part"
