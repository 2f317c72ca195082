"""Collecting an exam: InboundGuard (links, special files, impersonation, attempts) -> nbgrader
collect (grader.exams.exchange.OwnerCheckedCollect) -> each submission reduced to its answers;
for an exam sat through the exam service, the service's record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

from grader.exams import nbgrader_course as nbg
from grader.exams.guard import InboundGuard, InboundReport
from grader.exams.paper import load_paper
from grader.exams.sanitize import sanitize_collected
from grader.exams.steps import open_records, set_aside_dir
from grader.instance import Instance
from grader.vocabulary import UnknownZone, parse_stamp

# ------------------------------------------------------------------ collect


@dataclass
class CollectResult:
    inbound: InboundReport
    collected: list[str] = field(default_factory=list)
    # people whose sitting the exam service closed at its deadline, never handed in: their
    # submission was written from the service's record
    closed_at_deadline: list[str] = field(default_factory=list)
    # people who handed in through the service but whose inbound entry was missing or set aside:
    # their submission was written from the service's record too
    from_service: list[str] = field(default_factory=list)
    # submissions whose answers file or time disagreed with the service and were rewritten to it
    rewritten: list[str] = field(default_factory=list)


def collect(instance: Instance, exam_id: str) -> CollectResult:
    """Set aside every inbound entry that is not a plain, owned, parseable folder within the limits
    (logged against its real owner in the exam's private audit log, never as a flag against the
    person it names), note the server's receipt time of the rest, then let nbgrader collect
    (grader.hub.OwnerCheckedCollect: it copies what it checked, on the open files). For an exam sat
    through the exam service every person's submission is then the service's record
    (grader.exams.service_grading), whatever the inbound held."""
    from grader.exams.receipts import append_audit, make_read_only, save_receipts
    from grader.exams.service_grading import made_from_service, submissions_from_service

    started = datetime.now(UTC)
    paper = load_paper(instance.papers, exam_id)
    inbound = instance.inbound
    report = InboundGuard(inbound, paper, set_aside_dir(instance, exam_id)).run()
    paper_dir = instance.paper_dir(exam_id)
    save_receipts(paper_dir, report.received)
    append_audit(paper_dir, report.audit)
    me = os.geteuid()
    lab_impostors = [i for i in report.set_aside if i.reason == "impersonation" and i.owner_uid == me]
    if lab_impostors:  # one account (lawstudy lab): the answers file names someone else; that attempt only
        records, db = open_records(instance)
        for item in lab_impostors:
            records.record_flag(
                db, exam_id, item.student, "impersonation", item.detail, submitted_at=_stamp_from_name(item.timestamp)
            )
    if inbound.is_dir():
        nbg.check(nbg.api(instance).collect(exam_id, update=True), "collect")
    sanitize_collected(instance.course_dir, exam_id)
    submitted = instance.submitted
    collected = (
        sorted(p.parent.name for p in submitted.glob(f"*/{exam_id}") if p.is_dir()) if submitted.is_dir() else []
    )
    # the submissions as received: the grader's own and read-only (nbgrader still rewrites its own
    # sanitized working copy under submitted/, which no staff member can write)
    from grader.exams.sanitize import ORIGINALS

    for student in collected:
        make_read_only(instance.course_dir / ORIGINALS / exam_id / student)
    result = CollectResult(report, collected)
    if submissions_from_service(instance, paper) is not None:  # also run inside nbgrader's collect
        done = made_from_service(paper_dir, started)
        result.closed_at_deadline = done.closed_at_deadline
        result.from_service = done.written
        result.rewritten = done.rewritten
        result.collected = sorted(set(collected) | set(done.written) | set(done.closed_at_deadline))
    return result


def _stamp_from_name(text: str | None):

    try:
        return parse_stamp(text) if text else None
    except UnknownZone:  # the flag then covers every attempt of that person: never a guessed time
        return None
