"""JupyterHub for a whole bureau: people and groups, the staff runtime, permissions, config, start/stop.

One server runs one hub (JupyterHub + configurable-http-proxy). Every person on the roster is a
real system user (LocalProcessSpawner, home mode 700), so the file system keeps people apart:

    staff      hub group nbgrader-lawstudy    fetch and submit exams, open the lessons
    trainers   hub group formgrade-lawstudy   also reach the course's formgrader service
    admins     hub group lawstudy-admin       also reach the reports service (Excel/HTML exports)

The course (source with the keys, gradebook), the papers, the records and the reports belong
to one system user, the course's grader (`grader-lawstudy`), mode 700; the formgrader and the
reports run as hub services under that user. Staff reach the course only through the exchange.

Layout added to the instance (see grader/instance.py):

    hub/                 root 700: jupyterhub_config.py, settings.json, people.json, hub database,
                         cookie secret, service tokens, initial-passwords.csv, hub.log, hub.pid
    etc/staff/           755: the staff servers' Jupyter config (exchange, course id)
    etc/grader/          grader 700: the formgrader's nbgrader config

The staff runtime is a virtual environment built from /usr/bin/python3 with a NON-editable
install of this project (the wheel carries grader/ and the statutes, never quizzes/), in a
world-readable place (default /opt/lawstudy/venv); staff servers and kernels run from it.


The package, one module per concept (`import grader.hub` stays cheap: nothing here imports
JupyterHub or nbgrader until a class that needs them is asked for):

    settings      Settings (hub/settings.json), People and roles, where the hub's files live
    users         system users, their passwords, ending a person's processes
    lessons       lessons copied into a person's home AS that person (the pre_spawn_hook)
    runtime       the staff runtime venv
    permissions   ownership and modes of an instance, the checkout's banks, a demo's files
    config        the generated configs (templates/*.j2; nbgrader's: grader.exams.nbgrader_config) and `hub setup`
    password      PasswordHandler, the page /hub/lawstudy/password (templates/password.html.j2)
    spawner       StaffSpawner (limits, ending a person's processes on stop, the start queue)
    spawn_queue   SpawnQueue: servers start a few at a time, first come first served, each told their place
    prestart      `lawstudy exam prestart`: an exam's people's servers started ahead of opens_at
    staff         the pre-spawn hook's start page and the trainers' lab configuration
    exam_service  the exam service: sittings, saves, hand-ins and lesson study on the server's clock
    reports       the reports service for admins (ReportsHandler, make_app)
    control       start / stop (also in the foreground), ports and who holds them (psutil), the REST API
    as_grader     exam steps run as the course's grader account on a hub instance (hand_over, give_back)

The nbgrader exchange plugins a hub names (OwnSubmit, OwnerCheckedCollect) are grader.exams.exchange.
"""

from __future__ import annotations

from grader.exams.receipts import rejected_submissions
from grader.hub._util import HubError
from grader.hub.as_grader import is_hub_instance, run_as_grader
from grader.hub.config import (
    FORMGRADER_CSP,
    REPORTS_CSP,
    STAFF_PAGE_CONFIG,
    TEMPLATES,
    find_proxy,
    ops_token,
    render,
    setup,
    write_config,
)
from grader.hub.control import (
    STOP_SIGNALS,
    all_users,
    api,
    catching,
    free_port,
    hub_command,
    port_free,
    port_owner,
    run_foreground,
    start,
    stop,
    supervise,
)
from grader.hub.lessons import copy_lessons, lessons_hook
from grader.hub.permissions import DEMO_PRIVATE, apply_permissions, lock_checkout, lock_demo
from grader.hub.runtime import checkout_root, ensure_runtime
from grader.hub.settings import (
    ADMIN_GROUP,
    DEFAULT_RUNTIME,
    FORMGRADER_SERVICE,
    LESSONS_FOLDER,
    OPS_SERVICE,
    REPORTS_SERVICE,
    STAFF_GROUP,
    TRAINER_GROUP,
    USER_COMMENT,
    People,
    Settings,
    grader_etc,
    hub_dir,
    load_roles,
    people,
    roles_path,
    save_roles,
    staff_etc,
)
from grader.hub.users import (
    end_processes,
    ensure_system_user,
    new_password,
    password_problem,
    remove_system_user,
    set_password,
    sync_users,
    user_exists,
    write_people,
)

# Loaded on first use (module __getattr__): their modules import JupyterHub or nbgrader. Configs
# written by `hub setup` name grader.hub.StaffSpawner and `from grader.hub import PasswordHandler`;
# those of older releases also grader.hub.OwnSubmit and grader.hub.OwnerCheckedCollect.
LAZY = ("PasswordHandler", "StaffSpawner", "OwnSubmit", "OwnerCheckedCollect")

__all__ = [
    "ADMIN_GROUP",
    "DEFAULT_RUNTIME",
    "DEMO_PRIVATE",
    "FORMGRADER_CSP",
    "FORMGRADER_SERVICE",
    "LESSONS_FOLDER",
    "OPS_SERVICE",
    "REPORTS_CSP",
    "REPORTS_SERVICE",
    "STAFF_GROUP",
    "STAFF_PAGE_CONFIG",
    "TEMPLATES",
    "TRAINER_GROUP",
    "USER_COMMENT",
    "HubError",
    "People",
    "Settings",
    "STOP_SIGNALS",
    "all_users",
    "api",
    "catching",
    "apply_permissions",
    "checkout_root",
    "copy_lessons",
    "end_processes",
    "ensure_runtime",
    "ensure_system_user",
    "find_proxy",
    "free_port",
    "grader_etc",
    "hub_command",
    "hub_dir",
    "is_hub_instance",
    "lessons_hook",
    "load_roles",
    "lock_checkout",
    "lock_demo",
    "new_password",
    "ops_token",
    "password_problem",
    "people",
    "port_free",
    "port_owner",
    "rejected_submissions",
    "remove_system_user",
    "render",
    "roles_path",
    "run_as_grader",
    "run_foreground",
    "save_roles",
    "set_password",
    "setup",
    "staff_etc",
    "start",
    "stop",
    "supervise",
    "sync_users",
    "user_exists",
    "write_config",
    "write_people",
    *LAZY,
]


def __getattr__(name: str):
    """OwnSubmit, OwnerCheckedCollect (nbgrader), PasswordHandler and StaffSpawner (jupyterhub)
    load on first use."""
    if name == "PasswordHandler":
        from grader.hub.password import PasswordHandler

        return PasswordHandler
    if name == "StaffSpawner":
        from grader.hub.spawner import StaffSpawner

        return StaffSpawner
    if name in ("OwnSubmit", "OwnerCheckedCollect"):
        from grader.exams import exchange

        return getattr(exchange, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
