"""The hub's own pages and services, each importable and tested alone (no hub running): the
password page, the reports service, the process facts `lawstudy hub` reads (psutil)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

tornado_testing = pytest.importorskip("tornado.testing")


def test_the_password_page_escapes_what_it_shows_and_keeps_the_form_token():
    from jupyterhub.handlers import BaseHandler

    from grader.hub.password import PasswordHandler, password_page

    assert issubclass(PasswordHandler, BaseHandler) and PasswordHandler.__module__ == "grader.hub.password"
    page = password_page("<b>原密码</b>不正确", "red", '<input type="hidden" name="_xsrf" value="t0k">', "/hub/home")
    assert "&lt;b&gt;原密码&lt;/b&gt;不正确" in page and "<b>原密码" not in page
    assert '<input type="hidden" name="_xsrf" value="t0k">' in page  # the form's token, as markup
    assert 'href="/hub/home"' in page and "<script" not in page
    with pytest.raises(ValueError):
        password_page("x", "red;background:url(x)", "", "/")


@pytest.fixture
def bureau(tmp_path, monkeypatch):
    """An instance with a roster of four (tests/factories.py), the reports service's LAWSTUDY_HOME."""
    import factories

    from grader import records

    db = records.open_db(tmp_path)
    records.import_roster(db, factories.roster_csv(tmp_path / "名册.csv"))
    monkeypatch.setenv("LAWSTUDY_HOME", str(tmp_path))
    return tmp_path


def test_the_reports_service_alone(bureau):
    """The reports service's handler in its own tornado application, signed in as an admin (the
    hub's OAuth decides that on a hub; here it is given): the index, an export, refusals."""
    from grader.hub.config import REPORTS_CSP
    from grader.hub.reports import ReportsHandler, make_app

    class SignedIn(ReportsHandler):
        def get_current_user(self):
            return {"name": "admin"}

    class Alone(tornado_testing.AsyncHTTPTestCase):
        def get_app(self):
            return make_app("/services/reports/", SignedIn)

        def runTest(self):
            index = self.fetch("/services/reports/")
            assert index.code == 200 and index.headers["Content-Security-Policy"] == REPORTS_CSP
            body = index.body.decode()
            assert "学法用法统计报表" in body and "?year=" in body and "<script" not in body
            page = self.fetch("/services/reports/?year=2026&format=html")
            assert page.code == 200 and "2026年学法用法知识考试统计" in page.body.decode()
            assert page.headers["X-Content-Type-Options"] == "nosniff"
            sheet = self.fetch("/services/reports/?year=2026&format=xlsx")
            assert sheet.code == 200 and sheet.body[:2] == b"PK"
            assert sheet.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
            assert self.fetch("/services/reports/?year=twenty&format=html").code == 400
            assert self.fetch("/services/reports/?year=2026&format=pdf").code == 400

    import unittest

    result = unittest.TextTestRunner(stream=open(os.devnull, "w")).run(Alone())
    assert result.wasSuccessful(), [text for _, text in result.failures + result.errors]


def test_who_holds_a_port_and_whether_a_process_runs():
    """psutil's facts: this process listening on a port is found with its command line; a process
    that ended is not running."""
    from grader.hub.control import _alive, port_owner

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        found = port_owner(port)
        if os.geteuid() == 0:  # other users' sockets need root; our own are always seen
            assert found is not None
        if found is not None:
            pid, _user, command = found
            assert pid == os.getpid() and Path(sys.executable).name in command
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert _alive(os.getpid()) and not _alive(ended.pid)
