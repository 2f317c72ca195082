"""Old path, kept for what outside the code imports it: lesson notebooks (courses/*/*.md) say
`from grader.lesson import article, practice`. The code is grader.lab.lesson."""

from grader.lab.lesson import COURSE_FILE, PRACTICE_FILE, ArticleView, article, practice, practice_path

__all__ = ["COURSE_FILE", "PRACTICE_FILE", "ArticleView", "article", "practice", "practice_path"]
