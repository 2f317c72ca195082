"""Study activities (学法活动): 会前学法, 专题培训, 专家讲座, 培训班... with the laws they covered and
who attended, entered by hand (`add_activity`) or read from the ledgers people keep (a 学法台账,
签到表: grader.records.ledgers), stored by `record`.

An activity is (date, 形式 `kind`, 主题 `topic`, 主讲人 `speaker` or 主办单位 `organiser`, 学时 `hours`,
laws, attendees). The same activity is recognised by its natural key (date, kind, `topic_key`: the
topic without white space, punctuation, 《》 or invisible characters, case folded), so a ledger or a
sign-in sheet imported twice changes nothing; attendance is one row per (activity, person).

People are matched to the roster by 工号; without one by 姓名 + 科室; with neither 工号 nor 科室 by
姓名 alone when exactly one person on the roster has that name. Anyone else (an invited speaker, a
name twice on the roster, a 科室 that does not match) is listed with file, sheet and row, never
guessed and never counted. Every import runs in one transaction; a bad row rejects the whole
command with one message per problem (file, sheet, row), nothing written.

The laws an activity covered are resolved by a `studied(text, on)` function (grader.laws'
`Library.studied`, passed in by the caller: the records do not import the statutes): each gives
(statute title, article or None) or raises an error whose text says why.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlite_utils

from grader import sheets
from grader.records.db import ACTIVITY_KINDS, Problem, RecordsError, now_text, parse_number
from grader.records.roster import not_on_roster_message

# ------------------------------------------------------------------ the words people write

# How a ledger or a title names a form of study that the fixed list (ACTIVITY_KINDS) says otherwise.
KIND_ALIASES = {
    "讲座": "专家讲座",
    "法治讲座": "专家讲座",
    "专题讲座": "专家讲座",
    "以会代学": "以会代训",
    "会前讲学": "会前讲法",
    "中层干部会前讲法": "会前讲法",
    "外出培训": "外派培训",
    "参加上级培训": "外派培训",
    "执法资格": "执法资格培训",
    "执法证培训": "执法资格培训",
    "专题学习": "专题培训",
}
DAY = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
_DAY_COMPACT = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
_PUNCTUATION = re.compile(r"[\s《》〈〉“”\"'‘’（）()\[\]【】、，,。.：:；;！!？?·\-—_/]+")
_LAW_ITEM = re.compile(r"《[^》]+》(?:\s*第[零一二三四五六七八九十百千0-9]+条)?(?:\s*[，,]\s*\d{4}年版)?")
_SPLIT = re.compile(r"[、，,；;／/\n]+|\s{2,}")

Studied = Callable[[str, dt.date], tuple[str, int | None]]


def kind_of(text: str) -> str | None:
    """The form of study (one of ACTIVITY_KINDS) a cell or a title names, else None: the kind's own
    word or an alias (讲座 -> 专家讲座) standing in the text, the first of the list that does."""
    text = sheets.collapse(text)
    if text in ACTIVITY_KINDS:
        return text
    for kind in ACTIVITY_KINDS[:-1]:
        if kind in text:
            return kind
    for alias, kind in sorted(KIND_ALIASES.items(), key=lambda item: -len(item[0])):
        if alias in text:
            return kind
    return None


def kind_message(text: str) -> str:
    return f"形式“{text}”无法识别：应为 {'、'.join(ACTIVITY_KINDS)} 之一 (unknown kind)"


def topic_key(topic: str) -> str:
    """The topic as the natural key compares it: NFKC, invisible characters, white space and
    punctuation (《》“”、，。…) removed, case folded. '《社会救助暂行办法》 解读' = '社会救助暂行办法解读'."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", sheets.visible(topic))).casefold()


