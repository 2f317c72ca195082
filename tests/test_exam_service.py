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


def make_paper(spec=None):
    """A two-question paper (one single, one judge) as the trainer's paper file holds it."""
    from grader.exam.paper import Paper, PaperQuestion

    questions = [
        PaperQuestion(
            "q1",
            "b",
            "single",
            "单选题干甲乙丙",
            [["A", "选项甲甲甲甲甲"], ["B", "选项乙乙乙乙乙"]],
            "B",
            50,
            0,
            "解析一",
            [],
        ),
        PaperQuestion("q2", "b", "judge", "判断题干丁戊己", [], True, 50, 0, "解析二", []),
    ]
    return Paper(spec or SPEC, questions, delivery="service")


PAPER = make_paper()


def header_user(handler):
    """Stands for the hub's token check: the user is who the (test) token says, never the body."""
    token = handler.request.headers.get("Authorization", "")
    return token.removeprefix("token ") if token.startswith("token ") else None


class Practice:
    lessons = {"01-总则": ["p1"]}

    def __init__(self):
        from grader.scoring import Key

        self.keys = {"p1": Key("single", "A", 2.0, options=frozenset("ABCD"))}


def build_app(store, clock=lambda: CLOCK[0]):
    return make_app(
        store,
        lambda e: PAPER if e == SPEC.id else None,
        "/services/exam/",
        lambda c: Practice() if c == "burial" else None,
        now=clock,
        identify=header_user,
        min_practice_seconds=8,
    )


class ServiceTest(tornado_testing.AsyncHTTPTestCase):
    def get_app(self):
        import tempfile
        from pathlib import Path

        self.tmp = tempfile.mkdtemp()
        self.store = SittingStore(Path(self.tmp) / "sittings" / "sittings.db")
        return build_app(self.store)

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

    def test_the_paper_comes_inside_the_sitting_in_the_persons_order_without_keys(self):
        from grader.answers import display_order

        CLOCK[0] = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)  # half an hour before the exam opens
        code, early = self.call("open", {"exam": SPEC.id})
        assert code == 409 and early["error"] == "not-open" and "questions" not in early
        CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
        code, sitting = self.call("open", {"exam": SPEC.id})
        assert code == 200
        assert sitting["questions"] == display_order(PAPER.display(), SPEC.seed, "rt001")
        text = json.dumps(sitting, ensure_ascii=False)
        assert "解析" not in text and '"answer"' not in text and "basis" not in text
        assert self.call("save", {"exam": SPEC.id, "question": "q2", "answer": False})[0] == 200
        code, again = self.call("open", {"exam": SPEC.id})  # reopening: the same sitting, answers restored
        assert code == 200 and again["saved"] == {"q2": False} and again["opened_at"] == sitting["opened_at"]
        code, bad = self.call("save", {"exam": SPEC.id, "question": "q9", "answer": "A"})
        assert code == 409 and bad["error"] == "bad-question"
        code, bad = self.call("save", {"exam": SPEC.id, "question": "q1", "answer": "Z"})
        assert code == 409 and bad["error"] == "bad-answer"
        assert self.call("handin", {"exam": SPEC.id})[0] == 200
        code, closed = self.call("open", {"exam": SPEC.id})  # handed in: no paper any more
        assert code == 409 and closed["error"] == "handed-in" and "questions" not in closed

    def test_lesson_answers_are_scored_by_the_service_in_the_persons_own_session(self):
        CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
        code, opened = self.call("lesson", {"course": "burial", "lesson": "01-总则", "kind": "open"})
        assert code == 200 and opened["session"]
        code, bad = self.call("lesson", {"course": "burial", "lesson": "no-such", "kind": "open"})
        assert code == 409 and bad["error"] == "bad-lesson"
        body = {"course": "burial", "kind": "answer", "session": opened["session"], "question": "p1"}
        code, fast = self.call("lesson", {**body, "answer": "B"})  # at once: received, scored, not timely
        assert code == 200 and fast == {"recorded": True, "timely": False}
        CLOCK[0] += timedelta(seconds=20)
        code, ok = self.call("lesson", {**body, "answer": "A"})
        assert code == 200 and ok["timely"]
        code, bad = self.call("lesson", {**body, "answer": "Q"})
        assert code == 409 and bad["error"] == "bad-answer"
        code, bad = self.call("lesson", {**body, "question": "p9", "answer": "A"})
        assert code == 409 and bad["error"] == "bad-question"
        code, bad = self.call("lesson", {**body, "answer": "A"}, user="rt002")  # someone else's session
        assert code == 409 and bad["error"] == "bad-session"
        code, _ = self.call("lesson", {"course": "burial", "lesson": "01-总则", "kind": "opened"})  # old kind
        assert code == 409
        assert self.store.studied("rt001", "burial", Practice.lessons)[0] is True
        assert self.store.studied("rt002", "burial", Practice.lessons)[0] is False


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


def _serve_in_thread(store: SittingStore, max_connections: int = 400):
    """The real service app on a free loopback port, in its own thread and IOLoop."""
    import asyncio
    import socket
    import threading

    from grader.hub.exam_service import serve

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ready = threading.Event()

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        serve(build_app(store), port, "127.0.0.1", max_connections=max_connections)
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


