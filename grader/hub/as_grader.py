"""Running exam steps as the grader: on a hub instance root hands steps that touch the exchange
(which staff write) to the course's grader account (`hand_over`), and gives the course back to
the grader after writing into it (`give_back`)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

from grader.hub.settings import Settings, grader_etc
from grader.instance import Instance


def hub_root(inst: Instance) -> bool:
    """True when root runs a command on a hub instance (then steps in the exchange go to the grader)."""
    return os.geteuid() == 0 and is_hub_instance(inst)


def without_home(argv: list[str]) -> list[str]:
    """`argv` without its --home DIR / --home=DIR (the grader is given the instance's own path)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("--home="):
            out.append(arg)
    return out


def hand_over(inst: Instance, argv: list[str]) -> int | None:
    """On a hub instance run by root, run `lawstudy ARGV` (this command's own arguments) as the
    course's grader and return its exit code; None anywhere else (the caller goes on itself).

    Steps that touch the exchange (which staff write) are the grader's: see `run_as_grader`."""
    if not hub_root(inst):
        return None
    return run_as_grader(inst, without_home(argv) + ["--home", str(inst.home)])


def give_back(inst: Instance) -> None:
    """After root wrote into the course (a build from the root-only banks), the grader owns it again."""
    if hub_root(inst):
        from grader.hub.permissions import apply_permissions

        apply_permissions(inst)


def release_in_halves(inst: Instance, staged: bool, stage, publish, whole, command: list[str]) -> Path | int:
    """A release whose first half reads what only root may read on a hub (the banks, courses/)
    and whose second half writes the exchange, which is the grader's (a course, a 错题本).

    `staged`: only `publish()` (the grader's half, `lawstudy ... --staged`). On a hub run by root:
    `stage()` here, the course given back to the grader, then `lawstudy COMMAND --staged` as the
    grader; its exit code is returned. Anywhere else: `whole()`. Returns the outbound folder (or
    that exit code); the course is the grader's again afterwards."""
    if staged:
        outbound = publish()
    elif hub_root(inst):
        stage()
        give_back(inst)
        return run_as_grader(inst, [*command, "--staged", "--home", str(inst.home)])
    else:
        outbound = whole()
    give_back(inst)
    return outbound


def is_hub_instance(inst: Instance) -> bool:
    """True when `lawstudy hub setup` made this instance a hub's (hub/settings.json exists)."""
    return inst.on_hub


def run_as_grader(inst: Instance, args: list[str]) -> int:
    """Run `lawstudy ARGS` as the course's grader account (no other groups), from the staff runtime.

    On a hub, collecting, grading and releasing touch the exchange, which staff write: root must
    not act there (it would follow their links), and nbgrader insists the grader owns its
    folders. Returns the command's exit code; its output goes to this terminal.
    """
    settings = Settings.load(inst)
    entry = pwd.getpwnam(settings.grader_user)
    python = Path(settings.runtime) / "bin" / "python"
    env = {
        "PATH": f"{Path(settings.runtime) / 'bin'}:/usr/bin:/bin",
        "HOME": entry.pw_dir,
        "LAWSTUDY_HOME": str(inst.home),
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "JUPYTER_CONFIG_PATH": str(grader_etc(inst)),
    }
    print(f"（hub 实例：以阅卷账号 {settings.grader_user} 的身份运行）", file=sys.stderr)
    proc = subprocess.run(
        [str(python), "-m", "grader", *args],
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
        cwd=str(inst.home),
        env=env,
    )
    return proc.returncode
