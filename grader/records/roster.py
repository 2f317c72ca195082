"""The roster (名册) and the year's exemptions (免考): imported from sheets people write, by 工号."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from grader import sheets
from grader.instance import username
from grader.records.db import (
    DEFAULT_CATEGORY,
    DEFAULT_DEPARTMENT,
    Problem,
    RecordsError,
    Rows,
    now_text,
    read_table,
    with_progress,
)

# ------------------------------------------------------------------ roster


@dataclass
class RosterResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    warnings: list[str] = field(default_factory=list)  # accepted with yes=True
    summary: str = ""  # which worksheets gave how many rows


class NeedsConfirmation(RecordsError):
    """The file looks like it adds people already on the roster; nothing was written.

    `warnings` lists each case; re-running with yes=True (the command's --yes) accepts them.
    """

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__([Problem("", None, w) for w in warnings])


def _digits_key(staff_id: str) -> str:
    stripped = staff_id.lstrip("0").upper()
    return stripped or "0"


def near_ids(known: Iterable[str], staff_id: str) -> list[str]:
    """工号 on the roster that differ from `staff_id` only by leading zeros or the case of letters
    (a 身份证号 ending in x or X)."""
    key = _digits_key(staff_id)
    return sorted(s for s in known if s != staff_id and _digits_key(s) == key)


def near_map(known: Iterable[str], staff_ids: Iterable[str]) -> dict[str, list[str]]:
    """{staff_id: near_ids(known, staff_id)} for each of `staff_ids` that has any, looking the
    roster through once (an index by the leading-zero/case key), not once per id: thousands of
    ids not on a city's roster of 200,000 stay a fraction of a second."""
    ids = list(dict.fromkeys(staff_ids))
    wanted: dict[str, list[str]] = {_digits_key(s): [] for s in ids}
    if not wanted:
        return {}
    for s in known:
        bucket = wanted.get(_digits_key(s))
        if bucket is not None:
            bucket.append(s)
    out = {}
    for staff_id in ids:
        near = sorted(s for s in wanted[_digits_key(staff_id)] if s != staff_id)
        if near:
            out[staff_id] = near
    return out


NEAR_HINT = "只差前导零或字母大小写：工号按原样匹配，请核对"


def known_id(db: sqlite_utils.Database, staff_id: str) -> str:
    """A 工号 typed on the command line as the roster has it: as typed when on the roster, else as
    the sheet reader normalises ids (NFKC, invisible characters removed, final x upper-cased)."""
    staff_id = str(staff_id).strip()
    if db.execute("SELECT 1 FROM staff WHERE staff_id = ?", [staff_id]).fetchone():
        return staff_id
    return sheets.staff_id_text(staff_id)


def not_on_roster_message(known: Iterable[str], staff_id: str) -> str:
    """'工号 0001 不在名册中', with the 工号 it may have meant (only leading zeros differ)."""
    near = near_ids(known, staff_id)
    hint = f"（名册中有 {'、'.join(near)}，{NEAR_HINT}）" if near else ""
    return f"工号 {staff_id} 不在名册中{hint} (not on the roster)"


def roster_warnings(db: sqlite_utils.Database, people: list[dict]) -> list[str]:
    """New people who may be someone already on the roster (or earlier in the same file):
    a 工号 that differs from an existing one only by leading zeros ("0001" and "1"), or the same
    name and 科室 as someone with another 工号. People are matched by 工号 exactly as written;
    these are only pointed out."""
    existing = {r["staff_id"]: r for r in db.query("SELECT staff_id, name, department FROM staff")}
    by_digits: dict[str, list[str]] = {}
    by_person: dict[tuple[str, str], list[str]] = {}
    for staff_id, r in existing.items():
        by_digits.setdefault(_digits_key(staff_id), []).append(staff_id)
        by_person.setdefault((r["name"], r["department"]), []).append(staff_id)
    out = []
    for p in people:
        staff_id = p["staff_id"]
        if staff_id in existing:
            continue
        zeros = [s for s in by_digits.get(_digits_key(staff_id), []) if s != staff_id]
        if zeros:
            out.append(
                f"新工号 {staff_id} 与已有工号 {'、'.join(zeros)} 只差前导零或字母大小写，是否同一人？"
                "(staff ids differ only by leading zeros or case)"
            )
        same = [s for s in by_person.get((p["name"], p["department"]), []) if s != staff_id and s not in zeros]
        if same:
            out.append(
                f"新工号 {staff_id} 的 {p['name']}（{p['department']}）与已有工号 {'、'.join(same)} "
                "同名同科室，是否同一人？(same name and department as someone on the roster)"
            )
        by_digits.setdefault(_digits_key(staff_id), []).append(staff_id)
        by_person.setdefault((p["name"], p["department"]), []).append(staff_id)
    return out


def roster(db: sqlite_utils.Database, include_inactive: bool = False) -> list[dict]:
    """Current staff as {staff_id, name, department, category}, ordered by staff_id."""
    where = "" if include_inactive else "WHERE active = 1"
    return list(db.query(f"SELECT staff_id, name, department, category FROM staff {where} ORDER BY staff_id"))


def parse_roster(path, sheet_names: list[str] | None = None, columns: dict[str, str] | None = None) -> list[dict]:
    """Check a roster sheet; every problem in one RecordsError (row numbers as the sheet shows).

    The roster is read from one sheet (`sheets.ROSTER.one_sheet`): a workbook in which several
    visible sheets carry the header is refused unless `sheet_names` (--sheet) names them."""
    name = str(path)
    problems: list[Problem] = []
    people = Rows()
    seen: dict[str, int] = {}
    logins: dict[str, tuple[str, int]] = {}
    table = read_table(path, sheets.ROSTER, sheet_names, columns)
    people.summary = table.summary
    for number, row in table:
        staff_id, person = row["staff_id"], row["name"]
        if not staff_id:
            problems.append(Problem(name, number, "缺少工号 (missing staff_id)"))
            continue
        if staff_id in seen:
            problems.append(Problem(name, number, f"工号 {staff_id} 与第{seen[staff_id]}行重复 (duplicate staff_id)"))
            continue
        seen[staff_id] = number
        login = username(staff_id)
        if login in logins:
            other, other_row = logins[login]
            problems.append(
                Problem(
                    name,
                    number,
                    f"工号 {staff_id} 与第{other_row}行的 {other} 对应同一登录名 {login} (staff ids collide as user names)",
                )
            )
        logins[login] = (staff_id, number)
        if not person:
            problems.append(Problem(name, number, f"工号 {staff_id} 缺少姓名 (empty name)"))
            continue
        people.append(
            {
                "staff_id": staff_id,
                "name": person,
                "department": row.get("department") or DEFAULT_DEPARTMENT,
                "category": row.get("category") or DEFAULT_CATEGORY,
            }
        )
    if problems:
        raise RecordsError(problems)
    if not people:
        raise RecordsError([Problem(name, None, "没有人员数据 (no staff rows)")])
    return people


def import_roster(
    db: sqlite_utils.Database,
    path,
    retire_missing: bool = False,
    show_progress: bool = False,
    yes: bool = False,
    sheet_names: list[str] | None = None,
    columns: dict[str, str] | None = None,
) -> RosterResult:
    """Import the bureau's roster sheet; re-importing updates people by staff_id (as written).

    With `retire_missing`, people on record but not in this file are marked as left (not counted
    as required any more; their attempts stay). Any bad row rejects the file: nothing is written.
    New people who may already be on the roster (`roster_warnings`) raise NeedsConfirmation
    unless `yes`; nothing is written then either. `sheet_names`, `columns`: see `parse_roster`.
    """
    people = parse_roster(path, sheet_names, columns)
    warnings = roster_warnings(db, people)
    if warnings and not yes:
        raise NeedsConfirmation(warnings)
    result = RosterResult(warnings=warnings, summary=getattr(people, "summary", ""))
    existing = {r["staff_id"]: r for r in db.query("SELECT staff_id, name, department, category, active FROM staff")}
    now = now_text()
    changed = []
    for p in people:
        old = existing.get(p["staff_id"])
        if old is None:
            result.added += 1
        elif (old["name"], old["department"], old["category"], old["active"]) == (
            p["name"],
            p["department"],
            p["category"],
            1,
        ):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        changed.append({**p, "active": 1, "updated_at": now})
    with db.atomic():
        db.table("staff").upsert_all(
            with_progress(changed, len(changed), "导入名册", show_progress), pk="staff_id", batch_size=2000
        )
        if retire_missing:
            in_file = {p["staff_id"] for p in people}
            gone = [s for s, r in existing.items() if s not in in_file and r["active"]]
            db.conn.executemany(
                "UPDATE staff SET active = 0, updated_at = ? WHERE staff_id = ?", [(now, s) for s in gone]
            )
            result.retired = len(gone)
    return result


# ------------------------------------------------------------------ exemptions


def missing_staff(db, staff_ids: Iterable[str]) -> set[str]:
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    return {s for s in staff_ids if s not in known}


def exempt(db: sqlite_utils.Database, staff_id: str, year: int, reason: str) -> None:
    """Exempt one person for a year (out of the denominator, listed with the reason)."""
    staff_id, reason = known_id(db, staff_id), (reason or "").strip()
    if not reason:
        raise RecordsError("免考必须填写原因 (an exemption needs a reason)")
    if missing_staff(db, [staff_id]):
        raise RecordsError(f"工号 {staff_id} 不在名册中 (not on the roster)")
    with db.atomic():
        db.table("exemptions").upsert(
            {"staff_id": staff_id, "year": int(year), "reason": reason, "recorded_at": now_text()},
            pk=("staff_id", "year"),
        )


def unexempt(db: sqlite_utils.Database, staff_id: str, year: int) -> bool:
    """Withdraw an exemption; True if there was one."""
    with db.atomic():
        cursor = db.execute(
            "DELETE FROM exemptions WHERE staff_id = ? AND year = ?", [known_id(db, staff_id), int(year)]
        )
    return cursor.rowcount > 0


def import_exemptions(
    db: sqlite_utils.Database, path, year: int | None = None, summary=None, sheet_names: list[str] | None = None
) -> int:
    """Exemptions from a sheet: staff_id (工号), reason (原因), optional year (年度) per row.

    A 年度 is read as people write it (2026, 2026年, 2026年度, a date cell: `sheets.year_text`);
    without the column, `year` (--year) applies. `summary(text)`, if given, receives what was read
    and passed over. `sheet_names`: read only these worksheets (--sheet)."""
    name = str(path)
    problems, rows = [], []
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    seen: dict[tuple, int] = {}
    table = read_table(path, sheets.EXEMPTIONS, sheet_names)
    if summary and table.summary:
        summary(table.summary)
    for number, row in table:
        staff_id, reason = row["staff_id"], row["reason"]
        row_year = row.get("year") or (str(year) if year else "")
        if not staff_id:
            problems.append(Problem(name, number, "缺少工号 (missing staff_id)"))
        elif staff_id not in known:
            problems.append(Problem(name, number, not_on_roster_message(known, staff_id)))
        elif not reason:
            problems.append(Problem(name, number, f"工号 {staff_id} 缺少免考原因 (missing reason)"))
        elif not (len(row_year) == 4 and row_year.isdigit()):
            what = f"年度 {row_year!r} 无法识别" if row_year else "没有年度"
            problems.append(
                Problem(
                    name,
                    number,
                    f"{what}：年度应写四位数字，如 2026（或不填此列，用 --year 2026）(bad or missing year)",
                )
            )
        elif (staff_id, int(row_year)) in seen:
            problems.append(
                Problem(name, number, f"工号 {staff_id} 与第{seen[(staff_id, int(row_year))]}行重复 (duplicate)")
            )
        else:
            seen[(staff_id, int(row_year))] = number
            rows.append({"staff_id": staff_id, "year": int(row_year), "reason": reason, "recorded_at": now_text()})
    if problems:
        raise RecordsError(problems)
    with db.atomic():
        db.table("exemptions").upsert_all(rows, pk=("staff_id", "year"))
    return len(rows)