def parse_day(text) -> dt.date:
    """A day as people write it: 2026年3月5日, 2026-03-05, 2026/3/5, 2026.3.5, 20260305, a date cell
    ('2026-03-05 09:00' keeps only the day). Raises ValueError."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    value = sheets.nfkc(str(text))
    match = DAY.search(value) or _DAY_COMPACT.search(value)
    if not match:
        raise ValueError(value)
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def parse_hours(text: str) -> float:
    """学时 as written: 2, 1.5, 2学时, 3课时, 2小时. Raises ValueError (negative too)."""
    value = re.sub(r"(个)?(学时|课时|小时|h)$", "", sheets.nfkc(str(text)), flags=re.I).strip()
    hours = parse_number(value)
    if hours < 0:
        raise ValueError(text)
    return hours


def parse_count(text: str) -> int:
    value = re.sub(r"(人|人次|名)$", "", sheets.nfkc(str(text))).strip()
    number = parse_number(value)
    if number < 0 or number != int(number):
        raise ValueError(text)
    return int(number)


# ------------------------------------------------------------------ matching people to the roster


class Roster:
    """The active roster, for matching the names on a sign-in sheet or in a ledger's 参加人员."""

    def __init__(self, db: sqlite_utils.Database):
        self.people = {
            r["staff_id"]: r for r in db.query("SELECT staff_id, name, department FROM staff WHERE active = 1")
        }
        self.by_name: dict[str, list[str]] = {}
        self.by_person: dict[tuple[str, str], list[str]] = {}
        for staff_id, r in self.people.items():
            self.by_name.setdefault(r["name"], []).append(staff_id)
            self.by_person.setdefault((r["name"], r["department"]), []).append(staff_id)

    def match(self, name: str, department: str = "", staff_id: str = "") -> tuple[str | None, str]:
        """(工号, '') for the one person meant, else (None, why): by 工号; else 姓名 + 科室; else, with
        no 科室 given, 姓名 alone when it is unique on the roster."""
        if staff_id:
            if staff_id in self.people:
                return staff_id, ""
            return None, not_on_roster_message(self.people, staff_id)
        if not name:
            return None, "没有姓名 (no name)"
        if department:
            found = self.by_person.get((name, department), [])
            if len(found) == 1:
                return found[0], ""
            if found:
                return (
                    None,
                    f"名册中{department}有 {len(found)} 人名为 {name}（{'、'.join(found)}），请填写工号 (ambiguous)",
                )
            others = self.by_name.get(name, [])
            if others:
                where = "、".join(f"{self.people[s]['department']} {s}" for s in others)
                return (
                    None,
                    f"{name}（{department}）与名册不符：名册中的 {name} 在 {where}，请核对科室或填写工号 (department differs)",
                )
            return None, f"{name}（{department}）不在名册中 (not on the roster)"
        found = self.by_name.get(name, [])
        if len(found) == 1:
            return found[0], ""
        if found:
            where = "、".join(f"{self.people[s]['department']} {s}" for s in found)
            return None, f"名册中有 {len(found)} 人名为 {name}（{where}），请填写科室或工号 (ambiguous name)"
        return None, f"{name} 不在名册中 (not on the roster)"


# ------------------------------------------------------------------ activities


@dataclass
class Activity:
    """One study activity as read or entered: what is stored, plus where it came from (`where`)
    and the people it names who could not be matched (`unmatched`: lines for the user)."""

    date: dt.date
    kind: str
    topic: str
    hours: float
    speaker: str = ""
    organiser: str = ""
    laws: list[tuple[str, int | None]] = field(default_factory=list)
    headcount: int | None = None
    attendees: list[str] = field(default_factory=list)  # 工号, in the order read, each once
    where: str = ""
    source: str = "manual"
    unmatched: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.date.isoformat(), self.kind, topic_key(self.topic))

    def label(self) -> str:
        return f"{self.date.isoformat()} {self.kind}“{self.topic}”"

    def attend(self, staff_id: str) -> None:
        if staff_id not in self.attendees:
            self.attendees.append(staff_id)


@dataclass
class ActivityImport:
    """What an import or `add` did (or, with dry_run, would do): activities added / updated (a
    field changed) / unchanged, attendance rows added / already there, the people listed and not
    counted, and what the sheet reader passed over."""

    activities: list[Activity] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    attendance_added: int = 0
    attendance_known: int = 0
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


def resolve_laws(text: str, on: dt.date, studied: Studied | None) -> tuple[list[tuple[str, int | None]], list[str]]:
    """The laws a 涉及法律 cell names: each 《…》 (with 第N条 if given), or, without 《》, each item
    between 、，；/ — resolved by `studied`. Returns (laws, problems)."""
    text = sheets.free_text(text or "")
    if not text:
        return [], []
    items = [m.group(0) for m in _LAW_ITEM.finditer(text)] or [i.strip() for i in _SPLIT.split(text) if i.strip()]
    laws: list[tuple[str, int | None]] = []
    problems = []
    for item in items:
        if studied is None:
            laws.append((item.strip("《》"), None))
            continue
        try:
            law = studied(item, on)
        except Exception as error:  # noqa: BLE001 - the resolver's own error says why, in Chinese
            problems.append(f"涉及法律“{item}”：{error}")
            continue
        if law not in laws:
            laws.append(law)
    return laws, problems


