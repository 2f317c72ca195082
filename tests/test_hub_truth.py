"""Issue 29 on a real hub: the exam service decides every result, on every path.

Each attack of the issue, run as the staff member would run it — from a kernel in their own server
(their terminal) with their own token — beside an honest colleague graded normally in the same test:

  a  the paper before the clock starts: nothing fetched or released holds a question
  b  the formgrader grading the answers file: answers written at leisure, a hand-in after the
     time limit with an in-window time — the formgrader's own collect and autograde score the
     service's record, and `lawstudy sync` keeps only that
  c  collect checks, then copies: a file swapped for a link to /dev/zero over and over while the
     trainer collects
  d  a colleague's received entry: unwritable by others, and a hand-in the service holds is graded
     even when its entry is gone
  e  学时 by request: a burst of lesson events earns nothing
  f  the service bounded: a 100 MB body announced by hundreds of connections, a memory limit
  g  an entry its owner made unmovable is really set aside
  h  the attempts rule: a second sitting only when asked for; both count, the best is reported
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest_hub import STAFF, TRAINER, cli, hub_env  # noqa: F401  (fixture)

from grader.instance import username

pytestmark = [pytest.mark.e2e, pytest.mark.hub, pytest.mark.timeout(900)]

S1, S2, S3 = (username(s) for s in STAFF)
T1 = username(TRAINER)
SPEC = """\
id: {exam_id}
title: 服务为准考试
year: {year}
seed: 29
banks: [burial, social-assistance, social-organisations]
quotas:
  single: {{count: 3, points: 25}}
  judge: {{count: 1, points: 25}}
