"""The generated configuration: jupyterhub_config.py and the staff/grader Jupyter configs, rendered
from the Jinja2 templates in grader/hub/templates/, the nbgrader configs (grader.exams.nbgrader_config); and `hub setup`, which writes them
(every run rewrites them)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.exams.nbgrader_config import NbgraderConfig
from grader.hub._util import _write_private
from grader.hub.permissions import apply_permissions, lock_demo
from grader.hub.runtime import checkout_root, ensure_runtime
from grader.hub.settings import (
    LESSONS_FOLDER,
    HubError,
    People,
    Settings,
    grader_etc,
    hub_dir,
    load_roles,
    save_roles,
    staff_etc,
)
from grader.hub.staff import trainer_etc
from grader.hub.users import sync_users, write_people
from grader.instance import COURSE_ID, Instance
from grader.lab.config import STAFF_PLUGIN, page_config, start_url

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The formgrader's pages need their own inline scripts (nbgrader's templates), so script may be
# inline, but nothing may be loaded, sent or framed off the service's origin. What keeps staff
# script out of a trainer's browser is that no staff-written cell reaches the formgrader at all
# (grader.exams.sanitize); rendered markdown is also sanitized (HTMLExporter.sanitize_html).
FORMGRADER_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# The reports service serves our own pages: no script at all.
REPORTS_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

STAFF_PAGE_CONFIG = page_config(staff=True)
# A lighter staff server (issue 25; each change measured in docs/deploy.md, "Where a server's start
# goes"): only the server extensions staff use. Off: the formgrader and nbgrader's validate (trainers'
# tools), the language servers, the classic Notebook UI and its shim, terminals (staff get none), the
# extension manager's PyPI listing, news and update checks (no internet), and JupyterLab's build
# check (the runtime is built once at install; nothing is rebuilt at a start).
STAFF_SERVER_EXTENSIONS_OFF = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "jupyter_lsp",
    "jupyter_server_terminals",
    "notebook",
    "notebook_shim",
)
STAFF_SERVER_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {name: False for name in STAFF_SERVER_EXTENSIONS_OFF},
        "terminals_enabled": False,
    },
    "LabApp": {
        "expose_app_in_browser": True,
        "news_url": None,
        "extension_manager": "readonly",
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
    },
}
STAFF_NO_BUILD = {"buildCheck": False, "buildAvailable": False}
# Trainers' servers read etc/trainer first, then etc/staff: their tools come back on top of the
# staff configuration (nbgrader's validate, a terminal). The whole extensions map is given: the
# first config folder's map replaces the staff one, it is not merged with it.
TRAINER_TOOLS = ("nbgrader.server_extensions.validate_assignment", "jupyter_server_terminals")
TRAINER_SERVER_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {name: name in TRAINER_TOOLS for name in (*STAFF_SERVER_EXTENSIONS_OFF, *TRAINER_TOOLS)},
        "terminals_enabled": True,
    }
}
TRAINER_PAGE_CONFIG = page_config(staff=False)


def render(template: str, **values) -> str:
    """The text of one generated file: grader/hub/templates/TEMPLATE filled with VALUES.

    `{{ value | pyrepr }}` writes a Python literal (the templates are Python config files)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["pyrepr"] = repr
    return env.get_template(template).render(**values)


