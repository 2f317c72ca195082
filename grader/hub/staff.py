"""Per-person choices before a server starts: the start page (written as the person) and the
trainers' lab configuration (their instructor tools back on top of the staff configuration)."""

from __future__ import annotations

import asyncio
import inspect
import json
import sqlite3
import time
from pathlib import Path

from grader.hub.lessons import CHILD_TIMEOUT, person_entry, run_as_person
from grader.instance import COURSE_ID, Instance

TRAINER_GROUP = f"formgrade-{COURSE_ID}"
PROGRESS_TIMEOUT = 5.0  # seconds the hook waits for the exam service's store (a thread, off the loop)


def trainer_etc(inst: Instance) -> Path:
    return inst.home / "etc" / "trainer"


def is_trainer(user) -> bool:
    return any(getattr(group, "name", group) == TRAINER_GROUP for group in getattr(user, "groups", []) or [])


def staff_hook(inner, home: Path, runtime: Path, folder: str, timeout: float = CHILD_TIMEOUT):
    """A pre_spawn_hook (a coroutine function): await `inner` (the lessons copy), give a trainer's
    server the trainers' config folder first on JUPYTER_CONFIG_PATH, then write ~/开始学习.md as
    the person (`python -m grader.staff_lab start-page`, their study progress on its stdin).

    Nothing in it blocks the hub's event loop: the children run through `run_as_person` (killed
    after `timeout` seconds), the progress is read in a thread with a time limit. A failure is
    logged as a warning and never raised: the server starts anyway. The time the hook took is
    logged (info) for each spawn."""
    # imported here, once when the hub loads its config: the first import of grader.exam (nbformat)
    # takes about a second, which inside the hook would stall the hub's event loop at the first spawn
    from grader.exam.sittings import lesson_progress, store_path

    store = store_path(Path(home))

    async def hook(spawner):
        started = time.monotonic()
        name = spawner.user.name
        try:
            result = inner(spawner)
            if inspect.isawaitable(result):
                await result
        except Exception as error:  # noqa: BLE001 — never fail the spawn
            spawner.log.warning("pre-spawn step for %s failed: %r", name, error)
        if is_trainer(spawner.user):
            env = dict(spawner.environment)
            first = str(Path(home) / "etc" / "trainer")
            env["JUPYTER_CONFIG_PATH"] = ":".join(p for p in [first, env.get("JUPYTER_CONFIG_PATH", "")] if p)
            spawner.environment = env
        try:
            entry = await person_entry(name)
            if entry is None:
                return
            progress = await _progress(lesson_progress, store, name, spawner.log)
            proc = await run_as_person(
                entry,
                runtime,
                ["grader.staff_lab", "start-page", entry.pw_dir, folder, str(Path(home) / "exchange"), COURSE_ID],
                env={"LAWSTUDY_PROGRESS": "-"} if progress is not None else None,
                stdin=json.dumps(progress, ensure_ascii=False).encode() if progress is not None else None,
                timeout=timeout,
            )
            if proc.returncode:
                spawner.log.warning(
                    "start page for %s (%.1f s, exit %s): %s", name, proc.seconds, proc.returncode, proc.stderr[-500:]
                )
        except Exception as error:  # noqa: BLE001 — never fail the spawn
            spawner.log.warning("start page for %s failed: %r", name, error)
        finally:
            spawner.log.info("pre-spawn hook for %s took %.2f s", name, time.monotonic() - started)

    return hook


async def _progress(lesson_progress, path: Path, user: str, log) -> dict | None:
    """The person's study progress as the exam service recorded it in its store at `path`
    (grader.exam.sittings.lesson_progress), for the start page; None when the store is absent or
    cannot be read within PROGRESS_TIMEOUT (the page then judges from the files). Read in a
    thread: a busy store must not hold the hub's event loop."""
    if not path.exists():
        return None
    try:
        return await asyncio.wait_for(asyncio.to_thread(lesson_progress, path, user), PROGRESS_TIMEOUT)
    except (TimeoutError, sqlite3.Error, OSError) as error:
        log.warning("study progress of %s not read: %r", user, error)
        return None
