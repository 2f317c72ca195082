"""A hostile staff member on a real hub, with nothing but their own login, terminal and kernel.

Each test is one attack from the critical issue "no one on the hub can become root, the grader or
a colleague", tried the way it worked before it was fixed; docs/deploy.md ("What a staff member
cannot do") lists them. They run after tests/test_hub_e2e.py (file order) on the same hub, whose
honest sitting by staff1 is graded there exactly as before.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from conftest_hub import ADMIN, STAFF, TRAINER, cli, hub_env, shared_tmp  # noqa: F401  (fixture)

from grader.instance import username

pytestmark = [pytest.mark.hub, pytest.mark.e2e, pytest.mark.timeout(400)]

S1, S2, S3 = (username(s) for s in STAFF)
T1 = username(TRAINER)


def ok(response) -> dict:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    data = response.json()
    assert data.get("success") is True, data
    return data


def _server_gone(env, user, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        model = env.api("GET", f"/users/{user}")
        if not (model.get("servers") or {}).get(""):
            return
        time.sleep(0.5)
    raise AssertionError(f"server of {user} still running")


def _restart(env, user):
    env.api("DELETE", f"/users/{user}/server")
    _server_gone(env, user)
    env.start_server(user)


def test_1_a_link_in_the_lessons_folder_gives_nothing(hub_env):
    """Replace ~/课程/practice.json by a link to a root-only file, restart: the file stays root's."""
    env = hub_env
    canary = Path(f"/var/tmp/lse2e-canary-{uuid.uuid4().hex[:8]}")
    canary.write_text("root only\n", encoding="utf-8")
    os.chmod(canary, 0o600)
    paper = next(env.inst.papers.rglob("*.json"))
    paper_mode = paper.stat()
    try:
        env.start_server(S3)
        kernel = env.kernel(S3)
        try:
            out = kernel.run(
                "import os\n"
                "p = os.path.expanduser('~/课程/practice.json'); os.unlink(p)\n"
                f"os.symlink({str(canary)!r}, p)\n"
                "d = os.path.expanduser('~/课程/social-organisations')\n"
                "import shutil; shutil.rmtree(d)\n"
                f"os.symlink({str(paper.parent)!r}, d)\n"
                "print('planted')"
            )
            assert out["stdout"].strip() == "planted", out
        finally:
            kernel.close()
        _restart(env, S3)
        info = canary.stat()
        assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o600), "root followed the link"
        assert canary.read_text(encoding="utf-8") == "root only\n"
        after = paper.stat()
        assert (after.st_uid, after.st_mode) == (paper_mode.st_uid, paper_mode.st_mode)
        mine = Path(f"/home/{S3}/课程/practice.json")
        assert not mine.is_symlink() and mine.stat().st_uid != 0  # the lesson data came back, as theirs
    finally:
        canary.unlink(missing_ok=True)


def test_2_a_newline_in_a_new_password_changes_no_other_account(hub_env):
    env = hub_env
    session, r = env.login(S3)
    assert r.status_code == 302
    xsrf = session.cookies.get("_xsrf", "")
    evil = f"Aa-123456\n{S1}:Taken-over-1\nroot:Taken-over-1"
    page = session.post(
        f"{env.url}/hub/lawstudy/password",
        timeout=60,
        data={"old": env.passwords[S3], "new": evil, "again": evil, "_xsrf": xsrf},
    )
    assert "控制字符" in page.text, page.text[:500]
    assert env.login(S1, "Taken-over-1")[1].status_code == 403
    assert env.login(S1)[1].status_code == 302  # staff1's own password still works
    assert env.login(S3)[1].status_code == 302  # and the attacker's is unchanged


def _sit_with_planted_code(env, marker: Path) -> dict:
    """staff3 fetches the exam, answers two questions, adds code and script, submits."""
    me = env.session(S3)
    base = f"{env.url}/user/{S3}"
    ok(me.post(f"{base}/assignments/fetch", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=60))
    paper = env.notes["paper"]
    answers = {q.id: q.answer for q in paper.questions[:2]}
    kernel = env.kernel(S3)
    try:
        out = kernel.run(
            "import json, os\n"
            f"d = os.path.expanduser('~/{env.exam_id}')\n"
            "nb = json.load(open(os.path.join(d, 'exam.ipynb')))\n"
            f"nb['cells'].insert(1, {{'cell_type': 'code', 'execution_count': None, 'id': 'x1', 'metadata': {{}},"
            f" 'outputs': [], 'source': \"open({str(marker)!r}, 'w').write('cell ran as ' + os.popen('id -un').read())\"}})\n"
            "nb['cells'].insert(1, {'cell_type': 'markdown', 'id': 'x2', 'metadata': {},"
            " 'source': '<script>window.LSE2E_PWNED = 1</script>'})\n"
            "json.dump(nb, open(os.path.join(d, 'exam.ipynb'), 'w'))\n"
            "os.makedirs(os.path.join(d, 'grader'), exist_ok=True)\n"
            f"open(os.path.join(d, 'grader', '__init__.py'), 'w').write(\"open({str(marker)!r}, 'w').write('shadow')\")\n"
            f"json.dump({{'exam': {env.exam_id!r}, 'user': {S3!r}, 'started_at': None, 'saved_at': None,"
            f" 'answers': {answers!r}}}, open(os.path.join(d, 'answers.json'), 'w'))\n"
            # the answers also go through the exam service, whose record is what counts on a hub
            "from grader.lab.service_client import ExamServiceClient\n"
            "c = ExamServiceClient.from_env()\n"
            f"c.open({env.exam_id!r})\n"
            f"for qid, value in {answers!r}.items():\n"
            f"    c.save({env.exam_id!r}, qid, value)\n"
            "print('ready')"
        )
        assert out["stdout"].strip() == "ready", out
    finally:
        kernel.close()
    ok(me.post(f"{base}/assignments/submit", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=60))
    return answers


