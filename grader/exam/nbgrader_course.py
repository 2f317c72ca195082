"""The nbgrader course inside the instance: its config file and the NbGraderAPI over it."""

from __future__ import annotations

import os
from pathlib import Path

from grader.errors import LawstudyError
from grader.instance import Instance

CONFIG_FILE = "nbgrader_config.py"
CONFIG = """\
# Written by lawstudy (grader/exam/nbgrader_course.py) before every `lawstudy exam` step; edit that file instead.
# Trainers may run nbgrader's own commands and formgrader from this folder.
import pathlib
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {db_url!r}
c.Exchange.root = {exchange!r}
# Timestamps in the exchange carry "UTC", which every host reads the same (a zone name such as
# "CST" would be read as the grading host's local zone by nbgrader). lawstudy shows China time.
c.Exchange.timezone = "UTC"
# Collect checks every inbound entry on its own (no links, special files, unparseable names or
# entries over the limits; on a hub, only entries owned by the person they name): one bad entry
# never stops the run for everyone. The formgrader's collect uses the same class.
c.ExchangeFactory.collect = "grader.hub.OwnerCheckedCollect"
# Answers live in the sidecar answers.json: never overwrite a student's copy with a source file.
_source = pathlib.Path(c.CourseDirectory.root) / "source"
c.Autograde.exclude_overwriting = {{p.name: ["answers.json"] for p in _source.iterdir() if p.is_dir()}} \\
    if _source.is_dir() else {{}}
# nbgrader's feedback would otherwise show the hidden tests, which hold the key.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
c.Execute.timeout = 60
c.Execute.execute_retries = 0
c.Execute.store_widget_state = False   # ~1 MB of widget models per paper, and nothing reads them
# Autograde's kernels talk over Unix sockets in the grader's private runtime folder, not TCP ports
# on 127.0.0.1 (which every local user could reach, and which warn on every kernel start).
import os
from jupyter_core.paths import jupyter_runtime_dir
os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), f"kernel-ipc-{{os.getpid()}}")  # per process: two graders never share a socket
"""


def write_config(instance: Instance) -> Path:
    """The course's nbgrader_config.py (course dir private to the trainer: it holds the keys)."""
    course = instance.course_dir
    course.mkdir(parents=True, exist_ok=True)
    os.chmod(course, 0o700)
    path = instance.nbgrader_config
    path.write_text(
        CONFIG.format(
            root=str(course),
            course_id=instance.course_id,
            db_url=instance.gradebook_url,
            exchange=str(instance.exchange),
        ),
        encoding="utf-8",
    )
    return path


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
    replacing what staff fetch (a course or a 错题本; an exam has its own checks).
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

    _venv_on_path()
    return NbGraderAPI(config=load_config(instance))


def _venv_on_path() -> None:
    """nbgrader runs `alembic` (gradebook set-up) and kernels by name: find them in our venv."""
    import sys

    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = bindir + (os.pathsep + path if path else "")


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
