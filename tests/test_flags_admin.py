"""`lawstudy flags list|review|clear` on a records database (no hub)."""

from __future__ import annotations

import pytest

from grader import records
from grader.records import flags as flags_admin

pytestmark = pytest.mark.unit


def test_review_and_clear_keep_a_trace(tmp_path):
    db = records.open_db(tmp_path)
    records.record_flag(db, "2026-annual", "rt001", "late", "迟交 10 分钟", submitted_at="2026-12-10T02:00:00")
    [flag] = flags_admin.list_flags(db, 2026)
    assert flag["flag"] == "late" and flag["review"] is None
    flags_admin.review(db, flag["id"], "已核实", by="admin")
    assert flags_admin.list_flags(db, 2026)[0]["review"] == "已核实"
    flags_admin.clear(db, flag["id"], "时钟故障", by="admin")
    assert flags_admin.list_flags(db, 2026) == []
    [cleared] = flags_admin.list_flags(db, 2026, include_cleared=True)
    assert cleared["cleared"]["note"] == "时钟故障" and cleared["student"] == "rt001"


def test_cli_flags(tmp_path, cli_runner=None):
    from click.testing import CliRunner

    from grader.cli import cli

    db = records.open_db(tmp_path)
    records.record_flag(db, "2026-annual", "rt001", "overtime", "用时 80 分钟", submitted_at="2026-12-10T02:00:00")
    runner = CliRunner()
    out = runner.invoke(cli, ["flags", "list", "--year", "2026", "--home", str(tmp_path)])
    assert out.exit_code == 0 and "超时" in out.output and "待复核" in out.output, out.output
    out = runner.invoke(cli, ["flags", "clear", "1", "--note", "误报", "--home", str(tmp_path)])
    assert out.exit_code == 0 and "已清除" in out.output, out.output
    out = runner.invoke(cli, ["flags", "clear", "1", "--note", "误报", "--home", str(tmp_path)])
    assert out.exit_code != 0