def test_3_4_code_in_a_submission_never_runs_and_never_reaches_the_trainer(hub_env):
    """nbgrader's own autograde through the formgrader (kernels, as the grader): the added cell and
    the shadowing package do not run, the score is what the answers earn, the formgrader shows
    only the released notebook, and its pages carry a Content-Security-Policy."""
    env = hub_env
    marker = Path(shared_tmp()) / f"lse2e-pwned-{uuid.uuid4().hex[:8]}"  # writable by anyone who runs code
    _sit_with_planted_code(env, marker)
    trainer = env.session(T1)
    api = f"{env.url}/services/lawstudy/formgrader/api"
    ok(trainer.post(f"{api}/assignment/{env.exam_id}/collect", timeout=120))
    ok(trainer.post(f"{api}/submission/{env.exam_id}/{S3}/autograde", timeout=240))
    assert not marker.exists(), marker.read_text()
    subs = trainer.get(f"{api}/submissions/{env.exam_id}", timeout=60).json()
    mine = [s for s in subs if s["student"] == S3]
    # what S3's record at the exam service earns (the answers saved there, in this and any earlier
    # sitting of the browser tests): never more because of the planted code
    from grader.exams.service_grading import last_attempts
    from grader.exams.sittings import SittingStore, store_path

    paper = env.notes["paper"]
    expected = last_attempts(paper, SittingStore(store_path(env.home)))[S3].total
    assert expected < paper.max_score
    assert mine and mine[0]["score"] == pytest.approx(expected), mine
    submitted = env.home / "course" / "submitted" / S3 / env.exam_id
    assert not (submitted / "grader").exists()
    assert "LSE2E_PWNED" not in (submitted / "exam.ipynb").read_text(encoding="utf-8")
    # the formgrader's own view of the graded notebook
    [nb_id] = [
        n["id"]
        for n in trainer.get(f"{api}/submitted_notebooks/{env.exam_id}/exam", timeout=60).json()
        if n["student"] == S3
    ] or [None]
    if nb_id:
        view = trainer.get(f"{env.url}/services/lawstudy/formgrader/submissions/{nb_id}", timeout=120)
        assert view.status_code == 200 and "LSE2E_PWNED" not in view.text
    page = trainer.get(f"{env.url}/services/lawstudy/formgrader/manage_assignments", timeout=60)
    assert "object-src 'none'" in page.headers.get("Content-Security-Policy", ""), dict(page.headers)
    admin = env.session(username(ADMIN)).get(f"{env.url}/services/reports/", timeout=60)
    assert "default-src 'none'" in admin.headers.get("Content-Security-Policy", "")
    # the tamper check still sees what was submitted, and says so
    graded = cli("exam", "autograde", env.exam_id, "--home", env.home)
    assert "添加了" in graded.stdout + graded.stderr, graded.stdout


def test_feedback_as_root_on_a_hub_runs_as_the_grader(hub_env):
    env = hub_env
    out = cli("exam", "feedback", env.exam_id, "--force", "--home", env.home)
    assert "阅卷账号" in out.stderr and "发布" in out.stdout, (out.stdout, out.stderr)
    feedback = env.home / "exchange" / "lawstudy" / "feedback"
    files = [p for p in feedback.rglob("*.html")]
    assert files and all(p.stat().st_uid != 0 for p in files)


def test_7_processes_end_with_their_server_and_limits_hold(hub_env):
    env = hub_env
    from grader import hub

    settings = hub.Settings.load(env.inst)
    env.start_server(S3)
    kernel = env.kernel(S3)
    try:
        out = kernel.run(
            "import subprocess, resource, socket\n"
            "p = subprocess.Popen(['sleep', '900'], start_new_session=True)\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
            "held = subprocess.Popen(['python3', '-c', 'import socket,time; s=socket.socket(); "
            's.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(900)\'],'
            " start_new_session=True, stdout=subprocess.PIPE, text=True)\n"
            "print(p.pid, held.pid, held.stdout.readline().strip(), resource.getrlimit(resource.RLIMIT_NPROC)[0])"
        )
        pid, held_pid, port, nproc = out["stdout"].split()
    finally:
        kernel.close()
    assert int(nproc) == settings.max_processes
    owner = hub.port_owner(int(port))
    assert owner and owner[1] == S3, owner  # `hub start` names who holds a port it needs
    env.api("DELETE", f"/users/{S3}/server")
    _server_gone(env, S3)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in (pid, held_pid)):
        time.sleep(0.5)
    assert not Path(f"/proc/{pid}").exists() and not Path(f"/proc/{held_pid}").exists()
    assert hub.port_free(int(port))


def test_8_token_never_on_a_command_line(hub_env):
    """Nothing the hub started carries a token or a password on its command line."""
    leaks = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "token=" in cmd.lower() or "--password" in cmd:
                leaks.append(cmd.replace("\0", " ")[:200])
    assert leaks == [], leaks


def test_lab_refuses_root_without_allow_root():
    if os.geteuid() != 0:
        pytest.skip("needs root")
    proc = subprocess.run(
        [str(Path(cli.__globals__["BIN"]) / "lawstudy"), "lab", "--home", "/nonexistent"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "root" in proc.stderr and "Traceback" not in proc.stderr
