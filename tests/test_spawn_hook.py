"""The pre-spawn hook's file safety and its children, without a hub.

What a staff member can plant in their own home (a FIFO, a link to /dev/zero, a huge sparse file,
a folder where a file belongs) must neither hang nor exhaust what the hook's children read and
write there, and the hook itself must never block the event loop it runs on (JupyterHub's).
tests/test_hub_spawn.py tries the same on a real hub. The tests that start a child as another
account need root; the rest run as anyone.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from grader import staff_lab
from grader.hub.lessons import OUTPUT_LIMIT, copy_lessons, lessons_hook, run_as_person
from grader.hub.staff import staff_hook
from grader.safe_io import DIRECTORY_FLAGS, UnsafeFile, read_regular, replace_file

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(60)  # a FIFO opened the wrong way would hang: fail, do not wait

HUGE = 50 * 1024**3  # a sparse file: 50 GiB apparent size, no disk used


def _sparse(path: Path, size: int = HUGE) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    return path


# ------------------------------------------------------------------ grader.safe_io


def test_read_regular_refuses_links_fifos_devices_folders_and_huge_files(tmp_path):
    (tmp_path / "ok.json").write_bytes(b"{}")
    assert read_regular(tmp_path / "ok.json", 10) == b"{}"
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "folder").mkdir()
    _sparse(tmp_path / "sparse")
    for name in ("fifo", "zero", "folder", "sparse"):
        with pytest.raises(OSError):
            read_regular(tmp_path / name, 1024 * 1024)
    with pytest.raises(UnsafeFile):
        read_regular(tmp_path / "fifo", 1024)
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "absent", 10)


def test_replace_file_replaces_what_is_planted_without_opening_it(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not mine to write", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    os.mkfifo(home / "fifo")
    (home / "link").symlink_to(outside)
    (home / "zero").symlink_to("/dev/zero")
    (home / "old").write_text("old", encoding="utf-8")
    (home / "folder").mkdir()
    (home / "folder" / "kept").write_text("mine", encoding="utf-8")
    fd = os.open(home, DIRECTORY_FLAGS)
    try:
        for name in ("fifo", "link", "zero", "old", "new"):
            replace_file(fd, name, b"lesson", 0o640, 1_000_000_000_000_000_000)
        with pytest.raises(IsADirectoryError):
            replace_file(fd, "folder", b"lesson")
    finally:
        os.close(fd)
    for name in ("fifo", "link", "zero", "old", "new"):
        info = os.stat(home / name, follow_symlinks=False)
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o640, name
        assert info.st_mtime_ns == 1_000_000_000_000_000_000
        assert (home / name).read_bytes() == b"lesson"
    assert outside.read_text(encoding="utf-8") == "not mine to write"
    assert (home / "folder" / "kept").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in home.iterdir()) == ["fifo", "folder", "link", "new", "old", "zero"]  # no temp


# ------------------------------------------------------------------ the lessons copy (as the person)


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "lessons"
    for course in ("burial", "social-assistance"):
        (source / course).mkdir(parents=True)
        (source / course / "course.json").write_text(json.dumps({"id": course}), encoding="utf-8")
        (source / course / "01.ipynb").write_text("lesson v1", encoding="utf-8")
    (source / "practice.json").write_text("{}", encoding="utf-8")
    return source


def test_copy_lessons_over_fifos_links_devices_and_folders(tmp_path):
    source = _source(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "home" / "课程"
    (target / "burial").mkdir(parents=True)
    os.mkfifo(target / "burial" / "01.ipynb")  # a lesson: a FIFO is no copy of the person's
    os.mkfifo(target / "burial" / "course.json")
    (target / "practice.json").symlink_to("/dev/zero")
    (target / "social-assistance").symlink_to(outside)  # a folder: a link to elsewhere
    start = time.monotonic()
    problems = copy_lessons(source, target)
    assert time.monotonic() - start < 10 and problems == []
    for path in ("burial/01.ipynb", "burial/course.json", "practice.json", "social-assistance/01.ipynb"):
        assert stat.S_ISREG(os.stat(target / path, follow_symlinks=False).st_mode), path
    assert not (target / "social-assistance").is_symlink() and list(outside.iterdir()) == []
    assert (target / "burial" / "01.ipynb").read_text(encoding="utf-8") == "lesson v1"

    # a folder where a file belongs and a file where a folder belongs: kept and reported
    (target / "burial" / "course.json").unlink()
    (target / "burial" / "course.json").mkdir()
    (target / "burial" / "course.json" / "mine.txt").write_text("mine", encoding="utf-8")
    shutil.rmtree(target / "social-assistance")
    (target / "social-assistance").write_text("my notes", encoding="utf-8")
    # a huge sparse lesson and a FIFO where the whole lessons folder was
    _sparse(target / "burial" / "01.ipynb")
    problems = copy_lessons(source, target)
    assert sorted(p.split(":")[0] for p in problems) == [
        str(target / "burial" / "course.json"),
        str(target / "social-assistance"),
    ]
    assert (target / "burial" / "course.json" / "mine.txt").read_text(encoding="utf-8") == "mine"
    assert (target / "social-assistance").read_text(encoding="utf-8") == "my notes"
    assert (target / "burial" / "01.ipynb").stat().st_size == HUGE  # the person's own file, kept
    shutil.rmtree(target)
    os.mkfifo(target)
    assert copy_lessons(source, target) == [] and (target / "practice.json").is_file()


# ------------------------------------------------------------------ the start page (as the person)


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for course, title in (("burial", "殡葬管理"), ("social-assistance", "社会救助")):
        folder = home / "课程" / course
        folder.mkdir(parents=True)
        lessons = ["01.ipynb", "02.ipynb", "03.ipynb"]
        meta = {"id": course, "title": title, "lessons": lessons, "practice": {"01": ["p1"], "02": [], "03": []}}
        (folder / "course.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {course} 第一课"), nbformat.v4.new_code_cell("practice('p1')")]
        for name in lessons:
            nbformat.write(nb, str(folder / name))
    return home


def test_start_page_in_a_home_full_of_traps(tmp_path):
    home = _home(tmp_path)
    burial, assistance = home / "课程" / "burial", home / "课程" / "social-assistance"
    os.unlink(burial / "01.ipynb")
    os.mkfifo(burial / "01.ipynb")
    os.unlink(burial / "02.ipynb")
    (burial / "02.ipynb").symlink_to("/dev/zero")
    os.unlink(burial / "03.ipynb")
    _sparse(burial / "03.ipynb")
    os.unlink(assistance / "course.json")
    os.mkfifo(assistance / "course.json")
    (home / "课程" / "deep").mkdir()
    (home / "课程" / "deep" / "course.json").write_text("[" * 500_000, encoding="utf-8")  # past the parser's depth
    (home / "课程" / "elsewhere").symlink_to(tmp_path)  # a linked course folder is not entered
    os.mkfifo(home / staff_lab.START_PAGE)
    # a fetched exam and feedback as nbgrader leaves them, and traps beside them
    (home / "exam2026").mkdir()
    os.mkfifo(home / "exam2026" / "exam.ipynb")
    (home / "exam2026" / "feedback" / "stamp").mkdir(parents=True)
    os.mkfifo(home / "exam2026" / "feedback" / "stamp" / "exam.html")
    (home / "linked").symlink_to(tmp_path)
    # the person's exchange cache: a FIFO notebook, a secret linked to /dev/zero, a sparse notebook
    cache = home / "cache"
    for n, kind in enumerate(("fifo", "zero", "sparse")):
        sub = cache / "lawstudy" / f"me+exam{n}+2026-12-11 01:02:03.000000 UTC"
        sub.mkdir(parents=True)
        if kind == "fifo":
            os.mkfifo(sub / "exam.ipynb")
        elif kind == "zero":
            (sub / "exam.ipynb").write_text("{}", encoding="utf-8")
            (sub / "submission_secret.txt").symlink_to("/dev/zero")
        else:
            _sparse(sub / "exam.ipynb")
    exchange = tmp_path / "exchange"
    (exchange / "lawstudy" / "feedback").mkdir(parents=True)

    start = time.monotonic()
    page = staff_lab.write_start_page(home, "课程", exchange, "lawstudy", cache)
    assert time.monotonic() - start < 10
    assert stat.S_ISREG(os.stat(page, follow_symlinks=False).st_mode)
    text = page.read_text(encoding="utf-8")
    # the burial course is listed (titles from the file name where the lesson is no regular file
    # within the limit), the course whose course.json is a FIFO is not
    assert "殡葬管理" in text and "社会救助" not in text
    assert "[03](" in text and "[02](" not in text and "[01](" not in text
    assert "查看成绩与解析" not in text and "成绩反馈已发布" not in text

    # a folder where the start page belongs: kept, and a clear message, not a traceback
    page.unlink()
    page.mkdir()
    with pytest.raises(IsADirectoryError):
        staff_lab.write_start_page(home, "课程")
    proc = subprocess.run(
        [sys.executable, "-m", "grader.staff_lab", "start-page", str(home), "课程"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 1 and "开始学习页未写入" in proc.stderr and "Traceback" not in proc.stderr


def test_start_page_reads_progress_from_stdin(tmp_path):
    home = _home(tmp_path)
    progress = {"burial": {"01": {"opened": True, "answered": ["p1"]}}}
    proc = subprocess.run(
        [sys.executable, "-m", "grader.staff_lab", "start-page", str(home), "课程"],
        input=json.dumps(progress).encode(),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "LAWSTUDY_PROGRESS": "-"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    text = (home / staff_lab.START_PAGE).read_text(encoding="utf-8")
    assert "已学习 1/3 课时，已作答练习 1/1 题" in text  # burial, from the service's record


def test_feedback_file_names_are_nbgrader_s(tmp_path):
    from nbgrader.utils import make_unique_key
    from nbgrader.utils import notebook_hash as nbgrader_hash

    notebook = tmp_path / "exam.ipynb"
    notebook.write_text('{"cells": ["答"]}', encoding="utf-8")
    key = make_unique_key("lawstudy", "exam2026", "exam", "s003", "2026-12-11 01:02:03.000000 UTC")
    assert key == "+".join(["lawstudy", "exam2026", "exam", "s003", "2026-12-11 01:02:03.000000 UTC"])
    content = notebook.read_bytes()
    assert staff_lab.notebook_hash(content=content, unique_key=key) == nbgrader_hash(str(notebook), key)
    assert staff_lab.notebook_hash(content=content) == nbgrader_hash(str(notebook))
    assert staff_lab.notebook_hash(secret="s3cr3t", notebook_id="exam") == nbgrader_hash(
        secret="s3cr3t", notebook_id="exam"
    )


def test_start_page_child_does_not_import_nbgrader(tmp_path):
    """The start page runs at every spawn: importing nbgrader there cost 1.6-1.9 s each time."""
    home = _home(tmp_path)
    sub = home / "cache" / "lawstudy" / "me+exam2026+2026-12-11 01:02:03.000000 UTC"
    sub.mkdir(parents=True)
    (sub / "exam.ipynb").write_text("{}", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from grader import staff_lab; "
        f"staff_lab.write_start_page(Path({str(home)!r}), '课程', Path({str(tmp_path)!r}), 'lawstudy', "
        f"Path({str(home / 'cache')!r})); print('nbgrader' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


# ------------------------------------------------------------------ the hook never blocks, never raises


class _Log:
    def __init__(self):
        self.lines: list[str] = []

    def warning(self, fmt, *args):
        self.lines.append(fmt % args)

    info = warning


def _spawner(name: str, log: _Log):
    return SimpleNamespace(user=SimpleNamespace(name=name, groups=[]), environment={}, log=log)


def test_the_hook_never_raises(tmp_path):
    async def broken(spawner):
        raise RuntimeError("lessons folder gone")

    log = _Log()
    hook = staff_hook(broken, tmp_path, tmp_path / "runtime", "课程")
    assert asyncio.run(hook(_spawner("lawstudy-no-such-person", log))) is None
    assert any("lessons folder gone" in line for line in log.lines)
    assert asyncio.run(lessons_hook(tmp_path, tmp_path, "课程")(_spawner("lawstudy-no-such-person", log))) is None


def _needs_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (starts a child as another account)")


@pytest.fixture
def runtime():
    """A runtime whose python is Debian's, in a folder `nobody` can reach."""
    from conftest_hub import shared_tmp

    base = Path(tempfile.mkdtemp(prefix="lshook-runtime-", dir=shared_tmp()))
    (base / "bin").mkdir()
    (base / "bin" / "python").symlink_to("/usr/bin/python3")
    for path in (base, base / "bin"):
        path.chmod(0o755)
    yield base
    shutil.rmtree(base)


