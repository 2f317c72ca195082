"""Lessons into a person's home, copied AS that person (a security fix: root never follows a link a
staff member planted). `lessons_hook` is the pre_spawn_hook of the generated jupyterhub_config.py."""

from __future__ import annotations

import pwd
import shutil
import subprocess
import sys
from pathlib import Path


def copy_lessons(source: Path, target: Path) -> list[str]:
    """Copy the lessons folder into `target` (a person's ~/课程); run it AS that person.

    New and updated files are copied; a lesson notebook the person already has is kept (their own
    work). Nothing is chowned: the files are the person's because the person's process writes
    them, so a link they planted can only lead where they could write anyway. Returns the paths
    it could not write (reported, never fatal: a server must still start).
    """
    source, target = Path(source), Path(target)
    problems = []
    for path in [source, *sorted(source.rglob("*"))]:
        dest = target / path.relative_to(source)
        try:
            if path.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            elif path.suffix == ".ipynb" and (dest.exists() or dest.is_symlink()):
                continue  # keep the person's own copy of a lesson
            elif dest.is_symlink() or not dest.exists() or dest.stat().st_mtime < path.stat().st_mtime:
                if dest.is_symlink():
                    dest.unlink()
                shutil.copy2(path, dest)
        except OSError as error:
            problems.append(f"{dest}: {error.strerror}")
    return problems


def run_as_person(
    entry: pwd.struct_passwd, runtime: Path, args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m ARGS` from the staff runtime as the person `entry` (their uid and gid, no other
    groups, a minimal environment plus `env`, working folder /): the one way root acts on a person's home.

    Returns the finished process (output captured); raises subprocess.TimeoutExpired after 120 s.
    """
    python = Path(runtime) / "bin" / "python"
    return subprocess.run(
        [str(python if python.exists() else sys.executable), "-m", *args],
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir, "LANG": "C.UTF-8", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def lessons_hook(source: Path, runtime: Path, folder: str):
    """A JupyterHub pre_spawn_hook that copies `source` into ~/folder as the spawning user.

    The copy runs in a child process started with the person's uid, gid and no other groups
    (`python -m grader.hub copy-lessons`, through `run_as_person`), from the staff runtime they can read.
    """

    def hook(spawner):
        source_dir = Path(source)
        if not source_dir.is_dir():
            return
        entry = pwd.getpwnam(spawner.user.name)
        proc = run_as_person(
            entry, runtime, ["grader.hub", "copy-lessons", str(source_dir), str(Path(entry.pw_dir) / folder)]
        )
        if proc.returncode or proc.stdout.strip():
            spawner.log.warning(
                "copying lessons for %s: %s %s", spawner.user.name, proc.stdout[-500:], proc.stderr[-500:]
            )

    return hook
