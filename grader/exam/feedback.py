"""Feedback for each staff member (HTML, Chinese): their answer, the right answer, points, 解析, 法条.

Written into nbgrader's feedback folder so `nbgrader release_feedback` / `fetch_feedback` (and the
JupyterLab assignments panel) deliver it. It shows the key, so it is only written and released
after the exam's last window (make-up included) has closed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from grader.answers import display_order
from grader.exam.notebook import NOTEBOOK, grade_id
from grader.exam.paper import Paper
from grader.exam.submissions import Submission
from grader.vocabulary import CHINA, FLAG_NAMES, LETTERS, SECTION_NAMES, verdict

STYLE = """<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 900px; margin: 20px auto;
  line-height: 1.7; color: #24292f; padding: 0 12px; }
.q { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; margin: 10px 0; }
.ok { color: #1a7f37; font-weight: bold; } .wrong { color: #cf222e; font-weight: bold; }
.law { border-left: 4px solid #8c959f; padding: 4px 10px; background: #f6f8fa; margin: 4px 0; }
.summary { font-size: 18px; } .flag { color: #9a6700; }
li.right { color: #1a7f37; }
</style>"""


def _e(value) -> str:
    return html.escape(str(value))


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
    block, for their personal review (错题本, grader.review_book). Only citations the page
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
        spec = self.paper.spec
        shown = display_order(self.paper.display(), spec.seed, sub.student)
        total = round(sum(float(scores.get(grade_id(q.id)) or 0) for q in self.paper.questions), 2)
        percent = total / self.paper.max_score * 100 if self.paper.max_score else 0
        result = verdict(percent, spec.pass_mark, spec.excellence_mark)
        when = sub.timestamp.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if sub.timestamp else "未知"
        parts = [
            f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{_e(spec.title)} 成绩反馈"
            f"</title>{STYLE}</head><body>",
            f"<h1>{_e(spec.title)}</h1>",
            f"<p class='summary'>考生：<b>{_e(sub.student)}</b>　提交时间：{_e(when)}<br>"
            f"得分：<b>{total:g}</b> / {self.paper.max_score:g}　结果：<b>{result}</b>"
            f"（{spec.pass_mark:g} 分及格，{spec.excellence_mark:g} 分优秀，按百分制）</p>",
        ]
        if sub.flags:
            parts.append(
                "<p class='flag'>提交异常（请与培训管理员联系）："
                + "；".join(f"{FLAG_NAMES.get(f, f)}：{_e(d)}" for f, d in sub.flags)
                + "</p>"
            )
        current = None
        missed: list = []
        for n, shown_q in enumerate(shown, 1):
            q = self.questions[shown_q["id"]]
            if q.type != current:
                current = q.type
                parts.append(f"<h2>{SECTION_NAMES[q.type]}</h2>")
            earned = float(scores.get(grade_id(q.id)) or 0)
            if earned < q.points:
                missed.append(q)
            mark = (
                "<span class='ok'>✓ 正确</span>"
                if earned >= q.points
                else "<span class='wrong'>◐ 部分正确</span>"
                if earned > 0
                else "<span class='wrong'>✗ 错误</span>"
            )
            answer = sub.answers.get(q.id)
            right = q.answer
            opts = shown_q["options"]
            items = "".join(
                f"<li{' class=right' if (oid in right if isinstance(right, list) else oid == right) else ''}>"
                f"{LETTERS[i]}. {_e(text)}</li>"
                for i, (oid, text) in enumerate(opts)
            )
            basis = "".join(f"<div class='law'><b>{_e(b['citation'])}</b>：“{_e(b['quote'])}”</div>" for b in q.basis)
            parts.append(
                f"<div class='q' id='{_e(q.id)}'><p><b>{n}.</b> [{SECTION_NAMES[q.type]}] {_e(q.stem)}</p>"
                + (f"<ol style='list-style:none;padding-left:8px'>{items}</ol>" if opts else "")
                + f"<p>{mark}　你的答案：<b>{_e(self.letters(opts, answer, q.type))}</b>　"
                f"正确答案：<b>{_e(self.letters(opts, right, q.type))}</b>　"
                f"得分：{earned:g} / {q.points:g}</p>"
                f"<p><b>解析：</b>{_e(q.explanation)}</p>"
                + (f"<p><small>{_e(key)}</small></p>" if (key := letter_key(q, opts)) else "")
                + f"<p><b>法律依据：</b></p>{basis}</div>"
            )
        parts.append(review_data(self.paper, missed))
        parts.append(
            f"<p><small>生成时间：{datetime.now(UTC).astimezone(CHINA).strftime('%Y-%m-%d %H:%M')}"
            "</small></p></body></html>"
        )
        return "".join(parts)

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