def _ticking(coro_factory):
    """Run a coroutine while a ticker measures the longest stall of the event loop (seconds)."""

    async def main():
        stall, done = 0.0, False

        async def ticker():
            nonlocal stall
            last = time.monotonic()
            while not done:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                stall, last = max(stall, now - last), now

        task = asyncio.create_task(ticker())
        try:
            result = await coro_factory()
        finally:
            done = True
            await task
        return result, stall

    return asyncio.run(main())


def _processes_of(uid: int, word: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if proc.stat().st_uid == uid and word in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_a_child_as_the_person_is_killed_with_its_group_at_the_time_limit(runtime):
    _needs_root()
    nobody = pwd.getpwnam("nobody")
    marker = f"{os.getpid()}{time.monotonic_ns() % 1000}"
    stmt = f"import subprocess, time; subprocess.Popen(['sleep', '{marker}']); time.sleep(600)"
    start = time.monotonic()
    result, stall = _ticking(lambda: run_as_person(nobody, runtime, ["timeit", "-n", "1", "-r", "1", stmt], timeout=2))
    assert result.timed_out and 1.5 < time.monotonic() - start < 10
    assert stall < 0.5, f"event loop stalled {stall:.2f} s"
    deadline = time.monotonic() + 5
    while _processes_of(nobody.pw_uid, marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_of(nobody.pw_uid, marker) == []  # the grandchild went with the group


def test_a_child_runs_as_the_person_alone_with_capped_output(runtime):
    _needs_root()
    nobody = pwd.getpwnam("nobody")
    stmt = "import os, sys; print(os.getuid(), os.getgid(), os.getgroups(), sys.flags.no_user_site); print('x' * 10**7)"
    result, stall = _ticking(lambda: run_as_person(nobody, runtime, ["timeit", "-n", "1", "-r", "1", stmt]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{nobody.pw_uid} {nobody.pw_gid} [] 1"
    assert len(result.stdout.encode()) == OUTPUT_LIMIT
    assert stall < 0.5
