"""RestoreMetadata: the nbgrader metadata of a cell the gradebook knows, put back from the gradebook."""

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor


def known_metadata(notebook):
    """{grade_id: nbgrader metadata} of every cell the gradebook records for `notebook`, as
    `nbgrader generate_assignment` wrote it into the release."""
    grades = {cell.name: cell.max_score for cell in notebook.grade_cells}
    tasks = {cell.name: cell.max_score for cell in notebook.task_cells}
    solutions = {cell.name for cell in notebook.solution_cells}
    known = {}
    for cell in notebook.source_cells:
        metadata = {"grade": cell.name in grades, "grade_id": cell.name, "locked": cell.locked}
        metadata |= {"solution": cell.name in solutions, "task": cell.name in tasks, "schema_version": 3}
        metadata |= {"cell_type": cell.cell_type, "checksum": cell.checksum}
        if cell.name in grades or cell.name in tasks:
            metadata["points"] = float(grades.get(cell.name, tasks.get(cell.name)))
        known[cell.name] = metadata
    return known


class RestoreMetadata(NbGraderPreprocessor):
    """A cell with the grade_id of a cell the gradebook knows gets that cell's nbgrader metadata
    back (solution, grade, task, locked, points, checksum), whatever the student made of it; stock
    `OverwriteCells` then puts back its text. A student's edit of the metadata would otherwise
    fail the whole notebook (a test cell flagged as a solution: "Inconsistent checksums") or
    change how a cell is graded. A cell whose grade_id the gradebook does not know, or that has
    none, is the student's (`ForgetUnknownCells`): a test cell renamed scores zero, as a deleted one."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"], CourseDirectory(config=self.config).course_id) as gradebook:
            self.known = known_metadata(gradebook.find_notebook(info["notebook"], info["assignment"]))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        known = self.known.get(grade_id)
        if known is None:
            return cell, resources
        found = cell.metadata["nbgrader"]
        # What decides how a cell is graded; the checksum is nbgrader's to put back (OverwriteCells).
        keys = {"grade", "grade_id", "locked", "points", "solution", "task"}
        changed = sorted(key for key in keys if found.get(key) != known.get(key))
        if changed:
            self.log.warning("Cell %r: its nbgrader metadata %s is restored from the gradebook", grade_id, changed)
        cell.metadata["nbgrader"] = dict(known)
        return cell, resources
