"""A new, empty nbgrader gradebook, made once per process and copied where one is needed.

nbgrader makes a new gradebook's tables in-process, but asks for its schema version by running
`alembic heads` in a subprocess (about 1.2 s of CPU), a cost every new course paid, and class
grading once per assignment. This makes the same file (`tests/test_blank_gradebook.py` compares
it with nbgrader's) with alembic's Python API: nbgrader's tables, then its schema version.
"""

import functools
import tempfile
from pathlib import Path

import sqlalchemy
from alembic.config import Config
from alembic.script import ScriptDirectory
from nbgrader.api import Base
from nbgrader.dbutil import _temp_alembic_ini


@functools.cache
def blank_gradebook():
    """The bytes of a SQLite gradebook as nbgrader makes it, with nothing in it."""
    with tempfile.TemporaryDirectory(prefix="tinytorch-gradebook-") as scratch:
        path = Path(scratch) / "gradebook.db"
        url = f"sqlite:///{path}"
        engine = sqlalchemy.create_engine(url)
        Base.metadata.create_all(bind=engine)
        with _temp_alembic_ini(url) as alembic_ini:
            head = ScriptDirectory.from_config(Config(alembic_ini)).get_current_head()
        with engine.begin() as database:
            database.execute(sqlalchemy.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"))
            version = sqlalchemy.text("INSERT INTO alembic_version (version_num) VALUES (:head)")
            database.execute(version, {"head": head})
        engine.dispose()
        return path.read_bytes()
