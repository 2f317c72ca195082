"""The server's record of every sitting: when it was opened, every answer saved, when it was handed in.

Kept by the exam service (grader.hub.exam_service, run as the grader user) in an SQLite file that
only the grader can read or write (mode 600 in a mode-700 folder). Every time here is the
server's own clock; nothing the client sends decides a time. The rules of the exam spec are
enforced on every call:

- nothing before `opens_at` and nothing after the last window closes (make-up included);
- nothing past the time limit, counted from the server's FIRST open of the sitting;
- a sitting never handed in is closed at its deadline with what was saved (`closed_by` = deadline);
- at most `attempts` sittings per person and exam; a second sitting is opened only when the
  person asks for it (`again`), never by reopening the paper. Every closed sitting is one attempt
  (作答): each is graded, the records keep each, and the report counts the best (docs/figures.md).

The same store keeps what the server saw of lesson study for 学时: lesson sessions opened at server
time and the practice answers received in them, each scored by the service and marked timely or
not (`practice_answers`). Older stores also hold `lesson_events` as kernels reported them before
the service scored anything; they are kept, shown as self-reported, and never credited.

The schema is created and changed by sqlite-utils Migrations (`MIGRATIONS`, grader.exams.sittings_schema);
a store written by an older release is upgraded on open with nothing lost.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from grader.errors import LawstudyError
from grader.exams.sittings_schema import MIGRATIONS
from grader.exams.spec import ExamSpec

STORE_FILE = "sittings.db"
# Bounds on what one person can make the grader's store hold (a script could otherwise fill the
# disk for everyone): saves per sitting, the size of one saved answer (JSON), lesson events per person.
MAX_SAVES_PER_SITTING = 5000
MAX_ANSWER_BYTES = 4096
MAX_LESSON_EVENTS = 5000
# A practice answer is timely when it reaches the service at least this many seconds after the
# lesson session opened or after the previous answer of that session: nobody reads a question
# and chooses in less. Only timely answers count for 学时. The hub passes its setting through
# LAWSTUDY_MIN_PRACTICE_SECONDS (grader.hub.settings.Settings.min_practice_seconds).
MIN_PRACTICE_SECONDS = 8.0


class SittingRefused(LawstudyError, ValueError):
    """The service refuses a call (before the window, after it, past the time limit, handed in).

    `code` is machine-readable (not-open, closed, attempts, handed-in, overtime, no-sitting,
    too-large, too-many, bad-question, bad-answer, bad-session); `extra` goes into the reply."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code = code
        self.extra = extra


