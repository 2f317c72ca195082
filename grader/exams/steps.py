"""What every exam step shares: the error of a step that must not go ahead, the progress callback,
the instance's records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grader.errors import LawstudyError
from grader.instance import Instance

Progress = Callable[[int, int, str], None]  # (done, total, label)


def quiet(done: int, total: int, label: str) -> None:
    """The progress callback that shows nothing."""
    pass


class ExamError(LawstudyError, RuntimeError):
    """An exam step that must not go ahead; the message says why (in Chinese) and what to do."""


def open_records(instance: Instance):
    """(the records module, the instance's records database)."""
    from grader import records

    return records, records.open_db(instance.home)


def set_aside_dir(instance: Instance, exam_id: str) -> Path:
    return instance.set_aside(exam_id)
