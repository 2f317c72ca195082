"""nbgrader timestamps read by what they mean here, whatever the grading host's own zone."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from test_exam_support import make_bank, make_spec, write_answers

from grader import exams as exam
from grader.exams.submissions import SubmissionInspector, TimingCheck, UnknownZone, parse_stamp

pytestmark = pytest.mark.unit

CST = timezone(timedelta(hours=8))


@pytest.fixture
def host_zone():
    """Set the process's zone (as a host configured in UTC or in Asia/Shanghai would be)."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def sitting(tmp_path, paper, student, stamp, minutes):
    folder = tmp_path / "submitted" / student
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(stamp, encoding="utf-8")
    submitted = datetime(2026, 11, 27, 17, 20, tzinfo=CST)
    write_answers(folder, paper.id, student, {}, started=submitted - timedelta(minutes=minutes))
    return folder


def judge(paper, folder, student):
    sub = SubmissionInspector(paper).inspect(folder, student)
    TimingCheck(paper).check(sub)
    return (
        sub.timestamp.astimezone(UTC).isoformat() if sub.timestamp else None,
        sorted(f for f, _ in sub.flags if f in ("late", "overtime")),
        [d for f, d in sub.flags if f == "broken" and "提交时间" in d],
    )  # (no notebook here: not the point)


def test_cst_stamps_same_times_and_flags_on_a_utc_and_a_shanghai_host(tmp_path, host_zone):
    make_bank(tmp_path)
    make_spec(
        tmp_path,
        "tz-exam",
        opens=datetime(2026, 11, 27, 9, 0, tzinfo=CST),
        closes=datetime(2026, 11, 27, 17, 30, tzinfo=CST),
        year=2026,
        time_limit=60,
    )
    paper = exam.assemble(exam.load_spec("tz-exam", tmp_path), tmp_path)
    cases = {
        "s30": ("2026-11-27 17:20:00.000000 CST", 30),  # a site with Exchange.timezone = Asia/Shanghai
        "s40": ("2026-11-27 17:20:00.000000 CST", 40),
        "sutc": ("2026-11-27 09:20:00.000000 UTC", 30),  # lawstudy's own configs (UTC)
        "snaive": ("2026-11-27 09:20:00.000000", 30),  # nbgrader's naive UTC
        "sest": ("2026-11-27 04:20:00.000000 EST", 30),  # a zone name we cannot be sure of
    }
    folders = {s: sitting(tmp_path, paper, s, stamp, minutes) for s, (stamp, minutes) in cases.items()}
    seen = {}
    for zone in ("UTC", "Asia/Shanghai"):
        host_zone(zone)
        seen[zone] = {s: judge(paper, folder, s) for s, folder in folders.items()}
    assert seen["UTC"] == seen["Asia/Shanghai"]
    got = seen["UTC"]
    for student in ("s30", "s40", "sutc", "snaive"):
        assert got[student][0] == "2026-11-27T09:20:00+00:00" and got[student][1] == [], (student, got[student])
    assert got["sest"][0] is None and len(got["sest"][2]) == 1 and "EST" in got["sest"][2][0]
    for student in ("s30", "s40", "sutc", "snaive"):
        assert got[student][2] == []


def test_parse_stamp_zone_names():
    assert parse_stamp("2020-11-27 17:20:00.000000 CST").utcoffset() == timedelta(hours=8)
    assert parse_stamp("2020-11-27 17:20:00 +0800") == datetime(2020, 11, 27, 9, 20, tzinfo=UTC)
    assert parse_stamp("2020-11-27 09:20:00 UTC") == datetime(2020, 11, 27, 9, 20, tzinfo=UTC)
    assert parse_stamp("garbage") is None and parse_stamp("") is None
    with pytest.raises(UnknownZone, match="PST"):
        parse_stamp("2020-11-27 01:20:00 PST")


def test_every_nbgrader_config_lawstudy_writes_pins_the_exchange_zone(tmp_path):
    from grader.exams import nbgrader_course as course
    from grader.exams.nbgrader_config import ROLES, NbgraderConfig
    from grader.instance import Instance

    text = course.write_config(Instance.from_env(tmp_path / "home").ensure()).read_text(encoding="utf-8")
    assert "c.Exchange.timezone = 'UTC'" in text
    for role in ROLES:  # the one builder of every nbgrader config: course, formgrader, staff, lab, desk
        config = NbgraderConfig(role, "c", tmp_path / "e", course_dir=tmp_path, cache=tmp_path, workdir=tmp_path)
        assert config.config().Exchange.timezone == "UTC"
        assert "c.Exchange.timezone = 'UTC'" in config.text()
