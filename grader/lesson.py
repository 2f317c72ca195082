"""Helpers that lesson notebooks call: show an article's official text, show a practice question.

Lessons never retype the law: `article("殡葬管理条例", 4)` reads it from the statute files, in the
version the course pins (course.json `laws`, written by `lawstudy course build` from course.yaml),
or `version="YYYY-MM-DD"` when the lesson names one; the citation shows the version's date.
Practice questions come from the lesson folder's practice file (practice pool only, written
by `lawstudy course build`), never from quizzes/, so a staff kernel cannot reach exam keys.
"""

from __future__ import annotations

import functools
import html
import json
import os
from pathlib import Path

from grader.laws import LawError, library, today
from grader.widgets import CSS, PracticeWidget

PRACTICE_FILE = "practice.json"
COURSE_FILE = "course.json"


def _find_up(name: str) -> Path | None:
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / name).is_file():
            return folder / name
    return None


def pinned_versions() -> dict[str, str]:
    """The course's pins (title -> YYYY-MM-DD) from $LAWSTUDY_COURSE or course.json in the working
    folder or a parent of it; {} when there is none (then articles show the version in force today)."""
    path = Path(os.environ["LAWSTUDY_COURSE"]) if os.environ.get("LAWSTUDY_COURSE") else _find_up(COURSE_FILE)
    if not path or not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("laws") or {})
    except (OSError, ValueError):
        return {}


class ArticleView:
    """An article rendered as a quoted block with its citation and the version's date.

    `version` names a version on purpose (shown as the old text when it is no longer in force);
    without it the course's pinned version is shown, else the version in force today.
    """

    def __init__(self, law: str, number: int, version: str | None = None):
        lib = library()
        statute = lib.statute(law)
        explicit = version is not None
        if not explicit:
            pins = {lib.statute(k).title: v for k, v in pinned_versions().items() if _known(lib, k)}
            version = pins.get(statute.title)
        self.version = lib.version(statute.title, version)
        self.article = self.version.article(number)
        self.explicit = explicit
        stale = not self.version.in_force(today())
        if explicit and stale:
            self.note = f"旧文本：{self.version.year_label}，{lib.superseded_message(self.version)}"
        elif stale:
            self.note = f"{self.version.year_label}文本，{lib.superseded_message(self.version)}"
        else:
            self.note = f"{self.version.year_label}，{self.version.name}"

    @property
    def heading(self) -> str:
        """'《殡葬管理条例》第四条（2025年修订，2025-12-12）'."""
        return f"{self.article.citation}（{self.note}）"

    def _repr_html_(self) -> str:
        paragraphs = "".join(f"<p style='margin:4px 0'>{html.escape(p)}</p>" for p in self.article.paragraphs)
        return f"{CSS}<div class='lawstudy-law lawstudy-article'><b>{html.escape(self.heading)}</b>{paragraphs}</div>"

    def _repr_markdown_(self) -> str:
        return f"**{self.heading}**\n\n" + "\n\n".join(f"> {p}" for p in self.article.paragraphs)

    def __repr__(self) -> str:
        return f"{self.heading}\n{self.article.text}"


def _known(lib, title: str) -> bool:
    try:
        lib.statute(title)
        return True
    except LawError:
        return False


def article(law: str, number: int, version: str | None = None) -> ArticleView:
    """Show the official text of 《law》第number条: the course's pinned version, or `version`
    ('YYYY-MM-DD') when given. Raises LawError for an unknown law, version or article."""
    return ArticleView(law, number, version)


def practice_path() -> Path:
    """$LAWSTUDY_PRACTICE, else practice.json in the working folder or a parent of it."""
    if os.environ.get("LAWSTUDY_PRACTICE"):
        return Path(os.environ["LAWSTUDY_PRACTICE"])
    found = _find_up(PRACTICE_FILE)
    if found:
        return found
    raise FileNotFoundError("找不到练习题数据 practice.json：请先运行 lawstudy course build（或 lawstudy demo）")


@functools.lru_cache(maxsize=2)
def _practice_questions(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))["questions"]


def _study_target() -> tuple[object, str, str] | None:
    """(exam service client, course id, lesson) when this kernel runs a lesson on a hub, else None.

    The lesson is the notebook's name (jupyter_server gives it as JPY_SESSION_NAME); the course is
    course.json's id beside it. `lawstudy lab` without a hub reports nothing."""
    from grader.exam.service_client import ExamServiceClient

    client = ExamServiceClient.from_env()
    session = os.environ.get("JPY_SESSION_NAME")
    found = _find_up(COURSE_FILE)
    if client is None or not session or found is None:
        return None
    try:
        course = json.loads(found.read_text(encoding="utf-8"))["id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return client, str(course), Path(session).stem


_SESSIONS: dict[tuple[str, str], str] = {}


def _lesson_session(client, course: str, lesson: str) -> str | None:
    """This kernel's session of the lesson at the exam service (opened once, at server time)."""
    if (course, lesson) not in _SESSIONS:
        ok, reply = client.lesson_open(course, lesson)
        if not ok or not isinstance(reply.get("session"), str):
            return None
        _SESSIONS[(course, lesson)] = reply["session"]
    return _SESSIONS[(course, lesson)]


def practice(question_id: str) -> PracticeWidget:
    """Show practice question `question_id` with a 提交 button and instant feedback.

    On a hub the lesson's opening and each submitted answer go to the exam service, which keeps
    them with server time and scores the answer itself against the course's practice keys
    (学时 come from that record: `course collect`, grader.exam.sittings.SittingStore.studied)."""
    questions = _practice_questions(str(practice_path()))
    if question_id not in questions:
        raise KeyError(f"练习题 {question_id} 不存在（或不是练习题）")
    widget = PracticeWidget(questions[question_id])
    target = _study_target()
    if target is not None:
        client, course, lesson = target
        _lesson_session(client, course, lesson)

        def report(qid: str, value) -> None:
            session = _lesson_session(client, course, lesson)
            if session is not None:
                client.lesson_answer(course, session, qid, value)  # type: ignore[attr-defined]

        widget.on_answer = report
    return widget
