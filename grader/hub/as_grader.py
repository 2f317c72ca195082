"""Running exam steps as the grader: on a hub instance root hands steps that touch the exchange
(which staff write) to the course's grader account."""

from __future__ import annotations

import pwd
import subprocess
import sys
from pathlib import Path

from grader.hub.settings import Settings, grader_etc
from grader.instance import Instance


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
