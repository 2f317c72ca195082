"""The exam service's HTTP API without a hub: the person comes from authentication only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from grader.exam.sittings import SittingStore
from grader.exam.spec import ExamSpec
from grader.hub.exam_service import make_app

tornado_testing = pytest.importorskip("tornado.testing")

CLOCK = [datetime(2026, 12, 10, 1, 30, tzinfo=UTC)]
SPEC = ExamSpec.from_dict(
    {
        "id": "2026-annual",
        "title": "年度考试",
        "year": 2026,
        "banks": ["burial"],
        "quotas": {"single": {"count": 1, "points": 100}},
        "opens_at": "2026-12-10 09:00",
        "closes_at": "2026-12-10 17:00",
        "time_limit": 30,
    }
)


class HeaderUser:
    """Stands for HubAuthenticated: the user is who the (test) token says, never the body."""

    def get_current_user(self):
        token = self.request.headers.get("Authorization", "")
        return {"name": token.removeprefix("token ")} if token.startswith("token ") else None


class ServiceTest(tornado_testing.AsyncHTTPTestCase):
    def get_app(self):
        import tempfile
        from pathlib import Path

        self.tmp = tempfile.mkdtemp()
        self.store = SittingStore(Path(self.tmp) / "sittings" / "sittings.db")
        return make_app(
            self.store, lambda e: SPEC if e == SPEC.id else None, "/services/exam/", HeaderUser, lambda: CLOCK[0]
        )

    def call(self, path, body, user="rt001"):
        headers = {"Authorization": f"token {user}"} if user else {}
        r = self.fetch(f"/services/exam/api/{path}", method="POST", body=json.dumps(body), headers=headers)
        return r.code, (json.loads(r.body) if r.code in (200, 409) else None)

    def test_flow_and_identity_from_the_token(self):
        CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
        code, _ = self.call("open", {"exam": SPEC.id}, user=None)
        assert code == 403
        code, sitting = self.call("open", {"exam": SPEC.id, "user": "rt002"})
        assert code == 200 and sitting["user"] == "rt001" and sitting["seconds_left"] == 30 * 60
        code, saved = self.call("save", {"exam": SPEC.id, "question": "q1", "answer": "A", "user": "rt002"})
        assert code == 200 and saved["saved"]
        assert self.store.sittings(SPEC.id, "rt002") == []
        CLOCK[0] += timedelta(minutes=31)
        code, refused = self.call("save", {"exam": SPEC.id, "question": "q1", "answer": "B"})
        assert code == 409 and refused["error"] == "overtime"
        assert self.store.counted(SPEC, "rt001", CLOCK[0])[1] == {"q1": "A"}
        code, _ = self.call("open", {"exam": "nope"})
        assert code == 404

    def test_lesson_events(self):
        code, ok = self.call("lesson", {"course": "burial", "lesson": "01", "kind": "opened"})
        assert code == 200 and ok["recorded"]
        code, _ = self.call("lesson", {"course": "burial", "lesson": "01", "kind": "hacked"})
        assert code == 409


@pytest.mark.timeout(300)
def test_a_sitting_never_handed_in_is_collected_at_its_deadline_with_what_was_saved(tmp_path):
    """Nobody pressed submit: `exam collect` still takes the service's record, closed at the
    deadline, and the grade says so; an honest hand-in beside it is graded as usual."""
    from test_exam_support import make_bank, make_spec

    from grader import exam
    from grader.exam.paper import load_paper
    from grader.exam.sittings import store_path
    from grader.instance import Instance
    from grader.vocabulary import CHINA

    make_bank(tmp_path)
    now = datetime.now(UTC)
    local = now.astimezone(CHINA)  # the spec's times are China time
    make_spec(tmp_path, "svc-exam", opens=local - timedelta(hours=2), closes=local + timedelta(hours=6), time_limit=30)
    inst = Instance(tmp_path / "home")
    exam.build(inst, "svc-exam", quizzes=tmp_path)
    exam.release(inst, "svc-exam")
    paper = load_paper(inst.papers, "svc-exam")
    first = paper.questions[0]
    store = SittingStore(store_path(inst.home))
    opened = now - timedelta(hours=1)  # 30 minutes allowed: the deadline passed half an hour ago
    store.open(paper.spec, "rt007", opened)
    store.save(paper.spec, "rt007", first.id, first.answer, opened + timedelta(minutes=5))
    from grader.exam.sittings import SittingRefused

    with pytest.raises(SittingRefused):  # past the time limit: refused, never counted
        store.save(paper.spec, "rt007", paper.questions[1].id, "A", opened + timedelta(minutes=40))
    collected = exam.collect(inst, "svc-exam")
    assert collected.closed_at_deadline == ["rt007"] and "rt007" in collected.collected
    graded = exam.autograde(inst, "svc-exam")
    [row] = [r for r in graded.table() if r["student"] == "rt007"]
    assert row["closed_by"] == "deadline" and row["time_source"] == "service"
    assert row["score"] == pytest.approx(first.points) and row["flags"] == []
    from grader import records

    timing = records.open_db(inst.home).execute("SELECT timing FROM exams WHERE id = 'svc-exam'").fetchone()
    assert timing[0] == "service"
    # a second collect leaves the written submission alone
    assert exam.collect(inst, "svc-exam").closed_at_deadline == []


def _serve_in_thread(store: SittingStore):
    """The real service app on a free loopback port, in its own thread and IOLoop."""
    import asyncio
    import socket
    import threading

    from tornado.httpserver import HTTPServer

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ready = threading.Event()

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = make_app(store, lambda e: SPEC if e == SPEC.id else None, "/services/exam/", HeaderUser, lambda: CLOCK[0])
        HTTPServer(app).listen(port, "127.0.0.1")
        ready.set()
        asyncio.get_event_loop().run_forever()

    threading.Thread(target=run, daemon=True).start()
    assert ready.wait(10)
    return f"http://127.0.0.1:{port}/services/exam/"


def test_exam_widget_opens_the_sitting_when_its_first_call_never_arrived(tmp_path, monkeypatch):
    """The service was unreachable when the exam notebook opened: the first click opens the
    sitting on the server and is confirmed (已保存 only once the server confirmed)."""
    from grader.exam.service_client import URL_ENV
    from grader.widgets import ExamPaper

    CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
    store = SittingStore(tmp_path / "sittings" / "sittings.db")
    url = _serve_in_thread(store)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "rt001")
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:9/services/exam/")  # nothing listens there
    data = {
        "exam": SPEC.id,
        "title": "年度考试",
        "seed": 1,
        "time_limit": 30,
        "closes_at_text": "2026-12-10 17:00",
        "questions": [
            {"id": "q1", "type": "single", "stem": "题干", "options": [["A", "甲"], ["B", "乙"]], "points": 2}
        ],
    }
    paper = ExamPaper(data, folder=tmp_path, user="rt001")
    assert "refused" in paper.sitting and store.sittings(SPEC.id, "rt001") == []
    paper.service.url = url  # the service is back
    widget = paper.ask(1)
    widget.choice.value = "B"
    assert "服务器已确认" in widget.status.value, widget.status.value
    [sitting] = store.sittings(SPEC.id, "rt001")
    assert store.counted(SPEC, "rt001", CLOCK[0] + timedelta(hours=1))[1] == {"q1": "B"}
    assert sitting.opened_at == CLOCK[0]
