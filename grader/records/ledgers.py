"""Reading the ledgers people keep of their study: a 学法台账 (one row per activity) and 签到表
(sign-in sheets: one activity per worksheet, its title above the header), through the one sheet
reader (grader.sheets: hidden rows, error values, invisible characters, header under a title).

How a sign-in sheet gives its activity: the command line (--date, --kind, --hours, --topic), else
its title lines (`title_facts`: "2026年3月5日会前学法签到表（1学时）"), else the activity of that day
already recorded or in a ledger read by the same command (`read_sign_in`). Who attended: see
grader.records.activities (matching to the roster; unknown and ambiguous names listed, not counted).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from grader import sheets
from grader.records.activities import (
    DAY,
    Activity,
    ActivityImport,
    Roster,
    Studied,
    kind_message,
    kind_of,
    parse_count,
    parse_day,
    parse_hours,
    record,
    resolve_laws,
    topic_key,
)
from grader.records.db import ACTIVITY_KINDS, Problem, RecordsError

# A 签名 cell saying the person did not come.
ABSENT_MARKS = ("请假", "缺席", "未到", "公出", "出差", "病假", "事假", "休假", "外出")
_HOURS_IN_TITLE = re.compile(r"(?:学时|课时)\s*[:：]?\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:个)?(?:学时|课时)")
_SIGN_IN_WORDS = re.compile(r"(签到表|签到册|签到单|签到簿|签到|参会人员名单|参训人员名单|人员名单)")


def _text(problem_where: str, file: str) -> str:
    return f"{file}: {problem_where}" if problem_where else file


def read_ledger(
    db: sqlite_utils.Database, path, table: sheets.Table, studied: Studied | None
) -> tuple[list[Activity], list[Problem]]:
    """The activities of a 学法台账 (one row each): 日期, 形式, 主题 required; 学时 required in every
    row; 主讲人, 主办单位, 涉及法律, 参加人员 (names or 工号, 、，separated; 张三（办公室）), 参加人数."""
    name = str(path)
    roster = Roster(db)
    problems: list[Problem] = []
    out: list[Activity] = []
    seen: dict[tuple, str] = {}
    for row in table.rows:
        where = row.where
        bad = []
        try:
            day = parse_day(row["date"])
        except ValueError:
            bad.append(f"日期“{row['date']}”无法识别，应写作 2026年3月5日 或 2026-03-05 (bad date)")
            day = dt.date(1900, 1, 1)
        kind = kind_of(row["kind"]) if row["kind"] else None
        if kind is None:
            bad.append(kind_message(row["kind"]) if row["kind"] else "缺少形式 (missing kind)")
        topic = row["topic"]
        if not topic:
            bad.append("缺少主题 (missing topic)")
        hours = 0.0
        if not row["hours"]:
            bad.append("缺少学时 (missing hours)")
        else:
            try:
                hours = parse_hours(row["hours"])
            except ValueError:
                bad.append(f"学时“{row['hours']}”应为不小于 0 的数字，如 2 或 1.5 (bad hours)")
        headcount = None
        if row["headcount"]:
            try:
                headcount = parse_count(row["headcount"])
            except ValueError:
                bad.append(f"参加人数“{row['headcount']}”应为整数 (bad headcount)")
        laws, law_problems = resolve_laws(row["laws"], day, studied)
        bad += law_problems
        if bad:
            problems += [Problem(name, where, b) for b in bad]
            continue
        assert kind is not None
        activity = Activity(
            day,
            kind,
            topic,
            hours,
            speaker=row["speaker"],
            organiser=row["organiser"],
            laws=laws,
            headcount=headcount,
            where=_text(where, name),
            source=f"import:{Path(path).name}",
        )
        if activity.key in seen:
            problems.append(
                Problem(name, where, f"与{seen[activity.key]}是同一活动（日期、形式、主题相同） (duplicate)")
            )
            continue
        seen[activity.key] = where
        for token in _attendee_tokens(row["attendees"]):
            person, department = _name_and_department(token)
            staff_id = person if person in roster.people else ""
            found, why = roster.match(person, department, staff_id)
            if found:
                activity.attend(found)
            else:
                activity.unmatched.append(f"{name}: {where} 参加人员 {token}：{why}，未计入")
        out.append(activity)
    return out, problems


def _attendee_tokens(text: str) -> list[str]:
    text = sheets.free_text(text or "")
    return [sheets.collapse(t) for t in re.split(r"[、，,；;／/\n]+|\s+", text) if sheets.collapse(t)]


def _name_and_department(token: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.+?)[（(](.+)[）)]", token)
    return (match.group(1).strip(), match.group(2).strip()) if match else (token, "")


@dataclass
class SignInDefaults:
    """What the command line says of every sign-in sheet it imports (--date, --kind, --hours,
    --topic): it fills what a sheet's title does not say, and overrides it when given."""

    date: dt.date | None = None
    kind: str | None = None
    hours: float | None = None
    topic: str | None = None


