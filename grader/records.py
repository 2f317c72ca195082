"""The records database: roster, exemptions, exams and questions, attempts, flags, study hours.

One SQLite file per instance (`Instance.records`), opened with `open_db`, which applies the
schema migrations (sqlite-utils `Migrations`), WAL mode and foreign keys. Every import runs in
one transaction and checks the whole file first: a bad row rejects the file and writes nothing.

Times: every attempt's `submitted_at` is stored as UTC ISO 8601; its `year` is the calendar year
of that moment in China Standard Time (UTC+8). Times without an offset in imported files are read
as China time; nbgrader's naive timestamps are UTC. The figures themselves live in grader/report.py.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from grader import sheets
from grader.errors import DatabaseBusy, LawstudyError
from grader.instance import Instance, username
from grader.vocabulary import CHINA, FLAGS, china_year, parse_datetime

DEFAULT_PASS_MARK = 60.0
DEFAULT_EXCELLENCE_MARK = 90.0
DEFAULT_DEPARTMENT = "未分配科室"
DEFAULT_CATEGORY = "其他"
CATEGORIES = ("领导干部", "公务员", "事业人员", "执法人员", "其他")

# Header words of each sheet kind: one alias table per kind, in grader/sheets.py.
ROSTER_COLUMNS = sheets.ROSTER.columns
RESULT_COLUMNS = sheets.RESULTS.columns
EXEMPT_COLUMNS = sheets.EXEMPTIONS.columns
COMPLETION_COLUMNS = sheets.COMPLETIONS.columns
BUSY_TIMEOUT_MS = int(float(os.environ.get("LAWSTUDY_DB_TIMEOUT", "10")) * 1000)


# ------------------------------------------------------------------ errors


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | str | None  # a row number, or "工作表 X 第5行" in a workbook of several sheets
    message: str

    def __str__(self) -> str:
        if isinstance(self.row, int):
            where = f"第{self.row}行 (row {self.row}): "
        else:
            where = f"{self.row}: " if self.row else ""
        return f"{self.file}: {where}{self.message}"


class RecordsError(LawstudyError, ValueError):
    """Input the records cannot take; lists every problem (file and row). Nothing was written."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", None, problems)]
        self.problems = problems
        super().__init__("\n".join(str(p).lstrip(": ") for p in problems))


# ------------------------------------------------------------------ database and migrations

MIGRATIONS = Migrations("lawstudy.records")


@MIGRATIONS()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript("""
    CREATE TABLE staff (
        staff_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        department TEXT NOT NULL,
        category TEXT NOT NULL,
        updated_at TEXT
    );
    CREATE TABLE exemptions (
        staff_id TEXT NOT NULL REFERENCES staff(staff_id),
        year INTEGER NOT NULL,
        reason TEXT NOT NULL,
        recorded_at TEXT,
        PRIMARY KEY (staff_id, year)
    );
    CREATE TABLE exams (
        id TEXT PRIMARY KEY,
        title TEXT,
        year INTEGER,
        pass_mark REAL NOT NULL DEFAULT 60,
        excellence_mark REAL NOT NULL DEFAULT 90,
        max_score REAL,
        opens_at TEXT,
        closes_at TEXT,
        source TEXT NOT NULL DEFAULT 'build'
    );
    CREATE TABLE questions (
        exam_id TEXT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        position INTEGER,
        law TEXT,
        article INTEGER,
        type TEXT,
        points REAL,
        stem TEXT,
        PRIMARY KEY (exam_id, question_id)
    );
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        staff_id TEXT NOT NULL REFERENCES staff(staff_id),
        exam_id TEXT NOT NULL REFERENCES exams(id),
        submitted_at TEXT NOT NULL,
        year INTEGER NOT NULL,
        score REAL NOT NULL,
        max_score REAL NOT NULL CHECK (max_score > 0),
        percent REAL NOT NULL,
        source TEXT NOT NULL,
        recorded_at TEXT,
        UNIQUE (staff_id, exam_id, submitted_at)
    );
    CREATE INDEX attempts_by_year ON attempts (year, staff_id, submitted_at, percent, exam_id);
    CREATE INDEX attempts_by_exam ON attempts (exam_id, year);
    CREATE TABLE answers (
        attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        score REAL NOT NULL,
        max_score REAL NOT NULL,
        PRIMARY KEY (attempt_id, question_id)
    );
    CREATE TABLE flags (
        id INTEGER PRIMARY KEY,
        exam_id TEXT NOT NULL,
        student TEXT NOT NULL,
        staff_id TEXT,
        flag TEXT NOT NULL CHECK (flag IN ('late', 'overtime', 'impersonation', 'tampered', 'broken')),
        detail TEXT,
        submitted_at TEXT,
        year INTEGER,
        recorded_at TEXT
    );
    CREATE INDEX flags_by_staff ON flags (exam_id, staff_id);
    """)


