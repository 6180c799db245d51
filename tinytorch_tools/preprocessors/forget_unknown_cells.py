"""ForgetUnknownCells: a cell that claims a grade_id the gradebook does not know is the student's."""

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor


class ForgetUnknownCells(NbGraderPreprocessor):
    """A cell that claims to be a cell of the assignment (nbgrader metadata) that the gradebook
    does not know becomes a plain cell of the student's. nbgrader would stop grading the whole
    notebook over it (its metadata no longer validates once OverwriteCells finds no source)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"], CourseDirectory(config=self.config).course_id) as gradebook:
            notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            self.known = {cell.name for cell in notebook.source_cells}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if "nbgrader" in cell.metadata and grade_id not in self.known:
            self.log.warning("Cell %r is not in the gradebook: it is graded as a cell of the student's", grade_id)
            del cell.metadata["nbgrader"]
        return cell, resources
