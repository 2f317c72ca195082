"""The reports service for admins (/services/reports/): the year's report in every export format.

`ReportsHandler` answers /services/reports/ (a list of years, templates/reports_index.html.j2) and
?year=YYYY&format=xlsx|html|csv|json|md (the report, built from the instance's records); every
answer carries the CSP of grader.hub.config.REPORTS_CSP (no script at all). `make_app` is the
tornado application with the hub's OAuth callback; `reports_service` runs it as a hub service
(`python -m grader.hub reports-service`). Importing this module imports JupyterHub and tornado.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from grader import pages
from grader.hub.config import REPORTS_CSP
from grader.instance import Instance

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}


def index_page(this_year: int) -> str:
    """The list of the last four years, each with a link per format."""
    return pages.render(
        TEMPLATES, "reports_index.html.j2", years=range(this_year, this_year - 4, -1), formats=list(FORMATS)
    )


def report_file(inst: Instance, year: int, fmt: str, folder: Path) -> Path:
    """The report of `year` written in `folder` as 学法用法-YEAR.FMT (grader.reports)."""
    from grader import records
    from grader import reports as report_api
    from grader.records.rotation import load_rotation

    out = Path(folder) / f"学法用法-{year}.{fmt}"
    rule = load_rotation(inst.home)
    report_api.write(report_api.build(records.open_db(inst.records), int(year), rotation=rule), out)
    return out


class ReportsHandler(HubOAuthenticated, web.RequestHandler):
    """GET /services/reports/ (?year=YYYY&format=...): admins only (the hub's role grants access)."""

    def set_default_headers(self):
        self.set_header("Content-Security-Policy", REPORTS_CSP)
        self.set_header("X-Content-Type-Options", "nosniff")

    @web.authenticated
    def get(self):
        year = self.get_argument("year", "")
        fmt = self.get_argument("format", "html")
        if not year:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.write(index_page(time.localtime().tm_year))
            return
        if not year.isdigit() or fmt not in FORMATS:
            raise web.HTTPError(400, "year=YYYY&format=xlsx|html|csv|json|md")
        with tempfile.TemporaryDirectory() as tmp:
            out = report_file(Instance.from_env(None), int(year), fmt, Path(tmp))
            self.set_header("Content-Type", FORMATS[fmt])
            if fmt != "html":
                self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(out.name)}")
            self.write(out.read_bytes())


def make_app(prefix: str, handler: type[web.RequestHandler] = ReportsHandler) -> web.Application:
    """The service's tornado application under `prefix` (the hub's service prefix)."""
    return web.Application(
        [
            (prefix, handler),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
            (prefix.rstrip("/"), web.RedirectHandler, {"url": prefix}),
        ],
        cookie_secret=os.urandom(32),
    )


def reports_service() -> None:
    """Run the service where the hub says ($JUPYTERHUB_SERVICE_PREFIX, $JUPYTERHUB_SERVICE_URL)."""
    app = make_app(os.environ["JUPYTERHUB_SERVICE_PREFIX"])
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app.listen(url.port or 80, url.hostname or "127.0.0.1")
    ioloop.IOLoop.current().start()
