"""The exam service's store, its schema: created and changed by sqlite-utils Migrations only
(grader.exams.sittings opens the store and applies what is pending). A store written by an older
release upgrades on open with nothing lost (tests/test_upgrade.py)."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("lawstudy.sittings")


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    """The schema of the first release (IF NOT EXISTS: a store made before Migrations keeps its rows)."""
    db.executescript("""
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
    """)


@MIGRATIONS()
def m002_lesson_sessions(db: sqlite_utils.Database) -> None:
    """Lesson study as the service saw it: sessions opened at server time, practice answers scored."""
    for sql in (
        """CREATE TABLE lesson_sessions (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            user TEXT NOT NULL,
            course TEXT NOT NULL,
            lesson TEXT NOT NULL,
            opened_at TEXT NOT NULL
        )""",
        "CREATE INDEX lesson_sessions_by_user ON lesson_sessions (user, course, lesson)",
        """CREATE TABLE practice_answers (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES lesson_sessions(id),
            question TEXT NOT NULL,
            answer TEXT NOT NULL,      -- JSON
            score REAL NOT NULL,
            max_score REAL NOT NULL,
            timely INTEGER NOT NULL,   -- 1: at least MIN_PRACTICE_SECONDS after the previous event of the session
            answered_at TEXT NOT NULL
        )""",
        "CREATE INDEX practice_answers_by_session ON practice_answers (session_id, question)",
    ):
        db.execute(sql)


@MIGRATIONS()
def m003_open_sittings_index(db: sqlite_utils.Database) -> None:
    """Every call closes the overdue sittings of its exam first (`close_overdue`); without this
    index that UPDATE reads every sitting of the exam, so a save cost grew with the bureau (0.44 of
    0.57 ms per save at 2,000 sittings, benchmarks/service_load.py). Only open sittings are indexed."""
    db.execute("CREATE INDEX IF NOT EXISTS sittings_open ON sittings (exam_id, deadline) WHERE closed_by IS NULL")
