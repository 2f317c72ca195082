"""The spawn queue: servers start a few at a time, in the order people asked, each told their place.

On exam morning a whole bureau logs in within minutes. Started all at once on two cores, every
server competes for the CPU and they all time out together (benchmarks/load_hub.py: p50 304 s,
20 of 100 never ready). JupyterHub's own `concurrent_spawn_limit` refuses the spawns beyond it
with a 429 and a suggested random retry time, so whoever retries first after a slot frees goes
next: people are not served in order. Here a spawn instead waits its turn in a first-come,
first-served queue: at most `slots` servers start at once (the cores), the others wait inside
their pending spawn (JupyterHub's spawn-pending page, which shows the place and a rough time
from the spawner's progress events), and a slot passes to the next in line the moment a server
answers on its port. JupyterHub's `concurrent_spawn_limit` stays only as the cap on the queue's
length (grader/hub/templates/pages/error.html says so in Chinese and retries by itself).

The queue lives in the hub's process (one event loop): no lock is needed, and nothing here blocks.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_START_SECONDS = 10.0  # the estimate before any server has started (s)
RECENT = 20  # starts the estimate averages over


@dataclass
class _Waiter:
    key: str
    future: asyncio.Future
    since: float


@dataclass
class SpawnQueue:
    """A first-come, first-served queue of server starts with `slots` starts at once.

    Keys are spawner names (one per person's server). `alive(key) -> bool` (optional) tells
    whether a slot holder's spawn is still going: a slot held by a spawn that ended without
    releasing it (a failure between the hook and the start) is taken back at the next acquire."""

    slots: int
    alive: Callable[[str], bool] | None = None
    running: dict[str, float] = field(default_factory=dict)  # key -> when its start began (monotonic)
    waiting: deque[_Waiter] = field(default_factory=deque)
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT))  # seconds each start held a slot

    async def acquire(self, key: str) -> float:
        """Wait for `key`'s turn and take a slot; returns the seconds waited. A key already
        holding a slot returns at once. Cancelled while waiting, it leaves the queue (and gives
        back a slot it was handed meanwhile)."""
        if key in self.running:
            return 0.0
        self._reclaim()
        if len(self.running) < self.slots and not self.waiting:
            self.running[key] = time.monotonic()
            return 0.0
        if any(w.key == key for w in self.waiting):
            waiter = next(w for w in self.waiting if w.key == key)
        else:
            waiter = _Waiter(key, asyncio.get_running_loop().create_future(), time.monotonic())
            self.waiting.append(waiter)
        try:
            await asyncio.shield(waiter.future)
        except asyncio.CancelledError:
            self.forget(key)
            raise
        return time.monotonic() - waiter.since

    def release(self, key: str) -> None:
        """`key`'s start is over (ready, failed or cancelled): its slot goes to the next in line.
        Also takes `key` out of the line if it was still waiting. Never raises."""
        began = self.running.pop(key, None)
        if began is not None:
            self.recent.append(time.monotonic() - began)
        self._drop_waiting(key)
        self._hand_on()

    forget = release

    def place(self, key: str) -> int | None:
        """1 for the first in line, 2 for the next, ...; 0 when `key` is starting now; None when
        it is neither (not asked, or done)."""
        if key in self.running:
            return 0
        for i, w in enumerate(self.waiting):
            if w.key == key:
                return i + 1
        return None

    def typical_start(self) -> float:
        """Seconds a start holds a slot, averaged over the last RECENT starts (DEFAULT_START_SECONDS
        before any)."""
        return sum(self.recent) / len(self.recent) if self.recent else DEFAULT_START_SECONDS

    def wait_estimate(self, place: int) -> float:
        """Rough seconds until the `place`-th in line has a server: the rounds of `slots` starts
        ahead of it and its own, each a typical start long."""
        if place <= 0:
            return self.typical_start()
        return math.ceil(place / self.slots) * self.typical_start() + self.typical_start()

    def _reclaim(self) -> None:
        if self.alive is None:
            return
        for key in [k for k in self.running if not self.alive(k)]:
            self.running.pop(key, None)
        self._hand_on()

    def _drop_waiting(self, key: str) -> None:
        for w in list(self.waiting):
            if w.key == key:
                self.waiting.remove(w)
                if w.future.done() and not w.future.cancelled():
                    # handed a slot while it was leaving: give it back
                    self.running.pop(key, None)
                elif not w.future.done():
                    w.future.cancel()

    def _hand_on(self) -> None:
        while self.waiting and len(self.running) < self.slots:
            w = self.waiting.popleft()
            if w.future.done():
                continue
            self.running[w.key] = time.monotonic()
            w.future.set_result(None)


def waiting_text(place: int | None, seconds: float) -> str:
    """The Chinese line the waiting page shows: the place in the queue and a rough time."""
    if place is None:
        return "正在准备您的学习环境……"
    if place == 0:
        return "正在启动您的学习环境，请稍候（通常不到 1 分钟）……"
    return f"登录的人较多，正在排队启动。您前面还有 {place - 1} 人，预计{rough_time(seconds)}。页面会自动刷新，请不要关闭。"


def rough_time(seconds: float) -> str:
    """'不到 1 分钟', '约 3 分钟' (rounded up to whole minutes)."""
    if seconds < 60:
        return "不到 1 分钟"
    return f"约 {math.ceil(seconds / 60)} 分钟"
