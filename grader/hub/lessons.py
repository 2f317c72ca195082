"""Lessons into a person's home, copied AS that person (a security fix: root never follows a link a
staff member planted), and the one way the hub runs anything as a person before their server
starts. `lessons_hook` is the pre_spawn_hook of the generated jupyterhub_config.py.

The hook runs on the hub's own event loop (JupyterHub awaits it), so it never blocks: the children
are started with asyncio, each with a time limit after which its whole process group is killed,
their output is read up to a cap, and a failure is logged, never raised (the server starts anyway).
"""

from __future__ import annotations

import asyncio
import errno
import os
import pwd
import signal
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader.safe_io import DIRECTORY_FLAGS, replace_file

# Seconds a child of the pre-spawn hook may take before its process group is killed. An honest
# copy takes about a second the first time, well under 0.1 s after (benchmarks in the hook's
# commit); the limit only bounds what a planted file could make one person's own spawn wait.
CHILD_TIMEOUT = 20.0
OUTPUT_LIMIT = 64 * 1024  # bytes of a child's stdout and of its stderr kept for the log


def _ensure_dir(parent_fd: int, name: str) -> int:
    """The directory `name` in `parent_fd`, opened (O_NOFOLLOW), made if missing: a link, FIFO,
    device node or socket there is removed first (it holds nothing of the person's); a regular
    file there is kept and NotADirectoryError raised."""
    try:
        mode = os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISDIR(mode):
        if stat.S_ISREG(mode):
            raise NotADirectoryError(errno.ENOTDIR, "是文件，应为文件夹")
        os.unlink(name, dir_fd=parent_fd)
        mode = None
    if mode is None:
        os.mkdir(name, 0o755, dir_fd=parent_fd)
    return os.open(name, DIRECTORY_FLAGS, dir_fd=parent_fd)


