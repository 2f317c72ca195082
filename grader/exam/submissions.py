"""Submissions as graders see them: read and check one submission, score it, store the grades.

`SubmissionInspector` reads a collected submission (answers file, notebook, timestamp) without
running anything and scores it with the one scorer; `TimingCheck` flags late and overtime work;
`Gradebook` reads nbgrader's gradebook and writes grades into it the way `nbgrader autograde` does.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.answers import ANSWERS_FILE, read_answers
from grader.errors import LawstudyError
from grader.exam.notebook import NOTEBOOK, grade_id
from grader.exam.paper import Paper
from grader.exam.sanitize import NOTEBOOK_MAX_BYTES, ORIGINALS
from grader.safe_io import read_regular
from grader.scoring import normalize_response, score
from grader.vocabulary import UnknownZone, parse_stamp

OVERTIME_GRACE = timedelta(minutes=2)


class GradebookError(LawstudyError, LookupError):
    """The nbgrader gradebook lacks the assignment (exam) being graded."""


@dataclass
class Submission:
    student: str
    folder: Path
    timestamp: datetime | None = None
    user: str | None = None
    started_at: datetime | None = None
    time_source: str = "file"  # file: timestamp.txt (lab); server: the hub's receipt; service: the exam service
    closed_by: str | None = None  # with the service: hand-in, or deadline (never handed in)
    answers: dict = field(default_factory=dict)  # question id -> valid response
    scores: dict = field(default_factory=dict)  # question id -> points earned
    flags: list = field(default_factory=list)  # (flag, detail)

    @property
    def total(self) -> float:
        return round(sum(self.scores.values()), 2)

    def flag(self, name: str, detail: str) -> None:
        if (name, detail) not in self.flags:
            self.flags.append((name, detail))

    def flagged(self, name: str) -> bool:
        return any(f == name for f, _ in self.flags)


class SubmissionInspector:
    """Score one submission from its answers file; report anything tampered or broken.

    The notebook is only checked, never run: the released locked cells must be there unchanged
    and no code may have been added. Whatever is wrong, the score is what the valid saved answers
    earn, so no tampering can score above an honest paper with the same answers.
    """

    def __init__(self, paper: Paper):
        self.paper = paper
        self.keys = {q.id: q.key for q in paper.questions}
        self.released = paper.released

    def inspect(self, folder: Path, student: str) -> Submission:
        sub = Submission(student, Path(folder))
        try:
            sub.timestamp = parse_stamp((sub.folder / "timestamp.txt").read_text(encoding="utf-8"))
        except UnknownZone as error:
            sub.timestamp = None
            sub.flag("broken", str(error))
        except (OSError, UnicodeDecodeError):
            sub.timestamp = None
        if sub.timestamp is None and not sub.flagged("broken"):
            sub.flag("broken", "缺少或无法识别提交时间 timestamp.txt")
        self.check_answers(sub)
        self.check_notebook(sub)
        return sub

    def check_answers(self, sub: Submission) -> None:
        data, problems = read_answers(sub.folder / ANSWERS_FILE)
        for problem in problems:
            broken = problem.startswith(("缺少答案文件", "答案文件无法读取", "答案文件过大", "答案文件格式错误"))
            sub.flag("broken" if broken else "tampered", problem)
        sub.user = data["user"]
        if data["exam"] is not None and data["exam"] != self.paper.id:
            sub.flag("tampered", f"答案文件属于另一场考试 {data['exam']!r}")
        if data["started_at"]:
            try:
                started = datetime.fromisoformat(data["started_at"])
                sub.started_at = started.replace(tzinfo=UTC) if started.tzinfo is None else started
            except ValueError:
                sub.flag("tampered", "答案文件 started_at 无法识别")
        unknown = sorted(map(str, set(data["answers"]) - set(self.keys)))
        if unknown:
            sub.flag("tampered", f"答案文件含试卷外题号: {', '.join(unknown[:5])}")
        wrong = []
        for qid, key in self.keys.items():
            response = data["answers"].get(qid)
            if response is not None and normalize_response(key, response) is None:
                wrong.append(qid)
                response = None
            if response is not None:
                sub.answers[qid] = response
            sub.scores[qid] = score(key, response)
        if wrong:
            sub.flag("tampered", f"答案类型或选项无效（按未作答计）: {', '.join(wrong[:5])}")

    def check_notebook(self, sub: Submission) -> None:
        """Flag deleted, changed or added cells in the notebook AS SUBMITTED (the kept original
        when the submission was sanitized: the folder itself then holds the released notebook)."""
        path = original_folder(sub.folder) / NOTEBOOK
        try:
            nb = json.loads(read_regular(path, NOTEBOOK_MAX_BYTES).decode("utf-8"))
            cells = nb["cells"]
            if not isinstance(cells, list):
                raise TypeError("cells")
        except FileNotFoundError:
            sub.flag("broken", f"缺少答题本 {NOTEBOOK}")
            return
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            sub.flag("broken", f"答题本 {NOTEBOOK} 已损坏，无法读取")
            return
        seen: dict[str, dict] = {}
        added = 0
        for cell in cells:
            if not isinstance(cell, dict):
                continue
            meta = cell["metadata"] if isinstance(cell.get("metadata"), dict) else {}
            nbg = meta["nbgrader"] if isinstance(meta.get("nbgrader"), dict) else {}
            gid = nbg.get("grade_id")
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            if isinstance(gid, str) and gid in self.released and gid not in seen:
                seen[gid] = {"cell_type": cell.get("cell_type"), "source": source}
            elif cell.get("cell_type") == "code" and source.strip():
                added += 1
        missing = [g for g in self.released if g not in seen]
        changed = [g for g in seen if seen[g] != self.released[g]]
        if missing:
            sub.flag("tampered", f"删除了 {len(missing)} 个单元格: {', '.join(missing[:5])}")
        if changed:
            sub.flag("tampered", f"改动了 {len(changed)} 个锁定单元格: {', '.join(changed[:5])}")
        if added:
            sub.flag("tampered", f"添加了 {added} 个代码单元格")


class TimingCheck:
    """Late: submitted outside every window (make-up included). Overtime: over the time limit."""

    def __init__(self, paper: Paper):
        self.spec = paper.spec

    def check(self, sub: Submission) -> None:
        if sub.timestamp is None:
            return
        if not self.spec.in_window(sub.timestamp):
            sub.flag(
                "late",
                "提交时间不在考试（含补考）时段内: "
                + sub.timestamp.astimezone(self.spec.window.opens_at.tzinfo).strftime("%Y-%m-%d %H:%M"),
            )
        if self.spec.time_limit and sub.started_at:
            used = sub.timestamp - sub.started_at
            if used > timedelta(minutes=self.spec.time_limit) + OVERTIME_GRACE:
                sub.flag("overtime", f"用时 {used.total_seconds() / 60:.0f} 分钟，超过时限 {self.spec.time_limit} 分钟")


def original_folder(folder: Path) -> Path:
    """Where the submission in `folder` (course/submitted/STUDENT/ID) came from as submitted:
    its kept original when it was sanitized (course/submitted-originals/ID/STUDENT), else itself."""
    folder = Path(folder)
    if (folder / ".sanitized").is_file():
        kept = folder.parents[2] / ORIGINALS / folder.name / folder.parent.name
        if kept.is_dir():
            return kept
    return folder


def copy_submission(src: Path, dest: Path) -> None:
    """What autograde leaves in autograded/: the submitted files (here: as submitted, not re-run)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for item in src.iterdir():
        if item.is_file() and not item.is_symlink():
            shutil.copyfile(item, dest / item.name)


