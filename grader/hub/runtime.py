"""The staff runtime: a venv from /usr/bin/python3 with a non-editable install of this project."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from grader.hub._util import _run
from grader.hub.settings import DEFAULT_RUNTIME, HubError


def checkout_root() -> Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = Path(__file__).resolve().parent.parent.parent
    return root if (root / "pyproject.toml").exists() else None


# Packages the runtime goes without (install-time work instead of work at every server start;
# each measured in docs/deploy.md with benchmarks/staff_start.py):
#   rfc3987-syntax  an optional part of jsonschema (its "iri" format check, pulled in by
#                   jupyter-events' jsonschema[format-nongpl]) that builds a Lark parser when
#                   imported: about 0.9 CPU-seconds and 15 MiB in every staff server. jsonschema
#                   skips that one format check without it; nothing here validates IRIs.
#   debugpy         the kernel debugger, imported by every kernel at its start (pydevd): 0.15
#                   CPU-seconds and 7 MiB per kernel. ipykernel runs without it (no debugger
#                   panel in JupyterLab; staff have no use for one, trainers lose it).
WITHOUT = ("rfc3987-syntax", "debugpy")


def _lighten(runtime: Path, pip: list[str]) -> None:
    """Remove WITHOUT from the runtime (pip puts it back at each install of the project's deps)."""
    site = list((runtime / "lib").glob("python3*/site-packages"))
    present = [name for name in WITHOUT if site and any(site[0].glob(name.replace("-", "_") + "-*.dist-info"))]
    # pip would refuse nothing here: ipykernel names debugpy as a dependency but imports it
    # optionally (ipykernel.debugger), jsonschema rfc3987-syntax only in an extra
    if present:
        _run([pip[0], "-m", "pip", "uninstall", "-q", "-y", *present])


def ensure_runtime(runtime: Path = DEFAULT_RUNTIME, source: Path | None = None, log=print) -> Path:
    """Build (or refresh) the staff runtime: a venv from /usr/bin/python3 with this project installed.

    The project is installed from `source` (default: this checkout) as a wheel, never editable, so
    the runtime holds grader/ and the statutes but no question bank. Re-running only reinstalls
    the project itself (a few seconds).
    """
    runtime = Path(runtime)
    source = Path(source or checkout_root() or "")
    if not (source / "pyproject.toml").exists():
        raise HubError("找不到项目源码 (pyproject.toml)：请用 --source 指定")
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    pip = [str(runtime / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    fresh = not (runtime / "bin" / "jupyterhub-singleuser").exists()
    if fresh:
        log(f"==> 建立运行环境 {runtime}（{python} -m venv）")
        runtime.parent.mkdir(parents=True, exist_ok=True)
        _run([python, "-m", "venv", str(runtime)])
        _run(pip + [str(source)], timeout=1800)
    else:
        log(f"==> 更新运行环境 {runtime} 中的 lawstudy")
        _run(pip + ["--no-deps", "--force-reinstall", str(source)], timeout=600)
        _run(pip + [str(source)], timeout=1800)  # dependencies added since (none: a quick no-op)
    _lighten(runtime, pip)
    for path in [runtime, *runtime.parents]:
        if path == Path("/"):
            break
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise HubError(f"{path} 不可被其他用户进入（mode {oct(mode & 0o777)}）：运行环境须放在所有人可读的位置")
    # Chinese menus, no news or update checks in JupyterLab (the bureau's network has no internet)
    from grader.lab.config import write_overrides

    write_overrides(runtime / "share" / "jupyter" / "lab" / "settings")
    _run(["chmod", "-R", "go+rX,go-w", str(runtime)])
    return runtime
