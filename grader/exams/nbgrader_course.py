"""The nbgrader course inside the instance: its config file (grader.exams.nbgrader_config) and
nbgrader's own API over it; an nbgrader step's failure as one message."""

from __future__ import annotations

import os
from pathlib import Path

from grader.errors import LawstudyError
from grader.exams.gradebook import venv_on_path
from grader.exams.nbgrader_config import NbgraderConfig
from grader.instance import Instance


def write_config(instance: Instance) -> Path:
    """The course's nbgrader_config.py (course dir private to the trainer: it holds the keys)."""
    course = instance.course_dir
    course.mkdir(parents=True, exist_ok=True)
    os.chmod(course, 0o700)
    return course_config(instance).write(instance.nbgrader_config)


def course_config(instance: Instance) -> NbgraderConfig:
    """The course directory's nbgrader settings (grader.exams.nbgrader_config, role "course")."""
    return NbgraderConfig(
        "course",
        instance.course_id,
        instance.exchange,
        course_dir=instance.course_dir,
        db_url=instance.gradebook_url,
    )


def ensure_exchange(instance: Instance) -> Path:
    """nbgrader's exchange root: world-writable and sticky like /tmp (staff submit into it, and
    nobody may remove another's files); the same mode `lawstudy hub setup` gives it."""
    instance.exchange.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(instance.exchange, 0o1777)
    except PermissionError:
        pass
    return instance.exchange


def publish(instance: Instance, name: str) -> Path:
    """nbgrader generate_assignment of the staged source folder `name`, then release_assignment,
    replacing what staff fetch (a course or a 错题本; an exam has its own checks, grader.exams.publish).
    Returns the outbound folder. Raises NbgraderFailed with nbgrader's log when a step fails."""
    import shutil

    write_config(instance)
    ensure_exchange(instance)
    nbgrader = api(instance)
    check(nbgrader.generate_assignment(name, force=True, create=True), "generate_assignment")
    outbound = instance.outbound(name)
    if outbound.exists():
        shutil.rmtree(outbound)
    check(nbgrader.release_assignment(name), "release_assignment")
    return outbound


def load_config(instance: Instance):
    from traitlets.config.loader import PyFileConfigLoader

    write_config(instance)  # always from the instance: a moved or copied home stays consistent
    return PyFileConfigLoader(instance.nbgrader_config.name, path=str(instance.nbgrader_config.parent)).load_config()


def api(instance: Instance):
    """nbgrader's own Python API over this instance's course."""
    from nbgrader.apps import NbGraderAPI

    venv_on_path()
    return NbGraderAPI(config=load_config(instance))


class NbgraderFailed(LawstudyError, RuntimeError):
    """An nbgrader step reported failure; the message carries its log."""


def _without_tracebacks(text: str) -> str:
    """nbgrader's log and error with Python tracebacks cut down to their last (message) line."""
    out, in_traceback = [], False
    for line in str(text or "").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
            continue
        if in_traceback:
            if line.startswith((" ", "\t")) or not line.strip():
                continue
            in_traceback = False
        if line.strip() and line not in out:
            out.append(line)
    return "\n".join(out)


def check(result: dict, what: str) -> dict:
    """NbGraderAPI answers {'success', 'log', 'error'}: a failure is a value, not an exception."""
    if not result.get("success"):
        detail = _without_tracebacks(f"{result.get('log', '')}\n{result.get('error', '')}")
        raise NbgraderFailed(f"nbgrader {what} 失败:\n{detail}".strip())
    return result
