"""The exam in a staff kernel: `ExamPaper` (the notebook's setup cell: the person's questions in
their order, saved answers, time left, the exam service's word) and one `ExamWidget` per answer
cell, whose every click is saved at once to the answers file (grader.answers) and, on a hub,
through the exam service, whose record is the one that counts.

Released exam notebooks import it as `from grader.widgets import ExamPaper` (grader/widgets.py).
Like grader.lab.widgets, it never reads a bank and escapes every text it shows (html.escape)."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import ipywidgets as w

from grader.answers import (
    ANSWERS_FILE,
    current_user,
    display_order,
    grading,
    read_answers,
    save_answer,
)
from grader.lab.service_client import ExamServiceClient
from grader.lab.widgets import CSS, ChoiceWidget, text_html

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
            self.status.value = f'<span class="lawstudy-wrong">✗ 保存失败：{text_html(error)}，请联系培训管理员</span>'
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
                    f'<span class="lawstudy-wrong">✗ 服务器未确认保存：{text_html(reply.get("message", ""))}</span>'
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
        rows = [f"考生：<b>{text_html(self.user)}</b>"]
        refused = self.sitting.get("refused")
        if refused is not None:
            rows.append(f'<span class="lawstudy-wrong">考试服务：{text_html(refused)}</span>')
        elif self.sitting:
            rows.append(
                f"第 {self.sitting.get('attempt', 1)} 次作答，开始时间（服务器）："
                f"{text_html(str(self.sitting.get('opened_at', ''))[:16].replace('T', ' '))} UTC"
            )
            rows.append(f"剩余时间：{int(self.sitting.get('seconds_left', 0) // 60)} 分钟（以服务器时间为准）")
        else:
            rows.append(f"开始答题时间：{text_html((self.started_at or '')[:16].replace('T', ' '))}")
        if limit:
            rows.append(f"答题时限：{limit} 分钟（从开始答题时计）")
        if self.data.get("closes_at_text"):
            rows.append(f"截止时间：{text_html(self.data['closes_at_text'])}")
        if self.questions:
            rows.append(
                f"共 {len(self.questions)} 题，满分 {sum(q.get('points', 0) for q in self.questions):g} 分。"
                "每次点击后答案立即自动保存，题目下方会显示“✓ 答案已保存”。"
            )
        self.header.value = (
            CSS
            + '<div class="lawstudy-question lawstudy-exam-header"><b>'
            + text_html(self.data.get("title", self.exam))
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
