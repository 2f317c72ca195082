"""End to end on a real JupyterHub with real system users (root; see tests/conftest_hub.py).

The tests run in file order over one hub: staff1 logs in, fetches, answers through a kernel in
their own server and submits; staff1 tries to submit as staff2; the trainer collects and
auto-grades through the formgrader service; `lawstudy sync` and `lawstudy report` show who took
part. Then the walls: other people's servers, the formgrader, the reports and every key on the
machine are out of a staff member's reach.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest_hub import ADMIN, ROOT, STAFF, TRAINER, cli, hub_env  # noqa: F401  (fixture)

from grader.instance import username

pytestmark = [pytest.mark.hub, pytest.mark.e2e, pytest.mark.timeout(300)]

S1, S2, S3 = (username(s) for s in STAFF)
T1, A1 = username(TRAINER), username(ADMIN)


def nb_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def ok(response) -> dict:
    """nbgrader's handlers answer 200 even when they failed: read `success`."""
    assert response.status_code == 200, (response.status_code, response.text[:500])
    data = response.json()
    assert data.get("success") is True, data
    return data


# ------------------------------------------------------------------ the exam, as people do it


def test_login_with_initial_password(hub_env):
    session, r = hub_env.login(S1)
    assert r.status_code == 302, r.text[:300]
    assert "jupyterhub-session-id" in session.cookies or "jupyterhub-hub-login" in session.cookies
    home = session.get(f"{hub_env.url}/hub/home", timeout=30)
    assert home.status_code == 200 and S1 in home.text
    _, bad = hub_env.login(S1, "not-the-password")
    assert bad.status_code == 403
    _, stranger = hub_env.login("root", "whatever")  # not on the roster: never allowed
    assert stranger.status_code == 403


def test_change_password_page(hub_env):
    env = hub_env
    session, _ = env.login(S2)
    page = session.get(f"{env.url}/hub/lawstudy/password", timeout=30)
    assert page.status_code == 200 and "修改登录密码" in page.text
    xsrf = session.cookies.get("_xsrf", "")
    wrong = session.post(
        f"{env.url}/hub/lawstudy/password",
        timeout=60,
        data={"old": "nope", "new": "Neues-Pass-1", "again": "Neues-Pass-1", "_xsrf": xsrf},
    )
    assert "原密码不正确" in wrong.text
    done = session.post(
        f"{env.url}/hub/lawstudy/password",
        timeout=60,
        data={"old": env.passwords[S2], "new": "Neues-Pass-1", "again": "Neues-Pass-1", "_xsrf": xsrf},
    )
    assert "密码已修改" in done.text, done.text[:500]
    assert env.login(S2, env.passwords[S2])[1].status_code == 403
    assert env.login(S2, "Neues-Pass-1")[1].status_code == 302
    env.passwords[S2] = "Neues-Pass-1"


def test_staff1_fetches_answers_and_submits(hub_env):
    env = hub_env
    env.start_server(S1)
    me = env.session(S1)
    base = f"{env.url}/user/{S1}"
    listed = ok(me.get(f"{base}/assignments", params={"course_id": "lawstudy"}, timeout=60))
    assert any(a["assignment_id"] == env.exam_id and a["status"] == "released" for a in listed["value"])
    fetched = ok(
        me.post(f"{base}/assignments/fetch", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=60)
    )
    assert any(a["assignment_id"] == env.exam_id and a["status"] == "fetched" for a in fetched["value"])

    # answer in a real kernel of staff1's server, the way the notebook does: run its cells, click
    paper = env.notes["paper"]
    keys = {q.id: q.answer for q in paper.questions}
    wrong = paper.questions[-1]  # one wrong answer: 3 of 4 right
    keys[wrong.id] = (
        (not wrong.answer) if wrong.type == "judge" else next(o[0] for o in wrong.options if o[0] != wrong.answer)
    )
    notebook = f"{env.exam_id}/exam.ipynb"
    kernel = env.kernel(S1, notebook)
    try:
        for code in nb_cells(Path(f"/home/{S1}") / notebook):
            result = kernel.run(code)
            assert result["error"] is None, result
        result = kernel.run(
            f"keys = {keys!r}\n"
            "for n in range(1, len(paper.questions) + 1):\n"
            "    w = paper.ask(n)\n"
            "    w.choice.value = keys[w.question['id']]\n"
            "print(sorted(paper.saved))"
        )
        assert result["error"] is None, result
    finally:
        kernel.close()
    saved = me.get(f"{base}/api/contents/{env.exam_id}/answers.json", params={"content": 1}, timeout=30).json()
    answers = json.loads(saved["content"])
    assert answers["user"] == S1 and answers["answers"] == {k: v for k, v in keys.items()}
    submitted = ok(
        me.post(f"{base}/assignments/submit", data={"course_id": "lawstudy", "assignment_id": env.exam_id}, timeout=60)
    )
    assert any(a.get("student_id") == S1 and a["status"] == "submitted" for a in submitted["value"])
    right = sum(q.points for q in paper.questions if q.id != wrong.id)
    env.notes["expected_score"] = right