def _copy_tree(source: Path, dir_fd: int, dest: Path, problems: list[str]) -> None:
    try:
        entries = sorted(os.scandir(source), key=lambda e: e.name)
    except OSError as error:
        problems.append(f"{source}: {error.strerror}")
        return
    for entry in entries:
        target = dest / entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                child = _ensure_dir(dir_fd, entry.name)
                try:
                    _copy_tree(Path(entry.path), child, target, problems)
                finally:
                    os.close(child)
                continue
            if not entry.is_file(follow_symlinks=False):
                continue  # the lessons are built by root: nothing else belongs there
            src = entry.stat(follow_symlinks=False)
            try:
                now = os.stat(entry.name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                now = None
            if now is not None and stat.S_ISDIR(now.st_mode):
                raise IsADirectoryError(errno.EISDIR, "是文件夹，应为文件")
            if now is not None and stat.S_ISREG(now.st_mode):
                if entry.name.endswith(".ipynb") or now.st_mtime_ns >= src.st_mtime_ns:
                    continue  # the person's own copy of a lesson, or already current
            with open(entry.path, "rb") as f:
                data = f.read()
            replace_file(dir_fd, entry.name, data, stat.S_IMODE(src.st_mode), src.st_mtime_ns)
        except OSError as error:
            problems.append(f"{target}: {error.strerror}")


def copy_lessons(source: Path, target: Path) -> list[str]:
    """Copy the lessons folder `source` into `target` (a person's ~/课程); run it AS that person.

    New and updated files are copied; a lesson notebook the person already has (a regular file) is
    kept (their own work). Nothing in `target` is ever opened or followed: folders are entered
    without following links (O_NOFOLLOW, relative to the open parent), and a file is written as a
    new file renamed over whatever is there, so a link, a FIFO, a device node or a socket the
    person planted is replaced, never written through and never waited on; a link or special file
    where a folder belongs is removed and the folder made. A folder where a file belongs, or a
    file where a folder belongs, is kept and reported. Nothing is chowned: the person's process
    writes the files. Returns the paths it could not write (reported, never fatal: a server must
    still start).
    """
    source, target = Path(source), Path(target)
    problems: list[str] = []
    if not source.is_dir():
        return [f"{source}: 不是文件夹"]
    try:
        parent = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        return [f"{target.parent}: {error.strerror}"]
    try:
        top = _ensure_dir(parent, target.name)
    except OSError as error:
        return [f"{target}: {error.strerror}"]
    finally:
        os.close(parent)
    try:
        _copy_tree(source, top, target, problems)
    finally:
        os.close(top)
    return problems


@dataclass
class ChildResult:
    """How a child of the pre-spawn hook ended: its exit status (None when it was killed at its
    time limit), the first OUTPUT_LIMIT bytes of its stdout and stderr (text), its run time (s)."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


async def _read_capped(stream: asyncio.StreamReader | None, limit: int) -> bytes:
    """Read `stream` to its end, keeping at most `limit` bytes (the rest is read and dropped)."""
    kept = bytearray()
    if stream is None:
        return b""
    while chunk := await stream.read(65536):
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
    return bytes(kept)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def run_as_person(
    entry: pwd.struct_passwd,
    runtime: Path,
    args: list[str],
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = CHILD_TIMEOUT,
) -> ChildResult:
    """Run `python -s -m ARGS` from the staff runtime as the person `entry` (their uid and gid, no
    other groups, a minimal environment plus `env`, working folder /, no user site-packages from
    their home), in a session of its own: the one way root acts on a person's home.

    Awaitable without blocking the event loop (asyncio.create_subprocess_exec). `stdin` is written
    to the child's standard input. At `timeout` seconds the child's whole process group is killed
    (SIGKILL) and the result has returncode None. Output beyond OUTPUT_LIMIT bytes per stream is
    dropped. Raises OSError only when the child cannot be started.
    """
    python = Path(runtime) / "bin" / "python"
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        str(python if python.exists() else sys.executable),
        "-s",
        "-m",
        *args,
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": entry.pw_dir, "LANG": "C.UTF-8", **(env or {})},
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )

    async def feed() -> None:
        if proc.stdin is None or stdin is None:
            return
        try:
            proc.stdin.write(stdin)
            await proc.stdin.drain()
            proc.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass

    async def run() -> tuple[bytes, bytes]:
        _, out, err, _ = await asyncio.gather(
            feed(), _read_capped(proc.stdout, OUTPUT_LIMIT), _read_capped(proc.stderr, OUTPUT_LIMIT), proc.wait()
        )
        return out, err

    try:
        out, err = await asyncio.wait_for(run(), timeout)
        code: int | None = proc.returncode
    except TimeoutError:
        _kill_group(proc.pid)
        await proc.wait()
        out, err, code = b"", f"killed after {timeout:g} s".encode(), None
    except BaseException:  # cancelled with the spawn: leave nothing running
        _kill_group(proc.pid)
        raise
    return ChildResult(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.monotonic() - started)


async def person_entry(name: str) -> pwd.struct_passwd | None:
    """The system account `name` (looked up off the event loop: NSS may ask a directory), or None."""
    try:
        return await asyncio.to_thread(pwd.getpwnam, name)
    except KeyError:
        return None


def lessons_hook(source: Path, runtime: Path, folder: str, timeout: float = CHILD_TIMEOUT):
    """A JupyterHub pre_spawn_hook (a coroutine function) that copies `source` into ~/folder as
    the spawning user.

    The copy runs in a child process started with the person's uid, gid and no other groups
    (`python -m grader.hub copy-lessons`, through `run_as_person`), from the staff runtime they can
    read, killed after `timeout` seconds. Anything that goes wrong is logged as a warning: the
    hook never raises, so the server starts anyway.
    """

    async def hook(spawner):
        name = spawner.user.name
        try:
            source_dir = Path(source)
            if not source_dir.is_dir():
                return
            entry = await person_entry(name)
            if entry is None:
                return
            args = ["grader.hub", "copy-lessons", str(source_dir), str(Path(entry.pw_dir) / folder)]
            proc = await run_as_person(entry, runtime, args, timeout=timeout)
            if proc.returncode or proc.stdout.strip():
                spawner.log.warning(
                    "copying lessons for %s (%.1f s, exit %s): %s %s",
                    name,
                    proc.seconds,
                    proc.returncode,
                    proc.stdout[-500:],
                    proc.stderr[-500:],
                )
        except Exception as error:  # noqa: BLE001 — never fail the spawn
            spawner.log.warning("copying lessons for %s failed: %r", name, error)

    return hook
