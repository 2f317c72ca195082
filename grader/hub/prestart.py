"""Pre-start: the servers of everyone sitting an exam, started through the hub ahead of `opens_at`,
a few at a time, so that at 08:30 people find their server running instead of queueing for it.

Who: the exam's people are the staff on the roster (the hub group nbgrader-lawstudy, the people
the exam service lets open a sitting); trainers and admins are not started. When: the exam's
windows from its paper (the spec it was built from): from `before` minutes ahead of a window's
`opens_at` until it closes. How: the hub's REST API with the ops service's token
(`POST /hub/api/users/U/server`), at most `pace` starts in flight (default: one per core, the
same pace as the hub's start queue, grader/hub/spawn_queue.py), each followed until the hub
says it is ready. Servers left idle after the window are stopped by jupyterhub-idle-culler
(a hub service, settings `cull_timeout`).
"""

from __future__ import annotations

import os
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from grader.hub.control import api
from grader.hub.settings import HubError, people
from grader.instance import Instance
from grader.vocabulary import CHINA

DEFAULT_BEFORE = 30  # minutes ahead of opens_at
POLL = 1.0  # seconds between looks at a starting server


@dataclass
class PrestartResult:
    """What a pre-start did: servers `started` (ready), `running` already, `failed` (user -> why),
    the window it prepared, and the seconds it took."""

    exam_id: str
    opens_at: datetime
    started: list[str] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def exam_window(inst: Instance, exam_id: str, now: datetime, before: float) -> tuple[datetime, datetime]:
    """(opens_at, closes_at) of the exam's window (the regular one, else the make-up) that `now`
    falls in or is at most `before` minutes ahead of. Raises HubError (Chinese) when the paper is
    not built, or the time is too early or after the last window."""
    from grader.exams.paper import load_paper, paper_path

    if not paper_path(inst.papers, exam_id).exists():
        raise HubError(f"找不到考试 {exam_id} 的试卷：请先 lawstudy exam build {exam_id}")
    spec = load_paper(inst.papers, exam_id).spec
    lead = timedelta(minutes=before)
    for window in spec.windows:
        if window.opens_at - lead <= now <= window.closes_at:
            return window.opens_at, window.closes_at
    upcoming = [w for w in spec.windows if now < w.opens_at - lead]
    if upcoming:
        first = upcoming[0]
        earliest = (first.opens_at - lead).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        raise HubError(
            f"考试 {exam_id} 于 {first.text()} 开放；预启动最早在开考前 {before:g} 分钟（{earliest}）进行，"
            "请到时再运行，或用 --before 加大提前量"
        )
    raise HubError(f"考试 {exam_id} 的所有考试时段（含补考）都已结束，无需预启动")


def exam_people(inst: Instance) -> list[str]:
    """Hub user names of the people who sit the exams: the active staff on the roster."""
    return sorted(people(inst).staff)


def prestart(
    inst: Instance,
    exam_id: str,
    before: float = DEFAULT_BEFORE,
    pace: int = 0,
    now: datetime | None = None,
    timeout: float = 600,
    log: Callable[[str], object] = lambda _line: None,
) -> PrestartResult:
    """Start, through the hub's REST API, the servers of everyone sitting `exam_id`, at most
    `pace` at once (0: the number of cores), and wait until each is ready (at most `timeout`
    seconds for one server). Servers already running or starting are left as they are.

    Raises HubError when the exam has no paper, it is too early (more than `before` minutes
    ahead of opens_at) or too late, or the hub does not answer. A server that fails to start is
    reported in `failed`, never raised: the others still start."""
    now = now or datetime.now(UTC)
    opens_at, _closes = exam_window(inst, exam_id, now, before)
    pace = pace or os.cpu_count() or 1
    result = PrestartResult(exam_id, opens_at)
    started = time.monotonic()
    todo = exam_people(inst)
    inflight: dict[str, float] = {}
    queue = []
    for user in todo:  # one by one: GET /users pages at 50 (api_page_default_limit)
        try:
            model = api(inst, "GET", f"/users/{user}", timeout=60) or {}
        except urllib.error.HTTPError as error:
            if error.code == 404:  # on the roster but not yet a hub user: `lawstudy hub users`
                result.failed[user] = "不是 hub 用户（请先 lawstudy hub users）"
                continue
            raise HubError(f"hub 拒绝了请求：HTTP {error.code}") from error
        except OSError as error:
            raise HubError(f"hub 没有响应：{error}（请先 lawstudy hub start）") from error
        server = (model.get("servers") or {}).get("")
        if server and server.get("ready"):
            result.running.append(user)
        elif server and server.get("pending") == "spawn":
            inflight[user] = time.monotonic()
        else:
            queue.append(user)
    total = len(queue) + len(inflight)
    while queue or inflight:
        while queue and len(inflight) < pace:
            user = queue.pop(0)
            try:
                api(inst, "POST", f"/users/{user}/server", timeout=120)
            except urllib.error.HTTPError as error:
                if error.code != 400:  # 400: already running or pending
                    result.failed[user] = f"HTTP {error.code}"
                    continue
            except OSError as error:
                result.failed[user] = str(error)
                continue
            inflight[user] = time.monotonic()
        time.sleep(POLL)
        for user, since in list(inflight.items()):
            try:
                model = api(inst, "GET", f"/users/{user}", timeout=60)
            except OSError:
                continue  # a busy hub: look again
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                del inflight[user]
                result.started.append(user)
                log(
                    f"{len(result.started) + len(result.failed)}/{total} {user} 已启动（{time.monotonic() - since:.1f} 秒）"
                )
            elif not server:
                del inflight[user]
                result.failed[user] = "启动失败（见 hub.log）"
                log(f"{user} 启动失败")
            elif time.monotonic() - since > timeout:
                del inflight[user]
                result.failed[user] = f"{timeout:g} 秒内没有就绪"
    result.seconds = time.monotonic() - started
    return result
