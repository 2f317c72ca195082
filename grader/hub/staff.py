"""Per-person choices before a server starts: the start page (written as the person) and the
trainers' lab configuration (their instructor tools back on top of the staff configuration)."""

from __future__ import annotations

import pwd
from pathlib import Path

from grader.hub.lessons import run_as_person
from grader.instance import COURSE_ID, Instance

TRAINER_GROUP = f"formgrade-{COURSE_ID}"


def trainer_etc(inst: Instance) -> Path:
    return inst.home / "etc" / "trainer"


def is_trainer(user) -> bool:
    return any(getattr(group, "name", group) == TRAINER_GROUP for group in getattr(user, "groups", []) or [])


def staff_hook(inner, home: Path, runtime: Path, folder: str):
    """A pre_spawn_hook: run `inner` (the lessons copy), give a trainer's server the trainers'
    config folder first on JUPYTER_CONFIG_PATH, then write ~/开始学习.md as the person."""

    def hook(spawner):
        inner(spawner)
        if is_trainer(spawner.user):
            env = dict(spawner.environment)
            first = str(Path(home) / "etc" / "trainer")
            env["JUPYTER_CONFIG_PATH"] = ":".join(p for p in [first, env.get("JUPYTER_CONFIG_PATH", "")] if p)
            spawner.environment = env
        try:
            entry = pwd.getpwnam(spawner.user.name)
        except KeyError:
            return
        proc = run_as_person(
            entry,
            runtime,
            ["grader.staff_lab", "start-page", entry.pw_dir, folder, str(Path(home) / "exchange"), COURSE_ID],
            env=_progress_env(Path(home), spawner.user.name, spawner.log),
        )
        if proc.returncode:
            spawner.log.warning("start page for %s: %s", spawner.user.name, proc.stderr[-500:])

    return hook


def _progress_env(home: Path, user: str, log) -> dict[str, str]:
    """The person's study progress as the exam service recorded it (LAWSTUDY_PROGRESS, JSON) for the
    start page; nothing when the store cannot be read (the page then judges from the files)."""
    import json
    import sqlite3

    from grader.exam.sittings import lesson_progress, store_path

    path = store_path(home)
    if not path.exists():
        return {}
    try:
        return {"LAWSTUDY_PROGRESS": json.dumps(lesson_progress(path, user), ensure_ascii=False)}
    except (sqlite3.Error, OSError) as error:
        log.warning("study progress of %s not read: %s", user, error)
        return {}
