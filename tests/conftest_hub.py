"""One real JupyterHub shared by tests/test_hub_e2e.py and tests/test_browser.py.

Not a conftest (pytest does not load it by itself): the two test modules import `hub_env` from
here. The hub is started once per test session (the fixture object is shared through a module
global with a reference count, because each importing module registers its own fixture) and
torn down when the last module is done, or at interpreter exit if pytest is interrupted:
hub, proxy, servers and kernels stopped, the system users it created removed, the instance
deleted.

What it builds, for real: an instance under /tmp (see `shared_tmp`) with a roster (three staff), one trainer and one
admin as system users with private homes, the lessons, one exam built and released with
`lawstudy exam`, the staff runtime venv refreshed from this checkout, and a hub on free loopback
ports.
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Every system user the tests create starts with this. Two runs at once on one machine (two
# checkouts) must each set their own, e.g. LAWSTUDY_E2E_PREFIX=lse2eb: a run removes the users
# a killed run of the same prefix left behind.
PREFIX = os.environ.get("LAWSTUDY_E2E_PREFIX", "lse2e")
_ID = PREFIX.upper()
STAFF = {f"{_ID}-S1": "测试甲", f"{_ID}-S2": "测试乙", f"{_ID}-S3": "测试丙"}
TRAINER, ADMIN = f"{_ID}-T1", f"{_ID}-A1"
GRADER_USER = f"{PREFIX}-grader"
EXAM_SPEC = """\
id: {exam_id}
title: 端到端测试考试
year: {year}
seed: 7
banks: [burial, social-assistance, social-organisations]
quotas:
  single: {{count: 3, points: 25}}
  judge: {{count: 1, points: 25}}
opens_at: {year}-01-01 00:00
closes_at: {year}-12-31 23:59
attempts: 3
"""


def shared_tmp() -> str:
    """A folder for throw-away instances that every account can enter (staff servers and the
    grader must reach the instance): $LAWSTUDY_E2E_TMP, else /tmp, else /var/tmp when /tmp is
    private on this machine (mode 700)."""
    chosen = os.environ.get("LAWSTUDY_E2E_TMP")
    if chosen:
        return chosen
    return "/tmp" if os.stat("/tmp").st_mode & 0o001 else "/var/tmp"


def skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (creates system users and runs JupyterHub with PAM and setuid spawning)"
    if not shutil.which("useradd") or not os.path.exists("/usr/bin/python3"):
        return "needs useradd and /usr/bin/python3"
    try:
        from grader.hub import find_proxy

        find_proxy()
    except Exception as error:  # noqa: BLE001
        return f"configurable-http-proxy missing (run install.sh): {error}"
    return None


def cli(*args, check=True, timeout=600, env=None):
    exe = BIN / "lawstudy"
    proc = subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=str(ROOT),
    )
    if check and proc.returncode:
        raise AssertionError(
            f"lawstudy {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@dataclass
class HubEnv:
    """A running hub and what the tests need to drive it."""

    home: Path
    url: str
    passwords: dict[str, str]
    exam_id: str
    year: int
    proc: subprocess.Popen | None = None
    inst: object = None
    tokens: dict[str, str] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    # -- the ops service token (what `lawstudy hub` commands use)
    def api(self, method, path, data=None, timeout=60):
        from grader import hub

        return hub.api(self.inst, method, path, data, timeout=timeout)

    def token(self, user: str) -> str:
        """A token owned by `user`, with that user's own permissions only."""
        if user not in self.tokens:
            self.tokens[user] = self.api("POST", f"/users/{user}/tokens", {"note": "e2e", "expires_in": 3600})["token"]
        return self.tokens[user]

    def session(self, user: str):
        import requests

        s = requests.Session()
        s.headers["Authorization"] = f"token {self.token(user)}"
        return s

    def login(self, user: str, password: str | None = None):
        """Log in through the hub's login form (PAM); returns the requests.Session with its cookies."""
        import requests

        s = requests.Session()
        s.get(f"{self.url}/hub/login", timeout=30).raise_for_status()
        r = s.post(
            f"{self.url}/hub/login?next=",
            timeout=60,
            allow_redirects=False,
            data={"username": user, "password": password or self.passwords[user], "_xsrf": s.cookies.get("_xsrf", "")},
        )
        return s, r

    def start_server(self, user: str, timeout: float = 120) -> None:
        import urllib.error

        try:
            self.api("POST", f"/users/{user}/server", timeout=timeout)
        except urllib.error.HTTPError as error:
            if error.code != 400:  # 400: already running
                raise
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"/users/{user}", timeout=180)  # a busy hub answers slowly
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"server of {user} not ready in {timeout}s")

    def kernel(self, user: str, path: str = "") -> Kernel:
        """A new kernel in `user`'s server; its working folder is the folder of `path`."""
        return Kernel(self, user, path)