def test_staff1_cannot_submit_as_staff2(hub_env):
    env = hub_env
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    kernel = env.kernel(S1, f"{env.exam_id}/exam.ipynb")
    try:
        # 1. nbgrader's own command, asked to file it under staff2's name: refused
        result = kernel.run(
            "import subprocess, os\n"
            f"p = subprocess.run(['nbgrader', 'submit', '{env.exam_id}', '--student', '{S2}'], cwd=os.path.expanduser('~'),"
            " capture_output=True, text=True)\n"
            "print(p.returncode); print(p.stdout[-2000:]); print(p.stderr[-2000:])"
        )
        assert result["error"] is None, result
        assert result["stdout"].split()[0] != "0", result["stdout"]
        assert "不能以他人名义提交" in result["stdout"], result["stdout"]
        # 2. going around nbgrader: copy the folder into the inbound under staff2's name (the
        #    exchange is writable by design), which the trainer's collect must refuse
        stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime(time.time() + 60))
        forged = f"{S2}+{env.exam_id}+{stamp}+forged"
        result = kernel.run(
            "import shutil, os\n"
            f"shutil.copytree(os.path.expanduser('~/{env.exam_id}'), {str(inbound / forged)!r})\n"
            "print('copied')"
        )
        assert result["stdout"].strip() == "copied", result
    finally:
        kernel.close()
    assert (inbound / forged).stat().st_uid != 0
    env.notes["forged"] = forged


def test_trainer_collects_and_autogrades(hub_env):
    env = hub_env
    _, r = env.login(T1)
    assert r.status_code == 302
    trainer = env.session(T1)
    api = f"{env.url}/services/lawstudy/formgrader/api"
    ok(trainer.post(f"{api}/assignment/{env.exam_id}/collect", timeout=120))
    submitted = env.home / "course" / "submitted"
    assert (submitted / S1 / env.exam_id / "answers.json").exists()
    assert not (submitted / S2).exists(), "a submission forged in staff2's name was collected"
    from grader.hub import rejected_submissions

    assert any(r["file"] == env.notes.get("forged") and r["owner"] == S1 for r in rejected_submissions(env.inst))
    ok(trainer.post(f"{api}/submission/{env.exam_id}/{S1}/autograde", timeout=180))
    subs = trainer.get(f"{api}/submissions/{env.exam_id}", timeout=60).json()
    mine = [s for s in subs if s["student"] == S1]
    assert mine and mine[0]["autograded"], subs
    assert mine[0]["score"] == pytest.approx(env.notes["expected_score"]), mine
    assert not any(s["student"] in (S2, S3) and s["submitted"] for s in subs)


def test_sync_and_report_show_who_took_part(hub_env, tmp_path):
    env = hub_env
    sync = cli("sync", "--home", env.home)
    assert "同步" in sync.stdout
    out = tmp_path / "report.json"
    cli("report", "--year", env.year, "-o", out, "--home", env.home)
    report = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(report, ensure_ascii=False)
    absent = json.dumps(report["absent"], ensure_ascii=False)
    id1, id2, id3 = STAFF
    assert id2 in absent and id3 in absent
    assert id1 not in absent and id1 in text
    people = {p["staff_id"]: p for p in report["people"]}
    expected = env.notes["expected_score"] / sum(q.points for q in env.notes["paper"].questions) * 100
    assert people[next(iter(STAFF))]["best"] == pytest.approx(expected)
    from grader.hub import apply_permissions

    apply_permissions(env.inst)  # root wrote records: hand them back to the grader, 600


# ------------------------------------------------------------------ the walls


def test_staff_refused_on_other_servers_and_services(hub_env):
    env = hub_env
    for user in (S2, T1):
        env.start_server(user)
    me = env.session(S1)
    cookie, _ = env.login(S1)

    def refused(session, url):
        r = session.get(url, allow_redirects=False, timeout=60)
        if r.status_code in (301, 302, 303):
            where = r.headers.get("location", "")
            # a redirect may only lead to logging in (as oneself) or to the hub, never to the content
            assert "/hub/" in where or "oauth" in where, (url, where)
            return True
        assert r.status_code in (403, 404), (url, r.status_code, r.text[:200])
        return True

    for session in (me, cookie):
        for url in (
            f"/user/{T1}/api/contents",
            f"/user/{S2}/api/contents",
            f"/user/{T1}/lab",
            f"/user/{S2}/api/contents/{env.exam_id}",
            "/services/lawstudy/formgrader/api/submissions/" + env.exam_id,
            "/services/lawstudy/api/contents",
            "/services/reports/?year=2020&format=json",
            f"/hub/api/users/{S2}",
            f"/hub/api/users/{S2}/tokens",
        ):
            refused(session, env.url + url)
    # the same requests succeed for the right people (so the refusals above mean something)
    assert me.get(f"{env.url}/user/{S1}/api/contents", timeout=30).status_code == 200
    assert (
        env.session(T1)
        .get(f"{env.url}/services/lawstudy/formgrader/api/submissions/{env.exam_id}", timeout=60)
        .status_code
        == 200
    )
    reports = env.session(A1).get(f"{env.url}/services/reports/", timeout=60)
    assert reports.status_code == 200 and "报表" in reports.text
    export = env.session(A1).get(
        f"{env.url}/services/reports/", params={"year": env.year, "format": "json"}, timeout=120
    )
    assert export.status_code == 200, export.text[:500]
    assert list(STAFF)[1] in json.dumps(export.json()["absent"], ensure_ascii=False)
    assert env.session(T1).get(f"{env.url}/services/reports/", allow_redirects=False, timeout=60).status_code in (
        403,
        302,
    )


