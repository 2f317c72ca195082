"""When `lawstudy exam prestart` may run (grader.hub.prestart.exam_window): from `before` minutes
ahead of a window's opens_at (the regular one or the make-up) until it closes; too early or too
late is one clear Chinese message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import exam_spec

from grader.exams.paper import Paper, save_paper
from grader.hub.prestart import exam_window
from grader.hub.settings import HubError
from grader.instance import Instance

pytestmark = pytest.mark.unit

OPENS = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 08:30 China time


@pytest.fixture
def inst(tmp_path):
    inst = Instance(tmp_path / "home")
    makeup = {
        "opens_at": (OPENS + timedelta(days=10)).isoformat(),
        "closes_at": (OPENS + timedelta(days=11)).isoformat(),
    }
    save_paper(Paper(exam_spec("t-exam", OPENS, makeup=makeup), []), inst.papers)
    return inst


def test_from_before_minutes_ahead_until_the_window_closes(inst):
    assert exam_window(inst, "t-exam", OPENS - timedelta(minutes=30), 30)[0] == OPENS
    assert exam_window(inst, "t-exam", OPENS + timedelta(days=2), 30)[0] == OPENS  # late comers
    makeup = exam_window(inst, "t-exam", OPENS + timedelta(days=10) - timedelta(minutes=5), 30)
    assert makeup[0] == OPENS + timedelta(days=10)


def test_too_early_says_when_and_too_late_says_so(inst):
    with pytest.raises(HubError, match=r"预启动最早在开考前 30 分钟（2026-12-01 08:00）"):
        exam_window(inst, "t-exam", OPENS - timedelta(minutes=31), 30)
    with pytest.raises(HubError, match="都已结束"):
        exam_window(inst, "t-exam", OPENS + timedelta(days=12), 30)
    with pytest.raises(HubError, match="找不到考试 nope 的试卷"):
        exam_window(inst, "nope", OPENS, 30)
