"""Reading files that someone else controls: never through a link, never a device, never unbounded.

Staff write their answers file and their exchange entries; root and the grader read them. A
symlink to /dev/zero, a FIFO or a sparse 150 MB file must neither hang nor exhaust the reader.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class UnsafeFile(OSError):
    """A path is a link, a device, a FIFO or a socket, or larger than allowed."""


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """Read a regular file without following a link at its last component: at most `limit` bytes.

    Raises FileNotFoundError when absent and UnsafeFile for a link, a special file or a file over
    `limit` bytes (checked on the open file, in apparent size and in disk blocks).
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFile(errno.ELOOP, f"{path.name} 是符号链接") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(errno.EINVAL, f"{path.name} 不是普通文件")
        if info.st_size > limit or info.st_blocks * 512 > limit + 8192:
            raise UnsafeFile(errno.EFBIG, f"{path.name} 超过 {limit} 字节")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise UnsafeFile(errno.EFBIG, f"{path.name} 超过 {limit} 字节")
        return data
    finally:
        os.close(fd)


def copy_tree_checked(
    src: str | os.PathLike, dest: str | os.PathLike, max_bytes: int, max_files: int, max_depth: int
) -> int:
    """Copy the folder `src` (someone else's) to `dest` (ours, must not exist) exactly as checked:
    every folder and file is opened without following links (relative to its parent's open
    descriptor, so no part of the path can be swapped between the check and the copy), checked on
    the open descriptor (a folder is a folder, a file a regular file) and read within what is
    left of `max_bytes`; at most `max_files` entries and `max_depth` levels.

    The copy is made beside `dest` and renamed into place only when whole: on any refusal nothing
    is left. Returns the bytes copied. Raises UnsafeFile (a link, a special file, over a limit)
    or OSError (unreadable); `dest` then does not exist.
    """
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.receiving-{os.getpid()}")
    budget = {"bytes": max_bytes, "files": max_files}

    def folder(fd: int, target: Path, depth: int) -> None:
        target.mkdir(mode=0o700)
        with os.scandir(fd) as entries:
            names = [e.name for e in entries]
        for name in names:
            budget["files"] -= 1
            if budget["files"] < 0:
                raise UnsafeFile(errno.EFBIG, f"文件数超过 {max_files}")
            try:
                child = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise UnsafeFile(errno.ELOOP, f"{name} 是符号链接") from None
                raise
            try:
                info = os.fstat(child)
                if stat.S_ISDIR(info.st_mode):
                    if depth + 1 >= max_depth:
                        raise UnsafeFile(errno.EFBIG, "目录层级过深")
                    folder(child, target / name, depth + 1)
                    continue
                if not stat.S_ISREG(info.st_mode):
                    raise UnsafeFile(errno.EINVAL, f"{name} 不是普通文件")
                if info.st_size > budget["bytes"] or info.st_blocks * 512 > budget["bytes"] + 8192:
                    raise UnsafeFile(errno.EFBIG, f"超过 {max_bytes} 字节")
                data = _read_at_most(child, budget["bytes"])
                if len(data) > budget["bytes"]:
                    raise UnsafeFile(errno.EFBIG, f"超过 {max_bytes} 字节")
                budget["bytes"] -= len(data)
                out = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(out, "wb") as f:
                    f.write(data)
            finally:
                os.close(child)

    import shutil

    top = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        folder(top, tmp, 0)
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(top)
    return max_bytes - budget["bytes"]


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def replace_file(dir_fd: int, name: str, data: bytes, mode: int = 0o644, mtime_ns: int | None = None) -> None:
    """Put `data` at `name` in the open directory `dir_fd` without opening what is there now.

    A new file (random name, O_EXCL, never a link) is written beside it and renamed over `name`,
    so a link, FIFO, device node or socket planted at `name` is replaced, never followed or opened
    (opening a FIFO to write blocks until someone reads it). `mode` is applied to the new file,
    `mtime_ns` (nanoseconds since the epoch) as its access and modification time.

    Raises IsADirectoryError when `name` is a directory (left as it is) and OSError when the
    folder cannot be written; the temporary file is removed on every failure.
    """
    try:
        if stat.S_ISDIR(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
            raise IsADirectoryError(errno.EISDIR, f"{name} 是文件夹")
    except FileNotFoundError:
        pass
    tmp = f".{name}.{os.urandom(6).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            if mtime_ns is not None:
                os.utime(fd, ns=(mtime_ns, mtime_ns))
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise
