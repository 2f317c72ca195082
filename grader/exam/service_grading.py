"""The exam service's record is the one source of truth for an exam sat through it.

When an exam used the service (its store holds sittings for the exam), every path that grades it
takes the service's record, never a file a staff member wrote:

- collecting (`lawstudy exam collect` and the formgrader's collect alike, through
  grader.hub.OwnerCheckedCollect) leaves, for every person with a closed sitting, a submission
  whose answers file and time ARE the service's record of their last closed sitting
  (`SubmissionFromService`): written from the record when the person never handed in, when their
  inbound entry is missing or was set aside, and rewritten when the entry disagrees. So nbgrader's
  own autograde (the formgrader's button) scores the service's answers at the service's time.
- `lawstudy exam autograde` compares the answers file AS SUBMITTED (the kept original) with the
  record and flags `tampered` where they differ (`apply_service`).
- `lawstudy sync` records one attempt per closed sitting, scored from the record
  (`service_attempts`), checks the gradebook's score of each against it, and drops an attempt
  that matches no closed sitting.

Without a store (`lawstudy lab`, one machine) the file-based path stays; `time_source` says which
path each submission used.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from grader.answers import ANSWERS_FILE
from grader.exam.paper import Paper
from grader.exam.sittings import Sitting, SittingStore, store_path
from grader.exam.submissions import Submission
from grader.scoring import normalize_response, score

STAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def open_store(home: Path) -> SittingStore | None:
    """The instance's exam-service store, or None when the instance never ran the service."""
    path = store_path(home)
    return SittingStore(path) if path.exists() else None


def used_service(store: SittingStore | None, exam_id: str) -> bool:
    """True when the exam was sat through the exam service (its store holds sittings of it)."""
    return store is not None and bool(store.users(exam_id))


def valid_answers(paper: Paper, answers: dict) -> dict:
    """The answers that are a valid response to a question on the paper (others count as none)."""
    keys = {q.id: q.key for q in paper.questions}
    return {q: a for q, a in answers.items() if q in keys and normalize_response(keys[q], a) is not None}


@dataclass
class ServiceAttempt:
    """One closed sitting scored from the service's record: one attempt (作答) of one person."""

    user: str
    attempt: int
    opened_at: datetime
    closed_at: datetime
    closed_by: str  # hand-in | deadline
    answers: dict  # question id -> valid response
    scores: dict = field(default_factory=dict)  # question id -> points earned

    @property
    def total(self) -> float:
        return round(sum(self.scores.values()), 2)


def score_sitting(paper: Paper, store: SittingStore, sitting: Sitting) -> ServiceAttempt:
    """Score one closed sitting with the one scorer (grader.scoring)."""
    answers = valid_answers(paper, store.answers(sitting))
    assert sitting.closed_by and sitting.closed_at is not None
    return ServiceAttempt(
        sitting.user,
        sitting.attempt,
        sitting.opened_at,
        sitting.closed_at,
        sitting.closed_by,
        answers,
        {q.id: score(q.key, answers.get(q.id)) for q in paper.questions},
    )


def service_attempts(paper: Paper, store: SittingStore, now: datetime | None = None) -> list[ServiceAttempt]:
    """Every closed sitting of the exam (sittings past their deadline are closed first), scored;
    by person and attempt. Sittings still open are not attempts yet."""
    now = now or datetime.now(UTC)
    return [score_sitting(paper, store, s) for s in store.closed(paper.spec, now)]


def last_attempts(paper: Paper, store: SittingStore, now: datetime | None = None) -> dict[str, ServiceAttempt]:
    """Each person's last closed sitting: what nbgrader's gradebook holds for them."""
    out: dict[str, ServiceAttempt] = {}
    for attempt in service_attempts(paper, store, now):
        out[attempt.user] = attempt
    return out


def apply_service(
    sub: Submission, paper: Paper, store: SittingStore, as_submitted: dict | None, now: datetime | None = None
) -> None:
    """Make `sub` the service's record of the person's last closed sitting: its answers, scores,
    first open and close time. `as_submitted` is the answers file as the person handed it in (None
    when they handed nothing in); where it differs from the record, the submission is flagged
    `tampered` and the record is scored."""
    last = last_attempts(paper, store, now).get(sub.student)
    if last is None:
        sub.flag("tampered", "考试服务中没有此人已结束的作答记录；按服务记录（未作答）计分")
        sub.answers, held = {}, {}
    else:
        held = last.answers
        sub.started_at = last.opened_at
        sub.timestamp = last.closed_at
        sub.closed_by = last.closed_by
        # the file's own time flags (client-written) no longer apply
        sub.flags = [(f, d) for f, d in sub.flags if not (f == "broken" and "timestamp" in d)]
        if as_submitted is not None:
            theirs = valid_answers(paper, as_submitted)
            if theirs != held:
                differ = sorted(set(theirs) ^ set(held) | {q for q in held if q in theirs and theirs[q] != held[q]})
                sub.flag("tampered", f"答案文件与考试服务的记录不符（{', '.join(differ[:5])}），按服务记录计分")
    sub.answers = held
    sub.scores = {q.id: score(q.key, held.get(q.id)) for q in paper.questions}
    sub.time_source = "service"


