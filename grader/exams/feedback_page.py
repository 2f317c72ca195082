"""Feedback for each staff member (HTML, Chinese, templates/feedback.html.j2): their answer, the
right answer, points, 解析, 法条.

Written into nbgrader's feedback folder so `nbgrader release_feedback` / `fetch_feedback` (and the
JupyterLab assignments panel) deliver it. It shows the key, so it is only written and released
after the exam's last window (make-up included) has closed.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup

from grader import pages
from grader.answers import display_order
from grader.exams.notebook import NOTEBOOK, grade_id
from grader.exams.paper import Paper
from grader.exams.submissions import Submission
from grader.vocabulary import CHINA, FLAG_NAMES, LETTERS, SECTION_NAMES, verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"
REVIEW_DATA_ID = "lawstudy-review"
# an option named by its letter in a 解析 ("C、D 是2012年条例的规定", "选项B错"): a capital A–F standing alone
BANK_LETTER = re.compile(r"(?<![A-Za-z])[A-F](?![A-Za-z])")


def letter_key(q, shown_options: list) -> str:
    """When the 解析 names options by letter and this person's paper showed them in another order,
    one line mapping the bank's letters (which the 解析 uses) to the letters on the paper, e.g.
    "解析中的选项字母按题库原顺序：A＝你试卷上的C，B＝A，…"; '' when nothing needs mapping."""
    if q.type == "judge" or not BANK_LETTER.search(q.explanation):
        return ""
    bank = [oid for oid, _ in q.options]
    paper = [oid for oid, _ in shown_options]
    if bank == paper:
        return ""
    on_paper = {oid: LETTERS[i] for i, oid in enumerate(paper)}
    pairs = "，".join(f"{LETTERS[i]}＝{on_paper.get(oid, '?')}" for i, oid in enumerate(bank))
    return f"解析中的选项字母按题库原顺序，对应你试卷上的字母：{pairs}"


def review_data(paper: Paper, missed: list) -> str:
    """The articles behind the questions this person missed, as JSON in a non-executed script
    block, for their personal review (错题本, grader.lab.review_book). Only citations the page
    shows anyway; no key."""
    seen, articles = set(), []
    for q in missed:
        for b in q.basis:
            key = (b["law"], b.get("version") or "", int(b["article"]))
            if key not in seen:
                seen.add(key)
                articles.append(
                    {"law": key[0], "version": key[1], "article": key[2], "citation": b.get("citation", "")}
                )
    data = json.dumps({"exam": paper.id, "missed": articles}, ensure_ascii=False).replace("</", "<\\/")
    return f"<script type='application/json' id='{REVIEW_DATA_ID}'>{data}</script>"


class FeedbackWriter:
    """One HTML page per submission, numbered and lettered as that person's paper showed it."""

    def __init__(self, paper: Paper):
        self.paper = paper
        self.questions = paper.by_id()

    def letters(self, options: list, value, qtype: str) -> str:
        if value is None:
            return "未作答"
        if qtype == "judge":
            return "正确" if value else "错误"
        ids = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        pos = {oid: LETTERS[i] for i, (oid, _) in enumerate(options)}
        return "".join(sorted(pos.get(oid, "?") for oid in ids))

    def render(self, sub: Submission, scores: dict[str, float | None]) -> str:
        """The person's page (templates/feedback.html.j2, autoescaped): their numbers and letters,
        each answer against the key, points, 解析 and 法条, and the 错题本's data."""
        spec = self.paper.spec
        shown = display_order(self.paper.display(), spec.seed, sub.student)
        total = round(sum(float(scores.get(grade_id(q.id)) or 0) for q in self.paper.questions), 2)
        percent = total / self.paper.max_score * 100 if self.paper.max_score else 0
        sections: list[dict] = []
        missed: list = []
        for n, shown_q in enumerate(shown, 1):
            q = self.questions[shown_q["id"]]
            if not sections or sections[-1]["type"] != q.type:
                sections.append({"type": q.type, "name": SECTION_NAMES[q.type], "questions": []})
            earned = float(scores.get(grade_id(q.id)) or 0)
            if earned < q.points:
                missed.append(q)
            right, opts = q.answer, shown_q["options"]
            sections[-1]["questions"].append(
                {
                    "id": q.id,
                    "number": n,
                    "stem": q.stem,
                    "options": [
                        (LETTERS[i], text, oid in right if isinstance(right, list) else oid == right)
                        for i, (oid, text) in enumerate(opts)
                    ],
                    "mark": "ok" if earned >= q.points else "partial" if earned > 0 else "wrong",
                    "answer": self.letters(opts, sub.answers.get(q.id), q.type),
                    "key": self.letters(opts, right, q.type),
                    "earned": f"{earned:g}",
                    "points": f"{q.points:g}",
                    "explanation": q.explanation,
                    "letter_key": letter_key(q, opts),
                    "basis": [(b["citation"], b["quote"]) for b in q.basis],
                }
            )
        return pages.render(
            TEMPLATES,
            "feedback.html.j2",
            title=spec.title,
            student=sub.student,
            when=sub.timestamp.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if sub.timestamp else "未知",
            total=f"{total:g}",
            max_score=f"{self.paper.max_score:g}",
            result=verdict(percent, spec.pass_mark, spec.excellence_mark),
            pass_mark=f"{spec.pass_mark:g}",
            excellence_mark=f"{spec.excellence_mark:g}",
            flags=[(FLAG_NAMES.get(f, f), d) for f, d in sub.flags],
            sections=sections,
            review=Markup(review_data(self.paper, missed)),
            generated=datetime.now(UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
        )

    def write(self, sub: Submission, scores: dict, feedback_root: Path) -> Path:
        """feedback/STUDENT/ID/exam.html with the submission's timestamp and secret beside it."""
        folder = Path(feedback_root) / sub.student / self.paper.id
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (sub.folder / name).is_file():
                shutil.copyfile(sub.folder / name, folder / name)
        path = folder / (Path(NOTEBOOK).stem + ".html")
        path.write_text(self.render(sub, scores), encoding="utf-8")
        return path
