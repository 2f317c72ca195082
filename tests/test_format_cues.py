"""Format cues: the longest-key share, key letters, judge balance, cue words and near duplicates."""

from __future__ import annotations

import json

import pytest

from grader import format_cues
from grader.bank import Question


def q(qid, qtype, answer, options=None, stem="题干", bank="a", pool="exam"):
    return Question(qid, qtype, stem, answer, "", [], pool, options or {}, bank=bank)


def test_longest_key_share_splits_ties_and_counts_chance():
    qs = [
        q("s1", "single", "A", {"A": "最长的一个选项文字", "B": "短", "C": "短些", "D": "也短"}),  # longest: 1
        q("s2", "single", "B", {"A": "一样长的啊", "B": "一样长的吧", "C": "一样长的呀", "D": "x"}),  # 3-way tie: 1/3
        q("s3", "single", "C", {"A": "很长很长的选项", "B": "b", "C": "c", "D": "d"}),  # not longest: 0
        q("p1", "single", "A", {"A": "x" * 30, "B": "y"}, pool="practice"),  # practice: not measured
    ]
    cues = format_cues.measure(qs, "题库 a")
    assert cues.singles == 3 and cues.longest == pytest.approx(1 + 1 / 3, abs=1e-4)
    assert cues.chance == pytest.approx(0.75) and cues.letters == {"A": 1, "B": 1, "C": 1}
    assert cues.longest_share == pytest.approx(4 / 9, abs=1e-4)
    assert any("总选最长的选项可答对 44%" in w for w in cues.warnings())
    assert format_cues.length(" Ａ B\u3000") == 2  # NFKC, no white space


def test_cue_words_in_judge_statements_and_options():
    judges = [q(f"j{i}", "judge", False, stem=f"只要申请人提交材料，第{i}项即可办理") for i in range(5)]
    judges.append(q("j9", "judge", True, stem="应当依法办理"))
    options = [
        q(f"s{i}", "single", "A", {"A": f"由民政部门办理{i}", "B": "只能由街道办理", "C": "c", "D": "d"})
        for i in range(8)
    ]
    cues = format_cues.measure(judges + options, "考试 x")
    w = cues.words["只要"]
    assert (w.judge_true, w.judge_false) == (0, 5)
    only = cues.words["只能"]
    assert (only.keyed, only.distractors) == (0, 8) and only.chance == pytest.approx(2.0)
    warnings = cues.warnings()
    assert any("“只要”的 0 道判“正确”、5 道判“错误”" in x for x in warnings)
    assert not any("“只能”" in x for x in warnings)  # 8 distractors, chance 2 keys: lean 2 < 5
    more = options + [q(f"t{i}", "single", "A", {"A": "a", "B": "只能如此", "C": "c", "D": "d"}) for i in range(12)]
    assert any("“只能”的选项 0 个是正确答案、20 个是干扰项" in x for x in format_cues.measure(more, "x").warnings())
    assert cues.judge_true == 1 and cues.judge_false == 5


def test_near_duplicates_only_across_banks_with_the_same_key():
    a = q("a1", "judge", True, stem="殡仪服务机构应当加强对殡仪服务人员的管理。", bank="a")
    b = q("b1", "judge", True, stem="殡仪服务机构应当加强对殡仪服务人员的管理", bank="b")
    c = q("c1", "judge", False, stem="殡仪服务机构应当加强对殡仪服务人员的管理", bank="c")
    d = q("a2", "judge", True, stem="殡仪服务机构应当加强对殡仪服务人员的管理！", bank="a")
    assert format_cues.near_duplicates([a, b, c, d]) == [("a1", "b1", 1.0), ("b1", "a2", 0.976)]  # "！" is not ignored


def test_quiz_check_reports_cues_per_bank_and_exam(cli):
    r = cli("quiz", "check", "--as-of", "2026-12-01", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout[r.stdout.index("{") : r.stdout.rindex("}") + 1])
    scopes = {c["scope"]: c for c in data["format_cues"]}
    assert {"题库 burial-2025", "题库 social-assistance-2026", "题库 social-organisations", "考试 2026-annual"} <= set(
        scopes
    )
    exam = scopes["考试 2026-annual"]
    assert exam["singles"] == sum(
        scopes[f"题库 {b}"]["singles"] for b in ("burial-2025", "social-assistance-2026", "social-organisations")
    )
    assert "考试 2020-annual" not in scopes  # closed before the date
