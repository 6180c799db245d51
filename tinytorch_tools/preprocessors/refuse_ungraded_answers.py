"""RefuseUngradedAnswers: no feedback before every written answer is graded."""

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory

from .feedback import FeedbackPreprocessor


class UngradedAnswers(Exception):
    """Feedback was asked for a submission whose written answers are not graded yet."""


class RefuseUngradedAnswers(FeedbackPreprocessor):
    """For feedback, first: no feedback for a submission with answers that nobody graded yet
    (it would read "Score: 0.0 / 2.0"). nbgrader names them in its log, goes on with the other
    students and exits with 1; `--RefuseUngradedAnswers.enabled=False` writes it anyway."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"], CourseDirectory(config=self.config).course_id) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            ungraded = sorted(grade.name for grade in notebook.grades if grade.auto_score is grade.manual_score is None)
        if ungraded:
            raise UngradedAnswers(
                f"no feedback for {info['student']} ({info['assignment']}): not graded yet: {', '.join(ungraded)}. "
                "Grade them in the formgrader first, or pass --RefuseUngradedAnswers.enabled=False"
            )
        return nb, resources
