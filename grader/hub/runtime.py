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
