"""A simulated staff member at their desk: nbgrader fetch, the work, nbgrader submit, through the
real exchange, in-process (the demo's clock is simulated: the inbound entry is stamped)."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.answers import ANSWERS_FILE
from grader.demo.requirements import DemoError
from grader.exams.nbgrader_config import NbgraderConfig
from grader.exams.paper import Paper
from grader.instance import COURSE_ID, Instance


def _config(inst: Instance, workdir: Path, student: str, assignment_id: str):
    """The nbgrader settings of a simulated staff member's desk (grader.exams.nbgrader_config)."""
    return NbgraderConfig(
        "desk",
        COURSE_ID,
        inst.exchange,
        cache=inst.desks / ".nbgrader-cache",
        student=student,
        assignment=assignment_id,
        workdir=workdir,
    ).config()


def fetch_and_submit(inst: Instance, assignment_id: str, student: str, work=None) -> Path:
    """What a staff member does in the Assignments tab: nbgrader fetch, work(folder), nbgrader submit."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

    workdir = inst.desks / student
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = _config(inst, workdir, student, assignment_id)
    here = os.getcwd()
    os.chdir(workdir)
    try:
        if not (workdir / assignment_id).exists():
            ExchangeFetchAssignment(
                coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg
            ).start()
        if work is not None:
            work(workdir / assignment_id)
        ExchangeSubmit(
            coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg
        ).start()
    finally:
        os.chdir(here)
    return workdir / assignment_id


def sit_exam(inst: Instance, paper: Paper, student: str, answers: dict, submitted: datetime) -> None:
    """One staff member: fetch, answer (the answers file the widget writes), submit, at a simulated time."""
    started = submitted - timedelta(minutes=random.Random(student).randint(18, 50))
    data = {
        "exam": paper.id,
        "user": student,
        "started_at": started.isoformat(timespec="seconds"),
        "saved_at": submitted.isoformat(timespec="seconds"),
        "answers": answers,
    }

    def answer(folder: Path) -> None:
        (folder / ANSWERS_FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    fetch_and_submit(inst, paper.id, student, answer)
    stamp_inbound(inst, student, submitted, paper.id)


def stamp_inbound(inst: Instance, student: str, when: datetime, assignment_id: str) -> None:
    """Move the newest inbound submission of `student` to the simulated time."""
    inbound = inst.inbound
    mine = sorted(inbound.glob(f"{student}+{assignment_id}+*"), key=lambda p: p.stat().st_mtime)
    if not mine:
        raise DemoError(f"{student} 的提交没有出现在交换目录中")
    folder = mine[-1]
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    parts = folder.name.split("+")
    folder.rename(folder.with_name("+".join([parts[0], parts[1], stamp, *parts[3:]])))


def time_in(window, rng: random.Random) -> datetime:
    """A random moment inside an exam window (5% to 90% of the way through)."""
    span = (window.closes_at - window.opens_at).total_seconds()
    return window.opens_at + timedelta(seconds=rng.uniform(0.05, 0.9) * span)
