"""`lawstudy exam analyse`: which questions worked, which keys look wrong, which articles were missed.

Reads the graded sittings of one exam with the option each person chose, scores them with the
one scorer (grader.scoring), and computes per question, per exam, per article and per 科室 × law
the figures of grader.exam.analysis. Where the answers come from (`source` in the result):

- "service": the exam service's store (a hub): every closed sitting and its saved answers,
  read only through `SittingStore.sittings` / `answers` / `users`;
- "files": one machine without the service (`lawstudy lab`, the demo): the answers each graded
  submission was scored on, which `exam autograde` keeps per submission
  (grader.exam.graded_answers), on either grading path (--fast or --nbgrader).

`--sitting first` (default) takes each person's first sitting only, as item statistics should;
`all` takes every sitting (the make-up too), one row each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from grader.errors import LawstudyError
from grader.exam import analysis as stats
from grader.exam.paper import Paper, PaperQuestion, load_paper
from grader.scoring import is_correct, normalize_response, score

SITTINGS = ("first", "all")
NOT_ON_ROSTER = "不在名册"
JUDGE_OPTIONS = [(True, "正确"), (False, "错误")]


class AnalysisError(LawstudyError, ValueError):
    """Nothing to analyse (no paper, no graded sitting), or a bad option; the message says what to do."""


@dataclass
class Row:
    """One graded sitting: whose, which attempt, when, and the raw saved answers (question id -> answer)."""

    person: str
    attempt: int
    when: str
    answers: dict


# ------------------------------------------------------------------ where the answers come from


def service_rows(store, exam_id: str, now: datetime | None = None) -> list[Row]:
    """Every closed sitting in the exam service's store (handed in, or past its deadline)."""
    now = now or datetime.now(UTC)
    rows = []
    for user in sorted(store.users(exam_id)):
        for sitting in store.sittings(exam_id, user):
            if not sitting.closed_by and sitting.deadline >= now:
                continue  # still open: not graded yet
            when = sitting.handed_in_at or sitting.deadline
            rows.append(Row(user, sitting.attempt, when.isoformat(), store.answers(sitting)))
    return rows


def file_rows(paper_dir) -> list[Row]:
    """Every graded submission's answers as `exam autograde` kept them, numbered by time per person."""
    from grader.exam import graded_answers

    rows: list[Row] = []
    attempt: dict[str, int] = {}
    for entry in sorted(graded_answers.load(paper_dir), key=lambda e: (e["student"], e["submitted_at"])):
        if "impersonation" in entry.get("flags", []):
            continue
        attempt[entry["student"]] = attempt.get(entry["student"], 0) + 1
        rows.append(Row(entry["student"], attempt[entry["student"]], entry["submitted_at"], entry["answers"]))
    return rows


def pick(rows: list[Row], sitting: str) -> list[Row]:
    """first: each person's earliest sitting; all: every sitting. Ordered by person, then attempt."""
    if sitting not in SITTINGS:
        raise AnalysisError(f"--sitting 应为 first 或 all（实际 {sitting!r}）")
    rows = sorted(rows, key=lambda r: (r.person, r.attempt, r.when))
    if sitting == "all":
        return rows
    seen: set[str] = set()
    first = []
    for r in rows:
        if r.person not in seen:
            seen.add(r.person)
            first.append(r)
    return first


def load_rows(instance, paper: Paper) -> tuple[list[Row], str]:
    """(rows, source): the service's sittings when the exam used the service, else the graded files."""
    from grader.exam.service_grading import open_store

    store = open_store(instance.home)
    if store is not None and store.users(paper.id):
        return service_rows(store, paper.id), "service"
    return file_rows(instance.paper_dir(paper.id)), "files"


def departments(instance, people: list[str]) -> dict[str, str]:
    """Person (login / nbgrader student id) -> 科室 from the roster; NOT_ON_ROSTER otherwise."""
    from grader import records

    if not instance.records.exists():
        return {p: NOT_ON_ROSTER for p in people}
    db = records.open_db(instance.records)
    logins = records.staff_by_login(db)
    dept = {r["staff_id"]: r["department"] for r in db.query("SELECT staff_id, department FROM staff")}
    return {p: dept.get(logins.get(p, ""), NOT_ON_ROSTER) for p in people}


# ------------------------------------------------------------------ the figures


def _citations(q: PaperQuestion) -> list[dict]:
    seen, out = set(), []
    for b in q.basis:
        key = (b["law"], b.get("version") or "", int(b["article"]))
        if key not in seen:
            seen.add(key)
            out.append(
                {
                    "law": b["law"],
                    "version": b.get("version") or "",
                    "article": int(b["article"]),
                    "citation": b.get("citation", ""),
                }
            )
    return out


def _options(q: PaperQuestion) -> list[tuple[object, str, bool]]:
    """(option value, text, keyed) in bank order; a judge question has 正确 and 错误."""
    if q.type == "judge":
        return [(value, text, value == q.answer) for value, text in JUDGE_OPTIONS]
    keys = set(q.answer) if isinstance(q.answer, list) else {q.answer}
    return [(oid, text, oid in keys) for oid, text in q.options]


def _chose(q: PaperQuestion, response, value) -> int:
    if response is None:
        return 0
    if q.type == "multiple":
        return int(value in response)
    return int(response == value)


def _rate(correct: int, answers: int) -> dict:
    return {
        "answers": answers,
        "correct": correct,
        "correct_rate": correct / answers if answers else None,
        "small": answers < stats.SMALL,
    }