@MIGRATIONS()
def m002_study_hours_and_leavers(db: sqlite_utils.Database) -> None:
    db.executescript("""
    ALTER TABLE staff ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE courses (
        id TEXT PRIMARY KEY,
        title TEXT,
        hours REAL NOT NULL CHECK (hours >= 0)
    );
    CREATE TABLE completions (
        staff_id TEXT NOT NULL REFERENCES staff(staff_id),
        course_id TEXT NOT NULL REFERENCES courses(id),
        year INTEGER NOT NULL,
        hours REAL NOT NULL,
        completed_at TEXT,
        source TEXT,
        PRIMARY KEY (staff_id, course_id, year)
    );
    CREATE INDEX completions_by_year ON completions (year, staff_id, hours);
    """)


@MIGRATIONS()
def m003_exam_timing(db: sqlite_utils.Database) -> None:
    # which record decided the times and answers of an exam's papers (issue 15): 'service' (the
    # hub's exam service), 'files' (answers files on one machine, `lawstudy lab`); NULL: imported
    db.execute("ALTER TABLE exams ADD COLUMN timing TEXT")


def records_path(home_or_path: str | os.PathLike | None) -> Path:
    """An instance directory gives its records.db; a path ending in .db is used as is."""
    path = Path(home_or_path) if home_or_path else Instance.from_env().records
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        return path
    return Instance.from_env(path).records


