"""A real browser (Debian's chromium through Playwright) on the real hub of tests/conftest_hub.py.

staff3 logs in on the hub's login page, opens a lesson (it runs by itself), clicks a practice
answer and gets the Chinese feedback; then opens the exam, clicks an answer, reloads the page
(the exam runs again by itself) and finds the answer still selected. staff3 never submits (the e2e report expects them
absent). A screenshot is saved on failure (path in the failure message).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest_hub import STAFF, hub_env  # noqa: F401  (fixture)

from grader.instance import username

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.timeout(600),  # the first test also waits for the shared hub to be built
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"),
]
S3 = username(list(STAFF)[2])
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(os.environ.get("LAWSTUDY_ARTIFACTS", "/tmp/lawstudy-artifacts"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, env={**os.environ, "LANG": "zh_CN.UTF-8"})
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def page(browser, hub_env):
    """staff3, logged in through the hub's login form, their server started by the hub."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    with shot(pg, "login"):
        pg.goto(f"{hub_env.url}/hub/login")
        pg.fill("#username_input", S3)
        pg.fill("#password_input", hub_env.passwords[S3])
        pg.click("#login_submit")
        pg.wait_for_url(f"**/user/{S3}/lab**", timeout=120_000)
    try:
        yield pg
    finally:
        context.close()


@contextmanager
def shot(pg, name):
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{time.strftime('%H%M%S')}.png"
        try:
            pg.screenshot(path=str(path), full_page=True)
            print(f"screenshot: {path}")
        except Exception:  # noqa: BLE001
            pass
        raise


def open_and_run(pg, url: str, path: str) -> None:
    """Open a notebook in JupyterLab by its address and wait until it has run by itself (the staff
    extension runs a lesson or the exam once its kernel is ready: nobody clicks Run All)."""
    pg.goto(url)
    pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=90_000)
    pg.wait_for_function(
        """(path) => { const w = window.jupyterapp.shell.currentWidget;
             if (!w || !w.context || w.context.path !== path || !w.node.classList.contains('lawstudy-lesson-run'))
               return false;
             const cells = w.content.widgets.filter(c => c.model.type === 'code');
             return cells.length > 0 && cells.every(c => c.model.executionCount !== null); }""",
        arg=path,
        timeout=120_000,
    )


def first_lesson(home: Path) -> str:
    for course in sorted((home / "lessons").iterdir()):
        if course.is_dir():
            for lesson in sorted(course.glob("*.ipynb")):
                if "practice(" in lesson.read_text(encoding="utf-8"):
                    return f"{course.name}/{lesson.name}"
    raise AssertionError("no lesson with a practice question was built")


def test_practice_question_shows_chinese_feedback(page, hub_env):
    lesson = "课程/" + first_lesson(hub_env.home)
    with shot(page, "practice"):
        open_and_run(page, f"{hub_env.url}/user/{S3}/lab/tree/{lesson}", lesson)
        box = page.locator(".lawstudy-practice").first
        box.scroll_into_view_if_needed()
        box.locator(".lawstudy-option input").first.check()
        box.locator(".lawstudy-submit").click()
        feedback = box.locator(".lawstudy-feedback")
        feedback.filter(has_text="回答").wait_for(timeout=30_000)
        text = feedback.inner_text()
        assert ("✓ 回答正确" in text or "✗" in text) and "解析" in text and "正确答案" in text, text


def test_exam_answer_survives_a_reload(page, hub_env):
    env = hub_env
    me = env.session(S3)
    fetched = me.post(
        f"{env.url}/user/{S3}/assignments/fetch",
        data={"course_id": "lawstudy", "assignment_id": env.exam_id},
        timeout=60,
    ).json()
    assert fetched["success"], fetched
    path = f"{env.exam_id}/exam.ipynb"
    answers = Path(f"/home/{S3}/{env.exam_id}/answers.json")
    with shot(page, "exam"):
        open_and_run(page, f"{env.url}/user/{S3}/lab/tree/{path}", path)
        first = page.locator(".lawstudy-exam .lawstudy-input").first
        first.scroll_into_view_if_needed()
        option = first.locator("label").nth(1)
        label = option.inner_text().strip()
        option.locator("input").check()
        page.locator(".lawstudy-saved", has_text="答案已保存").first.wait_for(timeout=30_000)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if answers.exists() and json.loads(answers.read_text(encoding="utf-8")).get("answers"):
                break
            time.sleep(0.2)
        saved = json.loads(answers.read_text(encoding="utf-8"))["answers"]
        assert len(saved) == 1, saved

        page.reload()
        open_and_run(page, f"{env.url}/user/{S3}/lab/tree/{path}", path)
        first = page.locator(".lawstudy-exam .lawstudy-input").first
        first.scroll_into_view_if_needed()
        checked = first.locator("label", has=page.locator("input:checked"))
        assert checked.count() == 1
        assert checked.inner_text().strip() == label
        assert page.locator(".lawstudy-saved", has_text="已恢复").count() >= 1