def title_facts(lines: list[str]) -> dict:
    """What a sign-in sheet's title lines say: date (the first day written), kind (the first form of
    study named), hours ('2学时', '学时：2'), topic (the first line without its date and 签到表), and
    speaker ('主讲人：张三')."""
    text = " ".join(lines)
    facts: dict = {}
    for line in lines:
        try:
            facts["date"] = parse_day(line)
            break
        except ValueError:
            continue
    kind = kind_of(text)
    if kind:
        facts["kind"] = kind
    hours = _HOURS_IN_TITLE.search(text)
    if hours:
        facts["hours"] = float(hours.group(1) or hours.group(2))
    speaker = re.search(r"(?:主讲人|主讲|授课人)\s*[:：]\s*(\S+)", text)
    if speaker:
        facts["speaker"] = speaker.group(1)
    if lines:
        first = _HOURS_IN_TITLE.sub("", DAY.sub("", lines[0]))
        first = re.sub(r"[（(][\s,，、;；.]*[）)]", "", first)  # brackets the date and 学时 were taken from
        first = re.split(r"\s+(?:时间|日期|地点|主讲人|主讲|授课人|学时|课时)\s*[:：]", " " + first)[0]
        first = _SIGN_IN_WORDS.sub("", first.strip()).strip(" ：:-—，,")
        if first:
            facts["topic"] = first
    return facts


def read_sign_in(
    db: sqlite_utils.Database, path, table: sheets.Table, defaults: SignInDefaults, pending: Sequence[Activity] = ()
) -> tuple[list[Activity], list[Problem]]:
    """One activity per worksheet of a 签到表: its date, kind, hours and topic from the command line
    (`defaults`), else from the title above the header (`title_facts`). When an activity of that
    day (and kind, when known) is already recorded or read from a ledger in the same command, and
    it is the only one, or the only one with that topic, the sheet is its attendance: its kind,
    topic and hours are the recorded ones (unless --hours/--kind say otherwise). Rows: 姓名 required; 工号, 科室, 签名 when present. When the 签名 column holds anything, a row
    with an empty 签名 or one saying 请假/缺席… did not attend (listed); an empty column throughout
    (a typed-up copy) counts every row."""
    name = str(path)
    roster = Roster(db)
    problems: list[Problem] = []
    out: list[Activity] = []
    by_sheet: dict[str, list[sheets.Row]] = {}
    for row in table.rows:
        by_sheet.setdefault(row.sheet, []).append(row)
    for sheet_name, rows in by_sheet.items():
        place = f"工作表 {sheet_name}" if sheet_name else ""
        facts = title_facts(table.titles.get(sheet_name, []))
        day = defaults.date or facts.get("date")
        kind = defaults.kind or facts.get("kind")
        topic = defaults.topic or facts.get("topic")
        hours = defaults.hours if defaults.hours is not None else facts.get("hours")
        speaker = facts.get("speaker", "")
        if day is not None:
            # the day's activity of that kind already recorded (or in a ledger read by this command)
            # is the one signed in for: one such activity, or the one whose topic is --topic/the title's
            known = [k for k in _recorded_on(db, day, kind) + [_fact(a) for a in pending] if k["date"] == day]
            known = [k for k in known if kind is None or k["kind"] == kind]
            same = [k for k in known if topic and topic_key(k["topic"]) == topic_key(topic)]
            chosen = same or (known if defaults.topic is None else [])
            if len({(k["kind"], topic_key(k["topic"])) for k in chosen}) == 1:
                kind, topic = chosen[0]["kind"], chosen[0]["topic"]
                hours = chosen[0]["hours"] if defaults.hours is None else hours
                speaker = ""  # the record's own speaker stands
        missing = []
        if day is None:
            missing.append("日期（标题中写明，如“2026年3月5日会前学法签到表”，或用 --date 2026-03-05）")
        if kind is None:
            missing.append(f"形式（标题中写明，或用 --kind，可选 {'、'.join(ACTIVITY_KINDS)}）")
        if not topic:
            missing.append("主题（标题中写明，或用 --topic）")
        if hours is None:
            missing.append("学时（标题中写明“2学时”，或用 --hours 2，或先导入写明学时的学法台账）")
        if missing:
            title = "；".join(table.titles.get(sheet_name, [])) or "（无标题）"
            problems.append(
                Problem(
                    name, place or None, f"签到表标题“{title}”没有说明{'、'.join(missing)} (sign-in sheet lacks facts)"
                )
            )
            continue
        assert day is not None and kind is not None and topic and hours is not None
        activity = Activity(
            day,
            kind,
            topic,
            float(hours),
            speaker=speaker,
            where=_text(place, name),
            source=f"import:{Path(path).name}",
        )
        signed = "signature" in table.columns and any(r["signature"] for r in rows)
        for row in rows:
            person, department, staff_id = row["name"], row["department"], row["staff_id"]
            if not person and not staff_id:
                continue
            mark, at = row["signature"], f"{place} 第{row.number}行".strip()
            if signed and (not mark or any(word in mark for word in ABSENT_MARKS)):
                why = f"签名栏为“{mark}”" if mark else "未签名"
                activity.unmatched.append(f"{name}: {at} {person or staff_id}：{why}，未计入")
                continue
            found, why = roster.match(person, department, staff_id)
            if found:
                activity.attend(found)
            else:
                activity.unmatched.append(f"{name}: {at} {person or staff_id}：{why}，未计入")
        out.append(activity)
    return out, problems


