"""System users: one account per person on the roster (home mode 700), their passwords, their processes."""

from __future__ import annotations

import csv
import grp
import json
import pwd
import secrets
import subprocess
import unicodedata

from grader.hub._util import _run, _write_private
from grader.hub.settings import (
    TRAINER_GROUP,
    USER_COMMENT,
    HubError,
    People,
    Settings,
    hub_dir,
    people,
)
from grader.instance import Instance

# ------------------------------------------------------------------ system users


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def ensure_system_user(name: str, full_name: str = "") -> bool:
    """Create `name` with a private home (mode 700); True when it was created now."""
    if user_exists(name):
        return False
    gecos = f"{full_name or name},{USER_COMMENT}".replace(":", " ")
    _run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", "-c", gecos, "-U", name])
    return True


def password_problem(password: str) -> str | None:
    """Why a new password is refused (None if it is acceptable): 8–128 characters, no control
    characters (a newline would let a batch tool such as chpasswd read a second account's line)."""
    if not 8 <= len(password) <= 128:
        return "新密码应为 8 至 128 位。"
    if any(unicodedata.category(ch).startswith("C") for ch in password):
        return "新密码不能包含换行、制表符等控制字符。"
    return None


def set_password(name: str, password: str) -> None:
    """Set `name`'s password (root, for initial passwords we generate): one user, through PAM."""
    import pamela

    if password_problem(password):
        raise HubError(f"{name} 的密码不合要求")
    try:
        pamela.change_password(name, password, service="passwd")
    except pamela.PAMError as error:
        raise HubError(f"设置 {name} 的密码失败：{error}") from None


def remove_system_user(name: str) -> None:
    """Delete a user created by lawstudy (its GECOS says so) with its home; others are refused."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if USER_COMMENT not in entry.pw_gecos.split(","):
        raise HubError(f"系统用户 {name} 不是 lawstudy 创建的，拒绝删除")
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    _run(["userdel", "-r", "-f", name], ok=(0, 6, 12))
    try:
        grp.getgrnam(name)
        _run(["groupdel", name], ok=(0, 6, 8))
    except KeyError:
        pass


def new_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def sync_users(inst: Instance, reset_passwords: bool = False) -> dict:
    """Create missing system users for everyone on the roster and roles list; give new ones a password.

    New initial passwords go to hub/initial-passwords.csv (root only) for the IT person to hand out.
    Returns {"created": [...], "existing": [...], "passwords": {user: password}}.
    """
    settings = Settings.load(inst)
    folks = people(inst)
    created, existing, passwords = [], [], {}
    ensure_system_user(settings.grader_user, "课程阅卷服务")
    for user in folks.everyone:
        if ensure_system_user(user, folks.names.get(user, "")):
            created.append(user)
        else:
            existing.append(user)
        if user in created or reset_passwords:
            passwords[user] = new_password()
            set_password(user, passwords[user])
    if passwords:
        path = hub_dir(inst) / "initial-passwords.csv"
        rows = []
        if path.exists():
            rows = [
                r for r in csv.reader(path.read_text(encoding="utf-8").splitlines()[1:]) if r and r[0] not in passwords
            ]
        rows += [[u, folks.names.get(u, ""), p] for u, p in sorted(passwords.items())]
        out = ["登录名,姓名,初始密码"] + [",".join(r) for r in rows]
        _write_private(path, "\n".join(out) + "\n")
    write_people(inst, folks)
    return {"created": created, "existing": existing, "passwords": passwords}


def write_people(inst: Instance, folks: People | None = None) -> None:
    """hub/people.json for jupyterhub_config.py. The grader user joins formgrade-COURSE as nbgrader's
    JupyterHub integration expects (the formgrader asks the hub for its own user's groups); it has
    no password, so nobody logs in as it."""
    folks = folks or people(inst)
    groups = folks.groups()
    try:
        groups[TRAINER_GROUP] = sorted(set(groups[TRAINER_GROUP]) | {Settings.load(inst).grader_user})
    except HubError:
        pass
    _write_private(
        hub_dir(inst) / "people.json",
        json.dumps(
            {"staff": folks.staff, "trainers": folks.trainers, "admins": folks.admins, "groups": groups},
            ensure_ascii=False,
            indent=2,
        ),
    )


def end_processes(user: str) -> None:
    """Kill every process of a lawstudy-created account (never root, never another account)."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return
    if entry.pw_uid == 0 or USER_COMMENT not in entry.pw_gecos.split(","):
        return
    subprocess.run(["pkill", "-KILL", "-U", str(entry.pw_uid)], capture_output=True)
