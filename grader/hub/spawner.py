"""StaffSpawner: LocalProcessSpawner with limits per server, ending a person's processes on stop,
and servers started a few at a time in the order people asked (grader.hub.spawn_queue).

The generated jupyterhub_config.py names it (grader.hub.StaffSpawner in configs of older
releases, which stays importable). Importing this module imports JupyterHub."""

from __future__ import annotations

import asyncio
import os
import socket
import time

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer

from grader.hub.spawn_queue import SpawnQueue, waiting_text
from grader.hub.users import end_processes

# every StaffSpawner of the hub's process shares one queue (made at the first spawn)
_QUEUE: dict[str, SpawnQueue] = {}
_PENDING: dict[str, StaffSpawner] = {}  # queue key -> the spawner that holds or waits for a slot


class StaffSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with limits per server, ending all of a person's processes on stop,
    starting at most `concurrent_starts` servers at once, first come first served.

    Limits are set in the child before it becomes the user (setrlimit): RLIMIT_NPROC bounds the
    processes and threads of the person's account, RLIMIT_AS the memory of each process, and
    the server (and so its kernels) runs at a lower CPU priority (nice). See docs/deploy.md.

    The queue: a spawn takes its turn before the pre-spawn hook (so the wait counts against no
    timeout) and gives its slot back when the server answers on its port (or the start fails);
    meanwhile the spawn-pending page shows the place in line and a rough time (`progress`).
    """

    max_processes = Integer(256, config=True, help="RLIMIT_NPROC for the person's account")
    max_memory_mb = Integer(4096, config=True, help="RLIMIT_AS per process, MiB")
    nice = Integer(5, config=True, help="CPU priority increment of staff servers")
    concurrent_starts = Integer(
        0, config=True, help="servers starting at once; the others wait in line (0: the number of cores)"
    )

    @property
    def queue(self) -> SpawnQueue:
        if "q" not in _QUEUE:
            slots = self.concurrent_starts or os.cpu_count() or 1
            _QUEUE["q"] = SpawnQueue(slots, alive=_still_starting)
        return _QUEUE["q"]

    @property
    def queue_key(self) -> str:
        return f"{self.user.name}/{self.name}"

    def queue_place(self) -> int | None:
        """The place in the start queue (1 = next), 0 while starting, None when not in it."""
        return self.queue.place(self.queue_key)

    def queue_message(self) -> str:
        """What the waiting page says now (Chinese): the place in line and a rough time."""
        place = self.queue_place()
        return waiting_text(place, self.queue.wait_estimate(place or 0))

    async def run_pre_spawn_hook(self):
        key = self.queue_key
        _PENDING[key] = self
        waited = await self.queue.acquire(key)
        if waited > 1:
            self.log.info("start queue: %s waited %.1f s for a slot", key, waited)
        try:
            result = super().run_pre_spawn_hook()
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                await result
        except BaseException:
            self._give_back()
            raise

    async def start(self):
        try:
            url = await super().start()
            await self._answering()
            return url
        finally:
            self._give_back()

    async def _answering(self) -> None:
        """Wait (at most http_timeout seconds) until the server accepts connections on its port,
        or its process has ended: until then it holds its slot."""
        deadline = time.monotonic() + self.http_timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(self.ip or "127.0.0.1", self.port), 2)
                writer.close()
                return
            except (OSError, TimeoutError, socket.gaierror):
                await asyncio.sleep(0.25)

    def _give_back(self) -> None:
        key = self.queue_key
        if _PENDING.get(key) is self:
            del _PENDING[key]
        self.queue.release(key)

    async def progress(self):
        """The spawn-pending page's events: the place in line while waiting, then the start."""
        last = None
        while True:
            place = self.queue_place()
            if place is None and not self._start_pending and not self._spawn_pending:
                return
            message = self.queue_message()
            if message != last:
                yield {"progress": 10 if place else 50, "message": message}
                last = message
            if place == 0 or (place is None and self._start_pending and _PENDING.get(self.queue_key) is not self):
                return  # starting: the hub's own events follow
            await asyncio.sleep(1)

    def make_preexec_fn(self, name):
        become = super().make_preexec_fn(name)
        nproc, memory, nice = self.max_processes, self.max_memory_mb * 1024 * 1024, self.nice

        def preexec():
            import resource

            os.nice(nice)
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            become()

        return preexec

    async def stop(self, now=False):
        self._give_back()
        await super().stop(now=now)
        from tornado.ioloop import IOLoop

        await IOLoop.current().run_in_executor(None, end_processes, self.user.name)


def _still_starting(key: str) -> bool:
    """A slot holder is still starting while its spawner says so (JupyterHub's _start_pending)."""
    spawner = _PENDING.get(key)
    return spawner is not None and bool(spawner._start_pending or spawner._spawn_pending)