def _raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes to the service and read what it answers until it closes (or `timeout`)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except TimeoutError:
            chunks.append(b"<still open>")
        except ConnectionResetError:
            pass  # closed by the service
        return b"".join(chunks)


def test_a_huge_body_is_refused_from_its_length_before_it_is_read(tmp_path):
    """An account announcing a 100 MB body gets an answer at once without the service reading it
    (nor its token being checked first), and honest saves go on."""
    import time

    from grader.exam.service_client import ExamServiceClient

    CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
    store = SittingStore(tmp_path / "sittings" / "sittings.db")
    url = _serve_in_thread(store)
    port = int(url.split(":")[2].split("/")[0])
    started = time.monotonic()
    reply = _raw(
        port,
        b"POST /services/exam/api/save HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 104857600\r\n\r\n" + b"{" * 1000,
    )
    assert time.monotonic() - started < 4 and b"<still open>" not in reply, reply[:200]
    assert reply == b"" or reply.startswith((b"HTTP/1.1 400", b"HTTP/1.1 413")), reply[:200]
    honest = ExamServiceClient(url, "rt001")
    assert honest.open(SPEC.id)[0] and honest.save(SPEC.id, "q1", "A")[0]


def test_connections_past_the_cap_are_closed_and_a_slow_body_times_out(tmp_path, monkeypatch):
    import socket

    from grader.exam.service_client import ExamServiceClient
    from grader.hub import exam_service

    monkeypatch.setattr(exam_service, "BODY_TIMEOUT", 1.0)
    CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
    store = SittingStore(tmp_path / "sittings" / "sittings.db")
    url = _serve_in_thread(store, max_connections=5)
    port = int(url.split(":")[2].split("/")[0])
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(5)]
    try:
        extra = socket.create_connection(("127.0.0.1", port), timeout=5)
        extra.sendall(b"GET /services/exam/api/sitting?exam=x HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            assert extra.recv(100) == b""  # closed at once: the cap is reached
        except ConnectionResetError:
            pass  # closed at once, before it was read
        extra.close()
    finally:
        for sock in held:
            sock.close()
    import time

    honest = ExamServiceClient(url, "rt001")
    deadline = time.monotonic() + 10
    while not honest.open(SPEC.id)[0]:  # served again once the service saw them close
        assert time.monotonic() < deadline
        time.sleep(0.1)
    # a body that never finishes arriving is dropped after BODY_TIMEOUT, not waited for
    started = time.monotonic()
    reply = _raw(
        port,
        b"POST /services/exam/api/save HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{",
        timeout=8,
    )
    assert b"<still open>" not in reply and 0.5 < time.monotonic() - started < 6
    assert honest.save(SPEC.id, "q1", "A")[0]


def test_the_exam_widget_on_a_hub_shows_questions_only_inside_a_sitting(tmp_path, monkeypatch):
    """A notebook released on a hub holds no question: the widget gets them when the sitting opens;
    after the hand-in they are gone, and a next attempt starts only from its button."""
    from grader.exam.service_client import URL_ENV
    from grader.widgets import ExamPaper

    spec2 = ExamSpec.from_dict({**SPEC.to_dict(), "attempts": 2})
    paper2 = make_paper(spec2)
    store = SittingStore(tmp_path / "sittings" / "sittings.db")
    CLOCK[0] = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)  # before the window
    import asyncio
    import socket
    import threading

    from grader.hub.exam_service import serve

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ready = threading.Event()

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = make_app(
            store,
            lambda e: paper2 if e == SPEC.id else None,
            "/services/exam/",
            identify=header_user,
            now=lambda: CLOCK[0],
        )
        serve(app, port)
        ready.set()
        asyncio.get_event_loop().run_forever()

    threading.Thread(target=run, daemon=True).start()
    assert ready.wait(10)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "rt001")
    monkeypatch.setenv(URL_ENV, f"http://127.0.0.1:{port}/services/exam/")
    data = {"exam": SPEC.id, "title": "年度考试", "seed": 1, "time_limit": 30, "delivery": "service"}
    early = ExamPaper(data, folder=tmp_path, user="rt001")
    assert early.questions == [] and early.sitting["error"] == "not-open"
    assert early.ask(1).question == {} and early.button.layout.display is None  # a button to start later
    CLOCK[0] = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
    early.start_next()  # the window opened: the button opens the sitting and fills the places
    assert [q["id"] for q in early.questions] and early.ask(1).question["id"] in ("q1", "q2")
    paper = ExamPaper(data, folder=tmp_path, user="rt001")  # reopened: the same sitting
    assert paper.sitting["attempt"] == 1 and len(paper.questions) == 2
    judge = next(n for n in (1, 2) if paper.ask(n).question["type"] == "judge")
    paper.ask(judge).choice.value = True
    assert "服务器已确认" in paper.ask(judge).status.value
    paper.service.hand_in(SPEC.id)
    after = ExamPaper(data, folder=tmp_path, user="rt001")
    assert after.questions == [] and after.sitting["error"] == "handed-in"
    assert after.button.description == "开始第 2 次作答" and len(store.sittings(SPEC.id, "rt001")) == 1
    after.start_next()
    assert after.sitting["attempt"] == 2 and len(after.questions) == 2
    assert after.saved == {}  # a new sitting starts empty