class Kernel:
    """A real kernel in a user's server, driven over the REST API and the kernel websocket."""

    def __init__(self, env: HubEnv, user: str, path: str = ""):
        self.env, self.user = env, user
        self.http = env.session(user)
        base = f"{env.url}/user/{user}"
        path = path or f"e2e-{uuid.uuid4().hex[:6]}.ipynb"
        r = self.http.post(
            f"{base}/api/sessions",
            timeout=60,
            # as JupyterLab sends it: the notebook's name too (the kernel's JPY_SESSION_NAME)
            json={"path": path, "type": "notebook", "name": Path(path).name, "kernel": {"name": "python3"}},
        )
        r.raise_for_status()
        self.session_id = r.json()["id"]
        self.kernel_id = r.json()["kernel"]["id"]
        self.ws_url = base.replace("http://", "ws://") + f"/api/kernels/{self.kernel_id}/channels"
        self.base = base
        self.connect()

    def connect(self):
        """(Re)open the kernel's websocket, as JupyterLab does after a dropped connection."""
        import websocket

        self.ws = websocket.create_connection(
            self.ws_url, header=[f"Authorization: token {self.env.token(self.user)}"], timeout=120
        )

    def run(self, code: str, timeout: float = 120) -> dict:
        """Execute code; returns {"stdout", "stderr", "error", "result"}."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.user,
                        "session": self.session_id,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "buffers": [],
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }
            )
        )
        out = {"stdout": "", "stderr": "", "error": None, "result": None}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out[content["name"]] += content["text"]
            elif kind == "error":
                out["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_result":
                out["result"] = content["data"].get("text/plain")
            elif kind == "status" and content["execution_state"] == "idle":
                return out
        raise AssertionError(f"kernel of {self.user} did not finish in {timeout}s")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.http.delete(f"{self.base}/api/sessions/{self.session_id}", timeout=30)


# ------------------------------------------------------------------ the shared hub

_state: dict = {"env": None, "users": 0, "error": None, "cleanup": None}


def _cleanup_users():
    import pwd

    from grader import hub

    for entry in pwd.getpwall():
        if entry.pw_name.startswith(PREFIX + "-") and hub.USER_COMMENT in entry.pw_gecos.split(","):
            hub.remove_system_user(entry.pw_name)


def _build() -> HubEnv:
    from grader import hub
    from grader.instance import Instance, username

    _cleanup_users()  # users left by a run that was killed
    home = Path(tempfile.mkdtemp(prefix="lawstudy-e2e-", dir=shared_tmp()))
    os.chmod(home, 0o711)
    inst = Instance(home)
    _state["cleanup"] = (inst, home)
    year = time.localtime().tm_year
    exam_id = f"e2e{year}"

    private = Path(tempfile.mkdtemp(prefix="lawstudy-e2e-private-"))  # root only: roster, banks
    _state["private"] = private
    roster = private / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工号", "姓名", "科室", "类别"])
        for staff_id, name in STAFF.items():
            w.writerow([staff_id, name, "测试科", "公务员"])
    cli("roster", "import", roster, "--home", home)
    cli("course", "build", "--home", home)

    ports = {
        "hub_port": hub.free_port(),
        "proxy_api_port": hub.free_port(),
        "formgrader_port": hub.free_port(),
        "reports_port": hub.free_port(),
        "exam_port": hub.free_port(),
        # a practice answer counts for 学时 1 s after the previous one (8 s in a real hub): the
        # tests' honest learners answer by script, with a pause
        "min_practice_seconds": 1.0,
    }
    settings = hub.setup(
        inst,
        trainers=[TRAINER],
        admins=[ADMIN],
        port=hub.free_port(),
        ports=ports,
        grader_user=GRADER_USER,
        log=lambda *_: None,
    )
    # the exam, built once the instance is a hub's (as a bureau does: the paper then comes from the
    # exam service inside each sitting): this checkout's banks plus a spec open this year, in a
    # root-only folder; root builds it, the grader releases it
    from grader.exam import pipeline

    quizzes = private / "quizzes"
    quizzes.mkdir()
    for bank in (ROOT / "quizzes").glob("*.yaml"):
        shutil.copy(bank, quizzes / bank.name)
    (quizzes / "exams").mkdir()
    (quizzes / "exams" / f"{exam_id}.yaml").write_text(EXAM_SPEC.format(exam_id=exam_id, year=year), encoding="utf-8")
    built = pipeline.build(inst, exam_id, quizzes=quizzes)
    assert built.paper.delivery == "service"
    hub.apply_permissions(inst)
    cli("exam", "release", exam_id, "--home", home)
    passwords = {}
    with (home / "hub" / "initial-passwords.csv").open(encoding="utf-8") as f:
        for row in list(csv.reader(f))[1:]:
            passwords[row[0]] = row[2]
    proc = hub.start(inst, wait=90)
    env = HubEnv(home=home, url=settings.url, passwords=passwords, exam_id=exam_id, year=year, proc=proc, inst=inst)
    env.notes["users"] = {k: username(k) for k in [*STAFF, TRAINER, ADMIN]}
    env.notes["paper"] = built.paper
    env.notes["quizzes"] = quizzes
    return env


def _teardown():
    from grader import hub

    env, cleanup = _state["env"], _state["cleanup"]
    _state["env"] = _state["cleanup"] = None
    if cleanup is None:
        return
    inst, home = cleanup
    try:
        if env is not None and env.proc is not None:
            hub.stop(inst, env.proc)
    finally:
        try:
            _cleanup_users()
        finally:
            if os.environ.get("LAWSTUDY_KEEP_E2E"):
                print(f"kept {home}", file=sys.stderr)
            else:
                shutil.rmtree(home, ignore_errors=True)
                if _state.get("private"):
                    shutil.rmtree(_state.pop("private"), ignore_errors=True)


atexit.register(_teardown)


@pytest.fixture(scope="session")
def hub_env():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    if _state["error"]:
        pytest.fail(f"hub set-up failed earlier: {_state['error']}")
    if _state["env"] is None:
        try:
            _state["env"] = _build()
        except Exception as error:
            _state["error"] = repr(error)[:2000]
            _teardown()
            raise
    _state["users"] += 1
    try:
        yield _state["env"]
    finally:
        _state["users"] -= 1
        if _state["users"] == 0:
            _teardown()
