"""The exam spec (`quizzes/exams/ID.yaml`): what a trainer writes to define one exam."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from grader.errors import LawstudyError
from grader.vocabulary import CHINA, parse_datetime
from grader.vocabulary import QUESTION_TYPES as TYPES

EXAM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
FIELDS = {
    "id",
    "title",
    "year",
    "seed",
    "banks",
    "tags",
    "quotas",
    "pass_mark",
    "excellence_mark",
    "opens_at",
    "closes_at",
    "time_limit",
    "attempts",
    "makeup",
}


class SpecError(LawstudyError, ValueError):
    """An exam spec that cannot be used; the message lists every problem."""


def parse_time(value, what: str, problems: list[str]) -> datetime | None:
    """'2020-11-02 09:00', a YAML timestamp or a date; no offset means China time (UTC+8)."""
    if value in (None, ""):
        problems.append(f"缺少 {what}")
        return None
    try:
        return parse_datetime(value, CHINA)
    except ValueError:
        problems.append(f"{what} 时间格式无效: {value!r}（应如 2020-11-02 09:00）")
        return None


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime

    def contains(self, when: datetime) -> bool:
        return self.opens_at <= when <= self.closes_at

    def text(self) -> str:
        f = "%Y-%m-%d %H:%M"
        return f"{self.opens_at.astimezone(CHINA).strftime(f)} 至 {self.closes_at.astimezone(CHINA).strftime(f)}"


@dataclass(frozen=True)
class Quota:
    count: int
    points: float | None = None  # None: each question's own points


@dataclass
class ExamSpec:
    id: str
    title: str
    year: int
    banks: list[str]
    quotas: dict[str, Quota]
    window: Window
    seed: int | str = 0
    tags: list[str] = field(default_factory=list)
    pass_mark: float = 60
    excellence_mark: float = 90
    time_limit: int | None = None  # minutes
    attempts: int = 1
    makeup: Window | None = None
    path: Path | None = None

    @property
    def windows(self) -> list[Window]:
        return [self.window] + ([self.makeup] if self.makeup else [])

    @property
    def last_close(self) -> datetime:
        return max(w.closes_at for w in self.windows)

    def in_window(self, when: datetime) -> bool:
        return any(w.contains(when) for w in self.windows)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "seed": self.seed,
            "banks": self.banks,
            "tags": self.tags,
            "quotas": {t: {"count": q.count, "points": q.points} for t, q in self.quotas.items()},
            "pass_mark": self.pass_mark,
            "excellence_mark": self.excellence_mark,
            "opens_at": self.window.opens_at.isoformat(),
            "closes_at": self.window.closes_at.isoformat(),
            "time_limit": self.time_limit,
            "attempts": self.attempts,
            "makeup": (
                {"opens_at": self.makeup.opens_at.isoformat(), "closes_at": self.makeup.closes_at.isoformat()}
                if self.makeup
                else None
            ),
        }

    @classmethod
    def from_dict(cls, raw, path: Path | None = None) -> ExamSpec:
        problems: list[str] = []
        if not isinstance(raw, dict):
            raise SpecError(f"{path}: 考试设置应为键值对 (mapping)")
        unknown = sorted(set(map(str, raw)) - FIELDS)
        if unknown:
            problems.append(f"未知字段: {', '.join(unknown)}（可用: {', '.join(sorted(FIELDS))}）")
        exam_id = str(raw.get("id") or (path.stem if path else ""))
        if not EXAM_ID.match(exam_id):
            problems.append(f"考试编号 {exam_id!r} 无效：只能用字母、数字、-、_")
        if path and exam_id != path.stem:
            problems.append(f"考试编号 {exam_id} 应与文件名 {path.name} 一致")
        year = raw.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            problems.append(f"year 应为年份整数，如 2020（实际 {year!r}）")
        banks = raw.get("banks") or []
        if isinstance(banks, str):
            banks = [banks]
        if not banks or not all(isinstance(b, str) for b in banks):
            problems.append("banks 应列出至少一个题库编号，如 [burial, social-assistance]")
        tags = raw.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append("tags 应为文字列表")
            tags = []
        quotas = {}
        raw_quotas = raw.get("quotas") or {}
        if not isinstance(raw_quotas, dict) or not raw_quotas:
            problems.append("quotas 应写明各题型题数，如 single: {count: 25, points: 2}")
            raw_quotas = {}
        for qtype, q in raw_quotas.items():
            if qtype not in TYPES:
                problems.append(f"题型 {qtype!r} 无效，应为 single、multiple 或 judge")
                continue
            if isinstance(q, int) and not isinstance(q, bool):
                q = {"count": q}
            if not isinstance(q, dict) or not isinstance(q.get("count"), int) or q["count"] < 0:
                problems.append(f"{qtype} 的题数应为非负整数")
                continue
            points = q.get("points")
            if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0):
                problems.append(f"{qtype} 的分值应为正数")
                continue
            if q["count"]:
                quotas[qtype] = Quota(q["count"], float(points) if points is not None else None)
        marks = {}
        for name, default in (("pass_mark", 60), ("excellence_mark", 90)):
            value = raw.get(name, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
                problems.append(f"{name} 应为 0–100 之间的分数（百分制）")
                value = default
            marks[name] = float(value)
        if marks["excellence_mark"] < marks["pass_mark"]:
            problems.append("优秀分数线不应低于及格线")
        opens = parse_time(raw.get("opens_at"), "opens_at（开考时间）", problems)
        closes = parse_time(raw.get("closes_at"), "closes_at（截止时间）", problems)
        if opens and closes and closes <= opens:
            problems.append("closes_at 应晚于 opens_at")
        limit = raw.get("time_limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
            problems.append("time_limit 应为正整数（分钟）")
        attempts = raw.get("attempts", 1)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            problems.append("attempts 应为正整数")
        makeup = None
        if raw.get("makeup"):
            m = raw["makeup"]
            if not isinstance(m, dict):
                problems.append("makeup 应含 opens_at 和 closes_at")
            else:
                mo = parse_time(m.get("opens_at"), "makeup.opens_at（补考开始）", problems)
                mc = parse_time(m.get("closes_at"), "makeup.closes_at（补考截止）", problems)
                if mo and mc and mc <= mo:
                    problems.append("补考 closes_at 应晚于 opens_at")
                if mo and closes and mo < closes:
                    problems.append("补考应在正式考试截止之后开始")
                if mo and mc:
                    makeup = Window(mo, mc)
        seed = raw.get("seed", exam_id)
        if not isinstance(seed, (int, str)) or isinstance(seed, bool):
            problems.append("seed 应为整数或文字")
        if problems:
            where = f"{path}: " if path else ""
            raise SpecError("\n".join(where + p for p in problems))
        assert opens is not None and closes is not None and isinstance(year, int)
        return cls(
            id=exam_id,
            title=str(raw.get("title") or exam_id),
            year=year,
            banks=list(banks),
            quotas=quotas,
            window=Window(opens, closes),
            seed=seed,
            tags=list(tags),
            pass_mark=marks["pass_mark"],
            excellence_mark=marks["excellence_mark"],
            time_limit=limit,
            attempts=attempts,
            makeup=makeup,
            path=path,
        )


def exams_dir(quizzes: Path | None = None) -> Path:
    from grader.banks import default_quizzes_dir

    return Path(quizzes or default_quizzes_dir()) / "exams"


def load_spec(exam_id_or_path: str | Path, quizzes: Path | None = None) -> ExamSpec:
    """Load `quizzes/exams/ID.yaml` (or a path to a spec file)."""
    text = str(exam_id_or_path)
    path = Path(text) if text.endswith((".yaml", ".yml")) else exams_dir(quizzes) / f"{text}.yaml"
    if not path.is_file():
        raise SpecError(f"找不到考试设置文件 {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SpecError(f"{path}: YAML 语法错误: {error}") from None
    return ExamSpec.from_dict(raw, path)
