"""Submissions as graders see them: read and check one submission, score it, store the grades.

`SubmissionInspector` reads a collected submission (answers file, notebook, timestamp) without
running anything and scores it with the one scorer; `TimingCheck` flags late and overtime work.
The grades go into nbgrader's gradebook through grader.exams.gradebook.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.answers import ANSWERS_FILE, read_answers
from grader.exams.notebook import NOTEBOOK, grade_id
from grader.exams.paper import Paper
from grader.exams.sanitize import NOTEBOOK_MAX_BYTES, ORIGINALS
from grader.safe_io import read_regular
from grader.scoring import normalize_response, score
from grader.vocabulary import UnknownZone, parse_stamp

OVERTIME_GRACE = timedelta(minutes=2)


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


def grade_names(sub: Submission) -> dict[str, float]:
    return {grade_id(qid): points for qid, points in sub.scores.items()}
