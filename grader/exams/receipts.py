"""Receipts: the server's time for each submission it received, and the set-aside audit log.

On a hub a submission's time is the time the machine saw it arrive (the newest inode change time
in its inbound entry, which the kernel sets and no user can set back), never `timestamp.txt`, the
entry's name or anything else the staff member wrote. Entries owned by the trainer's own account
(`lawstudy lab` on one machine, tests) keep the file-based time, and the report says which path
an exam used (`time_source`).

Both files live in the exam's private paper folder (mode 700, the grader's alone).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

RECEIPTS = "receipts.json"
AUDIT = "set-aside.jsonl"


def _private(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def save_receipts(paper_dir: Path, received: dict[str, float]) -> None:
    """Keep the FIRST receipt time of every entry name (a later look never moves it)."""
    if not received:
        return
    path = _private(Path(paper_dir)) / RECEIPTS
    known = load_receipts(paper_dir)
    for name, when in received.items():
        known.setdefault(name, when)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_receipts(paper_dir: Path) -> dict[str, float]:
    path = Path(paper_dir) / RECEIPTS
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def received_time(paper_dir: Path, student: str, exam_id: str, stamp_text: str | None) -> datetime | None:
    """The server's receipt time of `student`'s collected submission: the entry whose name carries
    the collected timestamp when one does, else the latest receipt of that person for the exam.
    None when the exam has no receipt for that person (file-based path)."""
    mine = {n: t for n, t in load_receipts(paper_dir).items() if n.startswith(f"{student}+{exam_id}+")}
    if not mine:
        return None
    if stamp_text:
        exact = [t for n, t in mine.items() if n.split("+")[2] == stamp_text.strip()]
        if exact:
            return datetime.fromtimestamp(max(exact), UTC)
    return datetime.fromtimestamp(max(mine.values()), UTC)


def append_audit(paper_dir: Path, lines: list[dict]) -> None:
    """One line per (real owner, reason) of a collect run, with the server time."""
    if not lines:
        return
    path = _private(Path(paper_dir)) / AUDIT
    now = datetime.now(UTC).isoformat(timespec="seconds")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps({"seen": now, **line}, ensure_ascii=False) + "\n")


def read_audit(paper_dir: Path) -> list[dict]:
    path = Path(paper_dir) / AUDIT
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def make_read_only(folder: Path) -> None:
    """A received submission: its files the grader's and read-only (folders stay the grader's own
    to replace). Never follows a link."""
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o400)


# What OwnerCheckedCollect refused, in the course directory (one JSON line a refused entry).
REJECTED_FILE = "rejected-submissions.jsonl"


def rejected_submissions(inst) -> list[dict]:
    """What OwnerCheckedCollect refused (grader.exams.exchange): one dict a submission filed under
    someone else's name (file, claimed, owner, assignment, seen)."""
    path = inst.course_dir / REJECTED_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
