"""The exam service's store and rules without a hub: server times only, the spec enforced."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from grader.exam.sittings import SittingRefused, SittingStore
from grader.exam.spec import ExamSpec

T0 = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 09:00 China time


def spec(time_limit=60, attempts=1, makeup=True) -> ExamSpec:
    raw = {
        "id": "2026-annual",
        "title": "年度考试",
        "year": 2026,
        "banks": ["burial"],
        "quotas": {"single": {"count": 1, "points": 100}},
        "opens_at": "2026-12-10 09:00",
        "closes_at": "2026-12-10 17:00",
        "time_limit": time_limit,
        "attempts": attempts,
    }
    if makeup:
        raw["makeup"] = {"opens_at": "2026-12-20 09:00", "closes_at": "2026-12-20 17:00"}
    return ExamSpec.from_dict(raw)


@pytest.fixture
def store(tmp_path):
    return SittingStore(tmp_path / "sittings" / "sittings.db")


def test_store_is_private(store):
    assert os.stat(store.path).st_mode & 0o077 == 0
    assert os.stat(store.path.parent).st_mode & 0o077 == 0


def test_nothing_before_opens_at_or_after_the_window(store):
    s = spec()
    with pytest.raises(SittingRefused) as e:
        store.open(s, "rt001", T0 - timedelta(minutes=1))
    assert e.value.code == "not-open"
    with pytest.raises(SittingRefused) as e:
        store.open(s, "rt001", T0 + timedelta(days=3))
    assert e.value.code == "closed"
    with pytest.raises(SittingRefused):
        store.save(s, "rt001", "q1", "A", T0 + timedelta(minutes=5))  # never opened
    # the make-up window is a window
    sitting = store.open(s, "rt001", datetime(2026, 12, 20, 2, 0, tzinfo=UTC))
    assert sitting.attempt == 1


def test_time_limit_counts_from_the_servers_first_open(store):
    s = spec(time_limit=60)
    first = store.open(s, "rt001", T0 + timedelta(minutes=10))
    again = store.open(s, "rt001", T0 + timedelta(minutes=50))  # reopening never restarts the clock
    assert again.id == first.id and again.opened_at == first.opened_at
    store.save(s, "rt001", "q1", "A", T0 + timedelta(minutes=30))
    store.save(s, "rt001", "q1", "B", T0 + timedelta(minutes=69))
    with pytest.raises(SittingRefused) as e:
        store.save(s, "rt001", "q1", "C", T0 + timedelta(minutes=71))
    assert e.value.code == "overtime"
    sitting, answers = store.counted(s, "rt001", T0 + timedelta(minutes=80))
    assert answers == {"q1": "B"} and sitting.closed_by == "deadline"  # closed at the deadline, reported so


def test_hand_in_then_nothing_more_and_attempts(store):
    s = spec(attempts=1)
    store.open(s, "rt001", T0)
    store.save(s, "rt001", "q1", ["A", "C"], T0 + timedelta(minutes=1))
    done = store.hand_in(s, "rt001", T0 + timedelta(minutes=2))
    assert done.closed_by == "hand-in" and done.handed_in_at == T0 + timedelta(minutes=2)
    with pytest.raises(SittingRefused) as e:
        store.save(s, "rt001", "q1", "B", T0 + timedelta(minutes=3))
    assert e.value.code in ("handed-in", "no-sitting")
    with pytest.raises(SittingRefused) as e:  # reopening the paper never starts another sitting
        store.open(s, "rt001", T0 + timedelta(minutes=4))
    assert e.value.code == "handed-in" and e.value.extra["attempts_left"] == 0
    with pytest.raises(SittingRefused) as e:  # nor does asking for one when none is left
        store.open(s, "rt001", T0 + timedelta(minutes=4), again=True)
    assert e.value.code == "attempts"
    sitting, answers = store.counted(s, "rt001", T0 + timedelta(minutes=5))
    assert answers == {"q1": ["A", "C"]}


def test_a_second_attempt_only_when_asked_for_and_each_sitting_is_an_attempt(store):
    """attempts: 2 — reopening the paper after the hand-in starts nothing; asking does; both
    closed sittings are attempts, each with its own answers (the records keep both, the report
    counts the best: docs/figures.md)."""
    from types import SimpleNamespace

    from grader.exam.service_grading import service_attempts
    from grader.scoring import Key

    s = spec(attempts=2)
    store.open(s, "rt001", T0)
    store.save(s, "rt001", "q1", "B", T0 + timedelta(minutes=1))
    store.hand_in(s, "rt001", T0 + timedelta(minutes=2))
    with pytest.raises(SittingRefused) as e:
        store.open(s, "rt001", T0 + timedelta(minutes=3))
    assert e.value.code == "handed-in" and e.value.extra["attempts_left"] == 1
    assert len(store.sittings(s.id, "rt001")) == 1
    second = store.open(s, "rt001", T0 + timedelta(minutes=3), again=True)
    assert second.attempt == 2 and store.answers(second) == {}
    store.save(s, "rt001", "q1", "A", T0 + timedelta(minutes=4))
    # the second sitting is never handed in: it closes at its deadline with what was saved
    key = Key("single", "A", 100.0, options=frozenset("ABCD"))
    paper = SimpleNamespace(spec=s, questions=[SimpleNamespace(id="q1", key=key)])
    both = service_attempts(paper, store, T0 + timedelta(hours=2))
    assert [(a.attempt, a.closed_by, a.total) for a in both] == [(1, "hand-in", 0.0), (2, "deadline", 100.0)]
    assert both[1].closed_at == T0 + timedelta(minutes=63)


def test_people_are_kept_apart(store):
    s = spec()
    store.open(s, "rt001", T0)
    store.open(s, "rt002", T0 + timedelta(minutes=20))
    store.save(s, "rt001", "q1", "A", T0 + timedelta(minutes=1))
    store.save(s, "rt002", "q1", "B", T0 + timedelta(minutes=21))
    assert store.counted(s, "rt001", T0 + timedelta(hours=3))[1] == {"q1": "A"}
    assert store.counted(s, "rt002", T0 + timedelta(hours=3))[1] == {"q1": "B"}
    assert sorted(store.users(s.id)) == ["rt001", "rt002"]


def test_lesson_study_needs_every_lesson_opened_and_every_practice_answered_in_time(store):
    """学时 from what the server saw: a session per lesson, every practice question answered in
    it, each answer at least MIN_PRACTICE_SECONDS after the previous event; self-reported events
    (the way older releases recorded study) never count."""
    lessons = {"01": ["p1", "p2"], "02": []}
    store.lesson_event("rt001", "burial", "01", "opened", "", T0)  # self-reported, as before
    store.lesson_event("rt001", "burial", "01", "answered", "p1", T0)
    store.lesson_event("rt001", "burial", "01", "answered", "p2", T0)
    store.lesson_event("rt001", "burial", "02", "opened", "", T0)
    assert store.studied("rt001", "burial", lessons)[0] is False
    one = store.lesson_open("rt001", "burial", "01", T0)
    assert store.practice_answer("rt001", one, "p1", "A", 2, 2, T0 + timedelta(seconds=30)).timely
    too_fast = store.practice_answer("rt001", one, "p2", "B", 0, 2, T0 + timedelta(seconds=31))
    assert not too_fast.timely
    ok, _, why = store.studied("rt001", "burial", lessons)
    assert not ok and "01" in why
    store.practice_answer("rt001", one, "p2", "C", 2, 2, T0 + timedelta(seconds=60))
    ok, _, why = store.studied("rt001", "burial", lessons)
    assert not ok and "02" in why
    store.lesson_open("rt001", "burial", "02", T0 + timedelta(days=1))
    ok, when, _ = store.studied("rt001", "burial", lessons)
    assert ok and when == T0 + timedelta(days=1)
    assert store.studied("rt002", "burial", lessons)[0] is False
    with pytest.raises(SittingRefused) as e:  # a colleague's session is nobody else's to answer in
        store.practice_answer("rt002", one, "p1", "A", 2, 2, T0 + timedelta(minutes=5))
    assert e.value.code == "bad-session"


def test_grading_takes_the_services_answers_and_times(store, tmp_path):
    from types import SimpleNamespace

    from grader.exam.service_grading import apply_service
    from grader.exam.submissions import Submission
    from grader.scoring import Key

    s = spec(time_limit=60)
    key = Key("single", "A", 50.0, options=frozenset("ABCD"))
    paper = SimpleNamespace(questions=[SimpleNamespace(id="q1", key=key), SimpleNamespace(id="q2", key=key)], spec=s)
    store.open(s, "rt001", T0)
    store.save(s, "rt001", "q1", "A", T0 + timedelta(minutes=1))
    store.save(s, "rt001", "q2", "B", T0 + timedelta(minutes=2))
    store.hand_in(s, "rt001", T0 + timedelta(minutes=3))
    honest = Submission("rt001", tmp_path)
    apply_service(honest, paper, store, {"q1": "A", "q2": "B"}, T0 + timedelta(hours=1))
    assert honest.flags == [] and honest.scores == {"q1": 50.0, "q2": 0.0}
    assert honest.started_at == T0 and honest.timestamp == T0 + timedelta(minutes=3)
    assert honest.time_source == "service" and honest.closed_by == "hand-in"
    edited = Submission("rt001", tmp_path)
    edited.started_at = T0 + timedelta(minutes=59)  # started_at moved
    # and the answers file edited after the fact
    apply_service(edited, paper, store, {"q1": "A", "q2": "A"}, T0 + timedelta(hours=1))
    assert [f for f, _ in edited.flags] == ["tampered"] and edited.scores == {"q1": 50.0, "q2": 0.0}
    assert edited.started_at == T0
    nobody = Submission("rt009", tmp_path)
    apply_service(nobody, paper, store, {"q1": "A"}, T0 + timedelta(hours=1))
    assert [f for f, _ in nobody.flags] == ["tampered"] and sum(nobody.scores.values()) == 0


def test_one_person_cannot_fill_the_store(store, monkeypatch):
    """A script saving without end, or huge answers, is refused instead of filling the grader's disk."""
    from grader.exam import sittings

    monkeypatch.setattr(sittings, "MAX_SAVES_PER_SITTING", 5)
    monkeypatch.setattr(sittings, "MAX_LESSON_EVENTS", 3)
    s = spec()
    store.open(s, "rt001", T0)
    store.open(s, "rt002", T0)
    for i in range(5):
        store.save(s, "rt001", "q1", "A", T0 + timedelta(seconds=i))
    with pytest.raises(SittingRefused) as refused:
        store.save(s, "rt001", "q1", "B", T0 + timedelta(seconds=9))
    assert refused.value.code == "too-many"
    assert store.counted(s, "rt001", T0 + timedelta(days=30))[1] == {"q1": "A"}
    with pytest.raises(SittingRefused) as big:
        store.save(s, "rt002", "q1", "x" * 5000, T0)
    assert big.value.code == "too-large"
    for n in range(3):
        store.lesson_open("rt003", "burial", f"l{n}", T0)
    with pytest.raises(SittingRefused):
        store.lesson_open("rt003", "burial", "l9", T0)
    store.lesson_open("rt004", "burial", "l1", T0)  # a colleague is not affected
