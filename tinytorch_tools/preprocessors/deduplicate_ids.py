"""DeduplicateIds: nbgrader's, fixed for a graded cell pasted several times."""

from nbgrader import preprocessors


class DeduplicateIds(preprocessors.DeduplicateIds):
    """nbgrader's DeduplicateIds, fixed: of a cell that appears several times (copied and
    pasted), nbgrader keeps the last and leaves the others with empty nbgrader metadata, which
    CheckCellMetadata then takes for an old metadata format and stops grading the whole class.
    Here the other copies become plain cells."""

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources
