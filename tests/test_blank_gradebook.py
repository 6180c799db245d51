"""The blank gradebook class grading and scratch courses start from is the one nbgrader makes."""

import sqlite3

from nbgrader.api import Gradebook

from tinytorch_tools.blank_gradebook import blank_gradebook


def contents(path):
    """The schema of a SQLite database and the rows of every table."""
    with sqlite3.connect(path) as database:
        tables = database.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        rows = {name: database.execute(f'SELECT * FROM "{name}"').fetchall() for name, sql in tables if sql}
    return tables, rows


def test_the_blank_gradebook_is_what_nbgrader_makes(tmp_path):
    Gradebook(f"sqlite:///{tmp_path / 'nbgrader.db'}", course_id="tinytorch").close()
    (tmp_path / "blank.db").write_bytes(blank_gradebook())
    Gradebook(f"sqlite:///{tmp_path / 'blank.db'}", course_id="tinytorch").close()  # as nbgrader opens it
    made, blank = contents(tmp_path / "nbgrader.db"), contents(tmp_path / "blank.db")
    assert blank == made
    assert made[1]["alembic_version"][0][0]  # nbgrader's schema version is there
