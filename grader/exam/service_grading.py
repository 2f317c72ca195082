"""Grading against the exam service: the answers the server holds count, not the files.

When an exam used the service (its store holds sittings for the exam), every collected
submission is compared with the person's counted sitting (their last closed one: handed in, or
closed at its deadline with what was saved). Answers that disagree are flagged `tampered` and
the service's answers are scored; the times are the server's (first open, hand-in or deadline),
so no client-written time decides late or overtime. A submission with no sitting on the server
scores what the server holds: nothing. Without a store (`lawstudy lab`, one machine) the
file-based path stays; `time_source` says which path each submission used.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from grader.exam.paper import Paper
from grader.exam.sittings import SittingStore, store_path
from grader.exam.submissions import Submission
from grader.scoring import normalize_response, score


def open_store(home: Path) -> SittingStore | None:
    path = store_path(home)
    return SittingStore(path) if path.exists() else None


def used_service(store: SittingStore | None, exam_id: str) -> bool:
    return store is not None and bool(store.users(exam_id))


def apply_service(sub: Submission, paper: Paper, store: SittingStore, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    keys = {q.id: q.key for q in paper.questions}
    counted = store.counted(paper.spec, sub.student, now)
    held: dict[str, object] = {}
    if counted is None:
        sub.flag("tampered", "考试服务中没有此人的作答记录；按服务记录（未作答）计分")
    else:
        sitting, answers = counted
        for qid, key in keys.items():
            response = answers.get(qid)
            if response is not None and normalize_response(key, response) is not None:
                held[qid] = response
        sub.started_at = sitting.opened_at
        sub.timestamp = sitting.handed_in_at or sitting.deadline
        sub.closed_by = sitting.closed_by
        # the file's own time flags (client-written) no longer apply
        sub.flags = [(f, d) for f, d in sub.flags if not (f == "broken" and "timestamp" in d)]
    if counted is not None and {k: v for k, v in sub.answers.items()} != held:
        differ = sorted(
            set(sub.answers) ^ set(held) | {q for q in held if q in sub.answers and sub.answers[q] != held[q]}
        )
        sub.flag("tampered", f"答案文件与考试服务的记录不符（{', '.join(differ[:5])}），按服务记录计分")
    sub.answers = held
    sub.scores = {qid: score(key, held.get(qid)) for qid, key in keys.items()}
    sub.time_source = "service"


def collect_unsubmitted(instance, paper: Paper, store: SittingStore, now: datetime | None = None) -> list[str]:
    """Write a submission for every sitting the service closed at its deadline that was never
    handed in through nbgrader (issue 15: "a sitting never handed in is closed at the deadline
    with what was saved, and reported so").

    The folder is `submitted/PERSON/EXAM/` as nbgrader collect would leave it: the released
    notebook(s), an answers file with the service's answers and times, and nbgrader's
    `timestamp.txt` holding the deadline. Grading then takes the service's record as for any
    submission (`closed_by` = "deadline"). Returns the people written, sorted; a person who
    already has a collected submission is left alone.
    """
    import json
    import shutil

    from grader.answers import ANSWERS_FILE

    now = now or datetime.now(UTC)
    released = instance.course_dir / "release" / paper.id
    written = []
    for user in sorted(store.users(paper.id)):
        folder = instance.submitted / user / paper.id
        if folder.exists():
            continue
        counted = store.counted(paper.spec, user, now)
        if counted is None or counted[0].closed_by != "deadline":
            continue
        sitting, answers = counted
        folder.mkdir(parents=True)
        if released.is_dir():
            for item in released.iterdir():
                if item.is_file() and item.name != ANSWERS_FILE:
                    shutil.copyfile(item, folder / item.name)
        data = {
            "exam": paper.id,
            "user": user,
            "started_at": sitting.opened_at.isoformat(),
            "saved_at": sitting.deadline.isoformat(),
            "answers": answers,
        }
        (folder / ANSWERS_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        stamp = sitting.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
        written.append(user)
    return written
