"""DeduplicateIds: nbgrader's, fixed for a graded cell pasted several times."""

from nbgrader import preprocessors


class DeduplicateIds(preprocessors.DeduplicateIds):
    """nbgrader's DeduplicateIds, fixed: of a cell that appears several times (copied and
    pasted), nbgrader keeps the last and leaves the others with empty nbgrader metadata, which
    CheckCellMetadata then takes for an old metadata format and stops grading the whole class.
    Here the other copies become plain cells, and so does a graded cell without a grade_id (on which
    nbgrader's would stop with a KeyError): a test cell whose id was removed scores zero."""

    def preprocess_cell(self, cell, resources, index):
        if "grade_id" not in cell.metadata.get("nbgrader", {"grade_id": None}):
            self.log.warning("A cell with nbgrader metadata but no grade_id is graded as a cell of the student's")
            del cell.metadata["nbgrader"]
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources
