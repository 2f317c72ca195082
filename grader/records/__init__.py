"""The records database: roster, exemptions, exams and questions, attempts, flags, study hours.

One SQLite file per instance (`Instance.records`), opened with `open_db`, which applies the
schema migrations (sqlite-utils `Migrations`), WAL mode and foreign keys. Every import runs in
one transaction and checks the whole file first: a bad row rejects the file and writes nothing.

Times: every attempt's `submitted_at` is stored as UTC ISO 8601; its `year` is the calendar year
of that moment in China Standard Time (UTC+8). Times without an offset in imported files are read
as China time; nbgrader's naive timestamps are UTC.

Modules: db (schema, opening, errors), roster (名册, 免考), results (exams, attempts, flags), hours
(courses, 学时), activities (学法活动 and attendance), ledgers (reading 学法台账 and 签到表),
rotation (三年轮训), flags (administrators' review of flags), figures (the report's figures as SQL).
The records know nothing of nbgrader: `lawstudy sync` (grader.exams.sync) writes into them.
"""

from grader.records.activities import ActivityImport, add_activity, list_activities
from grader.records.db import (
    ACTIVITY_KINDS,
    CATEGORIES,
    DEFAULT_EXCELLENCE_MARK,
    DEFAULT_PASS_MARK,
    MIGRATIONS,
    Problem,
    RecordsError,
    open_db,
    parse_time,
    percent,
    records_path,
    utc_text,
)
from grader.records.hours import import_completions, record_completion, register_course
from grader.records.ledgers import SignInDefaults, import_activities
from grader.records.results import (
    TIMINGS,
    AttemptCounts,
    ResultsImport,
    import_results,
    record_flag,
    register_exam,
    set_exam_timing,
    staff_by_login,
)
from grader.records.roster import (
    NEAR_HINT,
    NeedsConfirmation,
    RosterResult,
    exempt,
    import_exemptions,
    import_roster,
    known_id,
    near_ids,
    not_on_roster_message,
    parse_roster,
    roster,
    unexempt,
)

__all__ = [
    "ACTIVITY_KINDS",
    "ActivityImport",
    "SignInDefaults",
    "add_activity",
    "import_activities",
    "list_activities",
    "AttemptCounts",
    "CATEGORIES",
    "DEFAULT_EXCELLENCE_MARK",
    "DEFAULT_PASS_MARK",
    "MIGRATIONS",
    "NEAR_HINT",
    "NeedsConfirmation",
    "Problem",
    "RecordsError",
    "ResultsImport",
    "RosterResult",
    "TIMINGS",
    "exempt",
    "import_completions",
    "import_exemptions",
    "import_results",
    "import_roster",
    "known_id",
    "near_ids",
    "not_on_roster_message",
    "open_db",
    "parse_roster",
    "parse_time",
    "percent",
    "record_completion",
    "record_flag",
    "records_path",
    "register_course",
    "register_exam",
    "roster",
    "set_exam_timing",
    "staff_by_login",
    "unexempt",
    "utc_text",
]
