"""Issue 15 on a real hub: the server keeps the clock, the answers and the receipts.

A second exam (30-minute limit, one attempt) is built and released on the shared hub. One staff
member sits it honestly through the exam widget (every click saved to the exam service with their
own token); colleagues attack it from their own kernels: edited started_at and answers after the
fact, saving as another, junk, links, FIFOs, sparse files and 300 forged entries in a colleague's
name. `lawstudy exam collect` and `autograde` then run as on any day: the honest paper is graded
exactly as its answers earn, the attackers gain nothing, and nobody is blamed for another's entry.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest_hub import STAFF, cli, hub_env  # noqa: F401  (fixture)

from grader.instance import username

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

S1, S2, S3 = (username(s) for s in STAFF)
SPEC = """\
id: {exam_id}
title: 服务计时考试
year: {year}
seed: 11
banks: [burial, social-assistance, social-organisations]
quotas:
  single: {{count: 3, points: 25}}
  judge: {{count: 1, points: 25}}
opens_at: {opens}
closes_at: {closes}
time_limit: 30
attempts: 1
"""


def ok(response) -> dict:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    data = response.json()
    assert data.get("success") is True, data
    return data


def nb_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.fixture(scope="module")
def sit(hub_env):
    """Build and release the timed exam on the running hub; returns (env, exam id, paper)."""
    from grader import hub
    from grader.exam import pipeline
    from grader.vocabulary import CHINA

    env = hub_env
    exam_id = f"sit-{env.year}"
    now = datetime.now(CHINA)
    quizzes = env.notes["quizzes"]
    fmt = "%Y-%m-%d %H:%M"
    (quizzes / "exams" / f"{exam_id}.yaml").write_text(
        SPEC.format(
            exam_id=exam_id,
            year=now.year,
            opens=(now - timedelta(hours=1)).strftime(fmt),
            closes=(now + timedelta(hours=6)).strftime(fmt),
        ),
        encoding="utf-8",
    )
    built = pipeline.build(env.inst, exam_id, quizzes=quizzes)
    hub.apply_permissions(env.inst)  # root built it: the grader owns the course and papers again
    cli("exam", "release", exam_id, "--home", env.home)  # run as the grader on a hub
    for user in (S1, S2, S3):
        env.start_server(user)
    return env, exam_id, built.paper


def fetch(env, user, exam_id):
    me = env.session(user)
    base = f"{env.url}/user/{user}"
    ok(me.post(f"{base}/assignments/fetch", data={"course_id": "lawstudy", "assignment_id": exam_id}, timeout=60))


def submit(env, user, exam_id):
    me = env.session(user)
    base = f"{env.url}/user/{user}"
    ok(me.post(f"{base}/assignments/submit", data={"course_id": "lawstudy", "assignment_id": exam_id}, timeout=60))


def answer_in_widget(env, user, exam_id, answers: dict, extra: str = "") -> dict:
    """Run the exam notebook's setup cell in the person's own kernel and click `answers`."""
    notebook = f"{exam_id}/exam.ipynb"
    kernel = env.kernel(user, notebook)
    try:
        for code in nb_cells(Path(f"/home/{user}") / notebook)[:1]:
            result = kernel.run(code)
            assert result["error"] is None, result
        result = kernel.run(
            f"keys = {answers!r}\n"
            "status = {}\n"
            "for n in range(1, len(paper.questions) + 1):\n"
            "    w = paper.ask(n)\n"
            "    if w.question['id'] in keys:\n"
            "        w.choice.value = keys[w.question['id']]\n"
            "        status[w.question['id']] = w.status.value\n"
            "import json; print(json.dumps({'status': status, 'sitting': paper.sitting}, ensure_ascii=False))\n" + extra
        )
        assert result["error"] is None, result
        return json.loads(result["stdout"].strip().splitlines()[0])
    finally:
        kernel.close()


def store(env):
    from grader.exam.sittings import SittingStore, store_path

    return SittingStore(store_path(env.home))


def test_a_honest_sitting_saves_through_the_service(sit):
    env, exam_id, paper = sit
    fetch(env, S1, exam_id)
    keys = {q.id: q.answer for q in paper.questions}
    out = answer_in_widget(env, S1, exam_id, keys)
    assert all("服务器已确认" in v for v in out["status"].values()), out
    assert out["sitting"]["user"] == S1 and 0 < out["sitting"]["seconds_left"] <= 30 * 60
    submit(env, S1, exam_id)
    [sitting] = store(env).sittings(exam_id, S1)
    assert sitting.closed_by == "hand-in"
    env.notes["sit_expected"] = sum(q.points for q in paper.questions)


def test_b_edited_started_at_and_answers_after_the_fact_count_for_nothing(sit):
    env, exam_id, paper = sit
    fetch(env, S2, exam_id)
    first = paper.questions[0]
    wrong = (not first.answer) if first.type == "judge" else next(o[0] for o in first.options if o[0] != first.answer)
    answer_in_widget(env, S2, exam_id, {first.id: wrong})
    keys = {q.id: q.answer for q in paper.questions}
    kernel = env.kernel(S2)
    try:  # all right answers, and a start time "now", written straight into the answers file
        out = kernel.run(
            "import json, os, datetime\n"
            f"p = os.path.expanduser('~/{exam_id}/answers.json')\n"
            "d = json.load(open(p))\n"
            f"d['answers'] = {keys!r}\n"
            "d['started_at'] = datetime.datetime.now(datetime.timezone.utc).isoformat()\n"
            "json.dump(d, open(p, 'w'))\n"
            # and try to save as a colleague, naming them in the body
            "from grader.exam.service_client import ExamServiceClient\n"
            "c = ExamServiceClient.from_env()\n"
            f"print(c.call('api/save', {{'exam': {exam_id!r}, 'question': {first.id!r}, 'answer': {wrong!r},"
            f" 'user': {S1!r}}}))\n"
        )
        assert out["error"] is None, out
    finally:
        kernel.close()
    submit(env, S2, exam_id)
    # the save named S1 in its body and was recorded as S2's own
    s1 = store(env).counted(paper.spec, S1, datetime.now().astimezone())
    assert s1 is not None and s1[1] == {q.id: q.answer for q in paper.questions}


def test_c_junk_links_fifos_and_forged_entries_stop_nobody_and_blame_nobody_else(sit):
    env, exam_id, _ = sit
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    stamp = "2020-06-01 09:00:00.000000 UTC"
    kernel = env.kernel(S3)
    try:
        out = kernel.run(
            "import os\n"
            f"ib = {str(inbound)!r}\n"
            f"os.mkdir(os.path.join(ib, '{S1}+{exam_id}+garbage+x'))\n"
            f"os.symlink('/dev/zero', os.path.join(ib, '{S1}+{exam_id}+{stamp}+zero'))\n"
            f"os.symlink('/nowhere', os.path.join(ib, '{S1}+{exam_id}+{stamp}+dangling'))\n"
            f"os.mkfifo(os.path.join(ib, '{S1}+{exam_id}+{stamp}+fifo'))\n"
            f"d = os.path.join(ib, '{S3}+{exam_id}+{stamp}+sparse'); os.mkdir(d)\n"
            "f = open(os.path.join(d, 'big.bin'), 'wb'); f.truncate(150 * 1024 * 1024); f.close()\n"
            "for i in range(300):\n"
            f"    os.mkdir(os.path.join(ib, '{S1}+{exam_id}+2020-06-01 09:%02d:%02d.000000 UTC+f%d' % (i // 60, i % 60, i)))\n"
            "print('planted')"
        )
        assert out["stdout"].strip() == "planted", out
    finally:
        kernel.close()
    # entries of a colleague cannot be removed or renamed (sticky inbound)
    assert os.stat(inbound).st_mode & 0o1000


def test_d_collect_and_grade_the_honest_paper_exactly_as_before(sit):
    env, exam_id, paper = sit
    out = cli("exam", "collect", exam_id, "--home", env.home)
    assert "提交者账号 " + S3 in out.stdout, out.stdout
    assert f"提交者账号 {S1}" not in out.stdout
    audit = [json.loads(line) for line in (env.home / "papers" / exam_id / "set-aside.jsonl").read_text().splitlines()]
    assert {a["owner"] for a in audit} == {S3}
    assert sum(a["count"] for a in audit) == 305
    graded = cli("exam", "autograde", exam_id, "--json", "--home", env.home)
    rows, _ = json.JSONDecoder().raw_decode(graded.stdout[graded.stdout.index("[") :])
    table = {row["student"]: row for row in rows}
    assert table[S1]["score"] == pytest.approx(env.notes["sit_expected"]) and table[S1]["flags"] == []
    assert table[S1]["time_source"] == "service" and table[S1]["closed_by"] == "hand-in"
    # the edited answers file was flagged and the service's answers counted (one wrong answer)
    assert "tampered" in table[S2]["flags"]
    assert table[S2]["score"] < env.notes["sit_expected"]
    import sqlite3

    db = sqlite3.connect(env.home / "records.db")
    assert not db.execute("SELECT count(*) FROM flags WHERE exam_id = ? AND student = ?", [exam_id, S1]).fetchone()[0]


COURSE = "social-organisations"


def study(env, user: str, lessons: list[Path], answer: bool = True) -> None:
    """Open each lesson in the person's own kernel (its code cells run, as JupyterLab would) and,
    if `answer`, submit an answer to each of its practice questions, right or wrong."""
    import re

    for path in lessons:
        kernel = env.kernel(user, f"{COURSE}/{path.name}")
        try:
            cells = nb_cells(path)
            for code in cells:
                result = kernel.run(code)
                assert result["error"] is None, result
            if answer:
                ids = sorted({m for code in cells for m in re.findall(r"practice\(\s*['\"]([^'\"]+)['\"]", code)})
                assert ids, f"no practice question in {path.name}"
                result = kernel.run(
                    "from grader.lesson import practice\n"
                    "import time\n"
                    f"for qid in {ids!r}:\n"
                    "    w = practice(qid)\n"
                    "    time.sleep(1.3)  # a person reads before choosing (min_practice_seconds on this hub: 1)\n"
                    "    opts = w.choice.options\n"
                    "    w.choice.value = True if w.choice.type == 'judge' else"
                    " ([opts[0][0]] if w.choice.type == 'multiple' else opts[0][0])\n"
                    "    w.submit()\n"
                )
                assert result["error"] is None, result
        finally:
            kernel.close()


def test_e_course_hours_only_for_study_the_server_saw(sit):
    """学时: S1 opens every lesson and answers its practice questions; S2 opens one lesson; S3
    submits the course unopened and plants entries in S1's and S2's names (one of another year).
    Only S1 is credited, and collect says how many it did not credit and why."""
    env, _, _ = sit
    cli("course", "release", COURSE, "--home", env.home)
    for user in (S1, S2, S3):
        fetch_course = env.session(user).post(
            f"{env.url}/user/{user}/assignments/fetch",
            data={"course_id": "lawstudy", "assignment_id": COURSE},
            timeout=60,
        )
        ok(fetch_course)
    lessons = sorted(Path(f"/home/{S1}/{COURSE}").glob("*.ipynb"))
    assert len(lessons) >= 2
    study(env, S1, lessons)
    study(env, S2, sorted(Path(f"/home/{S2}/{COURSE}").glob("*.ipynb"))[:1])
    inbound = env.home / "exchange" / "lawstudy" / "inbound"
    kernel = env.kernel(S3)
    try:
        out = kernel.run(
            "import os\n"
            f"ib = {str(inbound)!r}\n"
            f"os.mkdir(os.path.join(ib, '{S1}+{COURSE}+2026-06-01 09:00:00.000000 UTC+x1'))\n"
            f"os.mkdir(os.path.join(ib, '{S2}+{COURSE}+2020-06-01 09:00:00.000000 UTC+x2'))\n"
            "print('planted')"
        )
        assert out["stdout"].strip() == "planted", out
    finally:
        kernel.close()
    for user in (S1, S2, S3):
        submit(env, user, COURSE)
    out = cli("course", "collect", COURSE, "--home", env.home)
    assert "新计学时 1 人" in out.stdout, out.stdout
    assert "未学完" in out.stdout and f"提交者账号 {S3}" in out.stdout, out.stdout
    import sqlite3

    db = sqlite3.connect(env.home / "records.db")
    credited = [r[0] for r in db.execute("SELECT staff_id FROM completions WHERE course_id = ?", [COURSE])]
    assert credited == [list(STAFF)[0]], credited
    # collecting again credits nobody twice
    again = cli("course", "collect", COURSE, "--home", env.home)
    assert "新计学时 0 人" in again.stdout, again.stdout


def test_f_start_page_shows_the_study_the_server_saw(sit):
    """After test_e: S1's start page, rebuilt when the server starts, shows every lesson of the course
    studied (from the exam service's record), S3's shows none of it."""
    import time

    env, _, _ = sit
    n = len(list(Path(f"/home/{S1}/{COURSE}").glob("*.ipynb")))
    for user in (S1, S3):
        env.api("DELETE", f"/users/{user}/server")
        deadline = time.monotonic() + 120
        while (env.api("GET", f"/users/{user}").get("servers") or {}).get("") and time.monotonic() < deadline:
            time.sleep(0.5)
        env.start_server(user)
    mine = Path(f"/home/{S1}/开始学习.md").read_text(encoding="utf-8")
    assert f"已学习 {n}/{n} 课时" in mine, mine
    theirs = Path(f"/home/{S3}/开始学习.md").read_text(encoding="utf-8")
    assert f"已学习 {n}/{n} 课时" not in theirs and f"已学习 0/{n} 课时" in theirs, theirs