def open_db(home_or_path: str | os.PathLike | sqlite_utils.Database | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the records database, upgraded to the current schema.

    WAL journal, foreign keys enforced. Accepts an instance directory, a .db path, or an open db.
    """
    if isinstance(home_or_path, sqlite_utils.Database):
        db = home_or_path
    else:
        path = records_path(home_or_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = RecordsDatabase(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        if not db.memory:
            db.enable_wal()
        if MIGRATIONS.pending(db):  # read-only check: readers never wait for a writer
            with db.atomic():
                MIGRATIONS.apply(db)
    except sqlite3.OperationalError as error:
        if _locked(error):
            raise DatabaseBusy(getattr(db, "path", "")) from None
        raise
    return db


def _locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class RecordsDatabase(sqlite_utils.Database):
    """The records database: a transaction takes the write lock when it begins (BEGIN IMMEDIATE).

    So a second lawstudy command writing at the same time waits for the first (the busy timeout
    applies to BEGIN; a deferred transaction would fail at once when it tries to upgrade its read
    lock), and past the timeout gets DatabaseBusy: one line, nothing half written.
    """

    def __init__(self, path, **kwargs):
        super().__init__(path, **kwargs)
        self.path = path

    @contextmanager
    def snapshot(self):
        """A read transaction (deferred BEGIN): one consistent view, never waiting for a writer."""
        with super().atomic():
            yield self

    @contextmanager
    def atomic(self):
        """One transaction (savepoints when nested), begun with BEGIN IMMEDIATE."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _locked(error):
                raise DatabaseBusy(self.path) from None
            raise
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            self.rollback()
            if _locked(error):
                raise DatabaseBusy(self.path) from None
            raise


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ------------------------------------------------------------------ reading sheets


class Rows(list):
    """Rows of a sheet, with `summary`: which worksheets gave how many rows ('' for one sheet)."""

    summary: str = ""


def _table(
    path, kind: sheets.Kind, sheet_names: list[str] | None = None, columns: dict[str, str] | None = None
) -> Rows:
    """(where, {field: text}) for each non-empty data row, read through grader.sheets (one reader
    for every sheet, with its rules on hidden rows and sheets, note rows, Excel's error values,
    ids and lost characters): `where` is the row number as the sheet shows it, or "工作表 X 第N行"
    when several worksheets carry the header. `sheet_names` (--sheet) and `columns` (--column) are
    passed to `sheets.read_sheet`; its problems become one RecordsError, one problem a line."""
    try:
        table = sheets.read_sheet(path, kind, sheets=sheet_names, columns=columns)
    except sheets.SheetError as error:
        raise RecordsError([Problem("", None, line) for line in str(error).splitlines()]) from None
    rows = Rows((row.where if row.multi else row.number, dict(row.values)) for row in table.rows)
    rows.summary = table.summary()
    return rows


def parse_time(value, naive: timezone = CHINA) -> datetime:
    """An aware datetime from a datetime or text as spreadsheets write it (2020/11/5 9:30,
    2020-11-05 09:30, 2020年11月5日 9:30, ISO 8601); naive values are taken in `naive`."""
    return parse_datetime(value, naive)


def utc_text(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def _number(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def percent(score: float, max_score: float) -> float:
    """Score scaled to 100, rounded to 4 decimals so 57/100 and 0.57×100 compare equal to 57."""
    return round(score * 100.0 / max_score, 4)


def _progress(items, total: int | None, description: str, show: bool):
    if not show:
        return items
    from rich.progress import track

    return track(items, total=total, description=description, transient=True)


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
    table = _table(path, sheets.ROSTER, sheet_names, columns)
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
    now = _now()
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
            _progress(changed, len(changed), "导入名册", show_progress), pk="staff_id", batch_size=2000
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


def _require_staff(db, staff_ids: Iterable[str]) -> set[str]:
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    return {s for s in staff_ids if s not in known}


def exempt(db: sqlite_utils.Database, staff_id: str, year: int, reason: str) -> None:
    """Exempt one person for a year (out of the denominator, listed with the reason)."""
    staff_id, reason = known_id(db, staff_id), (reason or "").strip()
    if not reason:
        raise RecordsError("免考必须填写原因 (an exemption needs a reason)")
    if _require_staff(db, [staff_id]):
        raise RecordsError(f"工号 {staff_id} 不在名册中 (not on the roster)")
    with db.atomic():
        db.table("exemptions").upsert(
            {"staff_id": staff_id, "year": int(year), "reason": reason, "recorded_at": _now()}, pk=("staff_id", "year")
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
    table = _table(path, sheets.EXEMPTIONS, sheet_names)
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
            rows.append({"staff_id": staff_id, "year": int(row_year), "reason": reason, "recorded_at": _now()})
    if problems:
        raise RecordsError(problems)
    with db.atomic():
        db.table("exemptions").upsert_all(rows, pk=("staff_id", "year"))
    return len(rows)


# ------------------------------------------------------------------ exams and questions


def register_exam(db: sqlite_utils.Database, exam: dict, questions: list[dict]) -> None:
    """Record a built exam and its question list (rebuilding replaces the list).

    exam: id, title, year, pass_mark, excellence_mark, max_score, opens_at, closes_at.
    questions: question_id, law, article, type, points, stem.
    """
    if not exam.get("id"):
        raise RecordsError("考试缺少编号 (exam id missing)")
    row = {
        "id": str(exam["id"]),
        "title": exam.get("title") or str(exam["id"]),
        "year": int(exam["year"]) if exam.get("year") is not None else None,
        "pass_mark": float(exam["pass_mark"]) if exam.get("pass_mark") is not None else DEFAULT_PASS_MARK,
        "excellence_mark": float(exam["excellence_mark"])
        if exam.get("excellence_mark") is not None
        else DEFAULT_EXCELLENCE_MARK,
        "max_score": float(exam["max_score"]) if exam.get("max_score") is not None else None,
        "opens_at": exam.get("opens_at"),
        "closes_at": exam.get("closes_at"),
        "source": "build",
    }
    with db.atomic():
        db.table("exams").upsert(row, pk="id")
        db.execute("DELETE FROM questions WHERE exam_id = ?", [row["id"]])
        db.table("questions").insert_all(
            [
                {
                    "exam_id": row["id"],
                    "question_id": str(q["question_id"]),
                    "position": i,
                    "law": q.get("law"),
                    "article": int(q["article"]) if q.get("article") is not None else None,
                    "type": q.get("type"),
                    "points": q.get("points"),
                    "stem": q.get("stem"),
                }
                for i, q in enumerate(questions, start=1)
            ],
            pk=("exam_id", "question_id"),
        )


TIMINGS = ("service", "files")


def set_exam_timing(db: sqlite_utils.Database, exam_id: str, timing: str) -> None:
    """Record which path graded exam `exam_id`: "service" (times and answers kept by the hub's
    exam service) or "files" (the answers files, on one machine without a hub).

    Raises RecordsError for another value or an exam that was never registered."""
    if timing not in TIMINGS:
        raise RecordsError(f"未知的计时方式 {timing!r} (unknown timing)")
    with db.atomic():
        if db.execute("UPDATE exams SET timing = ? WHERE id = ?", [timing, exam_id]).rowcount == 0:
            raise RecordsError(f"没有编号为 {exam_id} 的考试 (no such exam)")


def _ensure_external_exams(
    db, exam_ids: Iterable[str], pass_mark: float | None, excellence_mark: float | None, file: str
) -> None:
    """Exams only seen in imported results get a row with the default (or given) marks."""
    existing = {r["id"]: r for r in db.query("SELECT id, pass_mark, excellence_mark, source FROM exams")}
    for exam_id in sorted(set(exam_ids)):
        old = existing.get(exam_id)
        if old is None:
            db.table("exams").insert(
                {
                    "id": exam_id,
                    "title": exam_id,
                    "year": None,
                    "pass_mark": pass_mark if pass_mark is not None else DEFAULT_PASS_MARK,
                    "excellence_mark": excellence_mark if excellence_mark is not None else DEFAULT_EXCELLENCE_MARK,
                    "source": "import",
                }
            )
        elif old["source"] == "import":
            changes = {}
            if pass_mark is not None:
                changes["pass_mark"] = pass_mark
            if excellence_mark is not None:
                changes["excellence_mark"] = excellence_mark
            if changes:
                db["exams"].update(exam_id, changes)
        elif pass_mark is not None and pass_mark != old["pass_mark"]:
            raise RecordsError(
                [
                    Problem(
                        file,
                        None,
                        f"考试 {exam_id} 已登记合格分 {old['pass_mark']:g}，与 --pass-mark {pass_mark:g} 不一致 "
                        "(the exam is registered with another pass mark)",
                    )
                ]
            )


# ------------------------------------------------------------------ attempts (results)

_UPSERT_ATTEMPT = """
INSERT INTO attempts (staff_id, exam_id, submitted_at, year, score, max_score, percent, source, recorded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (staff_id, exam_id, submitted_at) DO UPDATE SET
    score = excluded.score, max_score = excluded.max_score, percent = excluded.percent,
    source = excluded.source, recorded_at = excluded.recorded_at
WHERE attempts.score IS NOT excluded.score OR attempts.max_score IS NOT excluded.max_score
"""


@dataclass
class AttemptCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def _write_attempts(db, rows: list[tuple]) -> AttemptCounts:
    """Upsert (staff_id, exam_id, submitted_at, year, score, max_score, percent, source, now) rows.

    Must run inside a transaction. Identical rows change nothing; a corrected score updates.
    """
    before = db.execute("SELECT count(*) FROM attempts").fetchone()[0]
    changes = db.conn.total_changes
    db.conn.executemany(_UPSERT_ATTEMPT, rows)
    changed = db.conn.total_changes - changes
    added = db.execute("SELECT count(*) FROM attempts").fetchone()[0] - before
    return AttemptCounts(added, changed - added, len(rows) - changed)


@dataclass
class ResultsImport:
    counts: AttemptCounts
    rows: int
    not_on_roster: list[tuple[int | str, str]] = field(default_factory=list)  # (row, staff_id)
    duplicates: int = 0
    near: dict[str, list[str]] = field(default_factory=dict)  # staff_id -> roster ids it differs from by leading zeros
    summary: str = ""  # which worksheets gave how many rows


def import_results(
    db: sqlite_utils.Database,
    path,
    pass_mark: float | None = None,
    excellence_mark: float | None = None,
    show_progress: bool = False,
    sheet_names: list[str] | None = None,
    columns: dict[str, str] | None = None,
) -> ResultsImport:
    """Results from elsewhere (paper exam, provincial platform): staff_id, exam, score, max_score,
    submitted_at (ISO 8601; without an offset it is China time).

    Idempotent on (staff_id, exam, submitted_at). Rows for people not on the roster are reported,
    not stored. Any malformed row rejects the whole file. A platform's export is read through the
    alias table (`sheets.RESULTS`: 考试成绩 is the score, 交卷时间 wins over 考试时间); `columns`
    (--column 得分=原始成绩) maps any other header; `sheet_names` (--sheet) chooses worksheets.
    """
    name = str(path)
    problems: list[Problem] = []
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    parsed: dict[tuple, tuple] = {}
    where: dict[tuple, int] = {}
    not_on_roster, duplicates = [], 0
    table = _table(path, sheets.RESULTS, sheet_names, columns)
    now = _now()
    source = f"import:{Path(path).name}"
    for number, row in table:
        staff_id, exam_id = row["staff_id"], row["exam"]
        if not staff_id:
            problems.append(Problem(name, number, "缺少工号 (missing staff_id)"))
            continue
        if not exam_id:
            problems.append(Problem(name, number, "缺少考试编号 (missing exam)"))
            continue
        try:
            score = _number(row["score"])
            max_score = _number(row["max_score"])
        except ValueError:
            problems.append(
                Problem(
                    name,
                    number,
                    f"分数不是数字 (score/max_score not a number): {row['score']!r} / {row['max_score']!r}",
                )
            )
            continue
        if max_score <= 0 or score < 0 or score > max_score:
            problems.append(
                Problem(
                    name,
                    number,
                    f"分数应在 0 与满分之间且满分大于 0 (need 0 <= score <= max_score, max_score > 0): {score:g}/{max_score:g}",
                )
            )
            continue
        try:
            when = parse_time(row["submitted_at"])
        except ValueError:
            problems.append(
                Problem(
                    name,
                    number,
                    f"提交时间无法识别，可写 2020-11-05 09:30、2020/11/5 9:30 或 "
                    f"2020年11月5日 9:30 (bad submitted_at): {row['submitted_at']!r}",
                )
            )
            continue
        if staff_id not in known:
            not_on_roster.append((number, staff_id))
            continue
        key = (staff_id, exam_id, utc_text(when))
        record = (*key, china_year(when), score, max_score, percent(score, max_score), source, now)
        if key in parsed:
            if parsed[key][4:6] != record[4:6]:
                problems.append(
                    Problem(
                        name,
                        number,
                        f"与第{where[key]}行是同一次考试但分数不同 (conflicting duplicate of row {where[key]})",
                    )
                )
            else:
                duplicates += 1
            continue
        parsed[key], where[key] = record, number
    if problems:
        raise RecordsError(problems)
    rows = list(parsed.values())
    with db.atomic():
        _ensure_external_exams(db, {r[1] for r in rows}, pass_mark, excellence_mark, name)
        counts = AttemptCounts()
        step = 50_000
        for start in _progress(range(0, len(rows), step), (len(rows) + step - 1) // step, "导入成绩", show_progress):
            c = _write_attempts(db, rows[start : start + step])
            counts.added += c.added
            counts.updated += c.updated
            counts.unchanged += c.unchanged
    near = {s: near_ids(known, s) for _, s in not_on_roster if near_ids(known, s)}
    return ResultsImport(counts, len(table), not_on_roster, duplicates, near, table.summary)


# ------------------------------------------------------------------ flags


def staff_by_login(db) -> dict[str, str]:
    """nbgrader student id / hub user -> staff_id, over the whole roster (leavers included)."""
    out = {}
    for row in db.query("SELECT staff_id FROM staff"):
        out[username(row["staff_id"])] = row["staff_id"]
        out.setdefault(row["staff_id"], row["staff_id"])
    return out


def record_flag(db: sqlite_utils.Database, exam: str, student: str, flag: str, detail: str, submitted_at=None) -> None:
    """Record a submission problem (late, overtime, impersonation, tampered, broken).

    `student` is the nbgrader student id (or the staff_id). `submitted_at` (datetime or ISO text;
    naive = UTC as nbgrader stores it) pins the flag to one attempt; without it the flag covers
    every attempt of that exam by that student. Impersonation attempts are not counted in the
    figures; the others are counted and listed. Recording the same flag twice keeps one.
    """
    if flag not in FLAGS:
        raise RecordsError(f"未知标记 {flag!r}，应为 {', '.join(FLAGS)} (unknown flag)")
    when = parse_time(submitted_at, naive=UTC) if submitted_at not in (None, "") else None
    staff_id = staff_by_login(db).get(str(student))
    year = china_year(when) if when else None
    if year is None:
        row = db.execute("SELECT year FROM exams WHERE id = ?", [exam]).fetchone()
        year = row[0] if row and row[0] else datetime.now(CHINA).year
    stamp = utc_text(when) if when else None
    with db.atomic():
        db.execute(
            "DELETE FROM flags WHERE exam_id = ? AND student = ? AND flag = ? AND submitted_at IS ?",
            [exam, str(student), flag, stamp],
        )
        db.table("flags").insert(
            {
                "exam_id": exam,
                "student": str(student),
                "staff_id": staff_id,
                "flag": flag,
                "detail": detail,
                "submitted_at": stamp,
                "year": year,
                "recorded_at": _now(),
            }
        )


# ------------------------------------------------------------------ study hours


def register_course(db: sqlite_utils.Database, course_id: str, title: str | None, hours: float) -> None:
    """A course and its 学时 (hours credited on completion)."""
    if float(hours) < 0:
        raise RecordsError("学时不能为负数 (hours must be >= 0)")
    with db.atomic():
        db.table("courses").upsert({"id": course_id, "title": title or course_id, "hours": float(hours)}, pk="id")


def _course_hours(db, course_id: str, hours: float | None, title: str | None = None) -> float:
    row = db.execute("SELECT hours FROM courses WHERE id = ?", [course_id]).fetchone()
    if hours is not None:
        if row is None or row[0] != float(hours):
            db.table("courses").upsert({"id": course_id, "title": title or course_id, "hours": float(hours)}, pk="id")
        return float(hours)
    if row is None:
        raise RecordsError(f"课程 {course_id} 未登记学时，请用 --hours 指定 (course has no registered hours)")
    return row[0]


def record_completion(
    db: sqlite_utils.Database,
    staff_id: str,
    course_id: str,
    year: int | None = None,
    completed_at=None,
    hours: float | None = None,
    source: str = "manual",
) -> bool:
    """Credit a course's 学时 to a staff member for a year (once per course and year).

    The year is `year`, else the China-time year of `completed_at`, else this year. Returns True if
    this was new. Hours default to the registered course's hours.
    """
    when = parse_time(completed_at) if completed_at not in (None, "") else None
    year = int(year) if year else (china_year(when) if when else datetime.now(CHINA).year)
    staff_id = known_id(db, staff_id)
    if _require_staff(db, [staff_id]):
        raise RecordsError(f"工号 {staff_id} 不在名册中 (not on the roster)")
    with db.atomic():
        credited = _course_hours(db, course_id, hours)
        cursor = db.execute(
            "INSERT INTO completions (staff_id, course_id, year, hours, completed_at, source) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (staff_id, course_id, year) DO UPDATE SET hours = excluded.hours "
            "WHERE completions.hours IS NOT excluded.hours",
            [staff_id, course_id, year, credited, utc_text(when) if when else None, source],
        )
    return cursor.rowcount > 0


def import_completions(
    db: sqlite_utils.Database, path, year: int | None = None, summary=None, sheet_names: list[str] | None = None
) -> int:
    """Completions from a sheet: staff_id, course, completed_at or --year, optional hours.

    `summary(text)`, if given, receives what was read and passed over. `sheet_names`: read only
    these worksheets (--sheet)."""
    name = str(path)
    known = {r["staff_id"] for r in db.query("SELECT staff_id FROM staff")}
    courses = {r["id"]: r["hours"] for r in db.query("SELECT id, hours FROM courses")}
    problems, rows = [], []
    table = _table(path, sheets.COMPLETIONS, sheet_names)
    if summary and table.summary:
        summary(table.summary)
    for number, row in table:
        staff_id, course = row["staff_id"], row["course"]
        try:
            when = parse_time(row["completed_at"]) if row.get("completed_at") else None
            hours = _number(row["hours"]) if row.get("hours") else courses.get(course)
        except ValueError:
            problems.append(Problem(name, number, "完成时间或学时格式错误 (bad completed_at or hours)"))
            continue
        row_year = year or (china_year(when) if when else None)
        if staff_id not in known:
            problems.append(Problem(name, number, not_on_roster_message(known, staff_id)))
        elif hours is None:
            problems.append(Problem(name, number, f"课程 {course} 未登记学时，请填写学时列 (no hours for course)"))
        elif row_year is None:
            problems.append(Problem(name, number, "缺少完成时间，且未指定 --year (no completed_at and no --year)"))
        else:
            rows.append((staff_id, course, row_year, hours, utc_text(when) if when else None))
    if problems:
        raise RecordsError(problems)
    with db.atomic():
        for staff_id, course, row_year, hours, when_text in rows:
            _course_hours(db, course, hours if course not in courses else None)
            db.execute(
                "INSERT INTO completions (staff_id, course_id, year, hours, completed_at, source) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (staff_id, course_id, year) DO NOTHING",
                [staff_id, course, row_year, hours, when_text, f"import:{Path(path).name}"],
            )
    return len(rows)


# ------------------------------------------------------------------ sync from the nbgrader gradebook


@dataclass
class SyncResult:
    exams: list[str] = field(default_factory=list)
    counts: AttemptCounts = field(default_factory=AttemptCounts)
    unknown_students: list[tuple[str, str]] = field(default_factory=list)  # (assignment, student)
    pending: list[tuple[str, str]] = field(default_factory=list)  # needs manual grading / no timestamp
    completions: int = 0
    # service exams: gradebook scores that disagreed with the exam service (assignment, student,
    # detail), and attempts dropped because they matched no closed sitting (assignment, staff id, time)
    disagreed: list[tuple[str, str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str, str]] = field(default_factory=list)


def sync(db: sqlite_utils.Database, instance: Instance, show_progress: bool = False, authority=None) -> SyncResult:
    """Copy exam results (and course completions) from the nbgrader gradebook into the records.

    Every gradebook assignment named like a registered exam gives one attempt per submission
    (staff id from the roster through `username`; timestamps are UTC), with its per-question
    grades from the grade cells named `q-<question_id>`. Re-syncing keeps earlier attempts, so
    a re-submission adds a make-up attempt; syncing twice changes nothing. Assignments named
    like a registered course credit its 学时.

    An exam sat through the exam service is different (issue 29: one source of truth): its
    attempts are the service's closed sittings, each scored from the service's record
    (`authority(exam_id)`, by default grader.exam.service_grading.sync_authority). Every gradebook
    score is checked against the sitting closed at the same time: a score that disagrees is
    flagged `tampered` and the record's score is kept; a gradebook attempt that matches no closed
    sitting never counts, and an attempt recorded earlier that matches none is dropped.
    """
    from nbgrader.api import Gradebook

    if not instance.gradebook.exists():
        raise RecordsError(f"找不到成绩库 {instance.gradebook} (no nbgrader gradebook yet)")
    if authority is None:
        from grader.exam.service_grading import sync_authority

        authority = sync_authority(instance)
    exams = {r["id"] for r in db.query("SELECT id FROM exams")}
    courses = {r["id"]: r["hours"] for r in db.query("SELECT id, hours FROM courses")}
    logins = staff_by_login(db)
    result = SyncResult()
    now = _now()
    attempts: list[tuple] = []
    answers: dict[tuple, list[tuple]] = {}
    completions: list[tuple] = []
    flags: list[tuple] = []
    truths: dict[str, list[tuple]] = {}  # service exam -> its attempts' keys
    with Gradebook(instance.gradebook_url) as gb:
        assignments = [a for a in gb.assignments if a.name in exams or a.name in courses]
        for assignment in assignments:
            is_exam = assignment.name in exams
            truth = authority(assignment.name) if is_exam else None
            if is_exam:
                result.exams.append(assignment.name)
            if truth is not None:
                keys = _service_attempts(assignment.name, truth, logins, now, attempts, answers, result)
                truths[assignment.name] = keys
            subs = list(assignment.submissions)
            for sub in _progress(subs, len(subs), f"同步 {assignment.name}", show_progress):
                staff_id = logins.get(sub.student_id)
                if staff_id is None:
                    result.unknown_students.append((assignment.name, sub.student_id))
                    continue
                if sub.timestamp is None:
                    result.pending.append((assignment.name, sub.student_id))
                    continue
                when = sub.timestamp.replace(tzinfo=UTC) if sub.timestamp.tzinfo is None else sub.timestamp
                if not is_exam:
                    completions.append(
                        (
                            staff_id,
                            assignment.name,
                            china_year(when),
                            courses[assignment.name],
                            utc_text(when),
                            "gradebook",
                        )
                    )
                    continue
                if truth is not None:
                    _check_against_service(assignment.name, sub, staff_id, when, truth, flags, result)
                    continue
                if sub.needs_manual_grade:
                    result.pending.append((assignment.name, sub.student_id))
                    continue
                score, max_score = float(sub.score or 0), float(sub.max_score or 0)
                if max_score <= 0:
                    result.pending.append((assignment.name, sub.student_id))
                    continue
                key = (staff_id, assignment.name, utc_text(when))
                attempts.append((*key, china_year(when), score, max_score, percent(score, max_score), "gradebook", now))
                answers[key] = [
                    (g.name[2:], float(g.score or 0), float(g.max_score or 0))
                    for nb in sub.notebooks
                    for g in nb.grades
                    if g.name and g.name.startswith("q-")
                ]
    with db.atomic():
        for exam_id, keys in truths.items():
            keep = {(k[0], k[2]) for k in keys}
            for row in db.query(
                "SELECT id, staff_id, submitted_at FROM attempts WHERE exam_id = ? AND source IN ('gradebook', 'service')",
                [exam_id],
            ):
                if (row["staff_id"], row["submitted_at"]) not in keep:
                    db.execute("DELETE FROM answers WHERE attempt_id = ?", [row["id"]])
                    db.execute("DELETE FROM attempts WHERE id = ?", [row["id"]])
                    result.dropped.append((exam_id, row["staff_id"], row["submitted_at"]))
        result.counts = _write_attempts(db, attempts)
        for key, graded in answers.items():
            if not graded:
                continue
            attempt_id = db.execute(
                "SELECT id FROM attempts WHERE staff_id = ? AND exam_id = ? AND submitted_at = ?", list(key)
            ).fetchone()[0]
            db.conn.executemany(
                "INSERT INTO answers (attempt_id, question_id, score, max_score) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (attempt_id, question_id) DO UPDATE SET score = excluded.score, max_score = excluded.max_score "
                "WHERE answers.score IS NOT excluded.score OR answers.max_score IS NOT excluded.max_score",
                [(attempt_id, *g) for g in graded],
            )
        before = db.conn.total_changes
        db.conn.executemany(
            "INSERT INTO completions (staff_id, course_id, year, hours, completed_at, source) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (staff_id, course_id, year) DO NOTHING",
            completions,
        )
        result.completions = db.conn.total_changes - before
        for exam_id, student, detail, when in flags:
            record_flag(db, exam_id, student, "tampered", detail, submitted_at=when)
    return result


def _service_attempts(exam_id, truth, logins, now, attempts, answers, result) -> list[tuple]:
    """The attempts of a service exam as the exam service recorded them (one per closed sitting)."""
    keys = []
    for attempt in truth.attempts:
        staff_id = logins.get(attempt.user)
        if staff_id is None:
            result.unknown_students.append((exam_id, attempt.user))
            continue
        key = (staff_id, exam_id, utc_text(attempt.closed_at))
        attempts.append(
            (
                *key,
                china_year(attempt.closed_at),
                attempt.total,
                truth.max_score,
                percent(attempt.total, truth.max_score),
                "service",
                now,
            )
        )
        answers[key] = [(qid, float(earned), truth.points[qid]) for qid, earned in attempt.scores.items()]
        keys.append(key)
    return keys


def _check_against_service(exam_id, sub, staff_id, when, truth, flags, result) -> None:
    """A gradebook score of a service exam: it must be the score of the sitting closed at its time."""
    match = next(
        (a for a in truth.attempts if a.user == sub.student_id and abs((a.closed_at - when).total_seconds()) < 1.0),
        None,
    )
    if match is None:
        detail = (
            f"成绩库中的这次作答（{utc_text(when)}，{float(sub.score or 0):g} 分）与考试服务中任何一场已结束的考试都不对应，"
            "不计入（可能是按答题文件评分的结果）"
        )
        flags.append((exam_id, sub.student_id, detail, when))
        result.disagreed.append((exam_id, sub.student_id, detail))
        return
    if abs(float(sub.score or 0) - match.total) > 1e-6:
        detail = f"成绩库分数 {float(sub.score or 0):g} 与考试服务记录的 {match.total:g} 分不符，按考试服务的记录计入"
        flags.append((exam_id, sub.student_id, detail, match.closed_at))
        result.disagreed.append((exam_id, sub.student_id, detail))
