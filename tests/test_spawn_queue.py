"""The spawn queue (grader.hub.spawn_queue): first come first served, the place in line, a slot
handed on when a start ends, a leaver taken out of the line, the Chinese line the page shows."""

from __future__ import annotations

import asyncio

import pytest

from grader.hub.spawn_queue import SpawnQueue, rough_time, waiting_text

pytestmark = pytest.mark.unit


def test_starts_go_in_the_order_asked_with_slots_at_once():
    async def scenario():
        q = SpawnQueue(slots=2)
        order: list[str] = []

        async def person(name, hold):
            await q.acquire(name)
            order.append(name)
            await asyncio.sleep(hold)
            q.release(name)

        tasks = []
        for i, name in enumerate("abcdef"):
            tasks.append(asyncio.create_task(person(name, 0.05)))
            await asyncio.sleep(0.001)  # asked a moment apart, in this order
            if i == 3:
                assert q.place("a") == 0 and q.place("b") == 0  # two slots: a and b start
                assert q.place("c") == 1 and q.place("d") == 2  # c, d wait in line
                assert q.place("zz") is None
        await asyncio.gather(*tasks)
        return order, q

    order, q = asyncio.run(scenario())
    assert order == list("abcdef")
    assert not q.running and not q.waiting
    assert len(q.recent) == 6 and 0.04 < q.typical_start() < 1


def test_a_leaver_gives_up_their_place_and_a_stale_slot_is_taken_back():
    async def scenario():
        alive = {"a": True}
        q = SpawnQueue(slots=1, alive=lambda k: alive.get(k, False))
        await q.acquire("a")
        b = asyncio.create_task(q.acquire("b"))
        c = asyncio.create_task(q.acquire("c"))
        await asyncio.sleep(0.01)
        assert (q.place("b"), q.place("c")) == (1, 2)
        b.cancel()  # b closed the page / stopped the spawn
        await asyncio.sleep(0.01)
        assert q.place("b") is None and q.place("c") == 1
        alive["a"] = False  # a's spawn ended without giving its slot back
        d = asyncio.create_task(q.acquire("d"))
        await asyncio.sleep(0.01)
        assert q.place("a") is None  # reclaimed at the next acquire, the slot handed on to c
        await asyncio.wait_for(c, 1)
        assert q.place("c") == 0 and q.place("d") == 1
        q.release("a")  # a late release does no harm
        assert q.place("c") == 0 and q.place("d") == 1
        q.release("c")
        await asyncio.wait_for(d, 1)
        return q

    q = asyncio.run(scenario())
    assert q.place("d") == 0


def test_the_page_says_the_place_and_a_rough_time_in_chinese():
    q = SpawnQueue(slots=2)
    q.recent.extend([20.0, 20.0])
    assert q.wait_estimate(5) == 3 * 20 + 20
    text = waiting_text(5, q.wait_estimate(5))
    assert "您前面还有 4 人" in text and "预计约 2 分钟" in text and "自动刷新" in text
    assert "不到 1 分钟" in waiting_text(1, 30)
    assert "正在启动" in waiting_text(0, 0)
    assert rough_time(61) == "约 2 分钟"
