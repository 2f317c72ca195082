import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_cli(*args, cwd=None, env=None, check=False, timeout=300):
    """Run the installed `lawstudy` command as a user would."""
    exe = shutil.which("lawstudy", path=str(BIN)) or "lawstudy"
    result = subprocess.run(
        [exe, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"lawstudy {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_in_process(*args, cwd=None, env=None, check=False, timeout=300):
    """The same command run in this process (click's runner): what the installed one would print
    on stdout and stderr, its exit code, and a traceback on stderr for an error nobody caught."""
    import contextlib
    import traceback

    from click.testing import CliRunner

    from grader.cli import cli as command

    with contextlib.chdir(cwd or os.getcwd()):
        result = CliRunner().invoke(command, [str(a) for a in args], env=env, prog_name="lawstudy")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    done = subprocess.CompletedProcess(["lawstudy", *map(str, args)], result.exit_code, result.stdout, stderr)
    if check and done.returncode != 0:
        raise AssertionError(f"lawstudy {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def cli():
    """`lawstudy ARGS`, run in this process (the unit tier's way: no interpreter start per call)."""
    return run_in_process


@pytest.fixture
def installed_cli():
    """`lawstudy ARGS`, the installed command in a process of its own, as a user runs it."""
    return run_cli


@pytest.fixture(scope="session")
def empty_gradebook(tmp_path_factory) -> Path:
    """A gradebook as nbgrader makes it (its own API, its alembic version), holding nothing: made
    once per run (nbgrader's import and its alembic call take seconds); copy it to use it."""
    from grader.exams.gradebook import open_gradebook
    from grader.instance import Instance

    inst = Instance(tmp_path_factory.mktemp("nbgrader")).ensure()
    inst.course_dir.mkdir()
    with open_gradebook(inst, create=True):
        pass
    return inst.gradebook


# Every test belongs to exactly one tier (pyproject.toml's markers; README "Tests"):
#   unit         no kernel, no nbgrader command, no hub: `./test.sh fast`
#   integration  real nbgrader, kernels, SQLite, subprocesses
#   hub          a real JupyterHub with real system users (root)
#   browser      Debian's chromium through Playwright against a real hub
#   docs         the README's commands, in order
TIERS = ("unit", "integration", "hub", "browser", "docs")


def pytest_collection_modifyitems(config, items):
    """Refuse a test module that marks no tier or several (pytestmark = pytest.mark.TIER)."""
    wrong = []
    for item in items:
        tiers = sorted({m.name for m in item.iter_markers() if m.name in TIERS})
        if len(tiers) != 1:
            wrong.append(f"{item.nodeid}: {tiers or 'no tier'}")
    if wrong:
        raise pytest.UsageError("every test needs exactly one tier marker " + str(TIERS) + ":\n" + "\n".join(wrong))
