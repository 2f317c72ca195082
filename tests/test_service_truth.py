"""Issue 29 without a hub: an exam sat through the exam service is decided by the service's record on
every grading path — nbgrader's own collect and autograde (what the formgrader's buttons run),
`lawstudy exam autograde` and `lawstudy sync` — whatever the answers files and times say.

Real nbgrader (collect through the course's configured collector, autograde in real kernels), a
real sittings store, real SQLite records. The people:
  honest   saves through the service, hands in, submits the same answers
  leisure  saves nothing through the service, hands in, then writes every right answer into the file
  late     opens, saves one answer, never hands in (closed at the deadline), submits a perfect file later
  absent   hands in through the service, but no entry ever reaches the exchange
  twice    sits twice (attempts: 2): a low first sitting, a better second one
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from test_exam_support import make_bank, make_spec, submit_inprocess, write_answers

from grader.exam.paper import load_paper
from grader.exam.sittings import SittingStore, store_path
from grader.instance import Instance
from grader.vocabulary import CHINA

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
EXAM = "truth-exam"


def wrong(q):
    if q.type == "judge":
        return not q.answer
    if q.type == "single":
        return next(o[0] for o in q.options if o[0] != q.answer)
    return sorted({o[0] for o in q.options} - set(q.answer))[:1] or [q.options[0][0]]


def right(q):
    return sorted(q.answer) if q.type == "multiple" else q.answer


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from grader import exam

    root = tmp_path_factory.mktemp("truth")
    quizzes = root / "quizzes"
    make_bank(quizzes)
    now = datetime.now(UTC)
    local = now.astimezone(CHINA)
    make_spec(quizzes, EXAM, opens=local - timedelta(hours=3), closes=local + timedelta(hours=6), time_limit=30)
    inst = Instance(root / "home")
    exam.build(inst, EXAM, quizzes=quizzes)
    exam.release(inst, EXAM)
    paper = load_paper(inst.papers, EXAM)
    qs = paper.questions
    store = SittingStore(store_path(inst.home))
    spec = paper.spec
    t = now - timedelta(hours=2)
    expected: dict[str, list[float]] = {}

    def sit(user, answers, start, hand_in=True, again=False):
        store.open(spec, user, start, again=again)
        for i, (qid, value) in enumerate(answers.items()):
            store.save(spec, user, qid, value, start + timedelta(seconds=10 + i))
        if hand_in:
            store.hand_in(spec, user, start + timedelta(minutes=5))
        return sum(q.points for q in qs if q.id in answers and answers[q.id] == right(q))

    def file(user, answers):
        work = root / "staff" / user
        folder = work / EXAM
        folder.mkdir(parents=True)
        for item in (inst.outbound(EXAM)).iterdir():
            (folder / item.name).write_bytes(item.read_bytes())
        write_answers(folder, EXAM, user, answers)
        submit_inprocess(inst.home, work, EXAM, user)

    honest = {q.id: (right(q) if i % 3 else wrong(q)) for i, q in enumerate(qs)}
    expected["honest"] = [sit("honest", honest, t)]
    file("honest", honest)
    expected["leisure"] = [sit("leisure", {}, t)]
    file("leisure", {q.id: right(q) for q in qs})
    expected["late"] = [sit("late", {qs[0].id: right(qs[0])}, t, hand_in=False)]
    file("late", {q.id: right(q) for q in qs})
    expected["absent"] = [sit("absent", {qs[1].id: right(qs[1])}, t)]
    first = sit("twice", {qs[0].id: wrong(qs[0])}, t)
    second = sit("twice", {q.id: right(q) for q in qs[:5]}, t + timedelta(minutes=20), again=True)
    expected["twice"] = [first, second]
    return inst, paper, store, expected


def gradebook(inst) -> dict[str, tuple[float, str]]:
    db = sqlite3.connect(inst.gradebook)
    rows = db.execute(
        "SELECT sa.student_id, sum(g.auto_score), sa.timestamp FROM grade g "
        "JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN submitted_assignment sa ON sa.id = sn.assignment_id "
        "JOIN assignment a ON a.id = sa.assignment_id WHERE a.name = ? GROUP BY sa.student_id",
        [EXAM],
    ).fetchall()
    db.close()
    return {s: (round(score or 0, 2), stamp) for s, score, stamp in rows}


def test_nbgraders_own_collect_and_autograde_score_the_service_record(world):
    """The formgrader's buttons run nbgrader's NbGraderAPI.collect and .autograde: with the course's
    collector every submission becomes the service's record, so the kernel-run grade is its score
    at its time — the answers written at leisure and the late perfect file earn nothing."""
    from grader.exam import nbgrader_course as nbg
    from grader.exam.service_grading import last_attempts

    inst, paper, store, expected = world
    api = nbg.api(inst)
    nbg.check(api.collect(EXAM), "collect")
    last = last_attempts(paper, store)
    for user in ("honest", "leisure", "late", "absent", "twice"):
        folder = inst.submitted / user / EXAM
        saved = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
        assert saved["answers"] == last[user].answers, user
        nbg.check(api.autograde(EXAM, user), f"autograde {user}")
    book = gradebook(inst)
    for user, totals in expected.items():
        score, stamp = book[user]
        assert score == pytest.approx(totals[-1]), (user, score, totals)
        assert datetime.fromisoformat(stamp).replace(tzinfo=UTC) == last[user].closed_at.replace(microsecond=0) or (
            abs((datetime.fromisoformat(stamp).replace(tzinfo=UTC) - last[user].closed_at).total_seconds()) < 1
        ), (user, stamp)
    assert expected["leisure"] == [0] and expected["late"][0] < paper.max_score


def test_lawstudy_autograde_flags_the_files_that_disagree_and_scores_the_record(world):
    from grader import exam

    inst, paper, store, expected = world
    graded = exam.autograde(inst, EXAM)
    rows = {r["student"]: r for r in graded.table()}
    for user, totals in expected.items():
        assert rows[user]["score"] == pytest.approx(totals[-1]) and rows[user]["time_source"] == "service", user
    assert "tampered" in rows["leisure"]["flags"] and "tampered" in rows["late"]["flags"]
    assert rows["honest"]["flags"] == [] and rows["absent"]["flags"] == []
    assert rows["late"]["closed_by"] == "deadline"


def test_sync_records_every_sitting_from_the_record_and_refuses_a_gradebook_that_disagrees(world):
    """`lawstudy sync`: one attempt per closed sitting (both of "twice"), each the record's score at
    the record's time. A gradebook score put there by another path (the formgrader grading a file,
    with a forged in-window time) is flagged and never counted, and an attempt recorded from it
    earlier is dropped."""
    from grader import records
    from grader.exam.submissions import Gradebook

    inst, paper, store, expected = world
    db = records.open_db(inst.records)
    for i, user in enumerate(expected):
        db.table("staff").insert({"staff_id": user, "name": f"人员{i}", "department": "测试科", "category": "公务员"})
    result = records.sync(db, inst)
    rows = db.execute(
        "SELECT staff_id, score, source FROM attempts WHERE exam_id = ? ORDER BY staff_id, submitted_at", [EXAM]
    ).fetchall()
    got: dict[str, list[float]] = {}
    for staff_id, score, source in rows:
        assert source == "service"
        got.setdefault(staff_id, []).append(score)
    assert got == {u: pytest.approx(v) for u, v in expected.items()}
    assert result.disagreed == [] and result.dropped == []
    # the formgrader grading the leisure file, at a time of its choosing, as an older release allowed
    forged = datetime.now(UTC) - timedelta(hours=1, minutes=1)
    Gradebook(inst.gradebook, EXAM).write([("leisure", forged, {f"q-{q.id}": q.points for q in paper.questions})])
    db.execute(
        "INSERT INTO attempts (staff_id, exam_id, submitted_at, year, score, max_score, percent, source) "
        "VALUES ('leisure', ?, ?, ?, ?, ?, 100, 'gradebook')",
        [EXAM, records.utc_text(forged), forged.astimezone(CHINA).year, paper.max_score, paper.max_score],
    )
    db.conn.commit()
    again = records.sync(db, inst)
    assert [(e, s) for e, s, _ in again.disagreed] == [(EXAM, "leisure")]
    assert [(e, s) for e, s, _ in again.dropped] == [(EXAM, "leisure")]
    best = db.execute("SELECT max(score) FROM attempts WHERE exam_id = ? AND staff_id = 'leisure'", [EXAM]).fetchone()
    assert best[0] == pytest.approx(expected["leisure"][0])
    flags = db.execute("SELECT flag FROM flags WHERE exam_id = ? AND student = 'leisure'", [EXAM]).fetchall()
    assert ("tampered",) in flags
    assert records.sync(db, inst).counts.added == 0  # a third sync changes nothing


def test_the_report_counts_the_best_sitting_and_the_first_for_first_attempt_pass(world):
    from grader import records, report

    inst, paper, store, expected = world
    db = records.open_db(inst.records)
    built = report.build(db, datetime.now(CHINA).year, exam=EXAM)
    twice = next(p for p in built["people"] if p["staff_id"] == "twice")
    assert twice["attempts"] == 2
    assert twice["best"] == pytest.approx(max(expected["twice"]) / paper.max_score * 100)
    first_ok = expected["twice"][0] / paper.max_score * 100 >= paper.spec.pass_mark
    assert twice["first_attempt_passed"] is first_ok


def test_a_released_hub_paper_holds_no_question_and_release_refuses_an_older_one(tmp_path):
    """On a hub instance the exam notebook is built without its questions (the service hands them
    out inside the sitting); a paper built before the hub was set up is refused at release."""
    from grader import exam
    from grader.exam import ExamError
    from grader.exam.guard import LeakScanner

    quizzes = tmp_path / "quizzes"
    make_bank(quizzes)
    make_spec(quizzes, "hub-exam")
    inst = Instance(tmp_path / "home")
    exam.build(inst, "hub-exam", quizzes=quizzes)  # one machine: questions in the notebook
    (inst.home / "hub").mkdir()
    (inst.home / "hub" / "settings.json").write_text("{}", encoding="utf-8")  # now a hub instance
    with pytest.raises(ExamError, match="重新组卷"):
        exam.release(inst, "hub-exam")
    built = exam.build(inst, "hub-exam", quizzes=quizzes, force=True)
    assert built.paper.delivery == "service"
    exam.release(inst, "hub-exam")
    outbound = inst.outbound("hub-exam")
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in outbound.rglob("*") if p.is_file())
    for q in built.paper.questions:
        assert q.stem not in text, q.id
        for _, option in q.options:
            assert option not in text, (q.id, option)
    assert LeakScanner(built.paper).scan(outbound) == []
    # the same scanner finds a stem if one slipped in
    (outbound / "note.txt").write_text(built.paper.questions[0].stem, encoding="utf-8")
    assert any("题干" in p for p in LeakScanner(built.paper).scan(outbound))
