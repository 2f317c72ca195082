"""The answers file: what the exam kernel writes on every click and what graders read.

One JSON file (answers.json) next to the exam notebook, carried by `nbgrader submit`. This module
imports no widget library, so the graders (grader.exams.submissions and what it imports) can use it
without ipywidgets; grader.widgets re-exports its names for the notebooks that import them there.
"""

from __future__ import annotations

import datetime as _dt
import getpass as _getpass
import hashlib as _hashlib
import json as _json
import os as _os
import tempfile as _tempfile
import warnings as _warnings
from pathlib import Path as _Path

from grader.scoring import Key, score
from grader.vocabulary import SECTION_NAMES  # noqa: F401  (re-exported for older imports)

ANSWERS_FILE = "answers.json"
ANSWERS_FIELDS = ("exam", "user", "started_at", "saved_at", "answers")
ANSWERS_MAX_BYTES = 1_000_000


def current_user() -> str:
    """Who is sitting the exam: the hub user, else the system user (the nbgrader student id)."""
    return _os.environ.get("JUPYTERHUB_USER") or _getpass.getuser()


def _rank(*parts) -> str:
    return _hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def display_order(questions: list[dict], seed, user: str) -> list[dict]:
    """One person's paper: sections (by type, in paper order) kept, questions and options shuffled
    (a question with "shuffle": False keeps its options in bank order).

    Derived from (seed, user, question id, option id) only, so the trainer's feedback shows the
    same numbers and letters the person saw. Option ids stay the option's identity.
    """
    types: list[str] = []
    for q in questions:
        if q["type"] not in types:
            types.append(q["type"])
    out = []
    for t in types:
        section = sorted((q for q in questions if q["type"] == t), key=lambda q: _rank(seed, user, q["id"]))
        for q in section:
            options = q.get("options") or []
            if q.get("shuffle", True) is not False:  # shuffle: false keeps the bank's order
                options = sorted(options, key=lambda o: _rank(seed, user, q["id"], o[0]))
            out.append({**q, "options": [list(o) for o in options]})
    return out


def _now_text() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")


def read_answers(path) -> tuple[dict, list[str]]:
    """Read an answers file without ever raising: (data, problems).

    data always has the ANSWERS_FIELDS, with "answers" a dict; problems names what was wrong
    (missing, unreadable, not JSON, unexpected fields, ...) so graders can report it.
    """
    data: dict = {"exam": None, "user": None, "started_at": None, "saved_at": None, "answers": {}}
    path = _Path(path)
    from grader.safe_io import UnsafeFile, read_regular

    try:
        raw = _json.loads(read_regular(path, ANSWERS_MAX_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return data, ["缺少答案文件 answers.json (missing)"]
    except UnsafeFile as error:
        if error.errno == 27:  # EFBIG
            return data, ["答案文件过大 (answers file too large)"]
        return data, [f"答案文件无法读取 (unsafe: {error.strerror})"]
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return data, [f"答案文件无法读取 (unreadable: {type(error).__name__})"]
    if not isinstance(raw, dict):
        return data, ["答案文件格式错误：不是键值对 (not an object)"]
    problems = []
    extra = sorted(map(str, set(raw) - set(ANSWERS_FIELDS)))
    if extra:
        problems.append(f"答案文件有多余字段 (extra keys): {', '.join(extra)}")
    for name in ("exam", "user", "started_at", "saved_at"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"答案文件字段 {name} 类型错误 (wrong type)")
        elif value is not None:
            data[name] = value
    answers = raw.get("answers", {})
    if not isinstance(answers, dict):
        problems.append("答案文件 answers 不是键值对 (answers not an object)")
        answers = {}
    data["answers"] = answers
    return data, problems


def save_answer(path, exam: str, user: str, question_id: str | None, value=None) -> dict:
    """Read-modify-write the answers file under a lock; atomic (temp file + os.replace).

    question_id None only records the start of the attempt. Returns the data written.
    """
    import fcntl

    path = _Path(path)
    lock_path = path.with_name("." + path.name + ".lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data, _problems = read_answers(path)
            data = {k: data.get(k) for k in ANSWERS_FIELDS}
            data["exam"] = data["exam"] or exam
            data["user"] = data["user"] or user
            data["started_at"] = data["started_at"] or _now_text()
            answers = dict(data["answers"] or {})
            if question_id is not None:
                if value is None or value == []:
                    answers.pop(question_id, None)
                else:
                    answers[question_id] = value
                data["saved_at"] = _now_text()
            data["answers"] = answers
            fd, tmp = _tempfile.mkstemp(prefix=".answers-", suffix=".tmp", dir=str(path.parent))
            with _os.fdopen(fd, "w", encoding="utf-8") as fh:
                _json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
                fh.flush()
                _os.fsync(fh.fileno())
            _os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return data


def grading() -> bool:
    """True while nbgrader autogrades or validates (then nothing is written)."""
    return bool(_os.environ.get("NBGRADER_EXECUTION"))


def graded(question_id: str, key: dict, folder=None) -> float:
    """The hidden test of one question: score the saved answer with the one scorer.

    Fails (AssertionError) when it earns nothing; returns the points otherwise (nbgrader reads
    a number shown by the test cell as partial credit). Prints nothing, warns nothing.
    """
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        data, _problems = read_answers(_Path(folder or _os.getcwd()) / ANSWERS_FILE)
        earned = score(Key.from_dict(key), data["answers"].get(question_id))
    assert earned > 0, f"{question_id}: 0"
    return earned
