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
    def nbgrader_config(self) -> Path:
        """The course's nbgrader_config.py (written by grader/exam/nbgrader_course.py)."""
        return self.course_dir / "nbgrader_config.py"

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

    # ---------------------------------------------------------------- inside the nbgrader course
    def source(self, assignment: str) -> Path:
        """The nbgrader source folder of an exam or course (what `nbgrader generate_assignment` reads)."""
        return self.course_dir / "source" / assignment

    def release(self, assignment: str) -> Path:
        """The student version nbgrader generated (what the exchange hands out)."""
        return self.course_dir / "release" / assignment

    @property
    def submitted(self) -> Path:
        """Collected submissions: submitted/STUDENT/ASSIGNMENT/."""
        return self.course_dir / "submitted"

    def submission(self, student: str, assignment: str) -> Path:
        return self.submitted / student / assignment

    @property
    def autograded(self) -> Path:
        """Graded copies: autograded/STUDENT/ASSIGNMENT/."""
        return self.course_dir / "autograded"

    @property
    def feedback(self) -> Path:
        """Feedback files: feedback/STUDENT/ASSIGNMENT/."""
        return self.course_dir / "feedback"

    # ---------------------------------------------------------------- the exchange
    def outbound(self, assignment: str) -> Path:
        """Where a released assignment waits for staff to fetch it."""
        return self.exchange / self.course_id / "outbound" / assignment

    @property
    def inbound(self) -> Path:
        """Where staff submissions arrive: inbound/STUDENT+ASSIGNMENT+TIMESTAMP+RANDOM/."""
        return self.exchange / self.course_id / "inbound"

    # ---------------------------------------------------------------- lawstudy's own folders
    def paper_dir(self, exam_id: str) -> Path:
        """One built exam's private files (the paper with its keys, grading results)."""
        return self.papers / exam_id

    def set_aside(self, exam_id: str) -> Path:
        """Submissions kept out of grading (impersonation, broken), for a person to look at."""
        return self.home / "set-aside" / exam_id

    @property
    def desks(self) -> Path:
        """The demo's simulated staff folders (one per person) and their nbgrader cache."""
        return self.home / "desks"

    @property
    def lab_desk(self) -> Path:
        """The folder `lawstudy lab` opens JupyterLab in."""
        return self.home / "lab"

    @property
    def lab_cache(self) -> Path:
        """nbgrader's exchange cache for `lawstudy lab`."""
        return self.home / "lab-cache"

    @property
    def on_hub(self) -> bool:
        """True when `lawstudy hub setup` made this instance a hub's (hub/settings.json exists):
        exams are then sat through the exam service, which also hands out the paper."""
        try:
            return (self.home / "hub" / "settings.json").exists()
        except PermissionError:  # hub/ is root's own (mode 700): only `hub setup` makes it so
            return True

    def file(self, name: str) -> Path:
        """A file at the top of the instance (the demo's roster and paper results, its bank copy)."""
        return self.home / name

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
