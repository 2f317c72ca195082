"""`lawstudy quiz check`: every problem in every bank, named by file and question."""

import copy

import pytest
import yaml

from grader import banks as bank
from grader.laws import library
from grader.scoring import Key, score

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def law_before_2026_03_30(monkeypatch):
    """Check as of 2026-01-01 (lawstudy reads $LAWSTUDY_TODAY as today, also in the CLI subprocesses).

    These fixtures quote the 2012 殡葬管理条例 without naming a version, as trainers' sheets did
    before versions existed; an unversioned citation is checked against the version in force on
    the day of the check, and the 2012 text was superseded on 2026-03-30. Pinning the date keeps
    each test testing what it is about; the checks are unchanged (tests/test_law_versions.py covers
    the version chosen by date, including these quotes failing after 2026-03-30).
    """
    monkeypatch.setenv("LAWSTUDY_TODAY", "2026-01-01")


GOOD = {
    "id": "t-001",
    "type": "single",
    "stem": "下列哪类地区应当实行火葬？",
    "options": {"A": "人口稠密、耕地较少、交通方便的地区", "B": "少数民族聚居地区", "C": "山区", "D": "所有地区"},
    "answer": "A",
    "explanation": "见第四条。",
    "basis": [{"law": "殡葬管理条例", "article": 4, "quote": "人口稠密、耕地较少、交通方便的地区，应当实行火葬"}],
    "points": 2,
    "difficulty": 1,
    "tags": ["火葬区"],
    "pool": "exam",
}
JUDGE = {
    "id": "t-002",
    "type": "judge",
    "stem": "殡仪服务人员可以利用工作之便索取财物。",
    "answer": False,
    "explanation": "不得索取财物。",
    "basis": [{"law": "殡葬管理条例", "article": 12, "quote": "不得利用工作之便索取财物"}],
    "points": 2,
    "difficulty": 1,
    "tags": [],
    "pool": "practice",
}
MULTI = {
    "id": "t-003",
    "type": "multiple",
    "stem": "殡葬管理的方针包括哪些？",
    "options": {"A": "积极地、有步骤地实行火葬", "B": "改革土葬", "C": "节约殡葬用地", "D": "全面禁止土葬"},
    "answer": ["A", "B", "C"],
    "explanation": "见第二条。",
    "basis": [{"law": "殡葬管理条例", "article": 2, "quote": "积极地、有步骤地实行火葬，改革土葬，节约殡葬用地"}],
    "points": 2,
    "difficulty": 2,
    "tags": ["方针"],
    "pool": "exam",
    "partial": 0.5,
}


def write(tmp_path, questions, name="t.yaml", raw=None):
    path = tmp_path / name
    path.write_text(
        raw
        if raw is not None
        else yaml.safe_dump({"bank": path.stem, "title": "测试", "questions": questions}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def problems_for(tmp_path, **changes):
    q = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is None:
            q.pop(k, None)
        else:
            q[k] = v
    return [str(p) for p in bank.check([write(tmp_path, [q])]).problems]


def test_good_bank_passes_and_summarises(tmp_path):
    result = bank.check([write(tmp_path, [GOOD, JUDGE, MULTI])])
    assert result.ok, result.problems
    s = result.summary()
    assert s["by_type"] == {"single": 1, "judge": 1, "multiple": 1}
    assert s["by_pool"] == {"exam": 2, "practice": 1}
    assert s["by_law"] == {"殡葬管理条例": 3}


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({"type": "choice"}, "题型 'choice' 无效"),
        ({"answer": "E"}, "单选题答案 'E'"),
        ({"answer": ["A", "B"]}, "单选题答案"),
        ({"options": {"A": "甲", "B": "甲", "C": "丙"}}, "选项重复"),
        ({"options": {"A": "甲", "C": "丙"}}, "选项应依次为"),
        ({"stem": None}, "缺少必填字段 stem"),
        (
            {"basis": [{"law": "殡葬管理条例", "article": 4, "quote": "所有地区都应当实行火葬"}]},
            "依据原文与《殡葬管理条例》（2012年修订）第四条不符",
        ),
        ({"basis": [{"law": "殡葬管理条例", "article": 40, "quote": "火葬"}]}, "没有第四十条"),
        ({"basis": [{"law": "殡葬法", "article": 4, "quote": "火葬"}]}, "没有收录《殡葬法》"),
        ({"basis": []}, "缺少必填字段 basis"),
        ({"pool": "test"}, "题库用途 'test'"),
        ({"points": -1}, "分值 -1"),
        ({"difficulty": 5}, "难度 5"),
        ({"explaination": "拼错"}, "未知字段 'explaination'"),
        ({"id": "bad id!"}, "题号 'bad id!' 无效"),
    ],
)
def test_each_malformed_question_is_named(tmp_path, changes, expected):
    found = problems_for(tmp_path, **changes)
    assert any(expected in p for p in found), found
    assert all("t.yaml" in p for p in found)


