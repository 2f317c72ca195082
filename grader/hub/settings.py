"""Settings and people: what `hub setup` decided (hub/settings.json), who has which role, where
the hub's files live."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.hub._util import HubError, _write_private
from grader.instance import COURSE_ID, Instance, username

DEFAULT_RUNTIME = Path(os.environ.get("LAWSTUDY_RUNTIME", "/opt/lawstudy/venv"))
STAFF_GROUP = f"nbgrader-{COURSE_ID}"
TRAINER_GROUP = f"formgrade-{COURSE_ID}"
ADMIN_GROUP = "lawstudy-admin"
FORMGRADER_SERVICE = COURSE_ID
REPORTS_SERVICE = "reports"
OPS_SERVICE = "lawstudy-ops"
LESSONS_FOLDER = "课程"
USER_COMMENT = "lawstudy"


@dataclass
class Settings:
    """What `lawstudy hub setup` decided; stored as hub/settings.json, read by jupyterhub_config.py."""

    home: str
    runtime: str = str(DEFAULT_RUNTIME)
    grader_user: str = f"grader-{COURSE_ID}"
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    formgrader_port: int = 9010
    reports_port: int = 9011
    exam_port: int = 9012
    proxy: str = ""
    authenticator: str = "pam"
    max_processes: int = 256  # per person (RLIMIT_NPROC: processes and threads of their account)
    max_memory_mb: int = 4096  # per process of a staff server or kernel (RLIMIT_AS)
    nice: int = 5  # staff servers yield the CPU to the hub, the proxy and the grader
    # the grader's services (RLIMIT_AS per process): the formgrader (it starts nbgrader's kernels),
    # and the exam and reports services (issue 29: one account must not exhaust them mid-exam)
    formgrader_memory_mb: int = 4096
    service_memory_mb: int = 1024
    # a practice answer counts for 学时 only this many seconds or more after the previous event of
    # its lesson session (grader.exams.sittings.MIN_PRACTICE_SECONDS)
    min_practice_seconds: float = 8.0
    # exam morning (grader/hub/spawn_queue.py): servers starting at once (0: one per core), the
    # longest line of waiting starts (JupyterHub's concurrent_spawn_limit), and the idle culler
    concurrent_starts: int = 0
    spawn_queue_limit: int = 500
    cull_timeout: int = 3600  # seconds without activity before jupyterhub-idle-culler stops a server
    cull_every: int = 300

    @classmethod
    def load(cls, inst: Instance) -> Settings:
        path = hub_dir(inst) / "settings.json"
        if not path.exists():
            raise HubError(f"{path} 不存在：请先运行 lawstudy hub setup --home {inst.home}")
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, inst: Instance) -> None:
        _write_private(hub_dir(inst) / "settings.json", json.dumps(asdict(self), indent=2))

    @property
    def url(self) -> str:
        return f"http://{self.ip if self.ip not in ('', '0.0.0.0') else '127.0.0.1'}:{self.port}"


@dataclass
class People:
    """Hub user names (= system users = nbgrader student ids) by role."""

    staff: list[str] = field(default_factory=list)
    trainers: list[str] = field(default_factory=list)
    admins: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # user -> 姓名, for the GECOS field

    @property
    def everyone(self) -> list[str]:
        return sorted(set(self.staff) | set(self.trainers) | set(self.admins))

    def groups(self) -> dict[str, list[str]]:
        return {STAFF_GROUP: sorted(self.staff), TRAINER_GROUP: sorted(self.trainers), ADMIN_GROUP: sorted(self.admins)}


def hub_dir(inst: Instance) -> Path:
    return inst.home / "hub"


def staff_etc(inst: Instance) -> Path:
    return inst.home / "etc" / "staff"


def grader_etc(inst: Instance) -> Path:
    return inst.home / "etc" / "grader"


def roles_path(inst: Instance) -> Path:
    return hub_dir(inst) / "roles.json"


def load_roles(inst: Instance) -> dict:
    path = roles_path(inst)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {"trainers": data.get("trainers", []), "admins": data.get("admins", [])}


def save_roles(inst: Instance, trainers: list[str], admins: list[str]) -> None:
    _write_private(
        roles_path(inst),
        json.dumps({"trainers": sorted(set(trainers)), "admins": sorted(set(admins))}, ensure_ascii=False, indent=2),
    )


def people(inst: Instance) -> People:
    """Staff from the records' roster (active people), trainers and admins from hub/roles.json."""
    from grader import records

    result = People()
    if inst.records.exists():
        for row in records.roster(records.open_db(inst.home)):
            user = username(row["staff_id"])
            result.staff.append(user)
            result.names[user] = row["name"]
    roles = load_roles(inst)
    result.trainers = [username(s) for s in roles["trainers"]]
    result.admins = [username(s) for s in roles["admins"]]
    return result