def write_config(inst: Instance, settings: Settings) -> Path:
    """Write (rewrite: every `hub setup` does) hub/jupyterhub_config.py with settings.json beside it,
    the staff servers' config in etc/staff/ and the formgrader's in etc/grader/. Needs no root."""
    hub = hub_dir(inst)
    hub.mkdir(parents=True, exist_ok=True)
    os.chmod(hub, 0o700)
    settings.save(inst)
    tokens_path = hub / "tokens.json"
    if not tokens_path.exists():
        _write_private(tokens_path, json.dumps({"ops": secrets.token_hex(32)}))
    if not (hub / "people.json").exists():
        write_people(inst, People())
    values = {
        "course": COURSE_ID,
        "lessons": LESSONS_FOLDER,
        "exchange": str(inst.exchange),
        "course_dir": str(inst.course_dir),
        "start_url": start_url(),
    }
    config = hub / "jupyterhub_config.py"
    _write_private(config, render("jupyterhub_config.py.j2", **values))
    etc = staff_etc(inst)
    etc.mkdir(parents=True, exist_ok=True)
    NbgraderConfig("staff", COURSE_ID, inst.exchange).write(etc / "nbgrader_config.py")
    (etc / "labconfig").mkdir(exist_ok=True)
    (etc / "labconfig" / "page_config.json").write_text(
        json.dumps({**STAFF_PAGE_CONFIG, **STAFF_NO_BUILD}, indent=2), encoding="utf-8"
    )
    (etc / "jupyter_server_config.json").write_text(json.dumps(STAFF_SERVER_CONFIG, indent=2), encoding="utf-8")
    (etc / "jupyter_server_config.py").write_text(render("staff_server_config.py.j2", **values), encoding="utf-8")
    # trainers' servers: this folder goes first on their JUPYTER_CONFIG_PATH (grader/hub/staff.py)
    (trainer_etc(inst) / "labconfig").mkdir(parents=True, exist_ok=True)
    (trainer_etc(inst) / "jupyter_server_config.json").write_text(
        json.dumps(TRAINER_SERVER_CONFIG, indent=2), encoding="utf-8"
    )
    (trainer_etc(inst) / "labconfig" / "page_config.json").write_text(
        json.dumps(TRAINER_PAGE_CONFIG, indent=2), encoding="utf-8"
    )
    getc = grader_etc(inst)
    getc.mkdir(parents=True, exist_ok=True)
    (getc / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"tornado_settings": {"headers": {"Content-Security-Policy": FORMGRADER_CSP}}},
                "HTMLExporter": {"sanitize_html": True},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    NbgraderConfig("formgrader", COURSE_ID, inst.exchange, course_dir=inst.course_dir).write(
        getc / "nbgrader_config.py"
    )
    # the formgrader service's own JupyterLab (the course directory) is no staff lab: our staff
    # extension (lessons run on opening, no Launcher) stays off there
    (getc / "labconfig").mkdir(exist_ok=True)
    (getc / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {STAFF_PLUGIN: True}}, indent=2), encoding="utf-8"
    )
    return config


def ops_token(inst: Instance) -> str:
    return json.loads((hub_dir(inst) / "tokens.json").read_text())["ops"]


def find_proxy() -> str:
    """configurable-http-proxy from npm: next to this venv (install.sh), else on PATH."""
    candidates = [Path(sys.prefix) / "node_modules" / ".bin" / "configurable-http-proxy"]
    root = checkout_root()
    if root:
        candidates.append(root / ".venv" / "node_modules" / ".bin" / "configurable-http-proxy")
    for c in candidates:
        if c.exists():
            return str(c)
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    raise HubError("找不到 configurable-http-proxy：请运行 install.sh（npm install configurable-http-proxy）")


def setup(
    inst: Instance,
    runtime: Path | None = None,
    trainers: Sequence[str] = (),
    admins: Sequence[str] = (),
    ip: str = "127.0.0.1",
    port: int = 8000,
    ports: dict | None = None,
    grader_user: str | None = None,
    build_runtime: bool = True,
    log=print,
) -> Settings:
    """Everything a hub needs, idempotent: runtime, config, system users, permissions."""
    if os.geteuid() != 0:
        raise HubError("lawstudy hub setup 需要 root 权限（创建系统用户、设置目录权限）")
    inst.ensure()
    old = None
    try:
        old = Settings.load(inst)
    except HubError:
        pass
    settings = old or Settings(home=str(inst.home))
    settings.home = str(inst.home)
    settings.ip, settings.port = ip, port
    if runtime:
        settings.runtime = str(runtime)
    if grader_user:
        settings.grader_user = grader_user
    for key, value in (ports or {}).items():
        setattr(settings, key, value)
    settings.proxy = find_proxy()
    if build_runtime:
        ensure_runtime(Path(settings.runtime), log=log)
    roles = load_roles(inst)
    save_roles(inst, list(roles["trainers"]) + list(trainers), list(roles["admins"]) + list(admins))
    write_config(inst, settings)
    sync_users(inst)
    lock_demo(inst)
    apply_permissions(inst)
    return settings
