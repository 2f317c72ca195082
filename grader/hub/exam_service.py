"""The exam service (/services/exam/): the server keeps the clock, the paper, the answers and the hand-in.

A JupyterHub service run as the grader user (like the formgrader). Staff kernels call it through
the hub with their own server token (`JUPYTERHUB_API_TOKEN`); the service authenticates every
call with HubAuth and takes the person from the token, never from the request body, so nobody
can open, save or hand in as another. Its store (grader.exams.sittings) is a private SQLite file
in the instance's sittings/ folder (mode 700, the grader's alone).

The paper itself comes from here: an exam built on a hub instance is released without its
questions (grader.exams.notebook), and the question text reaches a person only inside their
sitting, in their own order, without keys: the clock starts when the questions are first seen.

API (JSON in, JSON out; every time is the service's own clock):
  POST api/open    {"exam": ID, "again": bool}  -> the sitting, with "questions" (this person's
                   order, no keys) and "saved" (their answers so far) while it is open
  POST api/save    {"exam": ID, "question": Q, "answer": A} -> {"saved": true, "saved_at", "seconds_left"}
  POST api/handin  {"exam": ID}                 -> the sitting, closed by hand-in
  GET  api/sitting?exam=ID                      -> the sitting (no questions) or null
  POST api/lesson  {"course", "lesson", "kind": "open"}          -> {"session": token}
                   {"kind": "answer", "session", "question", "answer"} -> {"recorded", "timely"}
A refusal is HTTP 409 with {"error": code, "message": 中文, ...}.

Bounds (one local account must not exhaust the grader's service mid-exam): a body over
MAX_BODY bytes is refused from its Content-Length before it is read, a body must arrive within
BODY_TIMEOUT seconds, at most MAX_CONNECTIONS connections are served at once (more are closed at
once), and the hub starts the process under an address-space limit (`python -m grader.hub limited`,
settings `service_memory_mb`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from jupyterhub.services.auth import HubAuthenticated
from tornado import httpserver, web

from grader.answers import display_order
from grader.exams.sittings import MIN_PRACTICE_SECONDS, SittingRefused, SittingStore, store_path
from grader.scoring import Key, normalize_response, score

SERVICE_NAME = "exam"
MAX_BODY = 64 * 1024
BODY_TIMEOUT = 10.0
MAX_CONNECTIONS = 400


class ExamApi(HubAuthenticated, web.RequestHandler):
    """The base of every call: the person from their hub token (or the application's `identify`
    in tests), JSON bodies within MAX_BODY, refusals as 409 with a Chinese message.

    Application settings: `store` (SittingStore), `paper_for(exam_id) -> Paper | None`,
    `practice_for(course_id) -> Practice | None`, `now() -> datetime`, `min_practice_seconds`,
    and optionally `identify(handler) -> user name | None` (instead of the hub)."""

    async def prepare(self):
        """Ask the hub who the token belongs to without blocking the service: HubAuthenticated's
        own `get_current_user` waits for the hub synchronously, so under a whole bureau one slow
        answer from the hub would hold up every other person's save."""
        identify = self.settings.get("identify")
        if identify is not None:
            name = identify(self)
            self._hub_auth_user_cache = {"name": name} if name else None
            return
        model = await self.hub_auth.get_user(self, sync=False)
        try:
            self._hub_auth_user_cache = self.check_hub_user(model) if model else None
        except Exception:  # noqa: BLE001  (UserNotAllowed: no user, answered 403)
            self._hub_auth_user_cache = None

    def check_xsrf_cookie(self):  # token-authenticated API calls, no cookies
        return None

    @property
    def store(self) -> SittingStore:
        return self.settings["store"]

    def now(self) -> datetime:
        return self.settings["now"]()

    def user(self) -> str:
        user = self.current_user
        if not user:
            raise web.HTTPError(403)
        return user["name"] if isinstance(user, dict) else str(user)

    def body(self) -> dict:
        if len(self.request.body) > MAX_BODY:
            raise web.HTTPError(413)
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "JSON object")
        return data

    def paper(self, data: dict):
        exam = data.get("exam")
        found = self.settings["paper_for"](exam) if isinstance(exam, str) and exam else None
        if found is None:
            raise web.HTTPError(404, "exam")
        return found

    def answer(self, payload) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(payload, ensure_ascii=False))

    def refused(self, error: SittingRefused) -> None:
        self.set_status(409)
        self.answer({"error": error.code, "message": str(error), **error.extra})


