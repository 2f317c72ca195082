"""The Jupyter configuration baked into the lawstudy image (run by deploy/z2jh/Dockerfile):

    python image_config.py /etc/lawstudy /opt/lawstudy/venv

writes what `lawstudy hub setup` writes on one machine (grader.hub.config.write_config, the same
templates, for the instance /srv/lawstudy the pods mount) into ETC/staff, ETC/trainer and
ETC/grader, and JupyterLab's settings defaults (Chinese menus, no news) into the runtime, as
grader.hub.runtime.ensure_runtime does. The hub's own files write_config also makes (its
jupyterhub_config.py, tokens) are thrown away: on Kubernetes the chart's values replace them.

Pods choose with JUPYTER_CONFIG_PATH: staff ETC/staff, trainers ETC/trainer:ETC/staff, the grader
pod ETC/grader (deploy/z2jh/values.yaml and grader.yaml).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

INSTANCE = Path("/srv/lawstudy")  # $LAWSTUDY_HOME in every pod: the exchange is INSTANCE/exchange


def write_image_config(etc: Path, runtime: Path, instance: Path = INSTANCE) -> list[Path]:
    """Write ETC/{staff,trainer,grader} for pods whose instance is `instance`; returns the folders."""
    from grader.hub.config import write_config
    from grader.hub.settings import Settings
    from grader.instance import Instance
    from grader.lab.config import write_overrides

    etc = Path(etc)
    with tempfile.TemporaryDirectory() as tmp:
        # rendered for `instance` (the paths inside the files), written under a scratch folder
        build = Instance(Path(tmp) / "instance")
        build.ensure()
        settings = Settings(home=str(instance), runtime=str(runtime))
        _write_for(build, instance, settings, write_config)
        made = []
        for name in ("staff", "trainer", "grader"):
            target = etc / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(build.home / "etc" / name, target)
            made.append(target)
    write_overrides(Path(runtime) / "share" / "jupyter" / "lab" / "settings")
    for path in [etc, *etc.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return made


def _write_for(build, instance: Path, settings, write_config) -> None:
    """write_config into `build.home`, with every path in the files naming `instance` instead."""
    write_config(build, settings)
    for path in (build.home / "etc").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(str(build.home), str(instance)), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python image_config.py ETC_DIR RUNTIME")
    for folder in write_image_config(Path(sys.argv[1]), Path(sys.argv[2])):
        print(folder)
