"""The personal review (错题本) a staff member opens after an exam's feedback is released.

Runs in the staff member's own kernel. It reads which articles they missed from the feedback
page nbgrader delivered to them (`EXAM/feedback/TIMESTAMP/*.html`, written by
grader.exam.feedback: a JSON block of citations, no key), shows each article's official text
(grader.lesson.article) and the practice-pool questions on that article with instant feedback,
from the practice file released beside this notebook (practice pool only: never an exam
question). `lawstudy exam review ID` releases it as the nbgrader assignment `ID-review`.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from grader.lesson import PRACTICE_FILE, ArticleView
from grader.widgets import CSS, PracticeWidget

DATA = re.compile(r"<script type='application/json' id='lawstudy-review'>(.*?)</script>", re.S)


def feedback_pages(exam_id: str, start: Path | None = None) -> list[Path]:
    """The person's fetched feedback pages of `exam_id`, newest submission last: looked for in
    EXAM/feedback/*/ beside this folder or in it (nbgrader's fetch_feedback layout)."""
    here = Path(start or Path.cwd()).resolve()
    found: list[Path] = []
    for root in (here.parent, here, Path.home()):
        folder = root / exam_id / "feedback"
        if folder.is_dir():
            found = sorted(folder.glob("*/*.html"), key=lambda p: p.parent.name)
            if found:
                break
    return found


def missed_articles(page: Path) -> list[dict]:
    """[{law, version, article, citation}] from one feedback page ([] when it has none)."""
    m = DATA.search(page.read_text(encoding="utf-8", errors="replace"))
    if not m:
        return []
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return []
    return [a for a in data.get("missed", []) if isinstance(a, dict) and {"law", "article"} <= set(a)]


def practice_on(questions: dict, article: dict) -> list[dict]:
    """Practice-pool questions citing the same law, version and article."""
    out = []
    for q in questions.values():
        for b in q.get("basis", []):
            if (
                b.get("law") == article["law"]
                and int(b.get("article", 0)) == int(article["article"])
                and (not article.get("version") or b.get("version") in (None, "", article["version"]))
            ):
                out.append(q)
                break
    return out


class Review:
    """What `review()` shows: a heading, then per missed article its text and practice widgets."""

    def __init__(self, exam_id: str, folder: Path | None = None):
        self.exam_id = exam_id
        folder = Path(folder or Path.cwd())
        pages = feedback_pages(exam_id, folder)
        self.page = pages[-1] if pages else None
        self.articles = missed_articles(self.page) if self.page else []
        practice = folder / PRACTICE_FILE
        self.questions = json.loads(practice.read_text(encoding="utf-8"))["questions"] if practice.is_file() else {}

    def items(self) -> list:
        """Displayable objects in order (HTML strings wrapped, ArticleView, PracticeWidget)."""
        from IPython.display import HTML

        if self.page is None:
            return [
                HTML(
                    f"{CSS}<p>还没有找到本次考试（{html.escape(self.exam_id)}）的成绩反馈。请先在菜单“考试与作业 → "
                    "打开考试与作业列表”中，在“已提交”一栏点 <b>获取成绩反馈</b>，再重新运行本页。</p>"
                )
            ]
        if not self.articles:
            return [HTML(f"{CSS}<p>本次考试没有答错的题目，不需要复习。</p>")]
        out: list = [
            HTML(
                f"{CSS}<p>你在本次考试中答错（或未答全）的题目涉及以下 {len(self.articles)} 个条款。"
                "请先阅读条文原文，再做下面的练习题（练习题来自课程练习题库，与考试题不同）。</p>"
            )
        ]
        for n, a in enumerate(self.articles, 1):
            out.append(HTML(f"<h3>{n}. {html.escape(a.get('citation') or a['law'])}</h3>"))
            try:
                out.append(ArticleView(a["law"], int(a["article"]), a.get("version") or None))
            except Exception:  # noqa: BLE001 - a text this runtime lacks: say so, go on
                out.append(HTML("<p>（本机没有该条文的原文）</p>"))
            questions = practice_on(self.questions, a)
            if not questions:
                out.append(HTML("<p>本条暂无练习题。</p>"))
            out += [PracticeWidget(q) for q in questions]
        return out


def review(exam_id: str) -> Review:
    """Show the personal review of exam `exam_id` in this notebook; returns the Review."""
    from IPython.display import display

    book = Review(exam_id)
    for item in book.items():
        display(item)
    return book
