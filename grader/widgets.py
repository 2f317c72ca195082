"""What staff kernels run: the question widget, practice feedback, and the exam answer widget.

This module is imported inside staff kernels, so it never reads quizzes/ or any bank:
it is handed the question text and option ids by the notebook (exam) or by the lesson's
practice file, which holds practice-pool questions only.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as w

# The answers file and the vocabulary live in their own modules; their names stay importable from
# here because released exam notebooks say `from grader.widgets import ExamPaper` / `graded`.
from grader.answers import (  # noqa: F401
    ANSWERS_FIELDS,
    ANSWERS_FILE,
    ANSWERS_MAX_BYTES,
    current_user,
    display_order,
    graded,
    grading,
    read_answers,
    save_answer,
)
from grader.scoring import Key, is_correct, score
from grader.vocabulary import LETTERS, SECTION_NAMES, TYPE_LABELS  # noqa: F401

CSS = """
<style>
.lawstudy-question { max-width: 860px; border: 1px solid #d0d7de; border-radius: 6px;
  padding: 10px 14px; margin: 6px 0; background: #fbfcfe; }
.lawstudy-question .widget-radio-box label, .lawstudy-question .widget-checkbox label,
.lawstudy-question .widget-toggle-buttons button, .lawstudy-question button.lawstudy-submit {
  font-size: max(15px, calc(var(--jp-content-font-size1, 14px) + 1px)); height: auto; line-height: 1.6; }
.lawstudy-question .widget-radio-box { flex-direction: column; }
.lawstudy-stem { font-size: max(16px, calc(var(--jp-content-font-size1, 14px) + 2px)); line-height: 1.6; }
.lawstudy-feedback { font-size: max(15px, calc(var(--jp-content-font-size1, 14px) + 1px)); line-height: 1.7; }
.lawstudy-question input:focus-visible, .lawstudy-question button:focus-visible {
  outline: 3px solid #0b57d0; outline-offset: 2px; }
.lawstudy-ok { color: #1a7f37; font-weight: bold; }
.lawstudy-wrong { color: #cf222e; font-weight: bold; }
.lawstudy-law { border-left: 4px solid #8c959f; padding: 4px 10px; margin: 4px 0; background: #f6f8fa; }
</style>
"""


def _text(value) -> str:
    return html.escape(str(value))


class ChoiceWidget:
    """One question as clickable controls: radio buttons, check boxes, or 正确/错误.

    `question` is a display dict: {"id", "type", "stem", "options": [[option_id, text], ...]}
    in display order. Letters A, B, C… follow the display order; the value is the option id
    (single), a sorted list of option ids (multiple) or True/False (judge).
    """

    def __init__(self, question: dict, value=None, number: int | None = None):
        self.question = question
        self.type = question["type"]
        self.options = [tuple(o) for o in question.get("options") or []]
        self.letter_of = {oid: LETTERS[i] for i, (oid, _) in enumerate(self.options)}
        prefix = f"{number}. " if number else ""
        self.stem = w.HTML(
            f'<div class="lawstudy-stem">{prefix}<b>[{TYPE_LABELS[self.type]}]</b> {_text(question["stem"])}</div>'
        )
        if self.type == "multiple":
            self.controls = [
                w.Checkbox(
                    value=False, description=f"{LETTERS[i]}. {text}", indent=False, layout=w.Layout(width="auto")
                )
                for i, (_, text) in enumerate(self.options)
            ]
            for box, (oid, _) in zip(self.controls, self.options):
                box.add_class("lawstudy-option")
                box.add_class(f"lawstudy-option-{self.letter_of[oid]}")
            self.input = w.VBox(self.controls)
        else:
            choices = (
                [("正确", True), ("错误", False)]
                if self.type == "judge"
                else [(f"{LETTERS[i]}. {text}", oid) for i, (oid, text) in enumerate(self.options)]
            )
            self.input = w.RadioButtons(options=choices, index=None, layout=w.Layout(width="auto"))
            self.input.add_class("lawstudy-option")
        self.input.add_class("lawstudy-input")
        if value is not None:
            self.value = value

    @property
    def value(self):
        if self.type == "multiple":
            chosen = sorted(oid for box, (oid, _) in zip(self.controls, self.options) if box.value)
            return chosen or None
        return self.input.value

    @value.setter
    def value(self, value) -> None:
        """Restore a saved answer (ignores anything that is not a valid answer)."""
        if self.type == "multiple":
            chosen = set(value) if isinstance(value, (list, tuple)) else set()
            for box, (oid, _) in zip(self.controls, self.options):
                box.value = oid in chosen
        elif self.type == "judge":
            if isinstance(value, bool):
                self.input.value = value
        elif value in self.letter_of:
            self.input.value = value

    def observe(self, callback) -> None:
        """Call callback(value) after every change the person makes."""
        targets = self.controls if self.type == "multiple" else [self.input]
        for target in targets:
            target.observe(lambda _change: callback(self.value), names="value")

    def letters(self, value) -> str:
        """How a value reads on this paper: 'B', 'AC', '正确'."""
        if value is None:
            return "未作答"
        if self.type == "judge":
            return "正确" if value else "错误"
        ids = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        return "".join(sorted(self.letter_of.get(oid, "?") for oid in ids))


def citation_html(basis: list[dict]) -> str:
    parts = []
    for c in basis:
        parts.append(f'<div class="lawstudy-law">{_text(c["citation"])}：“{_text(c["quote"])}”</div>')
    return "".join(parts)


class PracticeWidget:
    """A practice question with a 提交 button and instant feedback (✓/✗, 答案, 解析, 法条)."""

    def __init__(self, question: dict):
        self.question = question
        # on a hub: sends (question id, answer) to the exam service, which scores it (grader.lesson)
        self.on_answer: Callable[[str, object], object] | None = None
        display = {
            "id": question["id"],
            "type": question["type"],
            "stem": question["stem"],
            "options": [[k, v] for k, v in (question.get("options") or {}).items()],
        }
        self.choice = ChoiceWidget(display)
        self.key = Key.from_dict(question)
        self.button = w.Button(description="提交", button_style="primary", icon="check", tooltip="提交答案，查看解析")
        self.button.add_class("lawstudy-submit")
        self.feedback = w.HTML()
        self.feedback.add_class("lawstudy-feedback")
        self.button.on_click(lambda _b: self.submit())
        self.box = w.VBox([w.HTML(CSS), self.choice.stem, self.choice.input, self.button, self.feedback])
        self.box.add_class("lawstudy-question")
        self.box.add_class("lawstudy-practice")

    def submit(self) -> bool:
        value = self.choice.value
        if value is None:
            self.feedback.value = '<span class="lawstudy-wrong">请先选择答案，再点“提交”。</span>'
            return False
        right = is_correct(self.key, value)
        earned = score(self.key, value)
        if self.on_answer is not None:
            try:
                self.on_answer(self.question["id"], value)
            except Exception:  # noqa: BLE001  (never stop the lesson for a report)
                pass
        if right:
            head = '<span class="lawstudy-ok">✓ 回答正确</span>'
        elif earned:
            head = f'<span class="lawstudy-wrong">✗ 部分正确（得 {earned:g} 分，共 {self.key.points:g} 分）</span>'
        else:
            head = '<span class="lawstudy-wrong">✗ 回答错误</span>'
        answer = self.choice.letters(
            sorted(self.key.answer) if isinstance(self.key.answer, frozenset) else self.key.answer
        )
        self.feedback.value = (
            f"{head}<br>你的答案：{self.choice.letters(value)}；正确答案：<b>{answer}</b>"
            f"<br><b>解析：</b>{_text(self.question['explanation'])}"
            f"<br><b>法律依据：</b>{citation_html(self.question['basis'])}"
        )
        return right

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)


# ====================================================================== exam (widget)
# On one machine the notebook's setup cell holds the paper's display data (stems and options,
# never a key). On a hub the paper comes from the exam service, inside the person's sitting only.
# Every click is written at once to the answers file (grader.answers) next to the notebook and,
# on a hub, saved through the exam service, whose record is the one that counts.


class ExamWidget:
    """One exam question: a ChoiceWidget whose every click is saved, with a visible 已保存 note."""

    def __init__(self, paper: ExamPaper, question: dict, number: int):
        self.paper = paper
        self.question = question
        self.number = number
        self.choice = ChoiceWidget(question, number=number)
        saved = paper.saved.get(question["id"])
        self.status = w.HTML()
        self.status.add_class("lawstudy-saved")
        if saved is not None:
            self.choice.value = saved  # restore BEFORE observe: restoring is not a click
            if self.choice.value is not None:
                self.status.value = '<span class="lawstudy-ok">✓ 已恢复上次保存的答案</span>'
        self.choice.observe(self.save)
        points = question.get("points")
        head = w.HTML(f'<div style="color:#57606a;font-size:13px">（{points:g} 分）</div>') if points else w.HTML()
        self.box = w.VBox([w.HTML(CSS), self.choice.stem, head, self.choice.input, self.status])
        self.box.add_class("lawstudy-question")
        self.box.add_class("lawstudy-exam")

    @property
    def value(self):
        return self.choice.value

    def save(self, value) -> None:
        if grading():
            return
        try:
            save_answer(self.paper.answers_path, self.paper.exam, self.paper.user, self.question["id"], value)
        except Exception as error:  # shown, never raised: a failing cell would stop "Run All"
            self.status.value = f'<span class="lawstudy-wrong">✗ 保存失败：{_text(error)}，请联系培训管理员</span>'
            return
        self.paper.saved[self.question["id"]] = value
        when = _dt.datetime.now().strftime("%H:%M:%S")
        note = "已清除本题答案" if value is None else "答案已保存"
        if self.paper.service is not None:  # on a hub: 已保存 only when the exam service confirmed
            ok, reply = self.paper.service.save(self.paper.exam, self.question["id"], value)
            if not ok and reply.get("error") == "no-sitting":  # the opening call never arrived: open now
                opened, sitting = self.paper.service.open(self.paper.exam)
                if opened:
                    self.paper.sitting = sitting
                    ok, reply = self.paper.service.save(self.paper.exam, self.question["id"], value)
            if not ok:
                self.status.value = (
                    f'<span class="lawstudy-wrong">✗ 服务器未确认保存：{_text(reply.get("message", ""))}</span>'
                )
                return
            left = int(reply.get("seconds_left", 0) // 60)
            self.status.value = f'<span class="lawstudy-ok">✓ {note}，服务器已确认（{when}，剩余 {left} 分钟）</span>'
            return
        self.status.value = f'<span class="lawstudy-ok">✓ {note}（{when}）</span>'

    def _ipython_display_(self):
        from IPython.display import display

        display(self.paper.slots.setdefault(self.number, w.VBox([self.box])))


class ExamPaper:
    """The exam notebook's setup cell: this person's questions in their order, their saved answers,
    the header (time left, the exam service's word) and the button for a next attempt.

    `data`: {"exam", "title", "seed", "time_limit", "closes_at_text"} and, on one machine,
    "questions" (display dicts with "points"); an exam released on a hub has "delivery": "service"
    and no questions: they come from the exam service when the sitting opens. Answer cells call
    `paper.ask(n)` for the n-th question on this person's paper; a cell past the paper's end (or
    before the sitting opened) shows an empty place that fills when a sitting starts.
    """

    def __init__(self, data: dict, folder=None, user: str | None = None):
        self.data = data
        self.exam = data["exam"]
        self.user = user or current_user()
        self.answers_path = Path(folder or os.getcwd()) / ANSWERS_FILE
        self.questions = display_order(data.get("questions") or [], data.get("seed", 0), self.user)
        saved, self.problems = read_answers(self.answers_path)
        self.saved = dict(saved["answers"])
        self.started_at = saved.get("started_at")
        self.widgets: dict[int, ExamWidget] = {}
        self.slots: dict[int, w.VBox] = {}
        self.header = w.HTML()
        self.button = w.Button(description="", button_style="primary", layout=w.Layout(display="none"))
        self.button.add_class("lawstudy-next-attempt")
        self.button.on_click(lambda _b: self.start_next())
        from grader.exam.service_client import ExamServiceClient

        self.service = None if grading() else ExamServiceClient.from_env()
        self.sitting: dict = {}
        if self.service is not None:  # the server's clock, and on a hub the paper itself
            ok, reply = self.service.open(self.exam)
            self._took(ok, reply)
        elif not grading() and not self.started_at:
            try:
                self.started_at = save_answer(self.answers_path, self.exam, self.user, None)["started_at"]
            except Exception:
                self.started_at = None
        self._keep_known()
        self._show()

    def _took(self, ok: bool, reply: dict) -> None:
        """Take the service's answer to an open: the sitting with this person's paper, or a refusal."""
        if ok:
            self.sitting = reply
            if reply.get("questions") is not None:
                self.questions = reply["questions"]
            if isinstance(reply.get("saved"), dict):
                self.saved = dict(reply["saved"])  # the server's record, not the file
            return
        self.sitting = {"refused": reply.get("message", ""), "error": reply.get("error")}
        self.sitting.update({k: reply[k] for k in ("attempts_left", "attempt", "attempts") if k in reply})
        if self.data.get("delivery") == "service":
            self.questions = []  # no sitting, no questions

    def _keep_known(self) -> None:
        ids = {q["id"] for q in self.questions}
        self.saved = {k: v for k, v in self.saved.items() if k in ids}

    def ask(self, number: int):
        """The n-th question of this person's paper (an empty place when there is none)."""
        if number in self.widgets:
            return self.widgets[number]
        if 1 <= number <= len(self.questions):
            self.widgets[number] = ExamWidget(self, self.questions[number - 1], number)
            box = self.slots.setdefault(number, w.VBox())
            box.children = [self.widgets[number].box]
            return self.widgets[number]
        return _EmptyPlace(self.slots.setdefault(number, w.VBox()))

    def start_next(self) -> None:
        """The person asked for their next attempt (or to start once the window opened): open it
        on the server and fill every question's place with the new paper."""
        if self.service is None:
            return
        again = self.sitting.get("error") in ("handed-in", "overtime")
        ok, reply = self.service.open(self.exam, again=again)
        self._took(ok, reply)
        if ok:
            self.widgets.clear()
            for number in sorted(self.slots):
                if number > 0:
                    self.ask(number)
        self._show()

    def _show(self) -> None:
        limit = self.data.get("time_limit")
        rows = [f"考生：<b>{_text(self.user)}</b>"]
        refused = self.sitting.get("refused")
        if refused is not None:
            rows.append(f'<span class="lawstudy-wrong">考试服务：{_text(refused)}</span>')
        elif self.sitting:
            rows.append(
                f"第 {self.sitting.get('attempt', 1)} 次作答，开始时间（服务器）："
                f"{_text(str(self.sitting.get('opened_at', ''))[:16].replace('T', ' '))} UTC"
            )
            rows.append(f"剩余时间：{int(self.sitting.get('seconds_left', 0) // 60)} 分钟（以服务器时间为准）")
        else:
            rows.append(f"开始答题时间：{_text((self.started_at or '')[:16].replace('T', ' '))}")
        if limit:
            rows.append(f"答题时限：{limit} 分钟（从开始答题时计）")
        if self.data.get("closes_at_text"):
            rows.append(f"截止时间：{_text(self.data['closes_at_text'])}")
        if self.questions:
            rows.append(
                f"共 {len(self.questions)} 题，满分 {sum(q.get('points', 0) for q in self.questions):g} 分。"
                "每次点击后答案立即自动保存，题目下方会显示“✓ 答案已保存”。"
            )
        self.header.value = (
            CSS
            + '<div class="lawstudy-question lawstudy-exam-header"><b>'
            + _text(self.data.get("title", self.exam))
            + "</b><br>"
            + "<br>".join(rows)
            + "</div>"
        )
        error = self.sitting.get("error")
        if self.service is not None and error in ("handed-in", "overtime") and self.sitting.get("attempts_left", 0) > 0:
            self.button.description = f"开始第 {self.sitting.get('attempt', 1) + 1} 次作答"
            self.button.layout.display = None
        elif self.service is not None and error == "not-open":
            self.button.description = "考试开始后点此开始答题"
            self.button.layout.display = None
        else:
            self.button.layout.display = "none"

    def _ipython_display_(self):
        from IPython.display import display

        display(w.VBox([self.header, self.button]))

    def _repr_html_(self) -> str:
        return self.header.value


class _EmptyPlace:
    """Where a question will appear once a sitting gives one (displays an empty box)."""

    question: dict = {}

    def __init__(self, box: w.VBox):
        self.box = box

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)
