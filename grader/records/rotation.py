"""学法三年轮训 (the rotation): each person it applies to completes at least `min_hours` 学时 of study
(courses and study activities together), and/or a named course, within a rolling window of `years`
calendar years ending with the report year.

The rule is the instance's own setting (`settings.yaml` in the instance directory, key `rotation`):

    rotation:
      years: 3            # the window: the report year and the two before it
      min_hours: 12       # 学时 within the window (courses + study activities)
      category: 公务员     # whom it applies to (a 类别 on the roster); leave out for everyone
      course: burial      # optional: a course each must have completed within the window

No statute shipped states the rotation or its figure: it is the bureau's own plan (its annual
report lists "公务员学法三年轮训" among its ways of study), and N is what the instance sets
(docs/figures.md, "三年轮训").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from grader.records.db import RecordsError

SETTINGS_FILE = "settings.yaml"
CN_YEARS = dict(enumerate("零一二三四五六七八九十", 0))


@dataclass(frozen=True)
class RotationRule:
    """The rotation rule: window `years` (>= 1), `min_hours` (>= 0), who (`category`, None: all
    staff on the roster), and an optional `course` (its id) to complete within the window."""

    years: int = 3
    min_hours: float = 0.0
    category: str | None = None
    course: str | None = None

    @property
    def applies_to(self) -> str:
        return self.category or "干部职工"

    @property
    def name(self) -> str:
        """'公务员学法三年轮训'."""
        return f"{self.applies_to}学法{CN_YEARS.get(self.years, str(self.years))}年轮训"

    def text(self) -> str:
        """The rule in words: '每名公务员在连续3个年度内完成不少于12学时的学法培训（课程与学法活动合计）'."""
        parts = []
        if self.min_hours:
            parts.append(f"完成不少于{self.min_hours:g}学时的学法培训（课程与学法活动学时合计）")
        if self.course:
            parts.append(f"完成课程 {self.course}")
        who = f"每名{self.category}" if self.category else "每名干部职工"
        return f"{who}在连续{self.years}个年度内" + "并".join(parts)


def settings_path(home: str | os.PathLike) -> Path:
    return Path(home) / SETTINGS_FILE


def load_rotation(home: str | os.PathLike | None) -> RotationRule | None:
    """The rotation rule of the instance at `home` (its settings.yaml), or None when none is set.

    Raises RecordsError naming the file and the key for a setting that cannot be used."""
    import yaml

    if home is None:
        return None
    path = settings_path(home)
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as error:
        raise RecordsError(f"{path}: 无法读取：{error} (cannot read the settings file)") from None
    except yaml.YAMLError as error:
        raise RecordsError(f"{path}: 不是有效的 YAML：{error} (bad settings file)") from None
    if not isinstance(data, dict) or data.get("rotation") in (None, {}):
        return None
    raw = data["rotation"]
    where = f"{path}: rotation"
    if not isinstance(raw, dict):
        raise RecordsError(f"{where} 应为 years / min_hours / category / course 等键 (rotation must be a mapping)")
    unknown = set(raw) - {"years", "min_hours", "category", "course"}
    if unknown:
        raise RecordsError(
            f"{where} 有不认识的键 {'、'.join(sorted(unknown))}（可用 years、min_hours、category、course）"
        )
    try:
        years = int(raw.get("years", 3))
        min_hours = float(raw.get("min_hours", 0) or 0)
    except (TypeError, ValueError):
        raise RecordsError(f"{where}: years 应为整数、min_hours 应为数字 (bad number)") from None
    course = str(raw["course"]).strip() if raw.get("course") else None
    if years < 1 or min_hours < 0 or (not min_hours and not course):
        raise RecordsError(f"{where}: years 至少为 1，min_hours 不小于 0，且 min_hours 与 course 至少给出一项")
    category = str(raw["category"]).strip() if raw.get("category") else None
    return RotationRule(years, min_hours, category, course)


ROTATION = """
WITH people AS (
    SELECT staff_id, name, department, category FROM staff
    WHERE active = 1 AND (:category IS NULL OR category = :category)
),
course AS (
    SELECT staff_id, sum(hours) AS hours, max(course_id = :course) AS done FROM completions
    WHERE year BETWEEN :first AND :year GROUP BY staff_id
),
study AS (
    SELECT t.staff_id, sum(a.hours) AS hours FROM attendance t JOIN activities a ON a.id = t.activity_id
    WHERE a.year BETWEEN :first AND :year GROUP BY t.staff_id
)
SELECT p.staff_id, p.name, p.department, p.category,
       round(coalesce(c.hours, 0) + coalesce(s.hours, 0), 2) AS hours,
       coalesce(c.done, 0) AS course_done
FROM people p LEFT JOIN course c ON c.staff_id = p.staff_id LEFT JOIN study s ON s.staff_id = p.staff_id
ORDER BY p.department, p.staff_id
"""


def rotation_status(db: sqlite_utils.Database, rule: RotationRule | None, year: int) -> dict:
    """Who has completed the rotation by the end of `year`: {rule (its words, or None), name,
    years, min_hours, category, course, from_year, to_year, required, completed, rate (None when
    nobody is required), departments: [{department, required, completed, rate}], pending: [{staff_id,
    name, department, category, hours, needed_hours, course_done, course_missing (the course id
    still to complete, or '')}] (what each still needs)}."""
    if rule is None:
        return {"rule": None, "required": 0, "completed": 0, "rate": None, "departments": [], "pending": []}
    first = int(year) - rule.years + 1
    rows = list(
        db.query(
            ROTATION,
            {"category": rule.category, "course": rule.course or "", "first": first, "year": int(year)},
        )
    )
    pending: list[dict] = []
    departments: dict[str, dict] = {}
    for r in rows:
        needed = round(max(rule.min_hours - r["hours"], 0), 2)
        done = needed == 0 and (not rule.course or bool(r["course_done"]))
        d = departments.setdefault(r["department"], {"department": r["department"], "required": 0, "completed": 0})
        d["required"] += 1
        d["completed"] += int(done)
        if not done:
            missing = rule.course if rule.course and not r["course_done"] else ""
            pending.append(
                {**r, "course_done": bool(r["course_done"]), "needed_hours": needed, "course_missing": missing}
            )
    for d in departments.values():
        d["rate"] = d["completed"] / d["required"]
    required = len(rows)
    completed = required - len(pending)
    return {
        "rule": rule.text(),
        "name": rule.name,
        "years": rule.years,
        "min_hours": rule.min_hours,
        "category": rule.category,
        "course": rule.course,
        "from_year": first,
        "to_year": int(year),
        "required": required,
        "completed": completed,
        "rate": completed / required if required else None,
        "departments": sorted(departments.values(), key=lambda d: d["department"]),
        "pending": pending,
    }