class OpenHandler(ExamApi):
    """Open (or reopen) the person's sitting; while it is open, hand them their paper."""

    @web.authenticated
    def post(self):
        user, data = self.user(), self.body()
        paper, t = self.paper(data), self.now()
        try:
            sitting = self.store.open(paper.spec, user, t, again=data.get("again") is True)
        except SittingRefused as error:
            self.refused(error)
            return
        reply = sitting.to_dict(t)
        reply["questions"] = display_order(paper.display(), paper.spec.seed, user)
        reply["saved"] = self.store.answers(sitting)
        reply["attempts"] = paper.spec.attempts
        self.answer(reply)


class SaveHandler(ExamApi):
    @web.authenticated
    def post(self):
        user, data = self.user(), self.body()
        paper, t = self.paper(data), self.now()
        question = data.get("question")
        # the key of the question saved, only (building all 50 keys cost more than the save itself)
        found = next((q for q in paper.questions if q.id == question), None) if isinstance(question, str) else None
        if found is None:
            self.refused(SittingRefused("bad-question", "试卷上没有这道题"))
            return
        value = data.get("answer")
        if value not in (None, []) and normalize_response(found.key, value) is None:
            self.refused(SittingRefused("bad-answer", "答案不是本题的有效选项，未保存"))
            return
        try:
            sitting = self.store.save(paper.spec, user, question, value, t)
        except SittingRefused as error:
            self.refused(error)
            return
        self.answer({"saved": True, "saved_at": t.isoformat(), "seconds_left": sitting.seconds_left(t)})


class HandInHandler(ExamApi):
    @web.authenticated
    def post(self):
        user, data = self.user(), self.body()
        paper, t = self.paper(data), self.now()
        try:
            self.answer(self.store.hand_in(paper.spec, user, t).to_dict(t))
        except SittingRefused as error:
            self.refused(error)


class SittingHandler(ExamApi):
    @web.authenticated
    def get(self):
        user = self.user()
        paper, t = self.paper({"exam": self.get_argument("exam", "")}), self.now()
        found = self.store.current(paper.spec, user, t)
        self.answer(found.to_dict(t) if found else None)


class LessonHandler(ExamApi):
    """Lesson study for 学时: a session opened at server time, then practice answers the service
    scores itself against the course's practice keys (the kernel's word about right or wrong,
    or about which question it answered, is never taken)."""

    @web.authenticated
    def post(self):
        user, data = self.user(), self.body()
        course, kind = data.get("course"), data.get("kind")
        practice = self.settings["practice_for"](course) if isinstance(course, str) and course else None
        if practice is None:
            raise web.HTTPError(404, "course")
        t = self.now()
        try:
            if kind == "open":
                lesson = data.get("lesson")
                if not isinstance(lesson, str) or lesson not in practice.lessons:
                    raise SittingRefused("bad-lesson", "课程中没有这个课时")
                self.answer({"session": self.store.lesson_open(user, course, lesson, t)})
                return
            if kind != "answer":
                raise SittingRefused("bad-kind", f"未知事件 {kind!r}")
            token, question = data.get("session"), data.get("question")
            found = self.store.session(user, token) if isinstance(token, str) else None
            if found is None:
                raise SittingRefused("bad-session", "学习记录无效：请重新打开本课时")
            if not isinstance(question, str) or question not in practice.lessons.get(found[2], []):
                raise SittingRefused("bad-question", "本课时没有这道练习题")
            key = practice.keys[question]
            value = data.get("answer")
            if normalize_response(key, value) is None:
                raise SittingRefused("bad-answer", "答案不是本题的有效选项，未记录")
            got = self.store.practice_answer(
                user, token, question, value, score(key, value), key.points, t, self.settings["min_practice_seconds"]
            )
        except SittingRefused as error:
            self.refused(error)
            return
        self.answer({"recorded": True, "timely": got.timely})


def make_app(
    store: SittingStore,
    paper_for: Callable,
    prefix: str,
    practice_for: Callable | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    identify: Callable | None = None,
    min_practice_seconds: float = MIN_PRACTICE_SECONDS,
) -> web.Application:
    """The tornado application. `paper_for(exam_id)` gives the trainer's Paper (or None);
    `practice_for(course_id)` a Practice (or None); `identify(handler)` stands for the hub's
    token check in tests (the name it returns is the only identity used)."""
    p = prefix.rstrip("/") + "/"
    settings: dict = {
        "store": store,
        "paper_for": paper_for,
        "practice_for": practice_for or (lambda _course: None),
        "now": now,
        "min_practice_seconds": min_practice_seconds,
        "cookie_secret": os.urandom(32),
    }
    if identify is not None:
        settings["identify"] = identify
    return web.Application(
        [
            (p + "api/open", OpenHandler),
            (p + "api/save", SaveHandler),
            (p + "api/handin", HandInHandler),
            (p + "api/sitting", SittingHandler),
            (p + "api/lesson", LessonHandler),
        ],
        **settings,
    )


