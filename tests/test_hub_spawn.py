"""A hostile staff member against the pre-spawn hook, on a real hub.

Issue 29: the hook ran on the hub's event loop and waited on children that read and wrote the
person's home, so one FIFO in one's own ~/课程 stopped every login and server start for 120 s.
Here staff2 plants what a hostile person would (FIFOs, links to /dev/zero, a huge sparse file, a
folder where a file belongs, a link to a folder outside their home) from their own kernel, then
their server is restarted while honest staff1's server starts too and staff3 logs in again and
again: the hub answers every request promptly, both servers start, nothing outside staff2's home
is touched. docs/deploy.md ("What a staff member cannot do") lists it.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest_hub import STAFF, hub_env, shared_tmp  # noqa: F401  (fixture)

from grader.instance import username
from grader.safe_io import read_regular

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

S1, S2, S3 = (username(s) for s in STAFF)
SLOW = 5.0  # seconds: no request to the hub may take longer while the spawns run
SPARSE = 50 * 1024**3

PLANT = """
import json, os, pathlib, shutil
home = pathlib.Path.home()
L = home / '课程'
lessons = json.loads((L / 'burial' / 'course.json').read_text(encoding='utf-8'))['lessons']
fifo, zero, sparse, linked = (L / 'burial' / name for name in lessons[:4])
for p in (fifo, zero, sparse, linked):
    p.unlink()
os.mkfifo(fifo)
os.symlink('/dev/zero', zero)
with open(sparse, 'wb') as f:
    f.truncate({sparse_size})
os.symlink({canary!r}, linked)
(L / 'burial' / 'course.json').unlink(); os.mkfifo(L / 'burial' / 'course.json')
(L / 'practice.json').unlink(); os.mkfifo(L / 'practice.json')
(L / 'social-assistance' / 'course.json').unlink(); (L / 'social-assistance' / 'course.json').mkdir()
shutil.rmtree(L / 'social-organisations'); os.symlink({outside!r}, L / 'social-organisations')
page = home / '开始学习.md'
page.unlink(missing_ok=True); os.mkfifo(page)
cache = home / '.local/share/jupyter/nbgrader_cache/lawstudy' / '{me}+{exam}+2026-01-01 00:00:00.000000 UTC'
cache.mkdir(parents=True, exist_ok=True)
os.mkfifo(cache / 'exam.ipynb'); os.symlink('/dev/zero', cache / 'submission_secret.txt')
feedback = home / 'lshk-trap' / 'feedback' / '2026-01-01 00:00:00.000000 UTC'
feedback.mkdir(parents=True, exist_ok=True); os.mkfifo(feedback / 'exam.html')
print(json.dumps([str(p) for p in (fifo, zero, sparse, linked)]))
"""

CLEAN = """
import os, pathlib, shutil
home = pathlib.Path.home()
L = home / '课程'
for p in {lessons!r}:
    pathlib.Path(p).unlink(missing_ok=True)
shutil.rmtree(L / 'social-assistance' / 'course.json', ignore_errors=True)
shutil.rmtree(home / '.local/share/jupyter/nbgrader_cache/lawstudy/{me}+{exam}+2026-01-01 00:00:00.000000 UTC')
shutil.rmtree(home / 'lshk-trap')
print('clean')
"""


def _server_gone(env, user, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not (env.api("GET", f"/users/{user}").get("servers") or {}).get(""):
            return
        time.sleep(0.5)
    raise AssertionError(f"server of {user} still running")


def _kind(path: Path) -> str:
    mode = os.stat(path, follow_symlinks=False).st_mode
    for name, test in (("file", stat.S_ISREG), ("dir", stat.S_ISDIR), ("link", stat.S_ISLNK), ("fifo", stat.S_ISFIFO)):
        if test(mode):
            return name
    return "other"


class Probe(threading.Thread):
    """Asks the hub, again and again until stopped, what a colleague's browser would: the API root
    and a login through the PAM form; records (what, seconds, status) of every request."""

    def __init__(self, env, user):
        super().__init__(daemon=True)
        self.env, self.user, self.samples, self.halt = env, user, [], threading.Event()

    def timed(self, what, fn):
        start = time.monotonic()
        try:
            status = fn()
        except requests.RequestException as error:
            status = repr(error)
        self.samples.append((what, time.monotonic() - start, status))

    def run(self):
        while not self.halt.is_set():
            self.timed("GET /hub/api/", lambda: requests.get(f"{self.env.url}/hub/api/", timeout=150).status_code)
            self.timed("login", lambda: self.env.login(self.user)[1].status_code)
            self.halt.wait(0.2)


def _hook_times(env, user) -> list[float]:
    """The hook's own timing lines in the hub log ("pre-spawn hook for USER took S s")."""
    log = (env.home / "hub" / "hub.log").read_text(encoding="utf-8", errors="replace")
    marker = f"pre-spawn hook for {user} took "
    return [float(line.split(marker)[1].split()[0]) for line in log.splitlines() if marker in line]