def _weakest(rows: list[dict], name) -> list[dict]:
    return sorted(rows, key=lambda r: (r["correct_rate"] is None, r["correct_rate"] or 0, -r["answers"], name(r)))


def analyse(
    paper: Paper,
    rows: list[Row],
    departments_of: dict[str, str] | None = None,
    sitting: str = "first",
    source: str = "",
) -> dict:
    """The item analysis of `paper` over `rows` (already picked) as a JSON-ready dict with the keys
    exam, questions, articles, departments (see docs/figures.md, "Item analysis")."""
    questions = paper.questions
    keys = [q.key for q in questions]
    raw = [[r.answers.get(q.id) for q in questions] for r in rows]
    # the chosen option(s) as the scorer reads them: None for a skipped or invalid answer
    responses = [[normalize_response(k, a) for k, a in zip(keys, person)] for person in raw]
    matrix = [[int(is_correct(k, a)) for k, a in zip(keys, person)] for person in raw]
    n = len(rows)
    max_score = paper.max_score
    percents = [
        sum(score(k, a) for k, a in zip(keys, person)) / max_score * 100 if max_score else 0.0 for person in raw
    ]
    row_totals = stats.totals(matrix)
    top, bottom = stats.extreme_groups(row_totals)
    reliability = stats.kr20(matrix)
    sd = stats.population_sd(percents)
    exam = {
        "id": paper.id,
        "title": paper.spec.title,
        "sitting": sitting,
        "source": source,
        "n": n,
        "questions": len(questions),
        "mean": stats.mean(percents),
        "sd": sd,
        "kr20": reliability,
        "sem": stats.sem(sd, reliability),
        "group_size": len(top),
        "small": n < stats.SMALL,
    }
    out_questions = []
    for j, q in enumerate(questions):
        item = stats.column(matrix, j)
        rest = stats.rest_scores(matrix, j)
        answered = sum(1 for person in responses if person[j] is not None)
        options = []
        for value, text, keyed in _options(q):
            chosen = [_chose(q, person[j], value) for person in responses]
            options.append(
                {
                    "option": value,
                    "text": text,
                    "keyed": keyed,
                    "count": sum(chosen),
                    "share": sum(chosen) / n if n else None,
                    "top_share": stats.share(chosen, top),
                    "bottom_share": stats.share(chosen, bottom),
                    "point_biserial": stats.pearson(chosen, rest),
                }
            )
        p = stats.facility(item)
        d = stats.discrimination(matrix, j)
        cites = _citations(q)
        out_questions.append(
            {
                "question_id": q.id,
                "type": q.type,
                "law": cites[0]["law"] if cites else None,
                "article": cites[0]["article"] if cites else None,
                "basis": cites,
                "stem": q.stem,
                "n": n,
                "answered": answered,
                "correct": sum(item),
                "facility": p,
                "discrimination": d,
                "upper_lower": stats.upper_lower(item, top, bottom),
                "small": n < stats.SMALL,
                "options": options,
                "flags": stats.item_flags(p, d, stats.suspect_key(options, stats.share(item, top), d)),
            }
        )
    # per article: every answer to every question citing it
    articles: dict[tuple, dict] = {}
    for j, q in enumerate(questions):
        right = sum(stats.column(matrix, j))
        for c in _citations(q):
            entry = articles.setdefault(
                (c["law"], c["version"], c["article"]), {**c, "questions": [], "answers": 0, "correct": 0}
            )
            entry["questions"].append(q.id)
            entry["answers"] += n
            entry["correct"] += right
    out_articles = _weakest(
        [{**a, **_rate(a["correct"], a["answers"])} for a in articles.values()],
        lambda r: (r["law"], r["article"]),
    )
    # per 科室 × law
    dept_of = departments_of or {}
    groups: dict[tuple[str, str], dict] = {}
    for i, r in enumerate(rows):
        dept = dept_of.get(r.person, NOT_ON_ROSTER)
        for j, q in enumerate(questions):
            for law in dict.fromkeys(c["law"] for c in _citations(q)):
                g = groups.setdefault(
                    (dept, law), {"department": dept, "law": law, "people": set(), "answers": 0, "correct": 0}
                )
                g["people"].add(r.person)
                g["answers"] += 1
                g["correct"] += matrix[i][j]
    out_departments = _weakest(
        [
            {
                "department": g["department"],
                "law": g["law"],
                "people": len(g["people"]),
                **_rate(g["correct"], g["answers"]),
            }
            for g in groups.values()
        ],
        lambda r: (r["department"], r["law"]),
    )
    return {"exam": exam, "questions": out_questions, "articles": out_articles, "departments": out_departments}


def run(instance, exam_id: str, sitting: str = "first") -> dict:
    """Analyse exam `exam_id` of `instance` (an Instance). Raises AnalysisError when nothing was graded."""
    if sitting not in SITTINGS:
        raise AnalysisError(f"--sitting 应为 first 或 all（实际 {sitting!r}）")
    paper = load_paper(instance.papers, exam_id)
    rows, source = load_rows(instance, paper)
    if not rows:
        raise AnalysisError(
            f"考试 {exam_id} 还没有已评分的作答：请先 lawstudy exam collect {exam_id} 和 lawstudy exam autograde {exam_id}"
            "（本功能之前评分的考试请重新运行 autograde）"
        )
    rows = pick(rows, sitting)
    return analyse(paper, rows, departments(instance, sorted({r.person for r in rows})), sitting, source)