class BoundedHTTPServer(httpserver.HTTPServer):
    """tornado's HTTPServer that serves at most `max_connections` connections at a time: one more
    is closed at once (a person's kernel retries; a flood from one account cannot starve the rest)."""

    max_connections = MAX_CONNECTIONS

    def handle_stream(self, stream, address):
        if len(self._connections) >= self.max_connections:
            stream.close()
            return
        super().handle_stream(stream, address)


def serve(app: web.Application, port: int, host: str = "127.0.0.1", max_connections: int = MAX_CONNECTIONS):
    """Listen with the bounds: bodies over MAX_BODY refused from Content-Length (before reading),
    BODY_TIMEOUT for a body to arrive, idle connections closed, `max_connections` at most."""
    server = BoundedHTTPServer(
        app,
        max_body_size=MAX_BODY,
        max_buffer_size=MAX_BODY * 2,
        body_timeout=BODY_TIMEOUT,
        idle_connection_timeout=60,
    )
    server.max_connections = max_connections
    server.listen(port, host)
    return server


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS): past it an allocation fails in this service
    alone, never the machine the whole bureau is sitting on."""
    import resource

    limit = megabytes * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class Practice:
    """A released course's practice questions as the service scores them: `lessons` (lesson id ->
    practice question ids, from the staged course.json) and `keys` (question id -> Key, from its
    practice.json)."""

    def __init__(self, lessons: dict[str, list[str]], keys: dict[str, Key]):
        self.lessons = lessons
        self.keys = keys

    @classmethod
    def load(cls, folder: Path) -> Practice:
        meta = json.loads((folder / "course.json").read_text(encoding="utf-8"))
        questions = json.loads((folder / "practice.json").read_text(encoding="utf-8"))["questions"]
        lessons = {str(k): [str(q) for q in v] for k, v in (meta.get("practice") or {}).items()}
        wanted = {q for ids in lessons.values() for q in ids}
        return cls(lessons, {q: Key.from_dict(questions[q]) for q in wanted if q in questions})


def _cached(load: Callable[[str], tuple[Path, Callable[[], object]]]) -> Callable[[str], object | None]:
    """A loader that reloads when its file changes (a rebuilt exam or course needs no restart)."""
    cache: dict[str, tuple[float, object]] = {}

    def get(name: str):
        if not name or "/" in name or name.startswith(".") or len(name) > 200:
            return None
        try:
            path, make = load(name)
            stamp = path.stat().st_mtime
            if name not in cache or cache[name][0] != stamp:
                cache[name] = (stamp, make())
            return cache[name][1]
        except Exception:  # noqa: BLE001  (an unknown or broken exam/course is a 404, never a crash)
            return None

    return get


def paper_loader(inst) -> Callable[[str], object | None]:
    from grader.exams.paper import load_paper, paper_path

    return _cached(lambda exam_id: (paper_path(inst.papers, exam_id), lambda: load_paper(inst.papers, exam_id)))


def practice_loader(inst) -> Callable[[str], object | None]:
    return _cached(lambda course: (inst.source(course) / "practice.json", lambda: Practice.load(inst.source(course))))


def exam_service() -> None:
    """Run the service on the port of JUPYTERHUB_SERVICE_URL (started by the hub as the grader)."""
    from urllib.parse import urlparse

    from tornado import ioloop

    from grader.instance import Instance

    inst = Instance.from_env(None)
    store = SittingStore(store_path(inst.home))
    papers = paper_loader(inst)
    for found in sorted(inst.papers.glob("*/paper.json")):  # loaded now, not while the first caller waits
        papers(found.parent.name)
    app = make_app(
        store,
        papers,
        os.environ["JUPYTERHUB_SERVICE_PREFIX"],
        practice_loader(inst),
        min_practice_seconds=float(os.environ.get("LAWSTUDY_MIN_PRACTICE_SECONDS") or MIN_PRACTICE_SECONDS),
    )
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    serve(app, url.port or 80, url.hostname or "127.0.0.1")
    ioloop.IOLoop.current().start()


def service_store(home: Path) -> SittingStore | None:
    """The store, for grading and `course collect` (the grader's own process); None without one."""
    path = store_path(home)
    return SittingStore(path) if path.exists() else None
