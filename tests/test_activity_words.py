"""How the words people write on ledgers and sign-in sheets are read (issue 30): forms of study,
days, 学时, topics as the natural key compares them, what a sign-in sheet's title says."""

from __future__ import annotations

import datetime as dt

import pytest

from grader.records.activities import kind_of, parse_day, parse_hours, topic_key
from grader.records.ledgers import title_facts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("会前学法", "会前学法"),
        ("讲座", "专家讲座"),
        ("外出培训", "外派培训"),
        ("殡葬管理专题培训班", "专题培训"),  # the first of the list that stands in the text
        ("低保业务培训班", "培训班"),
        ("执法资格", "执法资格培训"),
        ("开会", None),
    ],
)
def test_kind_of(text, kind):
    assert kind_of(text) == kind


def test_days_hours_and_topics_as_written():
    for text in ("2026年3月5日", "2026-03-05", "2026/3/5", "2026.3.5", "20260305", "2026年3月5日 9:30"):
        assert parse_day(text) == dt.date(2026, 3, 5), text
    with pytest.raises(ValueError):
        parse_day("三月五日")
    assert [parse_hours(t) for t in ("2", "1.5", "3学时", "2课时", "2小时")] == [2, 1.5, 3, 2, 2]
    with pytest.raises(ValueError):
        parse_hours("-1")
    assert (
        topic_key("《社会救助暂行办法》 解读")
        == topic_key("社会救助暂行办法解读")
        == topic_key("社会救助\u200b暂行办法解读")
    )
    assert topic_key("学习民法典") != topic_key("学习宪法")


def test_title_facts():
    assert title_facts(["2026年4月16日殡葬管理专题培训签到表"]) == {
        "date": dt.date(2026, 4, 16),
        "kind": "专题培训",
        "topic": "殡葬管理专题培训",
    }
    assert title_facts(["婚姻登记业务培训班签到表（2026.9.9，4学时）"]) == {
        "date": dt.date(2026, 9, 9),
        "kind": "培训班",
        "hours": 4.0,
        "topic": "婚姻登记业务培训班",
    }
    facts = title_facts(["民法典婚姻家庭编专家讲座签到表", "时间：2026年6月18日    主讲人：陈教授"])
    assert facts["date"] == dt.date(2026, 6, 18) and facts["speaker"] == "陈教授" and facts["kind"] == "专家讲座"
    assert title_facts([]) == {}
