"""Guards: nothing with a key leaves the trainer, nobody's submission is graded as someone else's."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import stat
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

    # an option shorter than this (是/否, 30日) may stand in any text: only longer ones are looked for
    MIN_OPTION = 6

    def __init__(self, paper: Paper):
        """For a paper delivered by the exam service (`paper.delivery` "service"), every stem and
        every option of MIN_OPTION characters or more is a leak too: nothing staff can read before
        their sitting opens may hold the questions."""
        self.needles = []
        for q in paper.questions:
            self.needles.append((f"{q.id} 的解析", _normal(q.explanation)))
            self.needles.append((f"{q.id} 的答案", _normal(repr(q.key.to_dict()))))
            self.needles.append((f"{q.id} 的答案", _normal(json.dumps(q.key.to_dict(), ensure_ascii=False))))
            if paper.delivery == "service":
                self.needles.append((f"{q.id} 的题干", _normal(q.stem)))
                for oid, text in q.options:
                    if len(_normal(text)) >= self.MIN_OPTION:
                        self.needles.append((f"{q.id} 的选项 {oid}", _normal(text)))

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


IN_PLACE = ".set-aside-in-place.json"


def set_aside_in_place(quarantine: Path) -> set[str]:
    """Names of inbound entries set aside that could not be moved (their owner made them so): they
    stay where they are, and every collect (ours and the formgrader's) passes them by."""
    try:
        data = json.loads((Path(quarantine) / IN_PLACE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {str(n) for n in data} if isinstance(data, list) else set()


def _keep_in_place(quarantine: Path, name: str) -> None:
    names = set_aside_in_place(quarantine) | {name}
    folder = private_dir(Path(quarantine))
    tmp = folder / (IN_PLACE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(sorted(names), f, ensure_ascii=False)
    os.replace(tmp, folder / IN_PLACE)


def owner_name(path: Path) -> str | None:
    try:
        return pwd.getpwuid(os.lstat(path).st_uid).pw_name
    except (KeyError, OSError):
        return None


def _uid_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


# An inbound entry is a folder of a notebook and two small text files: anything bigger, deeper or
# fuller is junk. Sizes count real disk blocks as well as apparent size (a sparse file counts big).
ENTRY_MAX_BYTES = 25 * 1024 * 1024
ENTRY_MAX_FILES = 50
ENTRY_MAX_DEPTH = 3
# entries per person and exam looked at; the rest are set aside in one audit line
ENTRIES_PER_PERSON = 20
STAMP_FORMATS = ("%Y-%m-%d %H:%M:%S.%f %Z", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S")


def _stamp_ok(text: str) -> bool:
    from datetime import datetime

    text = text.strip()
    for fmt in STAMP_FORMATS:
        try:
            datetime.strptime(text, fmt)
            return True
        except ValueError:
            continue
    try:
        from grader.exam.submissions import parse_stamp

        return parse_stamp(text) is not None
    except Exception:  # an unparseable name is set aside, never a stop
        return False


@dataclass
class EntryCheck:
    """What `inspect_entry` found out about one inbound entry, from lstat alone."""

    problem: str | None  # None: a plain folder of plain files within the limits
    owner_uid: int | None
    received_at: float | None = None  # the newest inode change time (set by the kernel, not the client)


def inspect_entry(path: Path) -> EntryCheck:
    """Check one inbound entry without following any link: a real folder (not a link, device or
    FIFO) holding only real files and folders, within size (disk blocks), count and depth limits.

    `received_at` is the newest `st_ctime` in the entry: the kernel sets it and no user can set it
    back, so an entry edited after it was handed in only ever gets later."""
    try:
        info = os.lstat(path)
    except OSError as error:
        return EntryCheck(f"无法读取: {error.strerror}", None)
    uid = info.st_uid
    if stat.S_ISLNK(info.st_mode):
        return EntryCheck("是符号链接", uid)
    if not stat.S_ISDIR(info.st_mode):
        return EntryCheck("不是目录（文件、设备或管道）", uid)
    total, count, newest = 0, 0, info.st_ctime
    stack = [(str(path), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            items = list(os.scandir(folder))
        except OSError as error:
            return EntryCheck(f"无法读取: {error.strerror}", uid)
        for item in items:
            count += 1
            if count > ENTRY_MAX_FILES:
                return EntryCheck(f"文件数超过 {ENTRY_MAX_FILES}", uid)
            try:
                sub = item.stat(follow_symlinks=False)
            except OSError as error:
                return EntryCheck(f"无法读取 {item.name}: {error.strerror}", uid)
            newest = max(newest, sub.st_ctime)
            if stat.S_ISLNK(sub.st_mode):
                return EntryCheck(f"含有符号链接 {item.name}", uid)
            if stat.S_ISDIR(sub.st_mode):
                if depth + 1 >= ENTRY_MAX_DEPTH:
                    return EntryCheck("目录层级过深", uid)
                stack.append((item.path, depth + 1))
                continue
            if not stat.S_ISREG(sub.st_mode):
                return EntryCheck(f"含有特殊文件 {item.name}（设备、管道或套接字）", uid)
            total += max(sub.st_size, sub.st_blocks * 512)
            if total > ENTRY_MAX_BYTES:
                return EntryCheck(f"超过 {ENTRY_MAX_BYTES // (1024 * 1024)} MB（按磁盘占用计）", uid)
    return EntryCheck(None, uid, newest)


@dataclass
class SetAside:
    student: str  # whom the entry NAMES (never blamed for it)
    name: str
    reason: str  # impersonation | attempts | link | special | unparseable | oversize | cap | unreadable
    detail: str
    timestamp: str | None = None
    owner: str | None = None  # the real owner of the entry (the uid's user): the one logged
    owner_uid: int | None = None


@dataclass
class InboundReport:
    kept: list[str] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    received: dict[str, float] = field(default_factory=dict)  # kept entry name -> server receipt time
    audit: list[dict] = field(default_factory=list)  # one line per owner and reason


def _reason(problem: str) -> str:
    if "符号链接" in problem:
        return "link"
    if "特殊文件" in problem or "不是目录" in problem:
        return "special"
    if "超过" in problem or "过深" in problem:
        return "oversize"
    return "unreadable"


class InboundGuard:
    """Before nbgrader collects: look at every inbound entry of the exam ON ITS OWN, without
    following links, and set aside (move to a private folder, one by one) every entry that is not
    a plain folder of plain files within the limits, whose name cannot be parsed, that is not
    owned by the person it names, or that goes past the attempts allowed or the cap of entries per
    person. Nothing here stops the run, and nothing here touches a graded copy.

    Set-aside entries are logged against their REAL owner (the uid's user), never against the
    person the entry names; repeats (same owner, same reason) collapse into one audit line.
    Entries owned by the trainer's own account (a single-account `lawstudy lab`, or tests) are
    judged by the answers file alone, as before.
    """

    def __init__(self, inbound: Path, paper: Paper, quarantine: Path):
        self.inbound = Path(inbound)
        self.paper = paper
        self.quarantine = Path(quarantine)
        self.me = os.geteuid()

    def candidates(self) -> list[Path]:
        """Every inbound entry whose name mentions this exam (parseable or not); never follows a link."""
        if not self.inbound.is_dir():
            return []
        marker = f"+{self.paper.id}+"
        try:
            names = [e.name for e in os.scandir(self.inbound)]
        except OSError:
            return []
        return [self.inbound / n for n in sorted(names) if marker in n]

    def parse(self, name: str) -> tuple[str, str] | None:
        parts = name.split("+")
        if len(parts) != 4 or parts[1] != self.paper.id or not parts[0] or not _stamp_ok(parts[2]):
            return None
        return parts[0], parts[2]

    def entries(self) -> list[tuple[str, str, Path]]:
        out = []
        for path in self.candidates():
            parsed = self.parse(path.name)
            if parsed:
                out.append((parsed[0], parsed[1], path))
        return sorted(out, key=lambda e: (e[0], e[1]))

    def impersonation(self, student: str, path: Path) -> str | None:
        try:
            uid = os.lstat(path).st_uid
        except OSError:
            return None
        owner = owner_name(path)
        if uid != self.me and owner != student:
            return f"以 {student} 的名义提交，但文件属于账号 {owner or uid}"
        data, _ = read_answers(path / ANSWERS_FILE)
        if data["user"] and data["user"] != student:
            return f"以 {student} 的名义提交，但答案文件记录的答题人是 {data['user']}"
        return None

    def move_aside(self, path: Path) -> bool:
        """Move one entry into the private quarantine (a rename: links stay links). False when it
        could not be moved; the run goes on either way."""
        try:
            private_dir(self.quarantine.parent)
            dest = private_dir(self.quarantine) / path.name
            if os.path.lexists(dest):
                if os.path.isdir(dest) and not os.path.islink(dest):
                    shutil.rmtree(dest)
                else:
                    os.unlink(dest)
            os.rename(path, dest)
            return True
        except OSError:
            try:  # another filesystem: a link or special file is simply removed, never read
                if os.path.islink(path) or not os.path.isdir(path):
                    os.unlink(path)
                    return True
            except OSError:
                pass
            return False

    def _aside(self, report: InboundReport, path: Path, student: str, reason: str, detail: str, stamp, uid) -> None:
        if not self.move_aside(path):  # unmovable (mode 0755 by its owner): listed, never collected
            _keep_in_place(self.quarantine, path.name)
            detail += "（无法移走，已登记为搁置，收卷时一律跳过）"
        owner = _uid_name(uid) if uid is not None else "?"
        report.set_aside.append(SetAside(student, path.name, reason, detail, stamp, owner, uid))

    def run(self) -> InboundReport:
        report = InboundReport()
        stuck = set_aside_in_place(self.quarantine)
        by_student: dict[str, list] = defaultdict(list)
        seen: dict[tuple[str, str], int] = defaultdict(int)  # (owner uid, named person) -> entries
        for path in self.candidates():
            if path.name in stuck:  # set aside before, where it stands
                continue
            parsed = self.parse(path.name)
            student, stamp = parsed if parsed else (path.name.split("+")[0], None)
            check = inspect_entry(path)
            key = (str(check.owner_uid), student)
            seen[key] += 1
            if seen[key] > ENTRIES_PER_PERSON:
                self._aside(
                    report,
                    path,
                    student,
                    "cap",
                    f"同一人同一考试的提交超过 {ENTRIES_PER_PERSON} 个",
                    stamp,
                    check.owner_uid,
                )
                continue
            if check.problem:
                self._aside(report, path, student, _reason(check.problem), check.problem, stamp, check.owner_uid)
                continue
            if parsed is None:
                self._aside(
                    report,
                    path,
                    student,
                    "unparseable",
                    "提交名称无法识别（应为 人+考试+时间+随机串）",
                    stamp,
                    check.owner_uid,
                )
                continue
            why = self.impersonation(student, path)
            if why:
                self._aside(report, path, student, "impersonation", why, stamp, check.owner_uid)
                continue
            by_student[student].append((stamp, path, check))
        for student, subs in by_student.items():
            sittings: list[str] = []
            for stamp, path, check in sorted(subs, key=lambda s: s[0]):
                data, _ = read_answers(path / ANSWERS_FILE)
                sitting = data["started_at"] or path.name
                if sitting not in sittings:
                    sittings.append(sitting)
                if sittings.index(sitting) >= self.paper.spec.attempts:
                    self._aside(
                        report,
                        path,
                        student,
                        "attempts",
                        f"超过允许的考试次数（{self.paper.spec.attempts} 次），此次提交未收取",
                        stamp,
                        check.owner_uid,
                    )
                else:
                    report.kept.append(path.name)
                    if check.owner_uid is not None and check.owner_uid != self.me and check.received_at:
                        report.received[path.name] = check.received_at
        report.audit = collapse(report.set_aside)
        return report


def collapse(items: list[SetAside]) -> list[dict]:
    """One audit line per (real owner, reason): how many entries, which names it claimed, a sample."""
    lines: dict[tuple[str, str], dict] = {}
    for item in items:
        key = (item.owner or "?", item.reason)
        line = lines.setdefault(
            key,
            {
                "owner": key[0],
                "reason": item.reason,
                "count": 0,
                "named": [],
                "detail": item.detail,
                "sample": item.name,
            },
        )
        line["count"] += 1
        if item.student not in line["named"] and len(line["named"]) < 10:
            line["named"].append(item.student)
    return list(lines.values())
