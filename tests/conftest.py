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


@pytest.fixture
def cli():
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
