"""Exam morning on a real hub (issue 25): people wait in line in Chinese, are served in order, and
a trainer's pre-start starts the servers of the exam's people and nobody else.

A hub of its own (four staff, one trainer; system users lsq-*), with one server starting at a
time (`concurrent_starts` 1) and a line of at most three (JupyterHub's concurrent_spawn_limit):
  - three staff ask for their server a moment apart: the third sees the Chinese waiting page with
    one person ahead of them, and the servers become ready in the order they were asked for;
  - the fourth, asking while the line is full, gets the Chinese "please wait" page (429), which
    reloads itself after Retry-After, never a bare error;
  - `lawstudy exam prestart` starts exactly the four staff's servers, not the trainer's, and the
    idle culler runs as a hub service under the grader's account;
  - `lawstudy hub status` counts every user and running server though the hub answers in pages of two.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from conftest_hub import EXAM_SPEC, ROOT, cli, shared_tmp, skip_reason

from grader.instance import Instance, username

pytestmark = [pytest.mark.hub, pytest.mark.e2e, pytest.mark.timeout(900)]

PREFIX = "lsq"
STAFF = [f"LSQ-S{i}" for i in range(1, 5)]
TRAINER = "LSQ-T1"


def _cleanup_users():
    import pwd

    from grader import hub

    for entry in pwd.getpwall():
        if entry.pw_name.startswith(PREFIX + "-") and hub.USER_COMMENT in entry.pw_gecos.split(","):
            hub.remove_system_user(entry.pw_name)


@pytest.fixture(scope="module")
def queue_hub():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from grader import exams, hub

    _cleanup_users()
    home = Path(tempfile.mkdtemp(prefix="lawstudy-queue-", dir=shared_tmp()))
    os.chmod(home, 0o711)
    private = Path(tempfile.mkdtemp(prefix="lawstudy-queue-private-"))
    inst = Instance(home)
    proc = None
    try:
        with (private / "roster.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["工号", "姓名", "科室", "类别"])
            for i, staff_id in enumerate(STAFF):
                w.writerow([staff_id, f"排队{i}", "测试科", "公务员"])
        cli("roster", "import", private / "roster.csv", "--home", home)
        cli("course", "build", "--home", home)
        year = time.localtime().tm_year
        exam_id = f"queue{year}"
        quizzes = private / "quizzes"
        (quizzes / "exams").mkdir(parents=True)
        for bank in (ROOT / "quizzes").glob("*.yaml"):
            shutil.copy(bank, quizzes / bank.name)
        (quizzes / "exams" / f"{exam_id}.yaml").write_text(
            EXAM_SPEC.format(exam_id=exam_id, year=year), encoding="utf-8"
        )
        ports = {
            k: hub.free_port() for k in ("hub_port", "proxy_api_port", "formgrader_port", "reports_port", "exam_port")
        }
        settings = hub.setup(
            inst,
            trainers=[TRAINER],
            port=hub.free_port(),
            ports={**ports, "concurrent_starts": 1, "spawn_queue_limit": 3},
            grader_user=f"{PREFIX}-grader",
            log=lambda *_: None,
        )
        # pages of two users, so `hub status` must page through the hub's list (a real hub answers
        # at most api_page_max_limit, 200, to a request without paging)
        with (home / "hub" / "jupyterhub_config.py").open("a", encoding="utf-8") as f:
            f.write("\nc.JupyterHub.api_page_default_limit = 2\nc.JupyterHub.api_page_max_limit = 2\n")
        exams.build(inst, exam_id, quizzes=quizzes)
        hub.apply_permissions(inst)
        cli("exam", "release", exam_id, "--home", home)
        with (home / "hub" / "initial-passwords.csv").open(encoding="utf-8") as f:
            passwords = {row[0]: row[2] for row in list(csv.reader(f))[1:]}
        proc = hub.start(inst, wait=120)
        yield {"inst": inst, "home": home, "url": settings.url, "passwords": passwords, "exam_id": exam_id}
    finally:
        try:
            if proc is not None:
                hub.stop(inst, proc, timeout=120)
        finally:
            _cleanup_users()
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(private, ignore_errors=True)


def _login(env, user) -> requests.Session:
    s = requests.Session()
    s.get(f"{env['url']}/hub/login", timeout=30).raise_for_status()
    r = s.post(
        f"{env['url']}/hub/login?next=",
        data={"username": user, "password": env["passwords"][user], "_xsrf": s.cookies.get("_xsrf", "")},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 302, r.text[:300]
    return s


def _model(env, user) -> dict:
    from grader import hub

    return hub.api(env["inst"], "GET", f"/users/{user}", timeout=60)


def _ready(env, user) -> bool:
    server = (_model(env, user).get("servers") or {}).get("")
    return bool(server and server.get("ready"))


def _stop_all(env, users):
    from grader import hub

    for user in users:
        try:
            hub.api(env["inst"], "DELETE", f"/users/{user}/server", timeout=120)
        except Exception:  # noqa: BLE001  (not running)
            pass
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any((_model(env, u).get("servers") or {}) for u in users):
        time.sleep(0.5)


def test_a_people_wait_in_line_in_chinese_and_are_served_in_order(queue_hub):
    env = queue_hub
    a, b, c, d = (username(s) for s in STAFF)
    sessions = {u: _login(env, u) for u in (a, b, c, d)}
    asked: dict[str, float] = {}
    answers: dict[str, int] = {}

    def ask(user):
        asked[user] = time.monotonic()
        r = sessions[user].get(f"{env['url']}/hub/spawn/{user}", allow_redirects=False, timeout=120)
        answers[user] = r.status_code

    threads = []
    for user in (a, b, c):  # a moment apart: the order they asked in is the order to be served
        t = threading.Thread(target=ask, args=(user,))
        t.start()
        threads.append(t)
        time.sleep(0.25)

    # the fourth asks while the line is full (three starts pending): the Chinese "please wait"
    # page, which reloads itself after Retry-After
    # (the hub sends text/html without a charset; the page's <meta charset="utf-8"> says UTF-8)
    busy = sessions[d].get(f"{env['url']}/hub/spawn/{d}", allow_redirects=False, timeout=60)
    assert busy.status_code == 429, busy.status_code
    text = busy.content.decode("utf-8")
    assert "登录的人较多，请稍候" in text and "自动重试" in text, text[:500]
    retry = int(busy.headers["Retry-After"])
    assert f'http-equiv="refresh" content="{retry}"' in text
    assert "Too many users" not in text

    # the third in line sees the waiting page with one person ahead of them and a rough time
    # (its own session with c's cookies: c's first request is still waiting on the hub)
    look = requests.Session()
    look.cookies.update(sessions[c].cookies)
    seen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _ready(env, c):
        page = look.get(f"{env['url']}/hub/spawn-pending/{c}", timeout=60)
        assert page.status_code == 200, page.status_code
        body = page.content.decode("utf-8")
        if "您前面还有 1 人" in body or ("您前面还有 0 人" in body and not seen):
            seen = body
            if "您前面还有 1 人" in seen:
                break
        time.sleep(0.1)
    assert seen, "the waiting page never showed c's place in line"
    assert "正在为您准备学习环境" in seen and "预计" in seen and "页面会自动刷新" in seen
    assert "EventSource" in seen  # it follows the start live, and reloads itself when the stream drops

    ready_at: dict[str, float] = {}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(ready_at) < 3:
        for user in (a, b, c):
            if user not in ready_at and _ready(env, user):
                ready_at[user] = time.monotonic()
        time.sleep(0.2)
    for t in threads:
        t.join(150)
    assert set(ready_at) == {a, b, c}, f"not ready: {set((a, b, c)) - set(ready_at)}"
    assert sorted(ready_at, key=ready_at.get) == [a, b, c], ready_at  # served in the order they asked
    assert all(code in (302, 200) for code in answers.values()), answers
    log = (env["home"] / "hub" / "hub.log").read_text(encoding="utf-8", errors="replace")
    assert f"start queue: {c}/ waited" in log
    _stop_all(env, [a, b, c])


def test_b_prestart_starts_the_exams_people_and_nobody_else(queue_hub):
    env = queue_hub
    staff = [username(s) for s in STAFF]
    trainer = username(TRAINER)
    done = cli("exam", "prestart", env["exam_id"], "--pace", "2", "--home", env["home"], timeout=600)
    assert f"预启动 {len(staff)} 台服务器" in done.stdout, done.stdout
    assert all(_ready(env, u) for u in staff)
    assert not (_model(env, trainer).get("servers") or {}), "the trainer's server was started"
    # again: nothing to start, everyone is running
    again = cli("exam", "prestart", env["exam_id"], "--home", env["home"], timeout=300)
    assert f"预启动 0 台服务器，{len(staff)} 台原已在运行" in again.stdout, again.stdout
    # an exam without a paper: one clear message, no traceback
    missing = cli("exam", "prestart", "no-such-exam", "--home", env["home"], check=False)
    assert missing.returncode == 1 and "找不到考试 no-such-exam 的试卷" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr
    # the idle culler stops idle servers after the window: a hub service run as the grader
    import psutil

    culler = [
        p
        for p in psutil.process_iter(["username", "cmdline"])
        if p.info["username"] == f"{PREFIX}-grader"
        and any("jupyterhub_idle_culler" in c for c in p.info["cmdline"] or [])
    ]
    assert culler, "no jupyterhub-idle-culler running as the grader"
    # `lawstudy hub status` counts every user and every running server, past the hub's first page
    from grader import hub

    paged = requests.get(
        f"{env['url']}/hub/api/users",
        headers={
            "Authorization": f"token {hub.ops_token(env['inst'])}",
            "Accept": "application/jupyterhub-pagination+json",
        },
        timeout=30,
    ).json()
    total = paged["_pagination"]["total"]
    assert total > len(paged["items"]), paged["_pagination"]  # the hub really answers in pages
    status = cli("hub", "status", "--home", env["home"])
    assert f"用户 {total}，在线服务器 {len(staff)}" in status.stdout, status.stdout
    assert all(u in status.stdout for u in staff), status.stdout
    _stop_all(env, staff)
