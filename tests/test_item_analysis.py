"""Item analysis: every figure against an independent pandas/numpy computation, and a planted mis-key.

The synthetic exam: 140 people (latent ability), 54 questions (single, multiple, judge), people
who skip questions (a skip counts as wrong), one question everyone gets right, many tied totals,
and one mis-keyed single-choice question that the strong answer with a distractor.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from grader.exams import analysis as stats
from grader.exams.item_analysis import Row, analyse, pick
from grader.exams.paper import Paper, PaperQuestion
from grader.exams.spec import ExamSpec
from grader.reports import analysis as analysis_export
from grader.scoring import score

pytestmark = pytest.mark.unit

PEOPLE, SINGLE, MULTIPLE, JUDGE = 140, 30, 10, 14
EVERYONE_RIGHT = "s-003"
MISKEYED = "s-009"  # keyed B; the law (and the strong) say C


def _spec() -> ExamSpec:
    return ExamSpec.from_dict(
        {
            "id": "synthetic",
            "title": "合成考试",
            "year": 2026,
            "banks": ["b"],
            "quotas": {"single": 1},
            "opens_at": "2026-12-01 08:30",
            "closes_at": "2026-12-15 17:30",
        }
    )


def _paper() -> Paper:
    qs = []
    for i in range(SINGLE):
        qs.append(
            PaperQuestion(
                f"s-{i:03d}",
                "b",
                "single",
                f"单选{i}",
                [[c, f"选项{c}{i}"] for c in "ABCD"],
                "ABCD"[i % 4],
                2,
                0,
                "",
                [
                    {
                        "law": ["甲法", "乙法"][i % 2],
                        "version": "2026-01-01",
                        "article": 1 + i % 5,
                        "quote": "",
                        "citation": "",
                    }
                ],
            )
        )
    for i in range(MULTIPLE):
        qs.append(
            PaperQuestion(
                f"m-{i:03d}",
                "b",
                "multiple",
                f"多选{i}",
                [[c, f"选项{c}{i}"] for c in "ABCDE"],
                ["A", "C", "E"][: 2 + i % 2],
                2,
                0.5 if i % 3 == 0 else 0,
                "",
                [
                    {"law": "甲法", "version": "2026-01-01", "article": 6 + i % 3, "quote": "", "citation": ""},
                    {"law": "乙法", "version": "2026-01-01", "article": 2, "quote": "", "citation": ""},
                ],
            )
        )
    for i in range(JUDGE):
        qs.append(
            PaperQuestion(
                f"j-{i:03d}",
                "b",
                "judge",
                f"判断{i}",
                [],
                bool(i % 2),
                2,
                0,
                "",
                [{"law": "乙法", "version": "2026-01-01", "article": 3 + i % 4, "quote": "", "citation": ""}],
            )
        )
    return Paper(_spec(), qs)


def _rows(paper: Paper, seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    for p in range(PEOPLE):
        ability = rng.choice([0.15, 0.35, 0.5, 0.5, 0.65, 0.8, 0.8, 0.95])  # few levels: many ties
        answers = {}
        for q in paper.questions:
            if q.id == EVERYONE_RIGHT:
                answers[q.id] = q.answer
                continue
            if rng.random() < 0.06:
                continue  # skipped
            right = rng.random() < ability
            if q.id == MISKEYED:  # the strong choose C, the weak spread over A, B, D
                answers[q.id] = "C" if ability >= 0.65 and rng.random() < 0.9 else rng.choice("ABD")
            elif q.type == "judge":
                answers[q.id] = q.answer if right else (not q.answer)
            elif q.type == "single":
                answers[q.id] = q.answer if right else rng.choice([c for c in "ABCD" if c != q.answer])
            else:
                key = list(q.answer)
                answers[q.id] = key if right else sorted(set(key) ^ {rng.choice("ABCDE")}) or ["B"]
        rows.append(Row(f"p{p:03d}", 1, "2026-12-02T10:00:00+08:00", answers))
    return rows


@pytest.fixture(scope="module")
def data():
    paper = _paper()
    rows = _rows(paper)
    return paper, rows, analyse(paper, rows, {r.person: ["甲科", "乙科", "丙科"][int(r.person[1:]) % 3] for r in rows})


def _frames(paper: Paper, rows: list[Row]):
    """Independent: the 0/1 matrix, choices and percent scores with pandas."""
    ids = [q.id for q in paper.questions]
    right = {}
    for q in paper.questions:
        col = []
        for r in rows:
            a = r.answers.get(q.id)
            if q.type == "multiple":
                col.append(int(a is not None and sorted(a) == sorted(q.answer)))
            else:
                col.append(int(a is not None and a == q.answer and type(a) is type(q.answer)))
        right[q.id] = col
    x = pd.DataFrame(right, index=[r.person for r in rows])[ids]
    percent = pd.Series(
        [sum(score(q.key, r.answers.get(q.id)) for q in paper.questions) / paper.max_score * 100 for r in rows],
        index=x.index,
    )
    return x, percent


def test_every_statistic_matches_pandas(data):
    paper, rows, result = data
    x, percent = _frames(paper, rows)
    assert x.shape[0] >= 100 and x.shape[1] >= 50
    total = x.sum(axis=1)
    assert total.duplicated().any(), "the synthetic totals must include ties"
    assert (x[EVERYONE_RIGHT] == 1).all()
    skipped = sum(1 for r in rows for q in paper.questions if q.id not in r.answers)
    assert skipped > 100

    e = result["exam"]
    assert e["n"] == len(rows)
    assert e["mean"] == pytest.approx(percent.mean(), abs=1e-9)
    assert e["sd"] == pytest.approx(percent.std(ddof=0), abs=1e-9)
    k = x.shape[1]
    p = x.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / total.var(ddof=0))
    assert e["kr20"] == pytest.approx(kr20, abs=1e-9)
    assert e["sem"] == pytest.approx(percent.std(ddof=0) * np.sqrt(1 - kr20), abs=1e-9)

    g = int(np.floor(0.27 * len(rows) + 0.5))
    order = pd.DataFrame({"total": total.values, "i": range(len(rows))})
    top = order.sort_values(["total", "i"], ascending=[False, True]).head(g)["i"].tolist()
    bottom = order.sort_values(["total", "i"], ascending=[True, True]).head(g)["i"].tolist()
    assert e["group_size"] == g
    by_id = {q["question_id"]: q for q in result["questions"]}
    for q in paper.questions:
        got = by_id[q.id]
        item = x[q.id]
        rest = total - item
        assert got["n"] == len(rows)
        assert got["answered"] == sum(1 for r in rows if q.id in r.answers)
        assert got["facility"] == pytest.approx(item.mean(), abs=1e-9)
        if item.std() == 0 or rest.std() == 0:
            assert got["discrimination"] is None
        else:
            assert got["discrimination"] == pytest.approx(np.corrcoef(item, rest)[0, 1], abs=1e-9)
        assert got["upper_lower"] == pytest.approx(item.iloc[top].mean() - item.iloc[bottom].mean(), abs=1e-9)
        values = [True, False] if q.type == "judge" else [o[0] for o in q.options]
        for value, opt in zip(values, got["options"]):
            chose = pd.Series(
                [
                    int(
                        (value in (r.answers.get(q.id) or []))
                        if q.type == "multiple"
                        else (q.id in r.answers and r.answers[q.id] == value)
                    )
                    for r in rows
                ]
            )
            assert opt["option"] == value
            assert opt["count"] == chose.sum()
            assert opt["share"] == pytest.approx(chose.mean(), abs=1e-9)
            assert opt["top_share"] == pytest.approx(chose.iloc[top].mean(), abs=1e-9)
            assert opt["bottom_share"] == pytest.approx(chose.iloc[bottom].mean(), abs=1e-9)
            if chose.std() == 0:
                assert opt["point_biserial"] is None
            else:
                assert opt["point_biserial"] == pytest.approx(np.corrcoef(chose, rest.values)[0, 1], abs=1e-9)


def test_articles_and_departments_match_pandas(data):
    paper, rows, result = data
    x, _ = _frames(paper, rows)
    long = x.reset_index(names="person").melt(id_vars="person", var_name="qid", value_name="right")
    cites = pd.DataFrame(
        [(q.id, b["law"], b["article"]) for q in paper.questions for b in q.basis], columns=["qid", "law", "article"]
    ).drop_duplicates()
    per_article = long.merge(cites, on="qid").groupby(["law", "article"])["right"].agg(["count", "sum", "mean"])
    got = {(a["law"], a["article"]): a for a in result["articles"]}
    assert set(got) == set(per_article.index)
    for key, row in per_article.iterrows():
        assert got[key]["answers"] == row["count"] and got[key]["correct"] == row["sum"]
        assert got[key]["correct_rate"] == pytest.approx(row["mean"], abs=1e-9)
    rates = [a["correct_rate"] for a in result["articles"]]
    assert rates == sorted(rates), "weakest article first"

    dept = {r.person: ["甲科", "乙科", "丙科"][int(r.person[1:]) % 3] for r in rows}
    laws = cites[["qid", "law"]].drop_duplicates()
    long["department"] = long["person"].map(dept)
    per_dept = long.merge(laws, on="qid").groupby(["department", "law"])["right"].agg(["count", "sum", "mean"])
    got_d = {(d["department"], d["law"]): d for d in result["departments"]}
    assert set(got_d) == set(per_dept.index)
    for key, row in per_dept.iterrows():
        assert got_d[key]["answers"] == row["count"]
        assert got_d[key]["correct_rate"] == pytest.approx(row["mean"], abs=1e-9)
        assert got_d[key]["small"] is False


def test_planted_miskey_is_suspect_and_nothing_absurd(data):
    _, _, result = data
    by_id = {q["question_id"]: q for q in result["questions"]}
    bad = by_id[MISKEYED]
    assert "suspect_key" in bad["flags"]
    c = next(o for o in bad["options"] if o["option"] == "C")
    a = next(o for o in bad["options"] if o["option"] == "B")
    assert c["top_share"] > a["top_share"] and c["point_biserial"] > 0 > a["point_biserial"]
    assert "negative_discrimination" in bad["flags"]
    assert by_id[EVERYONE_RIGHT]["flags"] == ["easy"] and by_id[EVERYONE_RIGHT]["discrimination"] is None
    others = [q for q in result["questions"] if q["question_id"] != MISKEYED and "suspect_key" in q["flags"]]
    assert others == [], [q["question_id"] for q in others]


def test_kr20_and_groups_edge_cases():
    assert stats.kr20([[1], [0]]) is None  # one question
    assert stats.kr20([[1, 1], [1, 1]]) is None  # no variance
    assert stats.sem(None, 0.8) is None and stats.sem(10.0, None) is None
    assert stats.group_size(1) == 0 and stats.group_size(2) == 1 and stats.group_size(100) == 27
    assert stats.upper_lower([1], [], []) is None
    assert stats.pearson([1, 1, 1], [1, 2, 3]) is None
    assert stats.item_flags(0.1, -0.2) == ["hard", "low_discrimination", "negative_discrimination"]


def test_first_sitting_and_small_groups():
    paper = _paper()
    rows = _rows(paper)[:6]
    makeup = [
        Row(r.person, 2, "2026-12-22T10:00:00+08:00", {q.id: q.answer for q in paper.questions}) for r in rows[:2]
    ]
    first = pick(rows + makeup, "first")
    assert [r.attempt for r in first] == [1] * 6
    both = pick(rows + makeup, "all")
    assert len(both) == 8
    result = analyse(paper, both, sitting="all")
    assert result["exam"]["n"] == 8 and result["exam"]["small"] is True
    assert all(q["small"] for q in result["questions"])
    assert all(d["department"] == "不在名册" for d in result["departments"])


def test_exports_show_counts_and_marks(tmp_path, data):
    paper, rows, result = data
    small = analyse(paper, rows[:5])
    for suffix in (".json", ".xlsx", ".html", ".md"):
        analysis_export.write(small, tmp_path / f"a{suffix}")
    loaded = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert set(loaded) >= {"exam", "questions", "articles", "departments"}
    md = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert "%*" in md and "少于 10 人次" in md
    assert "data:image/png;base64," in (tmp_path / "a.html").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.sheetnames == ["概况", "各题统计", "选项分析", "各条款正确率", "各科室各法规正确率"]
    assert wb["各题统计"]["G1"].value == "通过率"
    with pytest.raises(Exception, match="不支持"):
        analysis_export.write(small, tmp_path / "a.pdf")


def test_service_rows_read_closed_sittings(tmp_path):
    """Sittings in a real exam-service store: closed ones count, in attempt order."""
    from grader.exams.item_analysis import service_rows
    from grader.exams.sittings import SittingStore

    spec = ExamSpec.from_dict(
        {
            "id": "svc",
            "title": "t",
            "year": 2026,
            "banks": ["b"],
            "quotas": {"single": 1},
            "opens_at": "2026-12-01 08:30",
            "closes_at": "2026-12-15 17:30",
            "attempts": 2,
            "time_limit": 60,
        }
    )
    store = SittingStore(tmp_path / "sittings.db")
    t0 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    store.open(spec, "ann", t0)
    store.save(spec, "ann", "q1", "A", t0 + timedelta(minutes=1))
    store.hand_in(spec, "ann", t0 + timedelta(minutes=5))
    store.open(spec, "ann", t0 + timedelta(days=1), again=True)  # a second sitting is asked for
    store.save(spec, "ann", "q1", "B", t0 + timedelta(days=1, minutes=1))
    store.open(spec, "bob", t0)  # never handed in, deadline passed: closed at its deadline
    store.save(spec, "bob", "q1", "C", t0 + timedelta(minutes=2))
    rows = service_rows(store, "svc", now=t0 + timedelta(days=1, minutes=10))
    assert [(r.person, r.attempt, r.answers) for r in rows] == [("ann", 1, {"q1": "A"}), ("bob", 1, {"q1": "C"})]
    later = service_rows(store, "svc", now=t0 + timedelta(days=2))
    assert [(r.person, r.attempt) for r in pick(later, "all")] == [("ann", 1), ("ann", 2), ("bob", 1)]
