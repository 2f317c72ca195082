"""Administrators review and clear flags (`lawstudy flags list|review|clear`).

Flags live in the records' `flags` table (grader.records.results.record_flag). A review adds a note; a
clear removes the flag from the figures (the attempt counts again, or is no longer listed) and
keeps what was cleared, by whom and why in `flag_reviews` (created by the records' Migrations,
grader.records.db), so nothing disappears silently.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime

from grader.errors import LawstudyError


class FlagError(LawstudyError, ValueError):
    """No such flag."""


def list_flags(db, year: int | None = None, exam: str | None = None, include_cleared: bool = False) -> list[dict]:
    rows = [
        dict(r)
        for r in db.query(
            "SELECT f.id, f.exam_id, f.student, f.staff_id, f.flag, f.detail, f.submitted_at, f.year, "
            "(SELECT note FROM flag_reviews r WHERE r.flag_id = f.id AND r.action = 'review' ORDER BY r.id DESC LIMIT 1)"
            " AS review FROM flags f WHERE (:year IS NULL OR f.year = :year) AND (:exam IS NULL OR f.exam_id = :exam)"
            " ORDER BY f.year, f.exam_id, f.student, f.id",
            {"year": year, "exam": exam},
        )
    ]
    if include_cleared:
        for r in db.query(
            "SELECT flag_id, note, by, at, flag FROM flag_reviews WHERE action = 'clear' ORDER BY id", {}
        ):
            old = json.loads(r["flag"] or "{}")
            if (year is None or old.get("year") == year) and (exam is None or old.get("exam_id") == exam):
                rows.append({**old, "cleared": {"note": r["note"], "by": r["by"], "at": r["at"]}})
    return rows


def _get(db, flag_id: int) -> dict:
    row = db.execute(
        "SELECT id, exam_id, student, staff_id, flag, detail, submitted_at, year, recorded_at FROM flags WHERE id = ?",
        [flag_id],
    ).fetchone()
    if row is None:
        raise FlagError(f"没有编号为 {flag_id} 的标记 (no such flag)")
    keys = ("id", "exam_id", "student", "staff_id", "flag", "detail", "submitted_at", "year", "recorded_at")
    return dict(zip(keys, row, strict=True))


def review(db, flag_id: int, note: str, by: str | None = None) -> dict:
    flag = _get(db, flag_id)
    with db.conn:
        db.execute(
            "INSERT INTO flag_reviews (flag_id, action, note, by, at) VALUES (?, 'review', ?, ?, ?)",
            [flag_id, note, by or getpass.getuser(), datetime.now(UTC).isoformat(timespec="seconds")],
        )
    return flag


def clear(db, flag_id: int, note: str, by: str | None = None) -> dict:
    if not note.strip():
        raise FlagError("清除标记须说明理由 (--note)")
    flag = _get(db, flag_id)
    with db.conn:
        db.execute(
            "INSERT INTO flag_reviews (flag_id, action, note, by, at, flag) VALUES (?, 'clear', ?, ?, ?, ?)",
            [
                flag_id,
                note,
                by or getpass.getuser(),
                datetime.now(UTC).isoformat(timespec="seconds"),
                json.dumps(flag, ensure_ascii=False),
            ],
        )
        db.execute("DELETE FROM flags WHERE id = ?", [flag_id])
    return flag
