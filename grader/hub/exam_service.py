"""The exam service (/services/exam/): the server keeps the clock, the answers and the hand-in.

A JupyterHub service run as the grader user (like the formgrader). Staff kernels call it through
the hub with their own server token (`JUPYTERHUB_API_TOKEN`); the service authenticates every
call with HubAuth and takes the person from the token, never from the request body, so nobody
can open, save or hand in as another. Its store (grader.exam.sittings) is a private SQLite file
in the instance's sittings/ folder (mode 700, the grader's alone).

API (JSON in, JSON out; every time is the service's own clock):
  POST api/open    {"exam": ID}                          -> the sitting (seconds_left, deadline)
  POST api/save    {"exam": ID, "question": Q, "answer": A} -> {"saved": true, "saved_at", "seconds_left"}
  POST api/handin  {"exam": ID}                          -> the sitting, closed by hand-in
  GET  api/sitting?exam=ID                               -> the sitting or null
  POST api/lesson  {"course", "lesson", "kind": opened|answered, "item"} -> {"recorded": true}
A refusal is HTTP 409 with {"error": code, "message": 中文}.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from grader.exam.sittings import SittingRefused, SittingStore, store_path
from grader.exam.spec import ExamSpec

SERVICE_NAME = "exam"
MAX_BODY = 64 * 1024


def make_app(
    store: SittingStore,
    spec_for: Callable[[str], ExamSpec | None],
    prefix: str,
    auth_mixin: type | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
):
    """The tornado application. `auth_mixin` gives `get_current_user` (HubAuthenticated on a hub;
    tests pass their own); the user's name is the only identity used."""
    from tornado import web

    base = auth_mixin or object

    class Api(base, web.RequestHandler):  # type: ignore[valid-type,misc]
        async def prepare(self):
            """Ask the hub who the token belongs to without blocking the service: HubAuthenticated's
            own `get_current_user` waits for the hub synchronously, so under a whole bureau one slow
            answer from the hub would hold up every other person's save."""
            hub_auth = getattr(self, "hub_auth", None)
            if hub_auth is None or hasattr(self, "_hub_auth_user_cache"):
                return
            model = await hub_auth.get_user(self, sync=False)
            try:
                self._hub_auth_user_cache = self.check_hub_user(model) if model else None
            except Exception:  # noqa: BLE001  (UserNotAllowed: no user, answered 403)
                self._hub_auth_user_cache = None

        def check_xsrf_cookie(self):  # token-authenticated API calls, no cookies
            return None

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

        def spec(self, data: dict) -> ExamSpec:
            exam = str(data.get("exam") or "")
            found = spec_for(exam) if exam else None
            if found is None:
                raise web.HTTPError(404, "exam")
            return found

        def answer(self, payload) -> None:
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.write(json.dumps(payload, ensure_ascii=False))

        def refused(self, error: SittingRefused) -> None:
            self.set_status(409)
            self.answer({"error": error.code, "message": str(error)})

    class Open(Api):
        @web.authenticated
        def post(self):
            user, data = self.user(), self.body()
            spec, t = self.spec(data), now()
            try:
                self.answer(store.open(spec, user, t).to_dict(t))
            except SittingRefused as error:
                self.refused(error)

    class Save(Api):
        @web.authenticated
        def post(self):
            user, data = self.user(), self.body()
            spec, t = self.spec(data), now()
            question = data.get("question")
            if not isinstance(question, str) or not question:
                raise web.HTTPError(400, "question")
            try:
                sitting = store.save(spec, user, question, data.get("answer"), t)
            except SittingRefused as error:
                self.refused(error)
                return
            self.answer({"saved": True, "saved_at": t.isoformat(), "seconds_left": sitting.seconds_left(t)})

    class HandIn(Api):
        @web.authenticated
        def post(self):
            user, data = self.user(), self.body()
            spec, t = self.spec(data), now()
            try:
                self.answer(store.hand_in(spec, user, t).to_dict(t))
            except SittingRefused as error:
                self.refused(error)

    class State(Api):
        @web.authenticated
        def get(self):
            user = self.user()
            spec, t = self.spec({"exam": self.get_argument("exam", "")}), now()
            found = store.current(spec, user, t)
            self.answer(found.to_dict(t) if found else None)

    class Lesson(Api):
        @web.authenticated
        def post(self):
            user, data = self.user(), self.body()
            fields = [str(data.get(k) or "") for k in ("course", "lesson", "kind", "item")]
            if not all(fields[:3]) or any(len(f) > 200 for f in fields):
                raise web.HTTPError(400, "course, lesson, kind")
            try:
                store.lesson_event(user, *fields, now())
            except SittingRefused as error:
                self.refused(error)
                return
            self.answer({"recorded": True})

    p = prefix.rstrip("/") + "/"
    return web.Application(
        [
            (p + "api/open", Open),
            (p + "api/save", Save),
            (p + "api/handin", HandIn),
            (p + "api/sitting", State),
            (p + "api/lesson", Lesson),
        ],
        cookie_secret=os.urandom(32),
    )


def _spec_loader(inst) -> Callable[[str], ExamSpec | None]:
    from grader.exam.paper import load_paper

    cache: dict[str, ExamSpec] = {}

    def spec_for(exam_id: str) -> ExamSpec | None:
        if exam_id not in cache:
            if "/" in exam_id or exam_id.startswith("."):
                return None
            try:
                cache[exam_id] = load_paper(inst.papers, exam_id).spec
            except Exception:  # an unknown exam is a 404, never a crash
                return None
        return cache[exam_id]

    return spec_for


def exam_service() -> None:
    """Run the service on the port of JUPYTERHUB_SERVICE_URL (started by the hub as the grader)."""
    from urllib.parse import urlparse

    from jupyterhub.services.auth import HubAuthenticated
    from tornado import ioloop

    from grader.instance import Instance

    inst = Instance.from_env(None)
    store = SittingStore(store_path(inst.home))
    app = make_app(store, _spec_loader(inst), os.environ["JUPYTERHUB_SERVICE_PREFIX"], HubAuthenticated)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app.listen(url.port or 80, url.hostname or "127.0.0.1")
    ioloop.IOLoop.current().start()


def service_store(home: Path) -> SittingStore | None:
    """The store, for grading and `course collect` (the grader's own process); None without one."""
    path = store_path(home)
    return SittingStore(path) if path.exists() else None
