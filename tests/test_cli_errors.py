"""Every command, given bad input, ends with one clear message and a non-zero exit: never a traceback.

The test walks click's command tree, so a new command without a bad-input case here fails it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader import records
from grader.cli import cli

pytestmark = pytest.mark.unit

# commands that start servers, create system users or build a venv: only their argument checks run
NO_SIDE_EFFECTS = {"hub", "hub setup", "hub users", "hub start", "hub runtime", "lab", "demo"}


def commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield path, command
            yield from commands(command, path)
        else:
            yield path, command


@pytest.fixture
def files(tmp_path):
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(200))
    binary_csv = tmp_path / "garbage.csv"
    binary_csv.write_bytes(b"\x00\x01\x02garbage\x00")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("bank: x\nquestions: [ {", encoding="utf-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    return {
        "missing": str(tmp_path / "missing.xlsx"),
        "garbage": str(garbage),
        "csv": str(binary_csv),
        "yaml": str(bad_yaml),
        "file": str(a_file),
        "dir": str(tmp_path),
        "home": str(tmp_path / "home"),
    }


def bad_inputs(path: str, f: dict) -> list[list[str]]:
    h = ["--home", f["home"]]
    if path in NO_SIDE_EFFECTS:
        return (
            [[*path.split(), "--home", f["file"]]]
            if path != "hub runtime"
            else [["hub", "runtime", "--runtime", f["file"]]]
        )
    return {
        "quiz check": [["quiz", "check", f["missing"]], ["quiz", "check", f["yaml"]], ["quiz", "check", f["garbage"]]],
        "quiz import": [
            ["quiz", "import", src, "-o", str(Path(f["dir"]) / "out" / "b.yaml")]
            for src in (f["missing"], f["garbage"], f["csv"], f["dir"], f["yaml"])
        ],
        "quiz export": [
            ["quiz", "export", f["yaml"], "-o", str(Path(f["dir"]) / "x.xlsx")],
            ["quiz", "export", f["missing"], "-o", "x.xlsx"],
        ],
        "quiz template": [
            ["quiz", "template", "-o", str(Path(f["file"]) / "x.xlsx")],
            ["quiz", "template", "-o", f["dir"]],
        ],
        "course check": [["course", "check"]],
        "course build": [["course", "build", "--home", str(Path(f["file"]) / "home")]],
        "course release": [["course", "release", "no-such-course", *h]],
        "course collect": [["course", "collect", "no-such-course", *h]],
        "course complete": [
            ["course", "complete", *h],
            ["course", "complete", "--file", f["garbage"], *h],
            ["course", "complete", "NOBODY", "no-course", *h],
        ],
        "roster import": [["roster", "import", src, *h] for src in (f["missing"], f["garbage"], f["csv"], f["dir"])],
        "exempt": [
            ["exempt", *h],
            ["exempt", "--file", f["garbage"], *h],
            ["exempt", "NOBODY", "--year", "2020", "--reason", "病假", *h],
        ],
        "activity import": [
            *(["activity", "import", src, *h] for src in (f["missing"], f["garbage"], f["csv"], f["dir"])),
            ["activity", "import", f["csv"], "--kind", "开会", *h],
            ["activity", "import", f["csv"], "--date", "三月", *h],
        ],
        "activity add": [
            ["activity", "add", "--date", "三月", "--kind", "会前学法", "--topic", "x", "--hours", "1", *h],
            ["activity", "add", "--date", "2026-03-05", "--kind", "开会", "--topic", "x", "--hours", "-1", *h],
            [
                "activity",
                "add",
                "--date",
                "2026-03-05",
                "--kind",
                "会前学法",
                "--topic",
                "x",
                "--hours",
                "1",
                "--laws",
                "没有这部法",
                "--attendees",
                "NOBODY",
                *h,
            ],
        ],  # fmt: skip
        "activity list": [["activity", "list", "--year", "not-a-year", *h]],
        "sync": [["sync", *h]],
        "flags list": [["flags", "list", "--year", "not-a-year", *h]],
        "flags review": [["flags", "review", "999", "--note", "x", *h], ["flags", "review", "x", "--note", "x", *h]],
        "flags clear": [["flags", "clear", "999", "--note", "x", *h], ["flags", "clear", "999", "--note", " ", *h]],
        "results import": [["results", "import", src, *h] for src in (f["missing"], f["garbage"], f["csv"])],
        "report": [
            ["report", "--year", "2020", "--exam", "no-such-exam", "-o", str(Path(f["dir"]) / "r.pdf"), *h],
            ["report", "--year", "2020", "-o", str(Path(f["file"]) / "r.xlsx"), *h],
        ],
        "laws list": [["laws", "list", "--as-of", "not-a-date"], ["laws", "list", "--as-of", "2026-02-30"]],
        "laws show": [
            ["laws", "show", "《没有这部法》第一条"],
            ["laws", "show", "殡葬管理条例"],
            ["laws", "show", "《殡葬管理条例》第九百条"],
            ["laws", "show", "《殡葬管理条例》第四条", "--version", "1999-01-01"],
        ],
        "laws diff": [["laws", "diff", "没有这部法"], ["laws", "diff", "殡葬管理条例", "1999-01-01", "2025-12-12"]],
        "laws impact": [
            ["laws", "impact", "--law", "没有这部法"],
            ["laws", "impact", "--quizzes", f["file"]],
            ["laws", "impact", "--quizzes", f["dir"], "--as-of", "garbage"],
        ],
        "quiz migrate": [
            ["quiz", "migrate", "--law", "没有这部法", "--quizzes", f["dir"]],
            ["quiz", "migrate", "--law", "殡葬管理条例", "--to", "1999-01-01", "--quizzes", f["dir"]],
            ["quiz", "migrate", "--law", "殡葬管理条例", "--quizzes", f["missing"]],
        ],
        "exam build": [["exam", "build", "no-such-exam", *h]],
        "exam release": [["exam", "release", "no-such-exam", *h]],
        "exam collect": [["exam", "collect", "no-such-exam", *h]],
        "exam autograde": [["exam", "autograde", "no-such-exam", "--fast", *h]],
        "exam feedback": [["exam", "feedback", "no-such-exam", *h]],
        "exam analyse": [
            ["exam", "analyse", "no-such-exam", *h],
            ["exam", "analyse", "no-such-exam", "--sitting", "last", *h],
            ["exam", "analyse", "no-such-exam", "-o", str(Path(f["dir"]) / "a.pdf"), *h],
        ],
        "exam review": [["exam", "review", "no-such-exam", *h], ["exam", "review", "no-such-exam", "--staged", *h]],
        "exam prestart": [
            ["exam", "prestart", "no-such-exam", *h],
            ["exam", "prestart", "no-such-exam", "--before", "-5", *h],
        ],
        "hub stop": [["hub", "stop", "--home", f["file"]]],
        "hub status": [["hub", "status", *h]],
        "hub perms": [["hub", "perms", "--home", f["file"]]],
    }.get(path)


def test_every_command_with_bad_input_gives_a_message_not_a_traceback(files, monkeypatch):
    monkeypatch.setenv("LAWSTUDY_HOME", files["home"])
    runner = CliRunner()
    missing = []
    for path, _ in commands(cli):
        cases = bad_inputs(path, files)
        if cases is None:
            missing.append(path)
            continue
        for args in cases:
            result = runner.invoke(cli, args)
            shown = f"lawstudy {' '.join(args)}:\n{result.output}"
            assert "Traceback" not in result.output, shown
            assert result.exception is None or isinstance(result.exception, SystemExit), shown + repr(result.exception)
            if path != "course check":
                assert result.exit_code != 0, shown
                assert result.output.strip(), shown
    assert not missing, f"commands without a bad-input case in this test: {missing}"


def test_a_locked_database_is_one_line_for_every_writing_command(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LAWSTUDY_HOME", str(home))
    db = records.open_db(home / "records.db")
    roster = tmp_path / "r.csv"
    roster.write_text("工号,姓名\nMZ001,张三\n", encoding="utf-8")
    records.import_roster(db, roster)
    db.close()
    ready, done = threading.Event(), threading.Event()

    def hold():
        conn = sqlite3.connect(home / "records.db", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        done.wait(30)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    monkeypatch.setattr(records.db, "BUSY_TIMEOUT_MS", 200)
    runner = CliRunner()
    try:
        for args in (
            ["roster", "import", str(roster)],
            ["exempt", "MZ001", "--year", "2020", "--reason", "病假"],
            ["results", "import", str(roster)],
            ["course", "complete", "MZ001", "c1", "--year", "2020", "--hours", "2"],
            ["activity", "add", "--date", "2020-03-05", "--kind", "会前学法", "--topic", "x", "--hours", "1"],
        ):
            started = time.monotonic()
            result = runner.invoke(cli, args)
            assert result.exit_code == 1 and "Traceback" not in result.output, result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)
            assert time.monotonic() - started < 5
            if args[0] != "results":  # results: the file is refused before writing
                assert result.output.strip().count("\n") == 0 and "另一个 lawstudy 命令正在写入" in result.output, (
                    result.output
                )
    finally:
        done.set()
        thread.join()


def test_a_gradebook_without_the_exam_is_a_lawstudy_error(tmp_path, empty_gradebook):
    import shutil

    from grader.errors import LawstudyError
    from grader.exams.gradebook import ExamGradebook
    from grader.instance import Instance

    inst = Instance(tmp_path).ensure()
    with pytest.raises(LawstudyError, match="成绩库中没有考试 2020-annual"):
        ExamGradebook(inst, "2020-annual").write([])  # no gradebook at all
    inst.course_dir.mkdir()
    shutil.copy(empty_gradebook, inst.gradebook)  # an empty one, as nbgrader makes it
    with pytest.raises(LawstudyError, match="成绩库中没有考试 2020-annual"):
        ExamGradebook(inst, "2020-annual").write([])


CASES = Path(__file__).parent / "data" / "cases"


def test_every_real_input_case_ends_in_a_result_or_a_message_never_a_traceback(tmp_path):
    """Every file in tests/data/cases (the ../shared/cases shapes, rounds 1 and 2), given to every
    command that reads a sheet: it is read, or refused with a message; never a traceback."""
    runner = CliRunner()
    files = sorted(p for p in CASES.rglob("*") if p.suffix in (".xlsx", ".csv", ".xls"))
    assert len(files) >= 40
    for n, path in enumerate(files):
        home = str(tmp_path / f"home{n}")
        for args in (
            ["quiz", "import", str(path), "-o", str(tmp_path / f"out{n}" / "burial.yaml")],
            ["roster", "import", str(path), "--home", home],
            ["exempt", "--file", str(path), "--year", "2026", "--home", home],
            ["results", "import", str(path), "--home", home],
            ["course", "complete", "--file", str(path), "--year", "2026", "--home", home],
            ["activity", "import", str(path), "--home", home],
        ):
            result = runner.invoke(cli, args)
            shown = f"lawstudy {' '.join(args)}:\n{result.output}"
            assert "Traceback" not in result.output, shown
            assert result.exception is None or isinstance(result.exception, SystemExit), shown + repr(result.exception)
            assert result.exit_code in (0, 1) and result.output.strip(), shown
