"""Helpers that lesson notebooks call: show an article's official text, show a practice question.

Lessons never retype the law: `article("殡葬管理条例", 4)` reads it from the statute files.
Practice questions come from the lesson folder's practice file (practice pool only, written
by `lawstudy course build`), never from quizzes/, so a staff kernel cannot reach exam keys.
"""
from __future__ import annotations

import functools
import html
import json
import os
from pathlib import Path

from grader.laws import library
from grader.widgets import CSS, PracticeWidget

PRACTICE_FILE = "practice.json"


class ArticleView:
    """An article rendered as a quoted block with its citation."""

    def __init__(self, law: str, number: int, version: str | None = None):
        self.article = library().article(law, number) if version is None else _dated(law, number, version)

    def _repr_html_(self) -> str:
        paragraphs = "".join(f"<p style='margin:4px 0'>{html.escape(p)}</p>" for p in self.article.paragraphs)
        return (f"{CSS}<div class='lawstudy-law lawstudy-article'><b>{html.escape(self.article.citation)}</b>"
                f"{paragraphs}</div>")

    def _repr_markdown_(self) -> str:
        return f"**{self.article.citation}**\n\n" + "\n\n".join(f"> {p}" for p in self.article.paragraphs)

    def __repr__(self) -> str:
        return f"{self.article.citation}\n{self.article.text}"


def _dated(law: str, number: int, version: str):
    """《law》第number条 in the file TITLE(VERSION).md if present, else in the undated file."""
    from grader.laws import laws_dir, parse_law
    title = law.strip().strip("《》")
    for name in (title, "中华人民共和国" + title):
        for path in (laws_dir() / f"{name}({version}).md", laws_dir() / f"{name}.md"):
            if path.is_file():
                found = parse_law(path).article(number)
                found.law = f"{name}（{version[:4]}年版）"
                return found
    return library().article(law, number)


def article(law: str, number: int, version: str | None = None) -> ArticleView:
    """Show the official text of 《law》第number条 (of the version dated `version`, if given)."""
    return ArticleView(law, number, version)


def practice_path() -> Path:
    """$LAWSTUDY_PRACTICE, else practice.json in the working folder or a parent of it."""
    if os.environ.get("LAWSTUDY_PRACTICE"):
        return Path(os.environ["LAWSTUDY_PRACTICE"])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / PRACTICE_FILE).is_file():
            return folder / PRACTICE_FILE
    raise FileNotFoundError("找不到练习题数据 practice.json：请先运行 lawstudy course build（或 lawstudy demo）")


@functools.lru_cache(maxsize=2)
def _practice_questions(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))["questions"]


def practice(question_id: str) -> PracticeWidget:
    """Show practice question `question_id` with a 提交 button and instant feedback."""
    questions = _practice_questions(str(practice_path()))
    if question_id not in questions:
        raise KeyError(f"练习题 {question_id} 不存在（或不是练习题）")
    return PracticeWidget(questions[question_id])
