"""Permissions: who owns and may read which part of an instance, the checkout's banks, a demo's desks."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

from grader.hub._util import _run
from grader.hub.runtime import checkout_root
from grader.hub.settings import HubError, Settings, grader_etc, hub_dir, staff_etc
from grader.instance import COURSE_ID, DEMO_MARKER, Instance


def lock_checkout(root: Path | None = None) -> list[Path]:
    """Make the checkout's banks (quizzes/) and git history (.git/) readable by root only."""
    root = root or checkout_root()
    locked: list[Path] = []
    if root is None:
        return locked
    for name in ("quizzes", ".git"):
        path = root / name
        if path.exists():
            _run(["chmod", "-R", "go-rwx", str(path)])
            locked.append(path)
    return locked


def apply_permissions(inst: Instance) -> None:
    """Idempotent: the grader owns the course, papers, records and reports (700); the exchange is
    open the way nbgrader needs; lessons and the staff config are world-readable; hub/ is root's.

    Run it again after a root `lawstudy exam ...` command so the formgrader can write its files.
    """
    settings = Settings.load(inst)
    g = pwd.getpwnam(settings.grader_user)
    uid, gid = g.pw_uid, g.pw_gid
    home = inst.home
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, uid, gid)
    os.chmod(home, 0o711)
    for path in [home, *home.parents]:
        if path == Path("/"):
            break
        if not path.stat().st_mode & stat.S_IXOTH:
            raise HubError(
                f"{path} 不可被其他用户进入（mode {oct(path.stat().st_mode & 0o777)}）：实例目录须放在所有人可进入的位置"
            )
    # sittings/: the exam service's store (grader.exams.sittings), the grader's alone
    for folder in (inst.course_dir, inst.papers, inst.reports, grader_etc(inst), inst.home / "sittings"):
        folder.mkdir(parents=True, exist_ok=True)
        _chown_tree(folder, uid, gid)
        os.chmod(folder, 0o700)
    for path in (inst.records, Path(str(inst.records) + "-wal"), Path(str(inst.records) + "-shm")):
        if path.exists():
            os.chown(path, uid, gid)
            os.chmod(path, 0o600)
    # hub state: root only
    hub = hub_dir(inst)
    hub.mkdir(parents=True, exist_ok=True)
    os.chown(hub, 0, 0)
    os.chmod(hub, 0o700)
    # staff config and lessons: readable by all, writable by root only
    for folder in (staff_etc(inst), inst.lessons):
        folder.mkdir(parents=True, exist_ok=True)
        _run(["chown", "-R", "root:root", str(folder)])
        _run(["chmod", "-R", "u+rwX,go+rX,go-w", str(folder)])
    os.chmod(inst.home / "etc", 0o755)
    # the exchange: root 1777 (nbgrader wants it writable), the course's folders pre-made by the grader;
    # inbound 3733: staff may add entries (nbgrader submit only mkdirs there) but, sticky, never rename
    # or remove another's; setgid keeps the grader's group on every entry
    ex = inst.exchange
    ex.mkdir(parents=True, exist_ok=True)
    os.chown(ex, 0, 0)
    os.chmod(ex, 0o1777)
    course = ex / COURSE_ID
    modes = {course: 0o755, course / "outbound": 0o755, course / "inbound": 0o3733, course / "feedback": 0o711}
    for path, mode in modes.items():
        path.mkdir(exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
    for path in (course / "outbound").rglob("*"):
        os.lchown(path, uid, gid)
        if not path.is_symlink():
            os.chmod(path, (path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0)) & ~0o022)
    lock_checkout()


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.lchown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            os.lchown(path, uid, gid)
            if not os.path.islink(path):
                mode = os.lstat(path).st_mode
                os.chmod(path, stat.S_IMODE(mode) & ~0o077)


DEMO_PRIVATE = ("desks", "lab", "lab-cache", "demo-quizzes")


def lock_demo(inst: Instance) -> list[Path]:
    """A demo instance becoming a hub: its desks (every answer of the demo paper), its lab folder
    and its roster and result files become root's alone (go-rwx), as do demo instances lying in
    the checkout. Returns what it locked."""
    locked: list[Path] = []
    homes = [inst.home] if (inst.home / DEMO_MARKER).exists() else []
    root = checkout_root()
    if root:
        homes += [p.parent for p in root.glob(f"*/{DEMO_MARKER}") if p.parent.resolve() != inst.home.resolve()]
    for home in homes:
        if home.resolve() != inst.home.resolve():
            targets = [home]
        else:
            targets = [home / name for name in DEMO_PRIVATE] + [
                p for p in home.iterdir() if p.suffix in (".csv", ".xlsx")
            ]
        for path in targets:
            if path.exists():
                _run(["chmod", "-R", "go-rwx", str(path)])
                locked.append(path)
    return locked