def _answers_data(paper: Paper, attempt: ServiceAttempt) -> bytes:
    data = {
        "exam": paper.id,
        "user": attempt.user,
        "started_at": attempt.opened_at.isoformat(),
        "saved_at": attempt.closed_at.isoformat(),
        "answers": attempt.answers,
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _stamp(attempt: ServiceAttempt) -> bytes:
    return attempt.closed_at.astimezone(UTC).strftime(STAMP_FORMAT).encode("utf-8")


@dataclass
class FromService:
    """What `SubmissionFromService.run` did: submissions written where the person had none (never
    handed in, or their entry missing or set aside) and submissions rewritten to the record."""

    written: list[str] = field(default_factory=list)
    closed_at_deadline: list[str] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)


class SubmissionFromService:
    """Leave in `course/submitted/PERSON/EXAM/` exactly the service's record of every person's
    last closed sitting: the released notebook(s), an answers file holding the record's answers
    and times, and nbgrader's `timestamp.txt` holding the hand-in (or deadline) time.

    A submission collected from an inbound entry keeps its original (grader.exam.sanitize) for the
    tamper check; only its answers file and time are replaced. Idempotent: a submission that
    already holds the record is left alone. Files are written 0600 in the grader's own folders.
    What it did is appended to `log` (JSON lines: user, action written|deadline|rewritten, at),
    the exam's private record of which submissions the service's record made.
    """

    def __init__(self, course_dir: Path, paper: Paper, store: SittingStore, log: Path | None = None):
        self.course_dir = Path(course_dir)
        self.paper = paper
        self.store = store
        self.log = log

    def run(self, now: datetime | None = None) -> FromService:
        done = FromService()
        released = self.course_dir / "release" / self.paper.id
        for user, attempt in sorted(last_attempts(self.paper, self.store, now).items()):
            folder = self.course_dir / "submitted" / user / self.paper.id
            answers, stamp = _answers_data(self.paper, attempt), _stamp(attempt)
            if folder.is_dir() and not folder.is_symlink():
                if _same(folder / ANSWERS_FILE, answers) and _same(folder / "timestamp.txt", stamp):
                    continue
                done.rewritten.append(user)
            else:
                folder.mkdir(parents=True, mode=0o700)
                if released.is_dir():
                    for item in released.iterdir():
                        if item.is_file() and not item.is_symlink() and item.name != ANSWERS_FILE:
                            shutil.copyfile(item, folder / item.name)
                (done.closed_at_deadline if attempt.closed_by == "deadline" else done.written).append(user)
            _write(folder / ANSWERS_FILE, answers)
            _write(folder / "timestamp.txt", stamp)
        if self.log is not None:
            at = datetime.now(UTC).isoformat()
            lines = [
                {"user": u, "action": action, "at": at}
                for action, users in (
                    ("written", done.written),
                    ("deadline", done.closed_at_deadline),
                    ("rewritten", done.rewritten),
                )
                for u in users
            ]
            if lines:
                self.log.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        return done


FROM_SERVICE_LOG = "from-service.jsonl"


def made_from_service(paper_dir: Path, since: datetime) -> FromService:
    """What SubmissionFromService did for the exam from `since` on (read from its log)."""
    done = FromService()
    try:
        text = (Path(paper_dir) / FROM_SERVICE_LOG).read_text(encoding="utf-8")
    except OSError:
        return done
    lists = {"written": done.written, "deadline": done.closed_at_deadline, "rewritten": done.rewritten}
    for line in text.splitlines():
        try:
            item = json.loads(line)
            if datetime.fromisoformat(item["at"]) >= since and item["user"] not in lists[item["action"]]:
                lists[item["action"]].append(item["user"])
        except (ValueError, KeyError, TypeError):
            continue
    return done


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def submissions_from_service(instance, paper: Paper) -> FromService | None:
    """Run SubmissionFromService when the exam used the service; None for an exam without it."""
    store = open_store(instance.home)
    if not used_service(store, paper.id):
        return None
    assert store is not None
    log = instance.paper_dir(paper.id) / FROM_SERVICE_LOG
    return SubmissionFromService(instance.course_dir, paper, store, log).run()


@dataclass
class ExamAuthority:
    """What `lawstudy sync` takes for a service exam: the paper's full marks and every attempt."""

    max_score: float
    points: dict[str, float]  # question id -> its points on the paper
    attempts: list[ServiceAttempt]


def sync_authority(instance) -> object:
    """For grader.records.sync: exam id -> ExamAuthority for an exam sat through the exam service,
    None for any other (its gradebook scores are copied as they are)."""
    from grader.exam.paper import load_paper

    store = open_store(instance.home)

    def authority(exam_id: str) -> ExamAuthority | None:
        if not used_service(store, exam_id):
            return None
        assert store is not None
        paper = load_paper(instance.papers, exam_id)
        return ExamAuthority(
            paper.max_score, {q.id: float(q.points) for q in paper.questions}, service_attempts(paper, store)
        )

    return authority
