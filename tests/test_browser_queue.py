"""The waiting page in a real browser (Debian's chromium through Playwright), on the queue hub of
tests/test_hub_queue.py (one server starting at a time): the third in line sees, in Chinese, that
their environment is being prepared and their place, then lands in their JupyterLab with no click.
A screenshot is left in $LAWSTUDY_ARTIFACTS (default /tmp/lawstudy-artifacts)/waiting-page.png.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from test_hub_queue import STAFF, _login, _stop_all, queue_hub  # noqa: F401  (fixture)

from grader.instance import username

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"),
]
BROWSER_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def test_c_the_waiting_page_in_a_real_browser_tells_the_place_then_goes_in(queue_hub):
    """Debian's chromium on the waiting page of the third in line: Chinese, their place, and then,
    by itself, their JupyterLab."""
    from playwright.sync_api import sync_playwright

    env = queue_hub
    a, b, c = (username(s) for s in STAFF[:3])
    sessions = {u: _login(env, u) for u in (a, b, c)}
    artifacts = Path(os.environ.get("LAWSTUDY_ARTIFACTS", "/tmp/lawstudy-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=BROWSER_ARGS, env={**os.environ, "LANG": "zh_CN.UTF-8"}
        )
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 800})
            context.add_cookies(
                [
                    {"name": k.name, "value": k.value, "domain": "127.0.0.1", "path": k.path or "/"}
                    for k in sessions[c].cookies
                ]
            )
            pg = context.new_page()
            pg.set_default_timeout(120_000)
            threads = []
            for user in (a, b, c):  # a starts, b and then c wait in line
                t = threading.Thread(
                    target=lambda u=user: sessions[u].get(
                        f"{env['url']}/hub/spawn/{u}", allow_redirects=False, timeout=120
                    )
                )
                t.start()
                threads.append(t)
                time.sleep(0.2)
            pg.goto(f"{env['url']}/hub/spawn-pending/{c}")
            line = pg.locator("#lawstudy-queue").inner_text()
            pg.screenshot(path=str(artifacts / "waiting-page.png"))
            assert "正在为您准备学习环境" in pg.locator("h1.lawstudy-waiting").inner_text()
            assert "您前面还有" in line or "正在启动" in line or "已准备好" in line, line
            # then into JupyterLab by itself, with no click
            pg.wait_for_url(f"**/user/{c}/**", timeout=180_000)
            for t in threads:
                t.join(150)
            print(f"waiting page said: {line}")
        finally:
            browser.close()
    _stop_all(env, [a, b, c])