def _text(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Sitting:
    id: int
    exam_id: str
    user: str
    attempt: int
    opened_at: datetime
    deadline: datetime
    handed_in_at: datetime | None
    closed_by: str | None

    @property
    def closed_at(self) -> datetime | None:
        """When the sitting ended: its hand-in, or its deadline when it was closed there."""
        if self.closed_by == "hand-in":
            return self.handed_in_at
        if self.closed_by == "deadline":
            return self.deadline
        return None

    def seconds_left(self, now: datetime) -> float:
        return max(0.0, (self.deadline - now).total_seconds())

    def to_dict(self, now: datetime) -> dict:
        return {
            "exam": self.exam_id,
            "user": self.user,
            "attempt": self.attempt,
            "opened_at": _text(self.opened_at),
            "deadline": _text(self.deadline),
            "handed_in_at": _text(self.handed_in_at) if self.handed_in_at else None,
            "closed_by": self.closed_by,
            "seconds_left": self.seconds_left(now) if not self.closed_by else 0.0,
        }


@dataclass
class PracticeAnswer:
    question: str
    score: float
    max_score: float
    timely: bool
    answered_at: datetime


class SittingStore:
    """One SQLite file; every method takes the server's `now` (tests pass their own)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        upgrade = sqlite_utils.Database(self.db)
        if MIGRATIONS.pending(upgrade):
            MIGRATIONS.apply(upgrade)

    # ------------------------------------------------------------ sittings
    def _row(self, row) -> Sitting:
        return Sitting(
            row[0], row[1], row[2], row[3], _time(row[4]), _time(row[5]), _time(row[6]) if row[6] else None, row[7]
        )

    def sittings(self, exam_id: str, user: str | None = None) -> list[Sitting]:
        """Every sitting of the exam (of `user` only, when given), by person and attempt."""
        sql = "SELECT id, exam_id, user, attempt, opened_at, deadline, handed_in_at, closed_by FROM sittings WHERE exam_id = ?"
        args: list = [exam_id]
        if user is not None:
            sql += " AND user = ?"
            args.append(user)
        return [self._row(r) for r in self.db.execute(sql + " ORDER BY user, attempt", args)]

    def current(self, spec: ExamSpec, user: str, now: datetime) -> Sitting | None:
        self.close_overdue(spec, now)
        mine = self.sittings(spec.id, user)
        return mine[-1] if mine and not mine[-1].closed_by else None

    def deadline_for(self, spec: ExamSpec, opened: datetime) -> datetime:
        window_close = next((w.closes_at for w in spec.windows if w.contains(opened)), spec.last_close)
        if spec.time_limit:
            return min(window_close, opened + timedelta(minutes=spec.time_limit))
        return window_close

    def open(self, spec: ExamSpec, user: str, now: datetime, again: bool = False) -> Sitting:
        """The open sitting of `user`; else their first one, opened NOW (server time); else, only
        when `again` is asked for and attempts remain, a new sitting opened now.

        Raises SittingRefused: not-open / closed (outside every window), attempts (none left),
        handed-in / overtime (the last sitting is closed and `again` was not asked; `extra` then
        says how many attempts are left)."""
        if now < spec.window.opens_at:
            raise SittingRefused("not-open", f"考试尚未开始（{spec.window.text()}）")
        found = self.current(spec, user, now)
        if found:
            return found
        if not spec.in_window(now):
            raise SittingRefused("closed", "不在考试（含补考）时段内")
        done = self.sittings(spec.id, user)
        left = spec.attempts - len(done)
        if done and not again:
            last = done[-1]
            code, why = ("handed-in", "已交卷") if last.closed_by == "hand-in" else ("overtime", "已到答题时限，已收卷")
            more = (
                f"还可再作答 {left} 次（共 {spec.attempts} 次），如需再次作答请点“开始第 {len(done) + 1} 次作答”。"
                if left > 0
                else ""
            )
            raise SittingRefused(
                code,
                f"第 {last.attempt} 次作答{why}。" + more,
                attempts_left=max(left, 0),
                attempt=last.attempt,
                attempts=spec.attempts,
            )
        if left <= 0:
            raise SittingRefused(
                "attempts", f"已用完允许的考试次数（{spec.attempts} 次）", attempts_left=0, attempts=spec.attempts
            )
        deadline = self.deadline_for(spec, now)
        with self.db:
            self.db.execute(
                "INSERT INTO sittings (exam_id, user, attempt, opened_at, deadline) VALUES (?, ?, ?, ?, ?)",
                [spec.id, user, len(done) + 1, _text(now), _text(deadline)],
            )
        return self.sittings(spec.id, user)[-1]

    def _open_sitting(self, spec: ExamSpec, user: str, now: datetime) -> Sitting:
        if now < spec.window.opens_at:
            raise SittingRefused("not-open", f"考试尚未开始（{spec.window.text()}）")
        found = self.current(spec, user, now)
        if found is None:
            mine = self.sittings(spec.id, user)
            if mine and mine[-1].closed_by == "deadline":
                raise SittingRefused("overtime", "已超过考试时限，此后的作答不再保存")
            if mine and mine[-1].closed_by == "hand-in":
                raise SittingRefused("handed-in", "本次考试已交卷")
            raise SittingRefused("no-sitting", "尚未开始作答（请先打开试卷）")
        return found

    def save(self, spec: ExamSpec, user: str, question: str, answer, now: datetime) -> Sitting:
        """Keep `answer` (JSON-able; None clears) to `question` in the person's open sitting."""
        text = json.dumps(answer, ensure_ascii=False)
        if len(text.encode("utf-8")) > MAX_ANSWER_BYTES or len(str(question)) > 200:
            raise SittingRefused("too-large", "作答内容过长，未保存")
        sitting = self._open_sitting(spec, user, now)
        with self.db:
            (count,) = self.db.execute("SELECT count(*) FROM saves WHERE sitting_id = ?", [sitting.id]).fetchone()
            if count >= MAX_SAVES_PER_SITTING:
                raise SittingRefused("too-many", f"本场考试的保存次数已超过 {MAX_SAVES_PER_SITTING} 次，未保存")
            self.db.execute(
                "INSERT INTO saves (sitting_id, question, answer, saved_at) VALUES (?, ?, ?, ?)",
                [sitting.id, str(question), text, _text(now)],
            )
        return sitting

    def hand_in(self, spec: ExamSpec, user: str, now: datetime) -> Sitting:
        sitting = self._open_sitting(spec, user, now)
        with self.db:
            self.db.execute(
                "UPDATE sittings SET handed_in_at = ?, closed_by = 'hand-in' WHERE id = ?", [_text(now), sitting.id]
            )
        return self.sittings(spec.id, user)[sitting.attempt - 1]

    def close_overdue(self, spec: ExamSpec, now: datetime) -> int:
        """Close at its deadline every sitting never handed in whose deadline has passed."""
        with self.db:
            cur = self.db.execute(
                "UPDATE sittings SET closed_by = 'deadline' WHERE exam_id = ? AND closed_by IS NULL AND deadline < ?",
                [spec.id, _text(now)],
            )
        return cur.rowcount

    def answers(self, sitting: Sitting) -> dict[str, object]:
        """The last answer saved for each question (saves after the deadline never exist; a
        cleared answer, saved as null, is absent)."""
        out: dict[str, object] = {}
        for question, answer in self.db.execute(
            "SELECT question, answer FROM saves WHERE sitting_id = ? AND saved_at <= ? ORDER BY id",
            [sitting.id, _text(sitting.deadline)],
        ):
            value = json.loads(answer)
            if value is None or value == []:
                out.pop(question, None)
            else:
                out[question] = value
        return out

    def closed(self, spec: ExamSpec, now: datetime, user: str | None = None) -> list[Sitting]:
        """Every closed sitting of the exam (overdue ones closed first), by person and attempt."""
        self.close_overdue(spec, now)
        return [s for s in self.sittings(spec.id, user) if s.closed_by]

    def counted(self, spec: ExamSpec, user: str, now: datetime) -> tuple[Sitting, dict[str, object]] | None:
        """`user`'s last closed sitting and its answers (what nbgrader's gradebook holds for them)."""
        closed = self.closed(spec, now, user)
        if not closed:
            return None
        return closed[-1], self.answers(closed[-1])

    def users(self, exam_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT user FROM sittings WHERE exam_id = ?", [exam_id])]

    # ------------------------------------------------------------ lessons (学时)
    def lesson_open(self, user: str, course: str, lesson: str, now: datetime) -> str:
        """Open a lesson session at server time; returns its token (the kernel sends it back with
        each practice answer). Raises SittingRefused("too-many") past MAX_LESSON_EVENTS."""
        with self.db:
            self._room(user)
            token = secrets.token_urlsafe(16)
            self.db.execute(
                "INSERT INTO lesson_sessions (token, user, course, lesson, opened_at) VALUES (?, ?, ?, ?, ?)",
                [token, user, course, lesson, _text(now)],
            )
        return token

    def _room(self, user: str) -> None:
        (count,) = self.db.execute(
            "SELECT (SELECT count(*) FROM lesson_sessions WHERE user = ?) + (SELECT count(*) FROM practice_answers p "
            "JOIN lesson_sessions s ON s.id = p.session_id WHERE s.user = ?)",
            [user, user],
        ).fetchone()
        if count >= MAX_LESSON_EVENTS:
            raise SittingRefused("too-many", f"学习记录已超过 {MAX_LESSON_EVENTS} 条，未记录")

    def session(self, user: str, token: str) -> tuple[int, str, str, datetime] | None:
        """(id, course, lesson, opened_at) of `user`'s lesson session `token`; None for anyone else's."""
        row = self.db.execute(
            "SELECT id, course, lesson, opened_at FROM lesson_sessions WHERE token = ? AND user = ?", [token, user]
        ).fetchone()
        return (row[0], row[1], row[2], _time(row[3])) if row else None

    def practice_answer(
        self,
        user: str,
        token: str,
        question: str,
        answer,
        score: float,
        max_score: float,
        now: datetime,
        min_seconds: float = MIN_PRACTICE_SECONDS,
    ) -> PracticeAnswer:
        """Keep a practice answer the service scored, in `user`'s session `token`; timely when it
        came at least `min_seconds` after the session opened or after its previous answer.
        Raises SittingRefused("bad-session") for a session that is not the person's."""
        found = self.session(user, token)
        if found is None:
            raise SittingRefused("bad-session", "学习记录无效：请重新打开本课时")
        session_id, _course, _lesson, opened = found
        text = json.dumps(answer, ensure_ascii=False)
        if len(text.encode("utf-8")) > MAX_ANSWER_BYTES:
            raise SittingRefused("too-large", "作答内容过长，未记录")
        with self.db:
            self._room(user)
            (last,) = self.db.execute(
                "SELECT max(answered_at) FROM practice_answers WHERE session_id = ?", [session_id]
            ).fetchone()
            previous = _time(last) if last else opened
            timely = (now - previous).total_seconds() >= min_seconds
            self.db.execute(
                "INSERT INTO practice_answers (session_id, question, answer, score, max_score, timely, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [session_id, question, text, score, max_score, int(timely), _text(now)],
            )
        return PracticeAnswer(question, score, max_score, timely, now)

    def lesson_event(self, user: str, course: str, lesson: str, kind: str, item: str, now: datetime) -> None:
        """Record a self-reported event the way releases before 2026-12 did (kept for their stores
        and tests of the upgrade; never credited for 学时)."""
        if kind not in ("opened", "answered"):
            raise SittingRefused("bad-kind", f"未知事件 {kind!r}")
        with self.db:
            (count,) = self.db.execute("SELECT count(*) FROM lesson_events WHERE user = ?", [user]).fetchone()
            if count >= MAX_LESSON_EVENTS:
                raise SittingRefused("too-many", f"学习记录已超过 {MAX_LESSON_EVENTS} 条，未记录")
            self.db.execute(
                "INSERT OR IGNORE INTO lesson_events (user, course, lesson, kind, item, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                [user, course, lesson, kind, item, _text(now)],
            )

    def studied(self, user: str, course: str, lessons: dict[str, list[str]]) -> tuple[bool, datetime | None, str]:
        """Whether the server saw `user` study every lesson of `course` (`lessons`: lesson id ->
        practice question ids): for each lesson, one session of it in which every practice question
        got a timely answer the service scored (a lesson without practice questions: a session
        opened). Returns (done, the server time the last lesson was complete, why not (中文))."""
        sessions: dict[str, list[tuple[int, datetime]]] = {}
        for sid, lesson, opened in self.db.execute(
            "SELECT id, lesson, opened_at FROM lesson_sessions WHERE user = ? AND course = ? ORDER BY id",
            [user, course],
        ):
            sessions.setdefault(lesson, []).append((sid, _time(opened)))
        answered: dict[int, dict[str, datetime]] = {}
        for sid, question, at in self.db.execute(
            "SELECT p.session_id, p.question, p.answered_at FROM practice_answers p JOIN lesson_sessions s "
            "ON s.id = p.session_id WHERE s.user = ? AND s.course = ? AND p.timely = 1 ORDER BY p.id",
            [user, course],
        ):
            answered.setdefault(sid, {}).setdefault(question, _time(at))
        times: list[datetime] = []
        for lesson, questions in lessons.items():
            mine = sessions.get(lesson, [])
            if not mine:
                return False, None, f"未打开课时 {lesson}"
            complete = [
                max([opened, *(answered.get(sid, {})[q] for q in questions)])
                for sid, opened in mine
                if all(q in answered.get(sid, {}) for q in questions)
            ]
            if not complete:
                return False, None, f"课时 {lesson} 的练习未在同一次学习中全部作答（作答过快的不计）"
            times.append(min(complete))
        return True, (max(times) if times else None), ""


def lesson_progress(path: Path, user: str) -> dict[str, dict[str, dict]]:
    """What the exam service saw `user` study, read without writing anything (a read-only
    connection, for the hub's pre-spawn hook): {course: {lesson: {"opened": bool, "answered": [ids]}}}.
    Sessions and the practice answers scored in them; a store older than lesson sessions gives its
    self-reported events. Raises sqlite3.Error (or OSError) when the store cannot be read."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=5)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows: list[tuple] = []
        if "lesson_sessions" in tables:
            rows += db.execute(
                "SELECT course, lesson, 'opened', '' FROM lesson_sessions WHERE user = ?", [user]
            ).fetchall()
            rows += db.execute(
                "SELECT s.course, s.lesson, 'answered', p.question FROM practice_answers p "
                "JOIN lesson_sessions s ON s.id = p.session_id WHERE s.user = ?",
                [user],
            ).fetchall()
        else:
            rows = db.execute("SELECT course, lesson, kind, item FROM lesson_events WHERE user = ?", [user]).fetchall()
    finally:
        db.close()
    out: dict[str, dict[str, dict]] = {}
    for course, lesson, kind, item in rows:
        entry = out.setdefault(course, {}).setdefault(lesson, {"opened": False, "answered": []})
        if kind == "opened":
            entry["opened"] = True
        elif kind == "answered" and item not in entry["answered"]:
            entry["answered"].append(item)
    return out


def store_path(home: Path) -> Path:
    """The store lives in the instance's private sittings/ folder (the grader's, mode 700)."""
    return Path(home) / "sittings" / STORE_FILE
