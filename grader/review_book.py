"""Old path, kept for what outside the code imports it: released 错题本 notebooks say
`from grader.review_book import review`. The code is grader.lab.review_book."""

from grader.lab.review_book import Review, feedback_pages, missed_articles, practice_on, review

__all__ = ["Review", "feedback_pages", "missed_articles", "practice_on", "review"]
