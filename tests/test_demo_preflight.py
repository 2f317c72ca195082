"""`lawstudy demo` says in one line what it lacks before its first step (not test_demo.py: no demo runs)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from grader import demo
from grader.cli import cli
from grader.demo import requirements, year

pytestmark = pytest.mark.unit


def test_a_complete_environment_lacks_nothing(tmp_path):
    assert demo.missing_requirements(tmp_path / "demo") == {}


def test_everything_missing_is_said_in_one_line_before_any_step(tmp_path, monkeypatch):
    monkeypatch.setattr(
        requirements,
        "REQUIREMENTS",
        {
            "font": lambda: "中文字体（pip install noto-cjk-sans-otc）",
            "kernel": lambda: "Python 内核 python3",
            "nbgrader": lambda: None,
        },
    )
    steps = []
    monkeypatch.setattr(year, "prepare_home", lambda home: steps.append(home))
    result = CliRunner().invoke(cli, ["demo", "--home", str(tmp_path / "demo")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "中文字体" in lines[0] and "python3" in lines[0] and "(missing: font, kernel)" in lines[0]
    assert "Traceback" not in result.output and steps == []
    assert not (tmp_path / "demo").exists()


def test_each_check_finds_its_lack(tmp_path, monkeypatch):
    from matplotlib import font_manager

    from grader import reports as report

    monkeypatch.setattr(report.charts, "packaged_cjk_font", lambda: None)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    assert "中文字体" in requirements._missing_font()

    from jupyter_client import kernelspec

    def no_kernel(self, name):
        raise kernelspec.NoSuchKernel(name)

    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_kernel_spec", no_kernel)
    assert "python3" in requirements._missing_kernel()

    import builtins

    real_import = builtins.__import__

    def no_nbgrader(name, *args, **kwargs):
        if name.startswith("nbgrader"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nbgrader)
    assert "nbgrader" in requirements._missing_nbgrader()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_home_that_cannot_be_written_is_found(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert "不可写" in demo.missing_requirements(locked / "demo")["home"]
    finally:
        locked.chmod(0o700)


def test_a_home_under_a_file_is_found(tmp_path):
    (tmp_path / "file").write_text("x")
    assert "home" in demo.missing_requirements(tmp_path / "file" / "demo")
