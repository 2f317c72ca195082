"""What the demo needs, checked before its first step: a CJK font, the python3 kernel, nbgrader, a
writable folder. Everything missing is said in one line (DemoError)."""

from __future__ import annotations

import os
from pathlib import Path

from grader import reports as report_api
from grader.errors import LawstudyError


class DemoError(LawstudyError, RuntimeError):
    pass


# ------------------------------------------------------------------ what the demo needs, checked first
def _missing_font() -> str | None:
    try:
        report_api.cjk_font()
    except LawstudyError:
        return "中文字体（pip install noto-cjk-sans-otc，或 apt-get install fonts-noto-cjk）"
    return None


def _missing_kernel() -> str | None:
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        KernelSpecManager().get_kernel_spec("python3")
    except (ImportError, NoSuchKernel):
        return "Python 内核 python3（pip install ipykernel）"
    return None


def _missing_nbgrader() -> str | None:
    try:
        import nbgrader.apps  # noqa: F401
    except ImportError:
        return "nbgrader（pip install -e . 安装 lawstudy 的依赖）"
    return None


def _missing_home(home: Path) -> str | None:
    """The demo folder, or the nearest folder above it that exists, must be writable."""
    place = Path(home).resolve()
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir() or not os.access(place, os.W_OK | os.X_OK):
        return f"可写的实例目录（{place} 不可写；请用 --home 指定其他目录）"
    return None


REQUIREMENTS = {"font": _missing_font, "kernel": _missing_kernel, "nbgrader": _missing_nbgrader}


def missing_requirements(home: Path) -> dict[str, str]:
    """What the demo would fail on later, found now: {name: what to install or change}."""
    missing = {name: why for name, check in REQUIREMENTS.items() if (why := check())}
    if why := _missing_home(home):
        missing["home"] = why
    return missing


def preflight(home: Path) -> None:
    """Raise DemoError naming, in one line, everything the demo needs and does not have."""
    missing = missing_requirements(home)
    if missing:
        raise DemoError("演示无法开始，缺少：" + "；".join(missing.values()) + f" (missing: {', '.join(missing)})")
