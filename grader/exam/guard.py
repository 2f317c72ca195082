"""Guards: nothing with a key leaves the trainer, nobody's submission is graded as someone else's."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.answers import ANSWERS_FILE, read_answers
from grader.errors import LawstudyError
from grader.exam.paper import Paper, private_dir

WHITESPACE = re.compile(r"\s+")


class LeakError(LawstudyError, RuntimeError):
    """A file staff would fetch holds a key, a 解析 or a hidden test; nothing was released."""


def _normal(text: str) -> str:
    return WHITESPACE.sub("", text)


class LeakScanner:
    """Scan every file under a folder for any question's key, 解析 or hidden-test code."""

    MARKERS = ("BEGINHIDDENTESTS", "ENDHIDDENTESTS", "graded(", "'answer':", '"answer":')

    def __init__(self, paper: Paper):
        self.needles = []
        for q in paper.questions:
            self.needles.append((f"{q.id} 的解析", _normal(q.explanation)))
            self.needles.append((f"{q.id} 的答案", _normal(repr(q.key.to_dict()))))
            self.needles.append((f"{q.id} 的答案", _normal(json.dumps(q.key.to_dict(), ensure_ascii=False))))

    def scan_text(self, text: str) -> list[str]:
        flat = _normal(text)
        found = [f"含有{what}" for what, needle in self.needles if needle and needle in flat]
        found += [f"含有隐藏测试标记 {m}" for m in self.MARKERS if m in flat]
        return found

    def scan(self, folder: Path) -> list[str]:
        problems = []
        for path in sorted(Path(folder).rglob("*")):
            if not path.is_file():
                continue
            if path.name == ANSWERS_FILE:
                problems.append(f"{path}: 发布目录中不应有 {ANSWERS_FILE}（会覆盖考生答案）")
            raw = path.read_bytes().decode("utf-8", errors="replace")
            texts = [raw]
            if path.suffix == ".ipynb":
                try:
                    texts.append(json.dumps(json.loads(raw), ensure_ascii=False))
                except ValueError:
                    pass
            for finding in sorted({f for t in texts for f in self.scan_text(t)}):
                problems.append(f"{path}: {finding}")
        return problems

    def ensure_clean(self, *folders: Path) -> None:
        problems = [p for f in folders if Path(f).exists() for p in self.scan(f)]
        if problems:
            raise LeakError("发现泄露风险，已停止:\n" + "\n".join(problems))


def owner_name(path: Path) -> str | None:
    try:
        return pwd.getpwuid(path.stat().st_uid).pw_name
    except (KeyError, OSError):
        return None


@dataclass
class SetAside:
    student: str
    name: str
    reason: str  # impersonation | attempts
    detail: str
    timestamp: str | None = None


@dataclass
class InboundReport:
    kept: list[str] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)


class InboundGuard:
    """Before nbgrader collects: set aside submissions filed under someone else's name, and
    submissions beyond the attempts allowed (an attempt = one sitting: one `started_at`).

    A submission is someone else's when its folder in the exchange is owned by another account
    than the student id it names (on a hub every staff member has their own account), or when
    the answers file says it was answered by another user. Folders owned by the trainer's own
    account (a single-account set-up, or tests) are judged by the answers file alone.
    """

    def __init__(self, inbound: Path, paper: Paper, quarantine: Path):
        self.inbound = Path(inbound)
        self.paper = paper
        self.quarantine = Path(quarantine)
        self.me = os.geteuid()

    def entries(self) -> list[tuple[str, str, Path]]:
        if not self.inbound.is_dir():
            return []
        out = []
        for path in self.inbound.glob(f"*+{self.paper.id}+*"):
            parts = path.name.rsplit("+", 3)
            if len(parts) >= 3 and parts[1] == self.paper.id:
                out.append((parts[0], parts[2], path))
        return sorted(out, key=lambda e: (e[0], e[1]))

    def impersonation(self, student: str, path: Path) -> str | None:
        try:
            uid = path.stat().st_uid
        except OSError:
            return None
        owner = owner_name(path)
        if uid != self.me and owner != student:
            return f"以 {student} 的名义提交，但文件属于账号 {owner or uid}"
        data, _ = read_answers(path / ANSWERS_FILE)
        if data["user"] and data["user"] != student:
            return f"以 {student} 的名义提交，但答案文件记录的答题人是 {data['user']}"
        return None

    def move_aside(self, path: Path) -> None:
        private_dir(self.quarantine.parent)
        dest = private_dir(self.quarantine) / path.name
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(path), str(dest))

    def run(self) -> InboundReport:
        report = InboundReport()
        by_student: dict[str, list] = defaultdict(list)
        for student, stamp, path in self.entries():
            why = self.impersonation(student, path)
            if why:
                self.move_aside(path)
                report.set_aside.append(SetAside(student, path.name, "impersonation", why, stamp))
            else:
                by_student[student].append((stamp, path))
        for student, subs in by_student.items():
            sittings: list[str] = []
            for stamp, path in sorted(subs, key=lambda s: s[0]):
                data, _ = read_answers(path / ANSWERS_FILE)
                sitting = data["started_at"] or path.name
                if sitting not in sittings:
                    sittings.append(sitting)
                if sittings.index(sitting) >= self.paper.spec.attempts:
                    self.move_aside(path)
                    report.set_aside.append(
                        SetAside(
                            student,
                            path.name,
                            "attempts",
                            f"超过允许的考试次数（{self.paper.spec.attempts} 次），此次提交未收取",
                            stamp,
                        )
                    )
                else:
                    report.kept.append(path.name)
        return report