def _recorded_on(db: sqlite_utils.Database, day: dt.date, kind: str | None) -> list[dict]:
    rows = db.query(
        "SELECT kind, topic, hours FROM activities WHERE date = ? AND (? IS NULL OR kind = ?)",
        [day.isoformat(), kind, kind],
    )
    return [{**r, "date": day} for r in rows]


def _fact(a: Activity) -> dict:
    return {"date": a.date, "kind": a.kind, "topic": a.topic, "hours": a.hours}


def file_kind(path) -> sheets.Kind:
    """Which ledger a file is: a 学法台账 when a visible sheet has its header (日期, 形式, 主题), else a
    签到表. Raises RecordsError when the file cannot be read."""
    try:
        sheets.read_sheet(path, sheets.LEDGER)
        return sheets.LEDGER
    except sheets.SheetError as error:
        if "表头" not in str(error) and "表格为空" not in str(error):
            raise RecordsError([Problem("", None, line) for line in str(error).splitlines()]) from None
    return sheets.SIGNIN


def import_activities(
    db: sqlite_utils.Database,
    paths: Iterable,
    studied: Studied | None = None,
    defaults: SignInDefaults | None = None,
    dry_run: bool = False,
) -> ActivityImport:
    """Read ledgers and sign-in sheets (each file recognised by its header: `file_kind`) and record
    their activities and attendance in one transaction; with `dry_run` only say what would change.

    Raises RecordsError listing every problem (file, sheet, row); nothing is written then. People
    who could not be matched are in `unmatched`, not an error."""
    defaults = defaults or SignInDefaults()
    problems: list[Problem] = []
    found: list[Activity] = []
    notes: list[str] = []
    ordered = sorted(((file_kind(p), p) for p in paths), key=lambda kp: kp[0] is not sheets.LEDGER)
    for kind, path in ordered:
        try:
            table = sheets.read_sheet(path, kind)
        except sheets.SheetError as error:
            problems += [Problem("", None, line) for line in str(error).splitlines()]
            continue
        if table.summary():
            notes.append(f"{path}: {table.summary()}")
        if kind is sheets.LEDGER:
            if any(v is not None for v in vars(defaults).values()):
                problems.append(
                    Problem(
                        str(path),
                        None,
                        "--date/--kind/--hours/--topic 只用于签到表；学法台账每行写明 (options for sign-in sheets only)",
                    )
                )
                continue
            activities, bad = read_ledger(db, path, table, studied)
        else:
            activities, bad = read_sign_in(db, path, table, defaults, found)
        found += activities
        problems += bad
    if problems:
        raise RecordsError(problems)
    return record(db, found, dry_run=dry_run, notes=notes)
