"""The staff side of the exam service: called from the person's kernel (and from `nbgrader submit`
in their server) with their own hub token, so nobody can save as another.

On a hub the spawner sets LAWSTUDY_EXAM_SERVICE_URL; the server gives JUPYTERHUB_API_TOKEN. With
either missing (`lawstudy lab` on one machine) `ExamServiceClient.from_env()` is None and the
answers file is the only record (the file-based path).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

URL_ENV = "LAWSTUDY_EXAM_SERVICE_URL"


class ExamServiceClient:
    def __init__(self, url: str, token: str, timeout: float = 10.0):
        self.url = url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_env(cls) -> ExamServiceClient | None:
        url, token = os.environ.get(URL_ENV), os.environ.get("JUPYTERHUB_API_TOKEN")
        return cls(url, token) if url and token else None

    def call(self, path: str, payload: dict | None = None, method: str = "POST") -> tuple[bool, dict]:
        """(True, answer) when the service confirmed; (False, {"error", "message"}) otherwise."""
        data = json.dumps(payload or {}, ensure_ascii=False).encode("utf-8") if method == "POST" else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return True, json.loads(r.read() or b"null") or {}
        except urllib.error.HTTPError as error:
            try:
                body = json.loads(error.read())
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            return False, {
                **body,
                "error": body.get("error", str(error.code)),
                "message": body.get("message", str(error)),
            }
        except (OSError, ValueError) as error:
            return False, {"error": "unreachable", "message": f"无法连接考试服务：{error}"}

    def open(self, exam: str, again: bool = False) -> tuple[bool, dict]:
        """Open (or reopen) the person's sitting; `again` starts their next attempt. The reply holds
        the person's questions and saved answers while the sitting is open."""
        return self.call("api/open", {"exam": exam, "again": again})

    def save(self, exam: str, question: str, answer) -> tuple[bool, dict]:
        return self.call("api/save", {"exam": exam, "question": question, "answer": answer})

    def hand_in(self, exam: str) -> tuple[bool, dict]:
        return self.call("api/handin", {"exam": exam})

    def lesson_open(self, course: str, lesson: str) -> tuple[bool, dict]:
        """Open a lesson session (server time); the reply's "session" goes with each answer."""
        return self.call("api/lesson", {"course": course, "lesson": lesson, "kind": "open"})

    def lesson_answer(self, course: str, session: str, question: str, answer) -> tuple[bool, dict]:
        """Send a practice answer; the service scores it itself and says whether it counts."""
        return self.call(
            "api/lesson",
            {"course": course, "kind": "answer", "session": session, "question": question, "answer": answer},
        )
