"""The reports service for admins (/services/reports/): it calls the report API."""

from __future__ import annotations

import os
import time
from pathlib import Path

from grader.hub.config import REPORTS_CSP
from grader.instance import Instance


def reports_service() -> None:
    """A hub service for admins: /services/reports/ lists years, ?year=Y&format=xlsx exports."""
    import tempfile

    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from jupyterhub.utils import url_path_join
    from tornado import ioloop, web

    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    formats = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "json": "application/json",
        "md": "text/markdown; charset=utf-8",
    }

    class Reports(HubOAuthenticated, web.RequestHandler):
        def set_default_headers(self):
            self.set_header("Content-Security-Policy", REPORTS_CSP)
            self.set_header("X-Content-Type-Options", "nosniff")

        @web.authenticated
        def get(self):
            year = self.get_argument("year", "")
            fmt = self.get_argument("format", "html")
            if not year:
                this = time.localtime().tm_year
                links = "".join(
                    f"<li>{y} 年：" + " ".join(f'<a href="?year={y}&format={f}">{f}</a>' for f in formats) + "</li>"
                    for y in range(this, this - 4, -1)
                )
                self.write(f'<!doctype html><meta charset="utf-8"><h2>学法用法统计报表</h2><ul>{links}</ul>')
                return
            if not year.isdigit() or fmt not in formats:
                raise web.HTTPError(400, "year=YYYY&format=xlsx|html|csv|json|md")
            from grader import records
            from grader import reports as report_api

            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / f"学法用法-{year}.{fmt}"
                inst = Instance.from_env(None)
                report_api.write(report_api.build(records.open_db(inst.records), int(year)), out)
                self.set_header("Content-Type", formats[fmt])
                if fmt != "html":
                    from urllib.parse import quote

                    self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(out.name)}")
                self.write(out.read_bytes())

    app = web.Application(
        [
            (prefix, Reports),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
            (prefix.rstrip("/"), web.RedirectHandler, {"url": prefix}),
        ],
        cookie_secret=os.urandom(32),
    )
    from urllib.parse import urlparse

    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app.listen(url.port or 80, url.hostname or "127.0.0.1")
    ioloop.IOLoop.current().start()
