"""The collect guard without a hub: every inbound entry judged on its own, without following links.

Entries owned by another account are made with chown (root only) to stand for a colleague's.
"""

from __future__ import annotations

import json
import os
import pwd
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.exams.guard import ENTRIES_PER_PERSON, InboundGuard, inspect_entry
from grader.exams.receipts import append_audit, load_receipts, read_audit, received_time, save_receipts

pytestmark = pytest.mark.unit

EXAM = "2026-annual"
STAMP = "2026-12-10 09:30:00.000000 UTC"
ROOT = os.geteuid() == 0


def paper(attempts: int = 3):
    return SimpleNamespace(id=EXAM, spec=SimpleNamespace(attempts=attempts))


def entry(inbound: Path, student: str, stamp: str = STAMP, rand: str = "r1", user: str | None = None) -> Path:
    path = inbound / f"{student}+{EXAM}+{stamp}+{rand}"
    path.mkdir(parents=True)
    (path / "timestamp.txt").write_text(stamp, encoding="utf-8")
    answers = {"exam": EXAM, "user": user or student, "started_at": "2026-12-10T09:00:00+00:00", "answers": {}}
    (path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    return path


def nobody() -> tuple[int, str]:
    info = pwd.getpwnam("nobody")
    return info.pw_uid, info.pw_name


def chown_tree(path: Path, uid: int) -> None:
    os.lchown(path, uid, -1)
    for p in path.rglob("*"):
        os.lchown(p, uid, -1)


def run(tmp_path: Path, attempts: int = 3):
    return InboundGuard(tmp_path / "inbound", paper(attempts), tmp_path / "aside" / EXAM).run()


def test_links_devices_fifos_junk_and_sparse_files_are_set_aside_one_by_one(tmp_path):
    inbound = tmp_path / "inbound"
    honest = entry(inbound, "rt001")
    (inbound / f"rt002+{EXAM}+{STAMP}+dangling").symlink_to(tmp_path / "nowhere")
    (inbound / f"rt003+{EXAM}+{STAMP}+zero").symlink_to("/dev/zero")
    os.mkfifo(inbound / f"rt004+{EXAM}+{STAMP}+fifo")
    (inbound / f"rt005+{EXAM}+{STAMP}+file").write_text("x")
    sparse = entry(inbound, "rt006", rand="sparse")
    with open(sparse / "big.bin", "wb") as f:
        f.truncate(150 * 1024 * 1024)  # sparse: 150 MB apparent, almost nothing on disk
    inner = entry(inbound, "rt007", rand="inner")
    (inner / "exam.ipynb").symlink_to("/dev/zero")
    (inbound / f"rt008+{EXAM}+garbage+x").mkdir()
    (inbound / f"rt009+{EXAM}+garbage").mkdir()
    report = run(tmp_path)
    assert report.kept == [honest.name]
    reasons = {a.student: a.reason for a in report.set_aside}
    assert reasons == {
        "rt002": "link",
        "rt003": "link",
        "rt004": "special",
        "rt005": "special",
        "rt006": "oversize",
        "rt007": "link",
        "rt008": "unparseable",
        "rt009": "unparseable",
    }
    # all moved aside (links as links, never read), the honest entry left for nbgrader
    assert sorted(p.name for p in inbound.iterdir()) == [honest.name]
    aside = tmp_path / "aside" / EXAM
    assert os.path.islink(aside / f"rt003+{EXAM}+{STAMP}+zero")
    assert os.stat(aside).st_mode & 0o077 == 0


def test_inspect_entry_counts_disk_blocks_and_apparent_size(tmp_path):
    ok = entry(tmp_path, "rt001")
    assert inspect_entry(ok).problem is None
    with open(ok / "dense.bin", "wb") as f:
        f.write(b"\0" * (26 * 1024 * 1024))
    assert "MB" in (inspect_entry(ok).problem or "")


@pytest.mark.skipif(not ROOT, reason="needs root to give an entry to another account")
def test_forged_entries_are_logged_against_their_real_owner_and_capped(tmp_path):
    uid, name = nobody()
    inbound = tmp_path / "inbound"
    entry(inbound, "rt002", rand="own")  # the victim's own (owned by the trainer's account here)
    for i in range(300):
        forged = entry(inbound, "rt002", stamp=f"2020-06-01 09:{i // 60:02d}:{i % 60:02d}.000000 UTC", rand=f"f{i}")
        chown_tree(forged, uid)
    report = run(tmp_path)
    assert report.kept == [f"rt002+{EXAM}+{STAMP}+own"]
    assert len(report.set_aside) == 300
    assert {a.owner for a in report.set_aside} == {name}
    by = {line["reason"]: line for line in report.audit}
    assert set(by) == {"impersonation", "cap"}
    assert by["impersonation"]["count"] == ENTRIES_PER_PERSON
    assert by["cap"]["count"] == 300 - ENTRIES_PER_PERSON
    assert all(line["owner"] == name and line["named"] == ["rt002"] for line in report.audit)


@pytest.mark.skipif(not ROOT, reason="needs root to give an entry to another account")
def test_receipt_time_is_the_kernels_not_the_clients(tmp_path):
    uid, name = nobody()
    inbound = tmp_path / "inbound"
    forged = entry(inbound, name, stamp="2020-06-01 09:00:00.000000 UTC")
    os.utime(forged / "timestamp.txt", (0, 0))  # a client can set mtime back, never ctime
    chown_tree(forged, uid)
    before = datetime.now(UTC).timestamp() - 5
    report = run(tmp_path)
    assert report.kept == [forged.name]
    assert report.received[forged.name] >= before
    papers = tmp_path / "papers"
    save_receipts(papers, report.received)
    save_receipts(papers, {forged.name: 1.0})  # a later look never moves the first receipt
    assert load_receipts(papers)[forged.name] >= before
    when = received_time(papers, name, EXAM, "2020-06-01 09:00:00.000000 UTC")
    assert when is not None and when.year >= 2026
    assert received_time(papers, "someone-else", EXAM, None) is None
    assert os.stat(papers / "receipts.json").st_mode & 0o077 == 0


def test_attempts_beyond_the_limit_and_the_run_never_stops(tmp_path):
    inbound = tmp_path / "inbound"
    for i in range(3):
        path = entry(inbound, "rt001", stamp=f"2026-12-10 09:3{i}:00.000000 UTC", rand=f"a{i}")
        data = json.loads((path / "answers.json").read_text())
        data["started_at"] = f"2026-12-10T09:0{i}:00+00:00"
        (path / "answers.json").write_text(json.dumps(data))
    report = run(tmp_path, attempts=2)
    assert len(report.kept) == 2
    assert [a.reason for a in report.set_aside] == ["attempts"]


def test_audit_log_is_private_and_appends(tmp_path):
    append_audit(tmp_path / "p", [{"owner": "x", "reason": "link", "count": 2, "named": ["rt002"]}])
    append_audit(tmp_path / "p", [{"owner": "y", "reason": "cap", "count": 1, "named": ["rt003"]}])
    assert [line["owner"] for line in read_audit(tmp_path / "p")] == ["x", "y"]
    assert os.stat(tmp_path / "p" / "set-aside.jsonl").st_mode & 0o077 == 0