def test_judge_and_multiple_answer_shapes(tmp_path):
    bad_judge = dict(JUDGE, answer="对")
    bad_multi = dict(MULTI, answer=["A"])
    found = [str(p) for p in bank.check([write(tmp_path, [bad_judge, bad_multi])]).problems]
    assert any("t-002" in p and "判断题答案" in p for p in found)
    assert any("t-003" in p and "至少应有两个选项" in p for p in found)


def test_all_problems_listed_not_just_the_first(tmp_path):
    q1 = dict(GOOD, answer="Z")
    q2 = dict(JUDGE, pool="x")
    found = bank.check([write(tmp_path, [q1, q2])]).problems
    assert {p.where.split()[-1] for p in found} == {"t-001", "t-002"}


def test_duplicate_ids_and_stems_across_banks(tmp_path):
    a = write(tmp_path, [GOOD], "a.yaml")
    b = write(tmp_path, [dict(GOOD, stem="另一个题干？"), dict(JUDGE, id="t-009", stem=GOOD["stem"])], "b.yaml")
    found = [str(p) for p in bank.check([a, b]).problems]
    assert any("b.yaml" in p and "题号 t-001 重复" in p for p in found)
    assert any("b.yaml" in p and "题干与" in p for p in found)


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, [], raw="bank: t\nquestions:\n  - id: x\n    stem: [unclosed\n")
    [problem] = bank.check([path]).problems
    assert "YAML 语法错误" in str(problem)
    assert "第4行" in str(problem) or "第5行" in str(problem)


def test_question_line_numbers_in_messages(tmp_path):
    path = write(tmp_path, [GOOD, dict(JUDGE, answer="maybe")])
    [problem] = bank.check([path]).problems
    line = int(problem.where.split("行")[0].lstrip("第"))
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].lstrip().startswith("- ")