def test_planted_files_never_block_the_hub_nor_fail_the_spawn(hub_env):
    env = hub_env
    home2 = Path(f"/home/{S2}")
    outside = Path(shared_tmp()) / f"lshk-outside-{uuid.uuid4().hex[:8]}"
    outside.mkdir(mode=0o700)
    uid2 = os.stat(home2).st_uid
    os.chown(outside, uid2, os.stat(home2).st_gid)  # staff2's own folder outside their home
    canary = Path(shared_tmp()) / f"lshk-canary-{uuid.uuid4().hex[:8]}"
    canary.write_text("root's file\n", encoding="utf-8")
    canary.chmod(0o644)
    before = canary.stat()
    try:
        env.start_server(S2)
        kernel = env.kernel(S2)
        try:
            out = kernel.run(
                PLANT.format(sparse_size=SPARSE, canary=str(canary), outside=str(outside), me=S2, exam=env.exam_id)
            )
            assert out["error"] is None, out
            fifo, zero, sparse, linked = map(Path, json.loads(out["stdout"]))
        finally:
            kernel.close()
        assert _kind(home2 / "开始学习.md") == "fifo" and _kind(fifo) == "fifo"
        for user in (S2, S1):
            env.api("DELETE", f"/users/{user}/server")
        for user in (S2, S1):
            _server_gone(env, user)

        probe = Probe(env, S3)
        probe.start()
        errors: dict[str, BaseException] = {}

        def spawn(user):
            try:
                env.start_server(user, timeout=180)
            except BaseException as error:  # noqa: BLE001 — reported below
                errors[user] = error

        spawns = [threading.Thread(target=spawn, args=(user,)) for user in (S2, S1)]
        for thread in spawns:
            thread.start()
            time.sleep(0.3)  # staff2's hook is running when staff1's spawn arrives
        for thread in spawns:
            thread.join(240)
        time.sleep(1)
        probe.halt.set()
        probe.join(200)

        # the hub answered everyone promptly while staff2's spawn (and staff1's) ran
        slowest = max(probe.samples, key=lambda s: s[1])
        print(f"{len(probe.samples)} requests during the spawns, slowest {slowest[0]} {slowest[1]:.2f} s")
        assert slowest[1] < SLOW, probe.samples
        assert len(probe.samples) >= 6, probe.samples
        assert errors == {}, errors  # both servers started
        assert {s[2] for s in probe.samples if s[0] == "login"} == {302}, probe.samples
        assert {s[2] for s in probe.samples if s[0] != "login"} == {200}, probe.samples
        # the hook finished for both without waiting on anything (no child killed at its limit)
        hooks = {user: _hook_times(env, user)[-1] for user in (S1, S2)}
        print("pre-spawn hook seconds (hub log):", hooks)
        assert all(seconds < 15 for seconds in hooks.values()), hooks

        # staff2's home: the traps replaced by the lessons and a start page, their own file kept
        assert _kind(home2 / "开始学习.md") == "file"
        assert read_regular(home2 / "开始学习.md", 1 << 20).decode().startswith("# 开始学习")
        for path in (fifo, zero, linked, home2 / "课程" / "burial" / "course.json", home2 / "课程" / "practice.json"):
            assert _kind(path) == "file", path
        assert _kind(sparse) == "file" and sparse.stat().st_size == SPARSE  # the person's own copy
        assert _kind(home2 / "课程" / "social-assistance" / "course.json") == "dir"  # kept, reported
        assert _kind(home2 / "课程" / "social-organisations") == "dir"
        assert any(p.suffix == ".ipynb" for p in (home2 / "课程" / "social-organisations").iterdir())
        # and nothing outside it
        assert list(outside.iterdir()) == []
        after = canary.stat()
        assert canary.read_text(encoding="utf-8") == "root's file\n"
        assert (after.st_uid, after.st_mode, after.st_mtime_ns) == (before.st_uid, before.st_mode, before.st_mtime_ns)
        assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)

        kernel = env.kernel(S2)  # staff2 tidies up, so later tests see an ordinary home
        try:
            out = kernel.run(CLEAN.format(lessons=[str(sparse)], me=S2, exam=env.exam_id))
            assert out["stdout"].strip() == "clean", out
        finally:
            kernel.close()
    finally:
        shutil.rmtree(outside, ignore_errors=True)
        canary.unlink(missing_ok=True)