def _new_id() -> str:
    return uuid.uuid4().hex


class Gradebook:
    """One exam's grades in nbgrader's gradebook (SQLite): `write` them in one transaction, `read` them back.

    Mirrors what `nbgrader autograde` leaves: the student, the submission with its timestamp,
    one submitted notebook per notebook, one grade row per grade cell with `auto_score` set and
    `needs_manual_grade` false (unless a grader already entered a manual score), comment rows for
    solution and task cells. Existing rows are updated in place, so formgrader edits survive.
    """

    def __init__(self, db_path: Path, assignment: str):
        self.db_path = Path(db_path)
        self.assignment = assignment

    def _structure(self, db):
        row = db.execute("SELECT id FROM assignment WHERE name = ?", [self.assignment]).fetchone()
        if row is None:
            raise GradebookError(f"成绩库中没有考试 {self.assignment}（请先 lawstudy exam build）")
        assignment_id = row[0]
        notebooks = db.execute("SELECT id FROM notebook WHERE assignment_id = ?", [assignment_id]).fetchall()
        cells = {}
        for (nb_id,) in notebooks:
            grades = db.execute(
                "SELECT b.id, b.name FROM base_cell b JOIN grade_cells g ON g.id = b.id WHERE b.notebook_id = ?",
                [nb_id],
            ).fetchall()
            comments = db.execute(
                "SELECT b.id FROM base_cell b WHERE b.notebook_id = ? AND "
                "(b.id IN (SELECT id FROM solution_cells) OR b.id IN (SELECT id FROM task_cells))",
                [nb_id],
            ).fetchall()
            tasks = db.execute(
                "SELECT b.id, b.name FROM base_cell b JOIN task_cells t ON t.id = b.id WHERE b.notebook_id = ?", [nb_id]
            ).fetchall()
            cells[nb_id] = (grades + tasks, [c[0] for c in comments])
        return assignment_id, cells

    def write(self, results: list[tuple[str, datetime | None, dict[str, float]]]) -> None:
        """results: (student id, timestamp, {grade cell name: points})."""
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            with db:
                assignment_id, cells = self._structure(db)
                for student, timestamp, scores in results:
                    stamp = timestamp.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") if timestamp else None
                    db.execute("INSERT OR IGNORE INTO student (id) VALUES (?)", [student])
                    row = db.execute(
                        "SELECT id FROM submitted_assignment WHERE assignment_id = ? AND student_id = ?",
                        [assignment_id, student],
                    ).fetchone()
                    if row:
                        sub_id = row[0]
                        db.execute("UPDATE submitted_assignment SET timestamp = ? WHERE id = ?", [stamp, sub_id])
                    else:
                        sub_id = _new_id()
                        db.execute(
                            "INSERT INTO submitted_assignment (id, assignment_id, student_id, timestamp) "
                            "VALUES (?, ?, ?, ?)",
                            [sub_id, assignment_id, student, stamp],
                        )
                    for nb_id, (grade_cells, comment_cells) in cells.items():
                        row = db.execute(
                            "SELECT id FROM submitted_notebook WHERE assignment_id = ? AND notebook_id = ?",
                            [sub_id, nb_id],
                        ).fetchone()
                        if row:
                            snb = row[0]
                        else:
                            snb = _new_id()
                            db.execute(
                                "INSERT INTO submitted_notebook (id, assignment_id, notebook_id, flagged) "
                                "VALUES (?, ?, ?, 0)",
                                [snb, sub_id, nb_id],
                            )
                        existing = dict(db.execute("SELECT cell_id, id FROM grade WHERE notebook_id = ?", [snb]))
                        new_rows, updates = [], []
                        for cell_id, name in grade_cells:
                            points = float(scores.get(name, 0.0))
                            if cell_id in existing:
                                updates.append((points, points, existing[cell_id]))
                            else:
                                new_rows.append((_new_id(), snb, cell_id, points))
                        db.executemany(
                            "INSERT INTO grade (id, notebook_id, cell_id, auto_score, needs_manual_grade) "
                            "VALUES (?, ?, ?, ?, 0)",
                            new_rows,
                        )
                        db.executemany(
                            "UPDATE grade SET auto_score = ?, needs_manual_grade = "
                            "(manual_score IS NOT NULL OR ? IS NULL) WHERE id = ?",
                            updates,
                        )
                        have = {r[0] for r in db.execute("SELECT cell_id FROM comment WHERE notebook_id = ?", [snb])}
                        db.executemany(
                            "INSERT INTO comment (id, notebook_id, cell_id) VALUES (?, ?, ?)",
                            [(_new_id(), snb, c) for c in comment_cells if c not in have],
                        )
        finally:
            db.close()

    def set_timestamps(self, stamps: list[tuple[str, datetime | None]]) -> None:
        """Store each submission's time as lawstudy read it (UTC): nbgrader's own autograde reads a
        zone name in timestamp.txt by the host's zone, lawstudy by what it means (see parse_stamp)."""
        rows = [
            (t.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "), student, self.assignment)
            for student, t in stamps
            if t is not None
        ]
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            with db:
                db.executemany(
                    "UPDATE submitted_assignment SET timestamp = ? WHERE student_id = ? AND assignment_id = "
                    "(SELECT id FROM assignment WHERE name = ?)",
                    rows,
                )
        finally:
            db.close()

    def read(self, final: bool = False) -> dict[str, dict[str, float | None]]:
        """student -> {grade cell name: auto_score} for this exam, as the gradebook holds them;
        final=True: a grader's manual score where one was given, else the auto score."""
        score = "COALESCE(g.manual_score, g.auto_score)" if final else "g.auto_score"
        db = sqlite3.connect(self.db_path, timeout=30)
        try:
            rows = db.execute(
                f"SELECT sa.student_id, b.name, {score} FROM grade g "
                "JOIN submitted_notebook sn ON sn.id = g.notebook_id "
                "JOIN submitted_assignment sa ON sa.id = sn.assignment_id "
                "JOIN assignment a ON a.id = sa.assignment_id JOIN base_cell b ON b.id = g.cell_id "
                "WHERE a.name = ?",
                [self.assignment],
            ).fetchall()
        finally:
            db.close()
        out: dict[str, dict] = {}
        for student, name, points in rows:
            out.setdefault(student, {})[name] = points
        return out


def grade_names(sub: Submission) -> dict[str, float]:
    return {grade_id(qid): points for qid, points in sub.scores.items()}