def test_not_utf8_bank_is_reported(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("bank: 殡葬\nquestions: []\n".encode("gbk"))
    [problem] = bank.check([path]).problems
    assert "UTF-8" in str(problem)


def test_scoring_by_option_identity_and_partial_credit():
    key = Key("multiple", frozenset({"A", "B", "C"}), 2, 0.5, frozenset("ABCD"))
    assert score(key, ["C", "A", "B"]) == 2
    assert score(key, ["A", "B"]) == 1
    assert score(key, ["A", "D"]) == 0
    assert score(key, ["A", "A"]) == 0
    assert score(key, "ABC") == 0
    assert score(key, ["Z"]) == 0
    strict = Key("multiple", frozenset({"A", "B"}), 2, 0, frozenset("ABCD"))
    assert score(strict, ["A"]) == 0
    judge = Key("judge", False, 2)
    assert score(judge, False) == 2 and score(judge, True) == 0 and score(judge, 0) == 0
    single = Key("single", "B", 2, 0, frozenset("ABCD"))
    assert score(single, "B") == 2 and score(single, ["B"]) == 0 and score(single, None) == 0


def test_repository_banks_pass_the_check():
    result = bank.check()
    assert result.ok, "\n".join(map(str, result.problems))
    assert result.summary()["questions"] > 0


FIRE_2025 = {
    "id": "t-025",
    "type": "single",
    "stem": "依照《殡葬管理条例》（2025年修订），在实行火葬的地区，遗体应当在哪里火化？",
    "options": {"A": "就地、就近在殡仪馆火化", "B": "户籍所在地的殡仪馆", "C": "任选殡仪馆", "D": "丧属居住地的殡仪馆"},
    "answer": "A",
    "explanation": "见第二十九条。",
    "basis": [
        {
            "law": "殡葬管理条例",
            "version": "2025-12-12",
            "article": 29,
            "quote": "在实行火葬的地区，遗体应当就地、就近在殡仪馆火化",
        }
    ],
    "pool": "exam",
}


def test_the_same_stem_written_another_way_is_refused_while_both_are_valid(tmp_path):
    """A stem that differs only in how the law is named (依照/按照, short or full title, the version
    in brackets, punctuation) is the same question: refused when both are valid on some day."""
    old = dict(GOOD, stem="依照《殡葬管理条例》，下列哪类地区应当实行火葬？")
    old["basis"] = [dict(GOOD["basis"][0], version="2012-11-09")]
    same = dict(old, id="t-101", stem="按照《殡葬条例》（2012年修订）, 下列哪类地区应当实行火葬?")
    found = [str(p) for p in bank.check([write(tmp_path, [old, same])]).problems]
    assert any("t-101" in p and "实质相同" in p and "t-001" in p for p in found), found
    # the 2025 question and its 2012 predecessor are never valid on the same day: both may stay
    newer = dict(FIRE_2025, id="t-102", stem="按照《殡葬管理条例》，在实行火葬的地区，遗体应当在哪里火化？")
    older = dict(
        FIRE_2025,
        stem="依照《殡葬管理条例》（2012年修订），在实行火葬的地区，遗体应当在哪里火化？",
        basis=[{"law": "殡葬管理条例", "version": "2012-11-09", "article": 4, "quote": "应当实行火葬"}],
    )
    assert bank.check([write(tmp_path, [newer, older])]).ok
    assert bank.stem_key("依照《中华人民共和国社会救助法》（2026年4月30日通过），谁负责？") == bank.stem_key(
        "按照《社会救助法》谁负责"
    )


def test_an_explanation_for_a_superseded_version_must_say_so(tmp_path):
    """quiz check points at an explanation written for a version no longer in force on --as-of that
    does not say so, and gives the line to add (from the law index); said, the hint goes away."""
    old = dict(GOOD, basis=[dict(GOOD["basis"][0], version="2012-11-09")])
    path = write(tmp_path, [old])
    assert not bank.check([path], as_of="2026-03-29").warnings  # still the law to apply
    [hint] = [str(w) for w in bank.check([path], as_of="2026-12-01").warnings]
    assert "t-001" in hint and "解析没有说明" in hint
    note = bank.superseded_note(library().statute("殡葬管理条例").version("2012-11-09"))
    assert note == (
        "（本题依据《殡葬管理条例》（2012年修订），适用于2026年3月30日前；该版本已于2026年3月30日被2025年修订版取代。）"
    )
    assert note in hint
    said = write(tmp_path, [dict(old, explanation="见第四条。" + note)])
    assert not bank.check([said], as_of="2026-12-01").warnings
    # an overridden text: the note names the law that prevails and never calls it 废止
    relief = bank.superseded_note(library().statute("社会救助暂行办法").version("2019-03-02"))
    assert "未废止，但自2026年7月1日起与《中华人民共和国社会救助法》不一致的，适用社会救助法" in relief
    assert "已废止" not in relief and "取代" not in relief
    # a superseded statute named in passing: the day, or the law that took over, must be named
    passing = dict(FIRE_2025, explanation="见第二十九条；《社会救助暂行办法》第二条也有规定。")
    [hint] = [str(w) for w in bank.check([write(tmp_path, [passing])], as_of="2026-12-01").warnings]
    assert "解析提到的《社会救助暂行办法》" in hint and "社会救助法" in hint
    passing["explanation"] += "（该办法未废止，但自2026年7月1日起与社会救助法不一致的，适用社会救助法。）"
    assert not bank.check([write(tmp_path, [passing])], as_of="2026-12-01").warnings


def test_repository_explanations_say_when_their_version_is_superseded():
    """One rule, one voice: every explanation in the shipped banks written for (or naming) a text
    that the law index knows to be superseded says so, as of the last supersession it knows."""
    lib = library()
    last = max(v.in_force_until for s in lib.statutes.values() for v in s.versions if v.in_force_until)
    result = bank.check(as_of=last)
    unsaid = [str(w) for w in result.warnings if "解析" in str(w) and "没有说明" in str(w)]
    assert not unsaid, "\n".join(unsaid)
