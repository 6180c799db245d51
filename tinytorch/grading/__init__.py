"""The grading runtime: what runs inside the OS sandbox while a notebook is graded.

Two processes run each graded notebook, each in a sandbox of its own: the student process
(`student.py`) runs the student's cells and answers requests on their objects; the harness
(`harness.py`), the kernel nbgrader talks to, runs the test cells on proxies of those objects
(and, through `cells.py`, each of the student's cells in the student process).
They speak plain data (`wire.py`), one request at a time (`peer.py`). What the grader hands in
(`handed_in.py`) decides the code each tinytorch module is built from (`sources.py`); the
capstone's blame (`blame.py`) names the module of the student's chain that breaks it; `output.py`
caps what either process may print. Nothing here imports the instructor's tools.
"""
