"""The records database: its schema (sqlite-utils Migrations), how it is opened (WAL, foreign keys,
a write lock taken at BEGIN), the records' errors, and the helpers every table's code shares."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from grader import sheets
from grader.errors import DatabaseBusy, LawstudyError
from grader.instance import Instance
from grader.vocabulary import CHINA, parse_datetime

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


@MIGRATIONS()
def m004_flag_reviews(db: sqlite_utils.Database) -> None:
    # administrators' notes on flags and what a clear removed (issue 15); releases before the
    # Migrations took it over created it on first use, hence IF NOT EXISTS
    db.execute("""
    CREATE TABLE IF NOT EXISTS flag_reviews (
        id INTEGER PRIMARY KEY,
        flag_id INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('review', 'clear')),
        note TEXT,
        by TEXT,
        at TEXT NOT NULL,
        flag TEXT            -- the flag row as it was (JSON), kept when it is cleared
    )
    """)


# The forms of study a bureau records (issue 30; the words of its annual report, docs/figures.md).
ACTIVITY_KINDS = (
    "会前学法",
    "会前讲法",
    "以会代训",
    "专题培训",
    "专家讲座",
    "培训班",
    "外派培训",
    "执法资格培训",
    "其他",
)


@MIGRATIONS()
def m005_study_activities(db: sqlite_utils.Database) -> None:
    # study activities (会前学法, 专题培训, 培训班...) with the laws they covered and who attended
    # (issue 30); the same activity is (date, kind, topic_key): imported twice, it is found again
    kinds = ", ".join(f"'{k}'" for k in ACTIVITY_KINDS)
    db.executescript(f"""
    CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        year INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ({kinds})),
        topic TEXT NOT NULL,
        topic_key TEXT NOT NULL,
        speaker TEXT,
        organiser TEXT,
        hours REAL NOT NULL CHECK (hours >= 0),
        headcount INTEGER CHECK (headcount IS NULL OR headcount >= 0),
        source TEXT,
        recorded_at TEXT,
        UNIQUE (date, kind, topic_key)
    );
    CREATE INDEX activities_by_year ON activities (year, kind);
    CREATE TABLE activity_laws (
        activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
        law TEXT NOT NULL,
        article INTEGER NOT NULL DEFAULT 0,  -- 0: the statute as a whole
        PRIMARY KEY (activity_id, law, article)
    );
    CREATE TABLE attendance (
        activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
        staff_id TEXT NOT NULL REFERENCES staff(staff_id),
        source TEXT,
        PRIMARY KEY (activity_id, staff_id)
    );
    CREATE INDEX attendance_by_staff ON attendance (staff_id, activity_id);
    """)


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


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ------------------------------------------------------------------ reading sheets


class Rows(list):
    """Rows of a sheet, with `summary`: which worksheets gave how many rows ('' for one sheet)."""

    summary: str = ""


def read_table(
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


def parse_number(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def percent(score: float, max_score: float) -> float:
    """Score scaled to 100, rounded to 4 decimals so 57/100 and 0.57×100 compare equal to 57."""
    return round(score * 100.0 / max_score, 4)


def with_progress(items, total: int | None, description: str, show: bool):
    """`items`, with a progress bar on the terminal while they are gone through when `show`."""
    if not show:
        return items
    from rich.progress import track

    return track(items, total=total, description=description, transient=True)