def record(db: sqlite_utils.Database, activities: list[Activity], dry_run: bool = False, notes=()) -> ActivityImport:
    """Store activities (merged by natural key: a field that differs is updated, attendance added)
    in one transaction; with `dry_run`, count what would change and write nothing."""
    result = ActivityImport(activities=activities, notes=list(notes), dry_run=dry_run)
    merged: dict[tuple, Activity] = {}
    for a in activities:  # two sign-in sheets of one activity (two pages): one activity
        if a.key in merged:
            for staff_id in a.attendees:
                merged[a.key].attend(staff_id)
            merged[a.key].unmatched += a.unmatched
        else:
            merged[a.key] = a
    for a in merged.values():
        result.unmatched += a.unmatched

    def write() -> None:
        now = now_text()
        for a in merged.values():
            row = db.execute(
                "SELECT id, topic, speaker, organiser, hours, headcount FROM activities "
                "WHERE date = ? AND kind = ? AND topic_key = ?",
                list(a.key),
            ).fetchone()
            fields = {
                "speaker": a.speaker or None,
                "organiser": a.organiser or None,
                "hours": float(a.hours),
                "headcount": a.headcount,
            }
            if row is None:
                result.added.append(a.label())
                activity_id = None
                if not dry_run:
                    cursor = db.execute(
                        "INSERT INTO activities (date, year, kind, topic, topic_key, speaker, organiser, hours, "
                        "headcount, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [a.date.isoformat(), a.date.year, a.kind, a.topic, a.key[2], *fields.values(), a.source, now],
                    )
                    activity_id = cursor.lastrowid
            else:
                activity_id = row[0]
                old = dict(zip(("speaker", "organiser", "hours", "headcount"), row[2:]))
                # a sign-in sheet says nothing of speaker, organiser or headcount: it keeps the ledger's
                change = {k: v for k, v in fields.items() if v is not None and v != old[k]}
                laws_now = {
                    (r[0], r[1])
                    for r in db.execute("SELECT law, article FROM activity_laws WHERE activity_id = ?", [activity_id])
                }
                new_laws = {(law, article or 0) for law, article in a.laws} - laws_now
                if change or new_laws:
                    result.updated.append(a.label())
                    if change and not dry_run:
                        sets = ", ".join(f"{k} = ?" for k in change)
                        db.execute(f"UPDATE activities SET {sets} WHERE id = ?", [*change.values(), activity_id])
                else:
                    result.unchanged.append(a.label())
            known = (
                {r[0] for r in db.execute("SELECT staff_id FROM attendance WHERE activity_id = ?", [activity_id])}
                if activity_id is not None
                else set()
            )
            new = [s for s in a.attendees if s not in known]
            result.attendance_added += len(new)
            result.attendance_known += len(a.attendees) - len(new)
            if dry_run or activity_id is None:
                continue
            db.conn.executemany(
                "INSERT INTO activity_laws (activity_id, law, article) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(activity_id, law, article or 0) for law, article in a.laws],
            )
            db.conn.executemany(
                "INSERT INTO attendance (activity_id, staff_id, source) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(activity_id, s, a.source) for s in new],
            )

    if dry_run:
        with getattr(db, "snapshot", db.atomic)():
            write()
    else:
        with db.atomic():
            write()
    return result


def add_activity(
    db: sqlite_utils.Database,
    date,
    kind: str,
    topic: str,
    hours: float,
    speaker: str = "",
    organiser: str = "",
    laws: str = "",
    attendees: Iterable[str] = (),
    studied: Studied | None = None,
    dry_run: bool = False,
) -> ActivityImport:
    """Record one activity by hand (`lawstudy activity add`): attendees are 工号 (each must be on the
    roster: a 工号 not on it is an error here, nothing written). Raises RecordsError."""
    problems = []
    try:
        day = parse_day(date)
    except ValueError:
        raise RecordsError(f"日期“{date}”无法识别，应写作 2026-03-05 (bad date)") from None
    found_kind = kind_of(kind or "")
    if found_kind is None:
        problems.append(kind_message(kind or ""))
    if not (topic or "").strip():
        problems.append("缺少主题 --topic (missing topic)")
    try:
        credited = parse_hours(str(hours))
    except ValueError:
        problems.append(f"学时“{hours}”应为不小于 0 的数字 (bad hours)")
        credited = 0.0
    resolved, law_problems = resolve_laws(laws, day, studied)
    problems += law_problems
    roster = Roster(db)
    ids = []
    for staff_id in attendees:
        staff_id = sheets.staff_id_text(staff_id.strip()) if staff_id.strip() not in roster.people else staff_id.strip()
        if not staff_id:
            continue
        if staff_id not in roster.people:
            problems.append(not_on_roster_message(roster.people, staff_id))
        ids.append(staff_id)
    if problems:
        raise RecordsError([Problem("", None, p) for p in problems])
    assert found_kind is not None
    activity = Activity(
        day,
        found_kind,
        sheets.free_text(topic),
        credited,
        speaker.strip(),
        organiser.strip(),
        resolved,
        source="manual",
    )
    for staff_id in ids:
        activity.attend(staff_id)
    return record(db, [activity], dry_run=dry_run)


def list_activities(db: sqlite_utils.Database, year: int | None = None) -> list[dict]:
    """Recorded activities (of a year, or all), by date: {id, date, kind, topic, speaker, organiser,
    hours, headcount, attendances (people on the roster recorded), laws: [{law, article (None: the
    statute as a whole)}]}."""
    rows = list(
        db.query(
            "SELECT a.id, a.date, a.kind, a.topic, a.speaker, a.organiser, a.hours, a.headcount, "
            "(SELECT count(*) FROM attendance t WHERE t.activity_id = a.id) AS attendances "
            "FROM activities a WHERE (:year IS NULL OR a.year = :year) ORDER BY a.date, a.kind, a.topic",
            {"year": year},
        )
    )
    laws: dict[int, list[dict]] = {}
    for r in db.query("SELECT activity_id, law, article FROM activity_laws ORDER BY activity_id, law, article"):
        laws.setdefault(r["activity_id"], []).append({"law": r["law"], "article": r["article"] or None})
    for r in rows:
        r["laws"] = laws.get(r["id"], [])
    return rows
