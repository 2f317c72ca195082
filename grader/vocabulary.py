"""The words several modules share, each defined once: question types and option letters, the
flags a submission can carry, the pass/fail verdict, and China time (the zone and how times are read).

Imports nothing from the project and no third-party package, so the exam kernel, the graders and the
command line can all use it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

# ------------------------------------------------------------------ questions
QUESTION_TYPES = ("single", "multiple", "judge")  # also the order of a paper's sections
LETTERS = "ABCDEF"  # option letters, at most six options
TYPE_LABELS = {"single": "单选题", "multiple": "多选题", "judge": "判断题"}
SECTION_NAMES = {"single": "单项选择题", "multiple": "多项选择题", "judge": "判断题"}
TYPE_NAMES = {"single": "单选", "multiple": "多选", "judge": "判断"}  # short, as the 题库 sheet writes them

# The how-to line atop every lesson and 错题本 notebook staff open (grader.courses.build,
# grader.exams.review): the notebook runs by itself, nothing is typed.
LESSON_HOW_TO = (
    "> **使用方法**：课时打开后会自动运行，稍等几秒即可阅读讲解、点选练习题的答案并点“提交”，"
    "即可看到对错、解析和法律依据。无需输入任何代码。"
    "（如果练习题没有出现，打开菜单“内核”，点“重启并运行所有单元格”。）"
)

# ------------------------------------------------------------------ flags on a submission
FLAG_NAMES = {
    "late": "迟交",
    "overtime": "超时",
    "impersonation": "冒名提交",
    "tampered": "文件被篡改",
    "broken": "提交损坏",
}
FLAGS = tuple(FLAG_NAMES)
NOT_COUNTED_FLAGS = ("impersonation",)  # such an attempt is no attempt of that person

# ------------------------------------------------------------------ the verdict
EXCELLENT, PASSED, FAILED = "优秀", "合格", "不合格"


def verdict(percent: float, pass_mark: float, excellence_mark: float) -> str:
    """优秀 / 合格 / 不合格 for a score in percent."""
    if percent >= excellence_mark:
        return EXCELLENT
    return PASSED if percent >= pass_mark else FAILED


# ------------------------------------------------------------------ China time
CHINA = timezone(timedelta(hours=8), "CST")  # China Standard Time, UTC+8, no daylight saving

# Zone names a timestamp may carry, read by what they mean here (a bureau in China). Anything
# else ("EST", "IST", ...) is ambiguous or foreign: flagged, never guessed.
ZONE_NAMES = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    "UCT": UTC,
    "ETC/UTC": UTC,
    "CST": CHINA,
    "BJT": CHINA,
    "北京时间": CHINA,
    "ASIA/SHANGHAI": CHINA,
    "PRC": CHINA,
}


class UnknownZone(ValueError):
    """A timestamp whose zone name cannot be read with certainty (the submission is flagged)."""


def _nfkc(text) -> str:
    text = text if isinstance(text, str) else str(text)
    return text.strip() if text.isascii() else unicodedata.normalize("NFKC", text).strip()


_DATE_TIME = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.年])\s*(?P<m>\d{1,2})\s*(?:[-/.月])\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:\s+|T|\s*)(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})\s*分?"
    r"(?:\s*[:]?\s*(?P<S>\d{1,2})(?:\.(?P<f>\d{1,6}))?\s*秒?)?)?"
    r"\s*(?P<zone>Z|UTC|GMT|CST|北京时间|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_datetime(value, naive: timezone = CHINA) -> datetime:
    """An aware datetime from a datetime, a date, or text as people and spreadsheets write it.

    Accepts 2020/11/5 9:30, 2020-11-05 09:30, 2020-11-05T09:30:00, 2020年11月5日 9:30,
    2020年11月5日9时30分, a date alone, and a zone (Z, UTC, CST = China Standard Time, +08:00).
    Without a zone the time is taken in `naive` (China time). Raises ValueError otherwise.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        text = _nfkc(value)
        if not text:
            raise ValueError("empty time")
        try:  # ISO 8601 as other systems export it: the fast path
            iso = datetime.fromisoformat(text)
        except ValueError:
            iso = None
        if iso is not None:
            return iso if iso.tzinfo is not None else iso.replace(tzinfo=naive)
        match = _DATE_TIME.match(text)
        if not match:
            raise ValueError(f"无法识别的时间 {text!r}")
        g = match.groupdict()
        micro = int((g["f"] or "0").ljust(6, "0"))
        dt = datetime(
            int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0), micro
        )
        zone = (g["zone"] or "").upper()
        if zone in ZONE_NAMES:
            dt = dt.replace(tzinfo=ZONE_NAMES[zone])
        elif zone:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            dt = dt.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=naive)
    return dt


def parse_stamp(text: str | None) -> datetime | None:
    """nbgrader's timestamp.txt ('2020-11-02 01:02:03.456789 UTC') as an aware datetime.

    Naive means UTC (nbgrader's default). A zone name is read by what it means here, the same
    whatever the host's own zone: UTC/GMT, CST = China Standard Time (UTC+8), numeric offsets.
    An unknown zone name raises UnknownZone; unreadable text gives None.
    """
    if not text or not text.strip():
        return None
    text = " ".join(text.split())
    zone = None
    head, _, last = text.rpartition(" ")
    if head and not last[:1].isdigit() and last[:1] not in "+-":
        zone = ZONE_NAMES.get(last.upper())
        if zone is None:
            raise UnknownZone(
                f"提交时间 {text!r} 的时区 {last!r} 无法确定（只认 UTC、CST 即北京时间或 +08:00 这类偏移）"
            )
        text = head
    try:
        dt = datetime.fromisoformat(text.replace(" +", "+").replace(" -", "-"))
    except ValueError:
        return None
    if zone is not None:
        if dt.tzinfo is not None:
            return None
        return dt.replace(tzinfo=zone)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def china_year(dt: datetime) -> int:
    """The calendar year of a moment in China time (the year an attempt or a completion counts for)."""
    return dt.astimezone(CHINA).year
