"""The instance directory: where one bureau's course, gradebook, exchange and records live.

Every command takes `--home DIR` (or $LAWSTUDY_HOME); this module is the one place that
knows the layout inside it, so the exam, records and hub code agree on paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

COURSE_ID = "lawstudy"
DEFAULT_HOME = "lawstudy-home"


@dataclass(frozen=True)
class Instance:
    home: Path

    @classmethod
    def from_env(cls, home: str | os.PathLike | None = None) -> Instance:
        return cls(Path(home or os.environ.get("LAWSTUDY_HOME") or DEFAULT_HOME).resolve())

    @property
    def course_id(self) -> str:
        return COURSE_ID

    @property
    def course_dir(self) -> Path:
        """nbgrader's CourseDirectory.root: source/, release/, submitted/, autograded/, feedback/."""
        return self.home / "course"

    @property
    def gradebook(self) -> Path:
        return self.course_dir / "gradebook.db"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    @property
    def exchange(self) -> Path:
        return self.home / "exchange"

    @property
    def records(self) -> Path:
        """Our SQLite records: roster, exemptions, results, exams, questions, course hours."""
        return self.home / "records.db"

    @property
    def papers(self) -> Path:
        """Built exam papers with their keys (private to trainers)."""
        return self.home / "papers"

    @property
    def lessons(self) -> Path:
        """Courses as notebooks for staff, with practice questions only."""
        return self.home / "lessons"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    def ensure(self) -> Instance:
        self.home.mkdir(parents=True, exist_ok=True)
        return self


def username(staff_id: str) -> str:
    """The login, system user and nbgrader student id of a staff member (工号 -> user name).

    Unix and JupyterHub names want lower case and no leading digit: 'MZ001' -> 'mz001',
    '0042' -> 'u0042'. Records map gradebook student ids back through this same function.
    """
    import re

    name = re.sub(r"[^a-z0-9_-]", "_", str(staff_id).strip().lower())
    return name if name[:1].isalpha() else "u" + name