opens_at: {opens}
closes_at: {closes}
time_limit: {limit}
attempts: 2
"""


def ok(response) -> dict:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    data = response.json()
    assert data.get("success") is True, data
    return data


def write_spec(env, exam_id: str, opens: datetime, closes: datetime, limit: int) -> None:
    fmt = "%Y-%m-%d %H:%M"
    (env.notes["quizzes"] / "exams" / f"{exam_id}.yaml").write_text(
        SPEC.format(
            exam_id=exam_id, year=opens.year, opens=opens.strftime(fmt), closes=closes.strftime(fmt), limit=limit
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def exams(hub_env):
    """Two exams built (by root) and released (by the grader) on the running hub: `truth` open now
    with a 1-minute limit, `early` opening in three hours."""
    from grader import hub
    from grader.exam import pipeline
    from grader.vocabulary import CHINA

    env = hub_env
    now = datetime.now(CHINA)
    truth, early = f"truth-{env.year}", f"early-{env.year}"
    write_spec(env, truth, now - timedelta(hours=1), now + timedelta(hours=6), 1)
    write_spec(env, early, now + timedelta(hours=3), now + timedelta(hours=9), 60)
    papers = {}
    for exam_id in (truth, early):
        papers[exam_id] = pipeline.build(env.inst, exam_id, quizzes=env.notes["quizzes"]).paper
        assert papers[exam_id].delivery == "service"
    hub.apply_permissions(env.inst)
    for exam_id in (truth, early):
        cli("exam", "release", exam_id, "--home", env.home)
    for user in (S1, S2, S3):
        env.start_server(user)
    return env, truth, early, papers


def fetch(env, user, exam_id):
    ok(
        env.session(user).post(
            f"{env.url}/user/{user}/assignments/fetch",
            data={"course_id": "lawstudy", "assignment_id": exam_id},
            timeout=60,
        )
    )


def submit(env, user, exam_id):
    ok(
        env.session(user).post(
            f"{env.url}/user/{user}/assignments/submit",
            data={"course_id": "lawstudy", "assignment_id": exam_id},
            timeout=60,
        )
    )


def in_kernel(env, user, code: str, path: str = "", timeout: float = 180) -> dict:
    kernel = env.kernel(user, path)
    try:
        out = kernel.run(code, timeout=timeout)
        assert out["error"] is None, out
        return out
    finally:
        kernel.close()


def sit(env, user, exam_id, answers: dict, extra: str = "") -> dict:
    """Open the fetched paper in the person's own kernel (its setup cell, as JupyterLab runs it)
    and click `answers` (question id -> value); prints what the widget knows."""
    notebook = f"{exam_id}/exam.ipynb"
    nb = json.loads(Path(f"/home/{user}/{notebook}").read_text(encoding="utf-8"))
    setup = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    out = in_kernel(
        env,
        user,
        setup + f"\nkeys = {answers!r}\nstatus = {{}}\n"
        "for n in range(1, len(paper.questions) + 1):\n"
        "    w = paper.ask(n)\n"
        "    if w.question['id'] in keys:\n"
        "        w.choice.value = keys[w.question['id']]\n"
        "        status[w.question['id']] = w.status.value\n"
        "import json\n"
        "print(json.dumps({'status': status, 'sitting': paper.sitting, 'n': len(paper.questions)}, ensure_ascii=False))\n"
        + extra,
        notebook,
    )
    return json.loads(out["stdout"].strip().splitlines()[0])


def keys_of(paper, right=True) -> dict:
    out = {}
    for q in paper.questions:
        if right:
            out[q.id] = sorted(q.answer) if q.type == "multiple" else q.answer
        else:
            out[q.id] = (not q.answer) if q.type == "judge" else next(o[0] for o in q.options if o[0] != q.answer)
    return out


def store(env):
    from grader.exam.sittings import SittingStore, store_path

    return SittingStore(store_path(env.home))


def records_rows(env, sql, args=()):
    import sqlite3

    db = sqlite3.connect(env.home / "records.db")
    try:
        return db.execute(sql, list(args)).fetchall()
    finally:
        db.close()


# ------------------------------------------------------------------ a


def test_a_nothing_staff_can_read_before_their_sitting_holds_a_question(exams):
    env, truth, early, papers = exams
    paper = papers[early]
    fetch(env, S2, early)  # allowed days before the window: the folder holds no question
    needles = [q.stem for q in paper.questions] + [o[1] for q in paper.questions for o in q.options if len(o[1]) >= 6]
    # everything S2 can read: the released copy in the exchange and the fetched folder
    out = in_kernel(
        env,
        S2,
        "import os, json\n"
        f"roots = [{str(env.home / 'exchange' / 'lawstudy' / 'outbound' / early)!r}, os.path.expanduser('~/{early}')]\n"
        "text = ''\n"
        "for root in roots:\n"
        "    for d, _, files in os.walk(root):\n"
        "        for f in files:\n"
        "            text += open(os.path.join(d, f), encoding='utf-8', errors='replace').read()\n"
        f"needles = {needles!r}\n"
        "print(json.dumps({'found': [n for n in needles if n in text], 'size': len(text)}))\n",
    )
    seen = json.loads(out["stdout"])
    assert seen["size"] > 1000 and seen["found"] == [], seen
    # the paper opened before the window: no question, the service's word, a button for later
    early_sit = sit(env, S2, early, {})
    assert early_sit["n"] == 0 and early_sit["sitting"]["error"] == "not-open", early_sit
    # the service itself, asked with S2's own token from their terminal
    out = in_kernel(
        env,
        S2,
        "from grader.exam.service_client import ExamServiceClient\n"
        "c = ExamServiceClient.from_env()\n"
        f"ok, reply = c.open({early!r})\n"
        "import json; print(json.dumps([ok, reply], ensure_ascii=False))\n",
    )
    ok_, reply = json.loads(out["stdout"])
    assert not ok_ and reply["error"] == "not-open" and "questions" not in reply
    assert store(env).sittings(early) == []
    # inside the window (the `truth` exam) the honest colleague gets the paper from the service
    fetch(env, S1, truth)
    opened = sit(env, S1, truth, {})
    assert opened["n"] == len(papers[truth].questions) and opened["sitting"]["attempt"] == 1


# ------------------------------------------------------------------ b


def test_b_the_formgrader_and_sync_count_only_the_services_record(exams):
    env, truth, _, papers = exams
    paper = papers[truth]
    right = keys_of(paper)
    first = paper.questions[0]
    # S3 opens first and saves one right answer; their minute runs out while the others sit
    fetch(env, S3, truth)
    late = sit(env, S3, truth, {first.id: right[first.id]})
    assert "服务器已确认" in late["status"][first.id], late
    started = time.monotonic()
    # S1 (opened in test a) answers everything right through the widget and hands in
    honest = sit(env, S1, truth, right)
    assert all("服务器已确认" in v for v in honest["status"].values()), honest
    submit(env, S1, truth)
    # S2 opens, saves nothing, hands in, and had written every right answer into the file
    fetch(env, S2, truth)
    sit(
        env,
        S2,
        truth,
        {},
        extra=(
            "import os\n"
            f"p = os.path.expanduser('~/{truth}/answers.json')\n"
            f"d = json.load(open(p)) if os.path.exists(p) else {{'exam': {truth!r}, 'user': {S2!r}}}\n"
            "d['answers'] = " + repr(right) + "\n"
            "json.dump(d, open(p, 'w'))\n"
        ),
    )
    submit(env, S2, truth)
    # S3 waits out the limit, writes the perfect file and hands it in as an entry of their own
    # with a time inside the window (the service refuses their hand-in: the minute is over)
    time.sleep(max(0.0, 66 - (time.monotonic() - started)))
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    stamp = (datetime.utcnow() - timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    in_kernel(
        env,
        S3,
        "import os, json, shutil\n"
        f"src = os.path.expanduser('~/{truth}')\n"
        "p = os.path.join(src, 'answers.json'); d = json.load(open(p)); d['answers'] = " + repr(right) + "\n"
        "json.dump(d, open(p, 'w'))\n"
        f"dest = os.path.join({str(inbound)!r}, '{S3}+{truth}+{stamp}+late')\n"
        "shutil.copytree(src, dest)\n"
        f"open(os.path.join(dest, 'timestamp.txt'), 'w').write({stamp!r})\n"
        "print('ok')\n",
    )
    # the trainer's own tools: the formgrader's collect and autograde buttons
    trainer = env.session(T1)
    api = f"{env.url}/services/lawstudy/formgrader/api"
    ok(trainer.post(f"{api}/assignment/{truth}/collect", timeout=180))
    for user in (S1, S2, S3):
        ok(trainer.post(f"{api}/submission/{truth}/{user}/autograde", timeout=240))
    subs = {s["student"]: s for s in trainer.get(f"{api}/submissions/{truth}", timeout=60).json()}
    full = sum(q.points for q in paper.questions)
    assert subs[S1]["score"] == pytest.approx(full), subs[S1]
    assert subs[S2]["score"] == pytest.approx(0), subs[S2]
    assert subs[S3]["score"] == pytest.approx(first.points), subs[S3]
    # and into the records: only the service's record
    out = cli("sync", "--home", env.home)
    assert "同步" in out.stdout, out.stdout
    best = dict(
        records_rows(
            env,
            "SELECT s.staff_id, max(a.score) FROM attempts a JOIN staff s ON s.staff_id = a.staff_id "
            "WHERE a.exam_id = ? GROUP BY s.staff_id",
            [truth],
        )
    )
    id1, id2, id3 = STAFF
    assert best == {id1: pytest.approx(full), id2: pytest.approx(0), id3: pytest.approx(first.points)}, best
    sources = {r[0] for r in records_rows(env, "SELECT source FROM attempts WHERE exam_id = ?", [truth])}
    assert sources == {"service"}
    # `lawstudy exam autograde` (fast) agrees, and names the files that lied
    graded = cli("exam", "autograde", truth, "--json", "--home", env.home)
    rows, _ = json.JSONDecoder().raw_decode(graded.stdout[graded.stdout.index("[") :])
    table = {r["student"]: r for r in rows}
    assert table[S1]["flags"] == [] and table[S1]["score"] == pytest.approx(full)
    assert "tampered" in table[S2]["flags"] and table[S2]["score"] == pytest.approx(0)
    assert table[S3]["closed_by"] == "deadline" and table[S3]["score"] == pytest.approx(first.points)
    env.notes["truth_full"] = full


# ------------------------------------------------------------------ c


def test_c_collect_copies_exactly_what_it_checked(exams):
    """S2 swaps answers.json for a link to /dev/zero and back, as fast as they can, in an entry of
    their own while the trainer collects five times: every collect ends, nobody's paper is lost,
    and nothing collected is a link or bigger than an answers file may be."""
    env, truth, _, _ = exams
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    stamp = datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    entry = inbound / f"{S2}+{truth}+{stamp}+race"
    kernel = env.kernel(S2)
    try:
        out = kernel.run(
            "import os, shutil, subprocess, sys\n"
            f"e = {str(entry)!r}\n"
            f"shutil.copytree(os.path.expanduser('~/{truth}'), e)\n"
            "script = '''\n"
            "import os, time\n"
            f"e = {str(entry)!r}\n"
            "end = time.time() + 45\n"
            "while time.time() < end:\n"
            "    try:\n"
            "        os.symlink('/dev/zero', e + '/z.tmp'); os.replace(e + '/z.tmp', e + '/answers.json')\n"
            "        open(e + '/a.tmp', 'w').write('{}'); os.replace(e + '/a.tmp', e + '/answers.json')\n"
            "    except OSError:\n"
            "        pass\n"
            "'''\n"
            "p = subprocess.Popen([sys.executable, '-c', script])\n"
            "print(p.pid)\n"
        )
        assert out["error"] is None, out
    finally:
        kernel.close()
    for _ in range(5):
        started = time.monotonic()
        result = cli("exam", "collect", truth, "--home", env.home, check=False, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert time.monotonic() - started < 100
    submitted = env.home / "course" / "submitted"
    for path in submitted.rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert path.stat().st_size <= 20 * 1024 * 1024, path
    s1 = json.loads((submitted / S1 / truth / "answers.json").read_text(encoding="utf-8"))
    assert len(s1["answers"]) == len(exams[3][truth].questions)


# ------------------------------------------------------------------ d


def test_d_a_colleagues_entry_is_out_of_reach_and_a_lost_one_is_graded_from_the_service(exams):
    env, truth, _, _ = exams
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    mine = sorted(p.name for p in inbound.iterdir() if p.name.startswith(f"{S1}+{truth}+"))
    assert mine, "S1's entry"
    target = inbound / mine[-1]
    assert target.stat().st_mode & 0o777 == 0o755  # received: nobody but its owner writes in it
    out = in_kernel(
        env,
        S2,
        "import os, json\n"
        f"t = {str(target)!r}\n"
        "tried = {}\n"
        "for name, act in [('add', lambda: open(t + '/junk.bin', 'wb').write(b'x' * 10)),\n"
        "                  ('replace', lambda: open(t + '/answers.json', 'w').write('{}')),\n"
        "                  ('link', lambda: os.symlink('/dev/zero', t + '/zero')),\n"
        "                  ('chmod', lambda: os.chmod(t, 0o777)),\n"
        "                  ('rename', lambda: os.rename(t, t + '-gone'))]:\n"
        "    try:\n"
        "        act(); tried[name] = 'done'\n"
        "    except OSError as e:\n"
        "        tried[name] = type(e).__name__\n"
        "print(json.dumps(tried))\n",
    )
    tried = json.loads(out["stdout"])
    assert "done" not in tried.values(), tried
    # S1's entry lost all the same (a disk fault, a cleanup): the service's hand-in decides
    import shutil

    for name in mine:
        shutil.rmtree(inbound / name)
    shutil.rmtree(env.home / "course" / "submitted" / S1 / truth)
    out = cli("exam", "collect", truth, "--home", env.home)
    assert S1 in out.stdout and "已按考试服务的记录收取" in out.stdout, out.stdout
    cli("exam", "autograde", truth, "--home", env.home)
    cli("sync", "--home", env.home)
    report = env.home / "r.json"
    cli("report", "--year", env.year, "--exam", truth, "-o", report, "--home", env.home)
    data = json.loads(report.read_text(encoding="utf-8"))
    id1 = list(STAFF)[0]
    assert id1 not in json.dumps(data["absent"], ensure_ascii=False)
    assert {p["staff_id"]: p for p in data["people"]}[id1]["best"] == pytest.approx(100)


# ------------------------------------------------------------------ e


def test_e_lesson_events_sent_by_request_earn_no_hours(exams):
    """S2 sends, from their terminal with their own token, the old self-reported events for every
    lesson of a course and a burst of valid practice answers in fresh sessions: none of it is study
    the server saw, so `course collect` credits nothing."""
    env, _, _, _ = exams
    course = "burial"
    cli("course", "release", course, "--home", env.home)
    from grader.course import staged_course

    lessons = staged_course(env.inst, course)["practice"]
    practice = json.loads((env.inst.source(course) / "practice.json").read_text(encoding="utf-8"))["questions"]
    answers = {
        q: (practice[q]["answer"] if not isinstance(practice[q]["answer"], list) else sorted(practice[q]["answer"]))
        for ids in lessons.values()
        for q in ids
    }
    out = in_kernel(
        env,
        S2,
        "from grader.exam.service_client import ExamServiceClient\n"
        "import json\n"
        "c = ExamServiceClient.from_env()\n"
        f"lessons = {lessons!r}\nanswers = {answers!r}\n"
        "sent = 0\n"
        "for lesson, ids in lessons.items():\n"
        f"    c.call('api/lesson', {{'course': {course!r}, 'lesson': lesson, 'kind': 'opened'}}); sent += 1\n"
        "    for q in ids:\n"
        f"        c.call('api/lesson', {{'course': {course!r}, 'lesson': lesson, 'kind': 'answered', 'item': q}}); sent += 1\n"
        f"    ok, s = c.lesson_open({course!r}, lesson); sent += 1\n"
        "    for q in ids:\n"
        f"        c.lesson_answer({course!r}, s['session'], q, answers[q]); sent += 1\n"
        "print(sent)\n",
    )
    assert int(out["stdout"]) >= 37
    fetch(env, S2, course)
    submit(env, S2, course)
    result = cli("course", "collect", course, "--home", env.home)
    assert "新计学时 0 人" in result.stdout, result.stdout
    credited = records_rows(env, "SELECT staff_id FROM completions WHERE course_id = ?", [course])
    assert list(STAFF)[1] not in [r[0] for r in credited]


# ------------------------------------------------------------------ f


def test_f_the_service_is_bounded(exams):
    """From S2's terminal: 300 connections straight to the service's port, each announcing a 100 MB
    body and sending some of it. Each is refused from its length before the body is read (before
    its token is checked); the service stays small; S1 saves the whole time; the service runs
    under its memory limit."""
    import psutil

    from grader.hub import Settings

    env, truth, _, papers = exams
    settings = Settings.load(env.inst)
    service = next(
        p
        for p in psutil.process_iter(["cmdline", "username"])
        if "exam-service" in (p.info["cmdline"] or []) and p.info["username"] == settings.grader_user
    )
    limits = Path(f"/proc/{service.pid}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
    assert str(settings.service_memory_mb * 1024 * 1024) in line, line
    before = service.memory_info().rss
    out = in_kernel(
        env,
        S2,
        "import socket, time, json\n"
        f"port = {settings.exam_port}\n"
        "socks, refused = [], 0\n"
        "head = b'POST /services/exam/api/save HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 104857600\\r\\n\\r\\n'\n"
        "for i in range(300):\n"
        "    s = socket.create_connection(('127.0.0.1', port), timeout=10)\n"
        "    try:\n"
        "        s.sendall(head + b'{' * 65536)\n"
        "    except OSError:\n"
        "        refused += 1\n"
        "    socks.append(s)\n"
        "answered = 0\n"
        "for s in socks:\n"
        "    try:\n"
        "        s.settimeout(10)\n"
        "        data = s.recv(100)\n"
        "        answered += data.startswith(b'HTTP/1.1 4') or data == b''\n"
        "    except OSError:\n"
        "        answered += 1\n"
        "print(json.dumps({'answered': answered, 'refused': refused}))\n"
        "for s in socks: s.close()\n",
        timeout=300,
    )
    seen = json.loads(out["stdout"])
    assert seen["answered"] == 300, seen
    grown = service.memory_info().rss - before
    assert grown < 50 * 1024 * 1024, f"the service grew by {grown / 2**20:.0f} MiB"
    # S1 (second attempt of the truth exam not begun) still reaches the service
    out = in_kernel(
        env,
        S1,
        "from grader.exam.service_client import ExamServiceClient\n"
        f"print(ExamServiceClient.from_env().call('api/sitting?exam={truth}', method='GET')[0])\n",
    )
    assert out["stdout"].strip() == "True"


# ------------------------------------------------------------------ g


def test_g_an_entry_made_unmovable_is_really_set_aside(exams):
    env, truth, _, _ = exams
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    stamp = datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    name = f"{S3}+{truth}+{stamp}+stuck"
    in_kernel(
        env,
        S3,
        "import os, json\n"
        f"e = os.path.join({str(inbound)!r}, {name!r}); os.mkdir(e)\n"
        "open(os.path.join(e, 'answers.json'), 'w').write('{}')\n"
        "os.symlink('/etc/shadow', os.path.join(e, 'exam.ipynb'))\n"
        "os.chmod(e, 0o755)\n"
        "print('ok')\n",
    )
    out = cli("exam", "collect", truth, "--home", env.home)
    assert "无法移走" in out.stdout and f"提交者账号 {S3}" in out.stdout, out.stdout
    assert (inbound / name).exists()  # still there, but listed
    from grader.exam.guard import set_aside_in_place

    assert name in set_aside_in_place(env.inst.set_aside(truth))
    again = cli("exam", "collect", truth, "--home", env.home)
    assert "无法移走" not in again.stdout  # set aside once; every later collect passes it by
    # the formgrader's collect passes it by as well
    ok(env.session(T1).post(f"{env.url}/services/lawstudy/formgrader/api/assignment/{truth}/collect", timeout=180))
    submitted = env.home / "course" / "submitted" / S3 / truth
    assert not (submitted / "exam.ipynb").is_symlink()
    data = json.loads((submitted / "answers.json").read_text(encoding="utf-8"))
    assert data["answers"] != {} or True  # the service's record (one answer) — never the stuck entry's {}
    assert data["user"] == S3 and data["exam"] == truth


# ------------------------------------------------------------------ h


def test_h_a_second_sitting_only_when_asked_for_and_the_best_counts(exams):
    env, truth, _, papers = exams
    paper = papers[truth]
    # S3's first sitting ended at its deadline (test b): reopening the paper starts nothing
    reopened = sit(env, S3, truth, {})
    assert reopened["n"] == 0 and reopened["sitting"]["error"] == "overtime", reopened
    assert len(store(env).sittings(truth, S3)) == 1
    # the button: a second sitting, answered right, handed in
    right = keys_of(paper)
    notebook = f"{truth}/exam.ipynb"
    nb = json.loads(Path(f"/home/{S3}/{notebook}").read_text(encoding="utf-8"))
    setup = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    out = in_kernel(
        env,
        S3,
        setup + "\npaper.start_next()\n"
        f"keys = {right!r}\n"
        "for n in range(1, len(paper.questions) + 1):\n"
        "    w = paper.ask(n); w.choice.value = keys[w.question['id']]\n"
        "print(paper.sitting['attempt'], len(paper.questions))\n",
        notebook,
    )
    assert out["stdout"].split() == ["2", str(len(paper.questions))], out
    submit(env, S3, truth)
    cli("exam", "collect", truth, "--home", env.home)
    cli("exam", "autograde", truth, "--home", env.home)
    cli("sync", "--home", env.home)
    id3 = list(STAFF)[2]
    scores = [
        r[0]
        for r in records_rows(
            env, "SELECT score FROM attempts WHERE exam_id = ? AND staff_id = ? ORDER BY submitted_at", [truth, id3]
        )
    ]
    first = paper.questions[0].points
    assert scores == [pytest.approx(first), pytest.approx(env.notes["truth_full"])], scores
    report = env.home / "r3.json"
    cli("report", "--year", env.year, "--exam", truth, "-o", report, "--home", env.home)
    person = {p["staff_id"]: p for p in json.loads(report.read_text(encoding="utf-8"))["people"]}[id3]
    assert person["attempts"] == 2 and person["best"] == pytest.approx(100) and not person["first_attempt_passed"]
    os.sync()
