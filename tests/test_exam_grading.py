"""Real nbgrader, end to end: 22 varied honest submissions and every kind of tampering, graded by
`lawstudy exam autograde` (nbgrader, real kernels) and by `--fast`, compared; impersonation set
aside; feedback gated, free of hidden tests, fetched with `nbgrader fetch_feedback`."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_exam_support import (
    exchange_args,
    fetch,
    make_bank,
    make_spec,
    nbgrader,
    random_answers,
    submit,
    submit_inprocess,
    write_answers,
)

from grader.exam.paper import load_paper
from grader.scoring import normalize_response, score

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
EXAM = "g-exam"
HONEST = 22


def honest_total(paper, answers) -> float:
    """What an honest paper with these answers earns."""
    if not isinstance(answers, dict):
        return 0.0
    total = 0.0
    for q in paper.questions:
        value = answers.get(q.id)
        if value is not None and normalize_response(q.key, value) is not None:
            total += score(q.key, value)
    return round(total, 2)


def gradebook(home: Path) -> dict:
    db = sqlite3.connect(Path(home) / "course" / "gradebook.db")
    rows = db.execute(
        "SELECT sa.student_id, b.name, g.auto_score, g.manual_score, g.needs_manual_grade, sa.timestamp "
        "FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id "
        "JOIN submitted_assignment sa ON sa.id = sn.assignment_id JOIN base_cell b ON b.id = g.cell_id"
    ).fetchall()
    db.close()
    out = {}
    for student, name, auto, manual, needs, stamp in rows:
        out.setdefault(student, {})[name] = (auto, manual, bool(needs), stamp)
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory, cli_module):
    root = tmp_path_factory.mktemp("grading")
    quizzes = root / "quizzes"
    make_bank(quizzes)
    make_spec(quizzes, EXAM)
    home = root / "home"
    cli_module("exam", "build", EXAM, "--quizzes", quizzes, "--home", home, check=True)
    cli_module("exam", "release", EXAM, "--home", home, check=True)
    paper = load_paper(home / "papers", EXAM)
    rng = random.Random(2020)
    expected = {}

    def sit(student, answers, user=None, how="inprocess", **extra):
        work = root / "staff" / student
        if student in ("s00", "s01", "mallory"):
            folder = fetch(home, work, EXAM)  # the real `nbgrader fetch_assignment`
        else:  # what it does, without 2 s of start-up each time
            folder = work / EXAM
            shutil.copytree(home / "exchange" / "lawstudy" / "outbound" / EXAM, folder)
        if answers is not None:
            write_answers(folder, EXAM, user or student, answers, **extra)
        return work, folder

    # honest, varied: right, wrong, partial, skipped, empty
    for i in range(HONEST):
        student = f"s{i:02d}"
        answers = {} if i == 0 else random_answers(paper, rng, right=[0.2, 0.5, 0.8, 1.0][i % 4])
        work, _ = sit(student, answers)
        (submit if i < 2 else submit_inprocess)(home, work, EXAM, student)
        expected[student] = honest_total(paper, answers)

    tampered = {}
    good = random_answers(paper, random.Random(5), right=0.7)
    # added code cell that makes every hidden test pass (monkeypatch) -> nbgrader would give full marks
    work, folder = sit("t-patch", good)
    nb = json.loads((folder / "exam.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(
        2,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "evil",
            "metadata": {},
            "outputs": [],
            "source": "import grader.widgets as _w\n_w.graded = lambda *a, **k: 1e-9 or 0\n"
            "import builtins\n_w.score = lambda key, r: key.points",
        },
    )
    (folder / "exam.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    submit_inprocess(home, work, EXAM, "t-patch")
    tampered["t-patch"] = ("tampered", honest_total(paper, good))
    # code that would run with the grader's rights under nbgrader: an added cell, a `grader/`
    # package shadowing ours on sys.path, and script in a markdown cell for the trainer's browser
    marker = root / "pwned-by-submission"
    work, folder = sit("t-shadow", good)
    nb = json.loads((folder / "exam.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(
        1,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "evil2",
            "metadata": {},
            "outputs": [],
            "source": f"open({str(marker)!r}, 'w').write('cell')",
        },
    )
    nb["cells"].insert(
        1,
        {
            "cell_type": "markdown",
            "id": "evil3",
            "metadata": {},
            "source": "<script>fetch('/formgrader/api/x')</script><img src=x onerror=alert(1)>",
        },
    )
    (folder / "exam.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    (folder / "grader").mkdir()
    (folder / "grader" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('shadow')\n")
    (folder / "grader" / "widgets.py").write_text("graded = lambda *a, **k: 1000\n")
    submit_inprocess(home, work, EXAM, "t-shadow")
    tampered["t-shadow"] = ("tampered", honest_total(paper, good))
    # deleted and edited test cells
    work, folder = sit("t-cells", good)
    nb = json.loads((folder / "exam.ipynb").read_text(encoding="utf-8"))
    grade_cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    nb["cells"].remove(grade_cells[0])
    grade_cells[1]["source"] = "print('ok')"
    (folder / "exam.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    submit_inprocess(home, work, EXAM, "t-cells")
    tampered["t-cells"] = ("tampered", honest_total(paper, good))
    # garbage answers file
    work, folder = sit("t-garbage", None)
    (folder / "answers.json").write_bytes(b"\x00\xffnot json{{{")
    submit_inprocess(home, work, EXAM, "t-garbage")
    tampered["t-garbage"] = ("broken", 0.0)
    # wrong types, unknown ids, extra keys
    weird = {
        q.id: ({"x": 1} if q.type == "single" else "A" if q.type == "multiple" else "true") for q in paper.questions
    }
    weird.update({"not-a-question": "A", paper.questions[0].id: paper.questions[0].answer})
    work, folder = sit("t-types", weird, extra_key={"hack": True})
    submit_inprocess(home, work, EXAM, "t-types")
    tampered["t-types"] = ("tampered", honest_total(paper, {paper.questions[0].id: paper.questions[0].answer}))
    # answers not an object
    work, folder = sit("t-list", None)
    (folder / "answers.json").write_text("[1, 2, 3]", encoding="utf-8")
    submit_inprocess(home, work, EXAM, "t-list")
    tampered["t-list"] = ("broken", 0.0)
    # missing answers file
    work, folder = sit("t-missing", None)
    submit_inprocess(home, work, EXAM, "t-missing")
    tampered["t-missing"] = ("broken", 0.0)
    # corrupt notebook (answers fine)
    work, folder = sit("t-corrupt", good)
    (folder / "exam.ipynb").write_text('{"cells": [ broken', encoding="utf-8")
    submit_inprocess(home, work, EXAM, "t-corrupt")
    tampered["t-corrupt"] = ("broken", honest_total(paper, good))
    # late and overtime: honest answers, submitted after the close / 3 hours after starting
    work, _ = sit("t-late", good, started=datetime.now(UTC) - timedelta(hours=3))
    submit_inprocess(home, work, EXAM, "t-late")
    inbound = home / "exchange" / "lawstudy" / "inbound"
    [late_dir] = inbound.glob(f"t-late+{EXAM}+*")
    (late_dir / "timestamp.txt").write_text(
        (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    )
    # impersonation: mallory answers in her own session, then files it as s03 (real CLI)
    work, _ = sit("mallory", {q.id: q.answer for q in paper.questions}, user="mallory")
    submit(home, work, EXAM, "s03")
    impostors = ["s03"]
    if os.geteuid() == 0:
        # on a hub every staff member has an account: a folder owned by another account than the name
        work, _ = sit("eve", {q.id: q.answer for q in paper.questions}, user="s04")
        submit_inprocess(home, work, EXAM, "s04")
        [eve_dir] = [
            p
            for p in inbound.glob(f"s04+{EXAM}+*")
            if (p / "answers.json").read_text().count('"user": "s04"')
            and json.loads((p / "answers.json").read_text())["answers"] == {q.id: q.answer for q in paper.questions}
        ]
        for p in [eve_dir, *eve_dir.rglob("*")]:
            os.chown(p, 65534, 65534)
        impostors.append("s04")

    collect = cli_module("exam", "collect", EXAM, "--home", home, check=True)
    fast_home = root / "fast-home"
    shutil.copytree(home, fast_home, symlinks=True)
    slow = cli_module("exam", "autograde", EXAM, "--nbgrader", "--json", "--home", home, check=True, timeout=600)
    fast = cli_module("exam", "autograde", EXAM, "--fast", "--json", "--home", fast_home, check=True)
    return {
        "root": root,
        "home": home,
        "fast_home": fast_home,
        "paper": paper,
        "expected": expected,
        "tampered": tampered,
        "collect": collect,
        "slow": slow,
        "fast": fast,
        "impostors": impostors,
        "quizzes": quizzes,
        "marker": marker,
    }


@pytest.fixture(scope="module")
def cli_module():
    from conftest import run_cli

    return run_cli


def test_fast_and_nbgrader_give_identical_grades(world):
    slow, fast = gradebook(world["home"]), gradebook(world["fast_home"])
    assert set(slow) == set(fast)
    honest = [s for s in world["expected"]]
    assert len(honest) >= 20
    for student in honest:
        assert slow[student].keys() == fast[student].keys()
        for cell, (auto, manual, needs, stamp) in slow[student].items():
            assert cell.startswith("q-")
            assert fast[student][cell] == (auto, manual, needs, stamp), (student, cell)
        total = round(sum(v[0] for v in slow[student].values()), 2)
        assert total == world["expected"][student], student
    # nbgrader's own run agreed with the answers-file scores on every honest paper
    report = json.loads((world["home"] / "papers" / EXAM / "grading.json").read_text(encoding="utf-8"))
    assert not [m for m in report["mismatches"] if m[0] in world["expected"]]
    # one machine, no exam service: the answers files decided, and the records say so
    db = sqlite3.connect(world["home"] / "records.db")
    assert db.execute("SELECT timing FROM exams WHERE id = ?", [EXAM]).fetchone()[0] == "files"


def test_tampered_and_broken_never_score_above_honest_and_are_reported(world):
    for home in (world["home"], world["fast_home"]):
        book = gradebook(home)
        for student, (_flag, ceiling) in world["tampered"].items():
            total = round(sum((v[0] or 0) for v in book[student].values()), 2)
            assert total <= ceiling + 1e-9, (home, student, total, ceiling)
            assert total == ceiling, (home, student)  # the valid answers still count
        db = sqlite3.connect(home / "records.db")
        flags = {(r[0], r[1]) for r in db.execute("SELECT student, flag FROM flags WHERE exam_id = ?", [EXAM])}
        db.close()
        for student, (flag, _) in world["tampered"].items():
            assert (student, flag) in flags, (home, student, flag, flags)
        assert ("t-late", "late") in flags and ("t-late", "overtime") in flags
        assert not any(s.startswith("s") and f != "impersonation" for s, f in flags), flags
    assert "t-patch" in world["slow"].stdout and "文件被篡改" in world["slow"].stdout


def test_submitted_code_never_runs_and_nothing_staff_wrote_reaches_the_trainer(world):
    """nbgrader (real kernels) graded every paper, yet the added cell and the shadowing `grader/`
    package never ran: collected submissions hold only the released notebook and the answers."""
    assert not world["marker"].exists(), world["marker"].read_text()
    home = world["home"]
    release = home / "course" / "release" / EXAM / "exam.ipynb"

    def sources(path):
        return [(c["cell_type"], "".join(c["source"])) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]

    for kind in ("submitted", "autograded"):  # autograded: nbgrader put its hidden tests back
        folder = home / "course" / kind / "t-shadow" / EXAM
        assert not (folder / "grader").exists(), kind
        got, want = sources(folder / "exam.ipynb"), sources(release)
        assert len(got) == len(want) and [c for c in got if c[0] == "markdown"] == [
            c for c in want if c[0] == "markdown"
        ]
        text = (folder / "exam.ipynb").read_text(encoding="utf-8")
        assert "<script" not in text and "onerror" not in text and str(world["marker"]) not in text, kind
    original = home / "course" / "submitted-originals" / EXAM / "t-shadow"
    assert (original / "grader" / "widgets.py").exists()  # kept for audit, privately
    assert os.stat(home / "course" / "submitted-originals").st_mode & 0o077 == 0
    assert "t-shadow" in world["slow"].stdout and "添加了" in world["slow"].stdout


def test_impersonation_is_set_aside_not_graded(world):
    assert "冒名提交" in world["collect"].stdout
    for student in world["impostors"]:
        assert student in world["collect"].stdout
        # the real person's own paper is the one graded
        total = round(sum(v[0] for v in gradebook(world["home"])[student].values()), 2)
        assert total == world["expected"][student]
    aside = list((world["home"] / "set-aside" / EXAM).iterdir())
    assert len(aside) == len(world["impostors"])
    db = sqlite3.connect(world["home"] / "records.db")
    # one account (lawstudy lab): the answers file names someone else, flagged as before (s03). An
    # entry owned by ANOTHER account (s04, a hub) is no flag against the person it names: it is
    # logged against its real owner in the exam's private audit log (issue 15)
    flagged = [r[0] for r in db.execute("SELECT student FROM flags WHERE flag = 'impersonation'")]
    assert flagged == ["s03"]
    if "s04" in world["impostors"]:
        from grader.exam.receipts import read_audit

        audit = read_audit(world["home"] / "papers" / EXAM)
        lines = [(a["owner"], a["named"]) for a in audit if a["reason"] == "impersonation"]
        assert ("nobody", ["s04"]) in lines and not [o for o, named in lines if o != "nobody" and "s04" in named]


def test_feedback_gated_then_fetched_without_hidden_tests(world, cli_module):
    home = world["fast_home"]
    refused = cli_module("exam", "feedback", EXAM, "--home", home)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert not (home / "exchange" / "lawstudy" / "feedback").exists() or not list(
        (home / "exchange" / "lawstudy" / "feedback").iterdir()
    )
    cli_module("exam", "feedback", EXAM, "--force", "--home", home, check=True)
    student = "s05"
    work = world["root"] / "staff" / student
    r = nbgrader("fetch_feedback", EXAM, f"--student={student}", *exchange_args(home, work), cwd=work)
    assert r.returncode == 0, r.stderr
    [html_file] = list((work / EXAM / "feedback").rglob("exam.html"))
    text = html_file.read_text(encoding="utf-8")
    paper = world["paper"]
    assert "BEGIN HIDDEN TESTS" not in text and "graded(" not in text
    for q in paper.questions:
        assert q.explanation in text and q.basis[0]["quote"] in text
    answers = json.loads((work / EXAM / "answers.json").read_text(encoding="utf-8"))["answers"]
    assert f"{world['expected'][student]:g}</b> / {paper.max_score:g}" in text
    assert ("未作答" in text) == (len(answers) < len(paper.questions))


def test_nothing_released_holds_a_key(world):
    from grader.exam.guard import LeakScanner

    paper = world["paper"]
    scanner = LeakScanner(paper)
    released = [
        world["home"] / "course" / "release" / EXAM,
        world["home"] / "exchange" / "lawstudy" / "outbound" / EXAM,
        world["root"] / "staff" / "s01" / EXAM,
    ]
    for folder in released:
        files = [p for p in folder.rglob("*") if p.is_file() and p.name != "answers.json"]
        assert files
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert scanner.scan_text(text) == [], path
            for q in paper.questions:
                assert q.explanation not in text
    # the trainer-only places are private
    for private in (world["home"] / "papers", world["home"] / "course", world["home"] / "set-aside"):
        assert private.stat().st_mode & 0o077 == 0, private


def test_item_analysis_is_the_same_whichever_path_graded(world, cli_module, tmp_path):
    """`exam analyse` reads the answers each graded paper was scored on: --fast and --nbgrader give
    the same figures, the impostor's paper is not in them, and every honest person is."""
    results = []
    for name, home in (("slow", world["home"]), ("fast", world["fast_home"])):
        out = tmp_path / f"{name}.json"
        r = cli_module("exam", "analyse", EXAM, "--home", home, "-o", out, "-o", tmp_path / f"{name}.md")
        assert r.returncode == 0, r.stderr
        assert "作答来源：阅卷时各份答卷的答案文件" in r.stdout
        results.append(json.loads(out.read_text(encoding="utf-8")))
    assert results[0] == results[1]
    exam = results[0]["exam"]
    assert exam["source"] == "files" and exam["sitting"] == "first"
    honest = set(world["expected"])
    assert exam["n"] >= len(honest)
    # the mean percent score over the honest papers agrees with their gradebook totals
    paper = world["paper"]
    by_q = {q["question_id"]: q for q in results[0]["questions"]}
    assert set(by_q) == {q.id for q in paper.questions}
    assert all(q["n"] == exam["n"] for q in by_q.values())
    bad = cli_module("exam", "analyse", EXAM, "--home", world["home"], "--sitting", "last")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
