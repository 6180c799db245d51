"""Sample submissions: the reference, the blank release, and deliberately buggy solutions.

Each bug is a realistic student mistake, written as a change to the reference solution, with
the tests it must fail. The test suite autogrades every one of them (a hidden test is only
good if a wrong solution fails it) and the demo grades them as sample students.
"""

from dataclasses import dataclass

import nbformat

from . import paths


@dataclass(frozen=True)
class Bug:
    student: str  # the sample student's id, e.g. "bug-max-gradient"
    assignment: str
    description: str
    wrong: str  # a line (or lines) of the reference solution ...
    instead: str  # ... and what the buggy student wrote instead
    loses: frozenset  # the grade_ids of the tests that must fail


BUGS = [
    Bug(
        "bug-float64-lists",
        "01_tensor",
        "Python lists become float64 instead of float32",
        "    return np.asarray(data, dtype=np.float32)",
        "    return np.asarray(data, dtype=np.float64)",
        frozenset({"test_dtypes"}),
    ),
    Bug(
        "bug-sum-drops-keepdims",
        "01_tensor",
        "sum ignores keepdims",
        "        data = self.data.sum(axis=axis, keepdims=keepdims)",
        "        data = self.data.sum(axis=axis)",
        frozenset({"test_reductions"}),
    ),
    Bug(
        "bug-transpose-first-axes",
        "01_tensor",
        "transpose() swaps the first two axes instead of the last two",
        "        data = np.swapaxes(self.data, dim0, dim1)",
        "        data = np.swapaxes(self.data, 0, 1) if (dim0, dim1) == (-2, -1) else np.swapaxes(self.data, dim0, dim1)",
        frozenset({"test_shape_operations"}),
    ),
    Bug(
        "bug-no-broadcast-reduction",
        "02_autograd",
        "the gradient of a + b is not summed back over broadcast axes",
        "    return unbroadcast(grad, a.shape), unbroadcast(grad, b.shape)",
        "    return grad, grad",
        frozenset({"test_broadcast_gradients"}),
    ),
    Bug(
        "bug-grad-overwritten",
        "02_autograd",
        "backward() overwrites .grad instead of accumulating into it",
        "                tensor.grad = grad.copy() if tensor.grad is None else tensor.grad + grad",
        "                tensor.grad = grad.copy()",
        frozenset({"test_accumulation"}),
    ),
    Bug(
        "bug-matmul-transpose",
        "02_autograd",
        "the matmul gradient of the left input forgets to transpose B",
        "    grad_a = grad @ np.swapaxes(b.data, -1, -2)",
        "    grad_a = grad @ b.data",
        frozenset({"test_matmul_gradient"}),
    ),
    Bug(
        "bug-max-gradient-everywhere",
        "02_autograd",
        "the gradient of max goes to every element, not only the maximum",
        "    return (expand_to(grad, out, a) * share,)",
        "    return (expand_to(grad, out, a).copy(),)",
        frozenset({"test_reduction_gradients"}),
    ),
    Bug(
        "bug-breadth-first-backward",
        "02_autograd",
        "backward visits tensors breadth-first, not in topological order",
        "    visit(root)\n    return order",
        "    order, queue = [root], [root]\n"
        "    while queue:\n"
        "        for parent in queue.pop(0).parents:\n"
        "            if all(parent is not seen for seen in order):\n"
        "                order.append(parent)\n"
        "                queue.append(parent)\n"
        "    return order[::-1]",
        frozenset({"test_backward_order"}),
    ),
]


def source_notebook(assignment):
    name = assignment.split("_", 1)[1]
    return nbformat.read(paths.SOURCE / assignment / f"{name}.ipynb", as_version=4)


def release_notebook(assignment):
    name = assignment.split("_", 1)[1]
    return nbformat.read(paths.RELEASE / assignment / f"{name}.ipynb", as_version=4)


def buggy_notebook(bug):
    """The reference notebook with the bug written into its solution cells."""
    notebook = source_notebook(bug.assignment)
    solutions = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    matches = [cell for cell in solutions if bug.wrong in cell.source]
    if len(matches) != 1:
        raise ValueError(f"{bug.student}: the reference line must appear in exactly one solution cell")
    matches[0].source = matches[0].source.replace(bug.wrong, bug.instead)
    return notebook
