"""The server's record of every sitting: when it was opened, every answer saved, when it was handed in.

Kept by the exam service (grader.hub.exam_service, run as the grader user) in an SQLite file that
only the grader can read or write (mode 600 in a mode-700 folder). Every time here is the
server's own clock; nothing the client sends decides a time. The rules of the exam spec are
enforced on every call:

- nothing before `opens_at` and nothing after the last window closes (make-up included);
- nothing past the time limit, counted from the server's FIRST open of the sitting;
- a sitting never handed in is closed at its deadline with what was saved (`closed_by` = deadline);
- at most `attempts` sittings per person and exam.

The same store keeps lesson progress (opened, practice answered) for 学时 (`lesson_events`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.errors import LawstudyError
from grader.exam.spec import ExamSpec

STORE_FILE = "sittings.db"
# Bounds on what one person can make the grader's store hold (a script could otherwise fill the
# disk for everyone): saves per sitting, the size of one saved answer (JSON), lesson events per person.
MAX_SAVES_PER_SITTING = 5000
MAX_ANSWER_BYTES = 4096
MAX_LESSON_EVENTS = 5000
SCHEMA = """
CREATE TABLE IF NOT EXISTS sittings (
    id INTEGER PRIMARY KEY,
    exam_id TEXT NOT NULL,
    user TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    opened_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    handed_in_at TEXT,
    closed_by TEXT,            -- 'hand-in' | 'deadline'
    UNIQUE (exam_id, user, attempt)
);
CREATE TABLE IF NOT EXISTS saves (
    id INTEGER PRIMARY KEY,
    sitting_id INTEGER NOT NULL REFERENCES sittings(id),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,      -- JSON
    saved_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saves_by_sitting ON saves (sitting_id, question, id);
CREATE TABLE IF NOT EXISTS lesson_events (
    id INTEGER PRIMARY KEY,
    user TEXT NOT NULL,
    course TEXT NOT NULL,
    lesson TEXT NOT NULL,
    kind TEXT NOT NULL,        -- 'opened' | 'answered'
    item TEXT NOT NULL DEFAULT '',
    seen_at TEXT NOT NULL,
    UNIQUE (user, course, lesson, kind, item)
);
"""


class SittingRefused(LawstudyError, ValueError):
    """The service refuses a call (before the window, after it, past the time limit, handed in)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


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
        self.db.executescript(SCHEMA)

    # ------------------------------------------------------------ sittings
    def _row(self, row) -> Sitting:
        return Sitting(
            row[0], row[1], row[2], row[3], _time(row[4]), _time(row[5]), _time(row[6]) if row[6] else None, row[7]
        )

    def sittings(self, exam_id: str, user: str | None = None) -> list[Sitting]:
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

    def open(self, spec: ExamSpec, user: str, now: datetime) -> Sitting:
        """The open sitting of `user`, or a new one opened NOW (server time)."""
        if now < spec.window.opens_at:
            raise SittingRefused("not-open", f"考试尚未开始（{spec.window.text()}）")
        if not spec.in_window(now):
            raise SittingRefused("closed", "不在考试（含补考）时段内")
        found = self.current(spec, user, now)
        if found:
            return found
        done = self.sittings(spec.id, user)
        if len(done) >= spec.attempts:
            raise SittingRefused("attempts", f"已用完允许的考试次数（{spec.attempts} 次）")
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
        """The last answer saved for each question (saves after the deadline never exist)."""
        out: dict[str, object] = {}
        for question, answer in self.db.execute(
            "SELECT question, answer FROM saves WHERE sitting_id = ? AND saved_at <= ? ORDER BY id",
            [sitting.id, _text(sitting.deadline)],
        ):
            out[question] = json.loads(answer)
        return out

    def counted(self, spec: ExamSpec, user: str, now: datetime) -> tuple[Sitting, dict[str, object]] | None:
        """The sitting grading counts for `user` (their last closed one) and its answers."""
        self.close_overdue(spec, now)
        closed = [s for s in self.sittings(spec.id, user) if s.closed_by]
        if not closed:
            return None
        return closed[-1], self.answers(closed[-1])

    def users(self, exam_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT user FROM sittings WHERE exam_id = ?", [exam_id])]

    # ------------------------------------------------------------ lessons (学时)
    def lesson_event(self, user: str, course: str, lesson: str, kind: str, item: str, now: datetime) -> None:
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
        """Whether `user` opened every lesson and answered every practice question of it
        (`lessons`: lesson id -> practice question ids), the server time it was complete, and why not."""
        rows = self.db.execute(
            "SELECT lesson, kind, item, seen_at FROM lesson_events WHERE user = ? AND course = ?", [user, course]
        ).fetchall()
        opened = {r[0]: _time(r[3]) for r in rows if r[1] == "opened"}
        answered = {(r[0], r[2]): _time(r[3]) for r in rows if r[1] == "answered"}
        times: list[datetime] = []
        for lesson, questions in lessons.items():
            if lesson not in opened:
                return False, None, f"未打开课时 {lesson}"
            times.append(opened[lesson])
            for q in questions:
                if (lesson, q) not in answered:
                    return False, None, f"课时 {lesson} 的练习 {q} 未作答"
                times.append(answered[(lesson, q)])
        return True, (max(times) if times else None), ""


def lesson_progress(path: Path, user: str) -> dict[str, dict[str, dict]]:
    """What the exam service saw `user` study, read without writing anything (a read-only
    connection, for the hub's pre-spawn hook): {course: {lesson: {"opened": bool, "answered": [ids]}}}.
    Raises sqlite3.Error (or OSError) when the store cannot be read."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=5)
    try:
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