def _exam_needles() -> list[str]:
    """Text that only an exam key carries: every exam-pool question's 解析, and the key dicts."""
    from grader.banks import load_banks

    needles = []
    for bank in load_banks():
        for q in bank.questions:
            if q.pool == "exam":
                text = "".join(q.explanation.split())
                needles.append(text[:60])
                needles.append(json.dumps(text[:40])[1:-1])  # as \\uXXXX inside JSON
                needles.append("".join(repr(q.key.to_dict()).split()))
                needles.append("".join(json.dumps(q.key.to_dict()).split()))
    return needles


SCAN = r"""
import os, json, re, sys
needles = json.loads(NEEDLES)
roots = json.loads(ROOTS)
skip = {"/proc", "/sys", "/dev", "/run"}
found, files, denied = [], 0, 0
def trie(words):
    # one regex shaped as a trie of the needles: each position costs the depth of a match, not the
    # number of needles (a flat alternation of thousands of needles is too slow for a whole disk)
    root = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    def build(node):
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body
    return re.compile(build(root))
pattern = trie(sorted({n for n in needles if len(n) >= 12}))
for root in roots:
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skip]
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                if os.path.islink(path) or os.path.getsize(path) > 4_000_000:
                    continue
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                denied += 1
                continue
            files += 1
            if b"\0" in data[:1024]:
                continue
            text = "".join(data.decode("utf-8", "replace").split())
            m = pattern.search(text)
            if m:
                found.append(path)
print(json.dumps({"found": found, "files": files, "denied": denied}))
"""


@pytest.mark.timeout(600)  # the scan reads every file a staff member can reach: slow on a loaded machine
def test_staff_kernel_cannot_read_course_gradebook_records_or_keys(hub_env):
    env = hub_env
    from grader import hub

    settings = hub.Settings.load(env.inst)
    private = [
        env.inst.gradebook,
        env.inst.records,
        env.inst.course_dir / "nbgrader_config.py",
        env.inst.course_dir / "source" / env.exam_id / "exam.ipynb",
        env.inst.course_dir / "submitted" / S1 / env.exam_id / "exam.ipynb",
        env.home / "hub" / "jupyterhub_config.py",
        env.home / "hub" / "tokens.json",
        env.home / "hub" / "initial-passwords.csv",
        env.home / "etc" / "grader" / "nbgrader_config.py",
        ROOT / "quizzes" / "burial.yaml",
        ROOT / ".git" / "HEAD",
        Path(f"/home/{S2}/.bashrc"),
        Path(f"/home/{T1}/.bashrc"),
        Path(f"/home/{settings.grader_user}/.bashrc"),
    ]
    private += sorted(env.inst.papers.rglob("*.json"))
    private = [p for p in private if p.exists()]
    assert len(private) >= 12
    canary = env.home / "etc" / "staff" / "leak-canary.txt"
    kernel = env.kernel(S1)
    try:
        probe = kernel.run(
            "import json\nout = {}\n"
            f"for p in {[str(p) for p in private]!r}:\n"
            "    try:\n        open(p, 'rb').read(1); out[p] = 'READ'\n"
            "    except PermissionError:\n        out[p] = 'denied'\n"
            "print(json.dumps(out))"
        )
        assert probe["error"] is None, probe
        verdict = json.loads(probe["stdout"])
        assert set(verdict.values()) == {"denied"}, {p: v for p, v in verdict.items() if v != "denied"}

        # then look everywhere this deployment and its checkout put files, for any exam key;
        # a world-readable canary holding one 解析 proves the scan would see a leak
        canary.write_text(_exam_needles()[0], encoding="utf-8")
        os.chmod(canary, 0o644)
        # (the instance is mode 711: staff cannot list it, so its folders are named one by one)
        roots = sorted(
            {
                str(ROOT),
                settings.runtime,
                "/home",
                "/srv",
                "/var/tmp",
                "/opt/lawstudy",
                "/etc",
                "/var/lib",
                *(str(p) for p in env.home.iterdir()),
            }
        )
        code = f"NEEDLES = {json.dumps(json.dumps(_exam_needles()))}\nROOTS = {json.dumps(json.dumps(roots))}\n" + SCAN
        scan = kernel.run(code, timeout=480)
        assert scan["error"] is None, scan
        result = json.loads(scan["stdout"])
    finally:
        kernel.close()
        canary.unlink(missing_ok=True)
    assert result["files"] > 1000, result  # it did read the runtime and the lessons
    assert str(canary) in result["found"], result
    leaks = [p for p in result["found"] if p != str(canary)]
    assert leaks == [], f"exam keys readable by staff: {leaks}"
