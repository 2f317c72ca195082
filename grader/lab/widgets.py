"""The question widgets staff kernels run: one question as clickable controls, and a practice
question with instant feedback (✓/✗, 答案, 解析, 法条).

Imported inside staff kernels, so it never reads quizzes/ or any bank: it is handed the question
text and option ids by the notebook (exam) or by the lesson's practice file, which holds
practice-pool questions only. Its HTML fragments (ipywidgets' HTML values, built in the kernel)
escape every text with html.escape: one-line fragments, no page, no template loader in kernels."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from grader.scoring import Key, is_correct, score
from grader.vocabulary import LETTERS, TYPE_LABELS

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


def text_html(value) -> str:
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
            f'<div class="lawstudy-stem">{prefix}<b>[{TYPE_LABELS[self.type]}]</b> {text_html(question["stem"])}</div>'
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
        parts.append(f'<div class="lawstudy-law">{text_html(c["citation"])}：“{text_html(c["quote"])}”</div>')
    return "".join(parts)


class PracticeWidget:
    """A practice question with a 提交 button and instant feedback (✓/✗, 答案, 解析, 法条)."""

    def __init__(self, question: dict):
        self.question = question
        # on a hub: sends (question id, answer) to the exam service, which scores it (grader.lab.lesson)
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
            f"<br><b>解析：</b>{text_html(self.question['explanation'])}"
            f"<br><b>法律依据：</b>{citation_html(self.question['basis'])}"
        )
        return right

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)
