"""The answers each graded submission was scored on, kept per submission for item analysis.

nbgrader keeps one submission per person and exam: a make-up replaces the first sitting in
`submitted/`. Item analysis needs every sitting's chosen options (the first sitting for item
statistics, all of them with `--sitting all`), so `exam autograde` adds each graded submission's
valid answers (the ones the one scorer scored, on either grading path) to a private file beside
the paper: papers/ID/graded-answers.json (mode 600), keyed by person and submission time, so
grading the same submission again replaces its entry and a make-up adds one.

On a hub the exam service's store holds every sitting already; this file is then only a copy.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

FILE = "graded-answers.json"


def path(paper_dir: Path) -> Path:
    return Path(paper_dir) / FILE


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def record(paper_dir: Path, submissions) -> Path:
    """Add or replace the entries of `submissions` (grader.exam.submissions.Submission: student,
    timestamp, answers, time_source, flags). Written atomically, readable by its owner only."""
    target = path(paper_dir)
    entries = {f"{e['student']}|{e['submitted_at']}": e for e in load(paper_dir)}
    for sub in submissions:
        entry = {
            "student": sub.student,
            "submitted_at": _when(sub.timestamp),
            "answers": dict(sub.answers),
            "time_source": sub.time_source,
            "flags": sorted({f for f, _ in sub.flags}),
        }
        entries[f"{entry['student']}|{entry['submitted_at']}"] = entry
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(sorted(entries.values(), key=lambda e: (e["student"], e["submitted_at"])), fh, ensure_ascii=False)
    os.replace(tmp, target)
    return target


def load(paper_dir: Path) -> list[dict]:
    """Every recorded submission, ordered by person then time; [] when none was graded yet."""
    try:
        data = json.loads(path(paper_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return []
    return [e for e in data if isinstance(e, dict) and isinstance(e.get("answers"), dict)]
