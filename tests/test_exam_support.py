"""Shared helpers for the exam tests: a small valid bank, an exam spec, staff submissions.

(Named test_exam_*.py so it sits with the exam tests; it holds one self-check.)
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from grader.laws import library

pytestmark = pytest.mark.unit

BIN = Path(sys.executable).parent
LAW = "殡葬管理条例"


def _sentences(n: int) -> list[str]:
    """Verbatim pieces of 《殡葬管理条例》 articles to quote (first clause of each article)."""
    law = library().law(LAW)
    out = []
    for number in sorted(law.articles):
        text = law.articles[number].paragraphs[0].split(" ", 1)[-1].split("\u3000", 1)[-1]
        clause = text.split("。")[0].split("；")[0]
        if len(clause) >= 8:
            out.append((number, clause))
    return out[:n]


def make_bank(folder: Path, bank_id: str = "tbank", prefix: str = "tb") -> Path:
    """A small bank (exam pool): 6 single, 4 multiple (one with partial credit), 5 judge."""
    quotes = _sentences(15)
    questions = []
    for i, (article, quote) in enumerate(quotes):
        qtype = "single" if i < 6 else "multiple" if i < 10 else "judge"
        q = {
            "id": f"{prefix}-e-{i + 1:03d}",
            "type": qtype,
            "stem": f"关于《{LAW}》第{article}条的第{i + 1}道测试题，哪项说法正确？",
            "explanation": f"解析{i + 1}：依据该条“{quote}”，本题答案如此（测试解析文字 {prefix}{i + 1}）。",
            "basis": [{"law": LAW, "article": article, "quote": quote}],
            "points": 2,
            "difficulty": 2,
            "tags": ["测试"],
            "pool": "exam",
        }
        if qtype == "single":
            q["options"] = {c: f"第{i + 1}题的选项{c}" for c in "ABCD"}
            q["answer"] = "ABCD"[i % 4]
        elif qtype == "multiple":
            q["options"] = {c: f"第{i + 1}题的选项{c}" for c in "ABCDE"}
            q["answer"] = [["A", "C"], ["B", "D", "E"], ["A", "B", "C", "D"], ["C", "E"]][i - 6]
            if i == 7:
                q["partial"] = 0.5
        else:
            q["answer"] = bool(i % 2)
        questions.append(q)
    path = Path(folder) / f"{bank_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(
            {"bank": bank_id, "title": "测试题库", "questions": questions}, allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    return path


def make_spec(
    quizzes: Path, exam_id: str = "t-exam", opens: datetime | None = None, closes: datetime | None = None, **extra
) -> Path:
    now = datetime.now(timezone(timedelta(hours=8)))
    spec = {
        "id": exam_id,
        "title": "测试学法考试",
        "year": now.year,
        "seed": 7,
        "banks": ["tbank"],
        "quotas": {
            "single": {"count": 4, "points": 2},
            "multiple": {"count": 3, "points": 4},
            "judge": {"count": 3, "points": 1},
        },
        "pass_mark": 60,
        "excellence_mark": 90,
        "opens_at": (opens or now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (closes or now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "time_limit": 60,
        "attempts": 2,
    }
    spec.update(extra)
    path = Path(quizzes) / "exams" / f"{exam_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def nbgrader(*args, cwd=None, env=None, timeout=120) -> subprocess.CompletedProcess:
    """Run the real `nbgrader` command line."""
    result = subprocess.run(
        [str(BIN / "nbgrader"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    return result


def cache_dir(workdir: Path) -> Path:
    """One staff member's nbgrader cache (their own submissions), as ~/.local/share/jupyter would be."""
    return Path(workdir) / ".nbgrader-cache"


def exchange_args(home: Path, workdir: Path | None = None) -> list[str]:
    args = [f"--Exchange.root={Path(home) / 'exchange'}", "--course=lawstudy"]
    return args + ([f"--Exchange.cache={cache_dir(workdir)}"] if workdir else [])


def fetch(home: Path, workdir: Path, exam_id: str) -> Path:
    """`nbgrader fetch_assignment` as a staff member does (via the command line)."""
    workdir.mkdir(parents=True, exist_ok=True)
    r = nbgrader("fetch_assignment", exam_id, *exchange_args(home), cwd=workdir)
    assert r.returncode == 0, r.stderr
    return workdir / exam_id


def submit(home: Path, workdir: Path, exam_id: str, student: str) -> None:
    """`nbgrader submit --student` (the command line; a hub user cannot change their name)."""
    r = nbgrader("submit", exam_id, f"--student={student}", *exchange_args(home, workdir), cwd=workdir)
    assert r.returncode == 0, r.stderr


def submit_inprocess(home: Path, workdir: Path, exam_id: str, student: str) -> None:
    """nbgrader's own ExchangeSubmit in this process (same code as `nbgrader submit`, no 2 s start-up)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeSubmit
    from traitlets.config import Config

    cfg = Config()
    cfg.Exchange.root = str(Path(home) / "exchange")
    cfg.Exchange.cache = str(cache_dir(workdir))
    cfg.CourseDirectory.course_id = "lawstudy"
    cfg.CourseDirectory.root = str(workdir)
    cfg.CourseDirectory.assignment_id = exam_id
    cfg.CourseDirectory.student_id = student
    coursedir = CourseDirectory(config=cfg)
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        ExchangeSubmit(coursedir=coursedir, authenticator=Authenticator(config=cfg), config=cfg).start()
    finally:
        os.chdir(cwd)


def write_answers(
    folder: Path, exam_id: str, user: str, answers: dict, started: datetime | None = None, **extra
) -> Path:
    data = {
        "exam": exam_id,
        "user": user,
        "started_at": (started or datetime.now(UTC)).astimezone().isoformat(timespec="seconds"),
        "saved_at": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "answers": answers,
    }
    data.update(extra)
    path = Path(folder) / "answers.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def random_answers(paper, rng: random.Random, right: float = 0.6) -> dict:
    """Valid answers, some right, some wrong, some partial, some skipped."""
    out = {}
    for q in paper.questions:
        roll = rng.random()
        if roll < 0.1:
            continue
        ids = [o[0] for o in q.options]
        if q.type == "judge":
            out[q.id] = q.answer if roll < right else (not q.answer)
        elif q.type == "single":
            out[q.id] = q.answer if roll < right else rng.choice([i for i in ids if i != q.answer])
        else:
            if roll < right:
                out[q.id] = sorted(q.answer)
            elif roll < right + 0.15:
                out[q.id] = sorted(q.answer)[:1]  # strict subset: partial credit where allowed
            else:
                out[q.id] = sorted(rng.sample(ids, rng.randint(1, len(ids))))
    return out


def test_support_bank_is_valid(tmp_path):
    from grader.banks import check

    result = check([make_bank(tmp_path)])
    assert result.ok, result.problems
