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
