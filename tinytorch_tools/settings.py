"""The course's nbgrader settings, as nbgrader_config.py gives them to every command."""

from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader


def course_directory(course, db_url=None):
    """nbgrader's CourseDirectory of `course`: db_url, course_id, ignore patterns."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    directory = CourseDirectory(config=config)
    directory.root = str(course)
    if db_url:
        directory.db_url = db_url
    return directory


def gradebook_url(course, db_url=None):
    """The gradebook every command uses: `db_url` if given, else the course's (nbgrader_config.py)."""
    return course_directory(course, db_url).db_url
