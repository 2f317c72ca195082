"""Every command the README shows, run in the README's order, as a reader would run them.

The set-up pair is what CI runs (`.ci/run`); `lawstudy demo` builds the instance the later
commands work on; `lawstudy lab` really serves it (lessons and the released exam answer over HTTP);
the hub commands (root only) set up, start, report on and stop a real JupyterHub on that instance,
and the system users they create are removed afterwards.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
README = ROOT / "README.md"
DEMO = "lawstudy-demo"
pytestmark = [pytest.mark.docs, pytest.mark.e2e, pytest.mark.timeout(1500)]


def readme_commands() -> list[str]:
    """The lines of the README's ```bash blocks, in order (comments and blank lines left out)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


COMMANDS = readme_commands()
SETUP, TESTS = COMMANDS[0], COMMANDS[1]


class Reader:
    """A shell session in a fresh folder holding what a checkout holds for the commands: the banks
    and the courses (copies: the commands write next to them)."""

    def __init__(self):
        self.cwd = Path(tempfile.mkdtemp(prefix="lawstudy-readme-", dir="/tmp"))
        os.chmod(self.cwd, 0o711)  # the hub's staff must traverse to the exchange
        shutil.copytree(ROOT / "quizzes", self.cwd / "quizzes")
        shutil.copytree(ROOT / "courses", self.cwd / "courses")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("LAWSTUDY_", "JUPYTER"))}
        self.env["BROWSER"] = "true"  # `lawstudy lab` "opens" the browser with /bin/true
        self.outputs: dict[str, str] = {}

    def run(self, line: str, timeout: float = 900) -> subprocess.CompletedProcess:
        argv = shlex.split(line)
        if argv[0].startswith(".venv/bin/"):  # the README runs it from the checkout's venv
            argv[0] = str(BIN / Path(argv[0]).name)
        proc = subprocess.run(argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        self.outputs[line] = proc.stdout + proc.stderr
        return proc

    def ok(self, line: str, timeout: float = 900) -> str:
        proc = self.run(line, timeout)
        assert proc.returncode == 0, f"README command failed ({proc.returncode}): {line}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout


@pytest.fixture(scope="module")
def reader():
    """The reader after the README's first command (set-up done by CI, then `lawstudy demo`)."""
    r = Reader()
    assert SETUP.startswith("./install.sh && "), SETUP
    out = r.ok(SETUP.split("&&", 1)[1].strip(), timeout=1200)
    reports = r.cwd / DEMO / "reports"
    files = sorted(p.suffix for p in reports.iterdir() if p.stat().st_size > 0)
    assert files == [".html", ".md", ".xlsx"], out
    assert "报表文件" in out and "参与率" in out and "合格率" in out, out
    yield r
    shutil.rmtree(r.cwd, ignore_errors=True)


def test_the_two_setup_commands_are_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TESTS == "./test.sh"
    assert "bash install.sh" in ci and "bash test.sh" in ci and "rm -rf .venv" in ci
    for script in ("install.sh", "test.sh"):
        assert os.access(ROOT / script, os.X_OK), f"{script} is not executable: ./{script} would fail"
    assert "pytest" in (ROOT / "test.sh").read_text(encoding="utf-8")
    assert "pip install" in (ROOT / "install.sh").read_text(encoding="utf-8")


def _serve_lab(reader: Reader, line: str) -> None:
    """Start `lawstudy lab`, find the URL it prints, ask it for the lessons and the released exam."""
    argv = shlex.split(line)
    if os.geteuid() == 0:  # CI runs as root: the README says root needs --allow-root
        refused = subprocess.run(argv, cwd=reader.cwd, env=reader.env, capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "--allow-root" in refused.stderr, refused
        argv.append("--allow-root")
    proc = subprocess.Popen(
        argv,
        cwd=reader.cwd,
        env=reader.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    try:
        deadline, url = time.monotonic() + 120, None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            found = [m for text in list(lines) for m in re.findall(r"(http://127\.0\.0\.1:\d+)/lab\?token=(\w+)", text)]
            url = found[0] if found else None
            time.sleep(0.3)
        assert url, "lawstudy lab printed no URL:\n" + "".join(lines)
        base, token = url

        def get(path):
            with urllib.request.urlopen(f"{base}{path}{'&' if '?' in path else '?'}token={token}", timeout=30) as r:
                return json.load(r)

        lessons = get("/api/contents/" + urllib.parse.quote("课程"))
        assert {"burial", "social-assistance", "social-organisations"} <= {c["name"] for c in lessons["content"]}
        listed = get("/assignments?course_id=lawstudy")
        from grader.demo import EXAM_ID

        assert listed["success"] and EXAM_ID in [a["assignment_id"] for a in listed["value"]], listed
        # the token is on no command line another user could read in /proc
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                assert token not in cmdline.read_bytes().decode(errors="replace"), cmdline
            except OSError:
                pass
        # SIGTERM to lawstudy (a closed terminal, systemd) stops the JupyterLab it started
        port = int(base.rsplit(":", 1)[1])
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        deadline = time.monotonic() + 30
        from grader.hub import port_free

        while not port_free(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert port_free(port), "JupyterLab outlived lawstudy lab"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)


def test_every_readme_command_but_the_hub(reader):
    hub_seen = False
    for line in COMMANDS[2:]:
        if line.startswith("source "):
            assert (BIN / "activate").exists()
            reader.env["PATH"] = f"{BIN}{os.pathsep}{reader.env.get('PATH', '')}"
        elif line.startswith("export "):
            key, value = line.split(None, 1)[1].split("=", 1)
            reader.env[key] = value
        elif line.startswith("lawstudy lab"):
            _serve_lab(reader, line)
        elif line.startswith("lawstudy hub"):
            hub_seen = True  # test_readme_hub_commands runs these
        else:
            assert line.startswith("lawstudy "), f"README shows a command this test does not know: {line}"
            reader.ok(line)
    assert hub_seen
    cwd = reader.cwd
    assert "检查通过" in reader.outputs["lawstudy quiz check"]
    assert (cwd / "my-quizzes" / "example.yaml").stat().st_size > 0
    assert (cwd / "殡葬管理题库.xlsx").stat().st_size > 0
    for suffix in (".xlsx", ".html", ".md"):
        assert (cwd / f"2026年学法考试统计{suffix}").stat().st_size > 0
    md = (cwd / "2026年学法考试统计.md").read_text(encoding="utf-8")
    assert "参与率" in md and "借调外单位" in md  # the exemption shows with its reason


def test_readme_hub_commands(reader):
    from conftest_hub import skip_reason

    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from grader import hub

    lines = [line for line in COMMANDS if line.startswith("lawstudy hub")]
    assert [shlex.split(line)[2] for line in lines] == ["setup", "start", "status", "stop"], lines
    if "LAWSTUDY_HOME" not in reader.env:
        reader.env["LAWSTUDY_HOME"] = DEMO
    before = {e.pw_name for e in pwd.getpwall()}
    try:
        for line in lines:
            out = reader.ok(line, timeout=1200)
            if " start" in line:
                assert "--background" in line, "the README's start must return for the next command"
                with urllib.request.urlopen("http://127.0.0.1:8000/hub/login", timeout=30) as r:
                    assert r.status == 200
            if " status" in line:
                assert "运行中" in out, out
        assert "mz001" in {e.pw_name for e in pwd.getpwall()}  # staff became system users
        assert reader.run("lawstudy hub status").returncode == 1  # stopped
    finally:
        reader.run("lawstudy hub stop")
        for entry in pwd.getpwall():
            if entry.pw_name not in before and hub.USER_COMMENT in entry.pw_gecos.split(","):
                hub.remove_system_user(entry.pw_name)
