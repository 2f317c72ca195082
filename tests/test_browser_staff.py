"""The staff's JupyterLab on the real hub (tests/conftest_hub.py) in Debian's chromium (issue 17).

A staff member (staff3) and the trainer log in through the hub's login page. Staff land on the
start page (开始学习) in a Chinese JupyterLab without instructor tools and without configuration
files in their home; the trainer's server keeps Create Assignment and the formgrader. staff3
answers a lesson's practice question with the keyboard only, then switches the larger type on,
which stays on after a reload. Every request the browser makes must stay on 127.0.0.1.

Screenshots are kept under tests/artifacts/browser-staff/ (git-ignored; LAWSTUDY_ARTIFACTS moves it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest_hub import STAFF, TRAINER, hub_env  # noqa: F401  (fixture)

from grader.instance import username
from grader.staff_lab import START_PAGE, TRAINER_ONLY_PLUGINS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"),
]
S3 = username(list(STAFF)[2])
T1 = username(TRAINER)
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
ARTIFACTS = Path(os.environ.get("LAWSTUDY_ARTIFACTS", Path(__file__).parent / "artifacts")) / "browser-staff"
OFF_LOOPBACK: list[str] = []


def snap(pg, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path))
    return path


def _watch(request) -> None:
    url = request.url
    if url.startswith(("data:", "blob:", "about:")):
        return
    if urlsplit(url).hostname != "127.0.0.1":
        OFF_LOOPBACK.append(url)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, env={**os.environ, "LANG": "zh_CN.UTF-8"})
        try:
            yield b
        finally:
            b.close()


def login(browser, env, user: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    context.on("request", _watch)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(f"{env.url}/hub/login")
    pg.fill("#username_input", user)
    pg.fill("#password_input", env.passwords[user])
    pg.click("#login_submit")
    pg.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
    pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=90_000)
    return context, pg


@pytest.fixture(scope="module")
def staff(browser, hub_env):
    context, pg = login(browser, hub_env, S3)
    try:
        yield pg
    finally:
        context.close()


def plugins(pg) -> dict[str, bool]:
    return pg.evaluate(
        "(ids) => Object.fromEntries(ids.map(id => [id, window.jupyterapp.hasPlugin(id)]))",
        [*TRAINER_ONLY_PLUGINS, "@jupyter/nbgrader:assignment-list"],
    )


def test_staff_land_on_the_start_page_in_chinese_without_instructor_tools(staff, hub_env):
    pg = staff
    pg.wait_for_function(
        "(p) => { const w = window.jupyterapp.shell.currentWidget; return w && w.context && w.context.path === p; }",
        arg=START_PAGE,
        timeout=90_000,
    )
    pg.locator(".jp-RenderedMarkdown h1", has_text="开始学习").first.wait_for()
    snap(pg, "staff-start-page")
    menus = pg.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
    assert {"文件", "编辑", "运行"} <= set(menus), menus
    assert "File" not in menus and "Kernel" not in menus, menus
    found = plugins(pg)
    assert not any(found[p] for p in TRAINER_ONLY_PLUGINS), found
    assert found["@jupyter/nbgrader:assignment-list"], found
    text = pg.locator(".jp-RenderedMarkdown").first.inner_text()
    assert "我的课程" in pg.content() and "考试" in text + pg.content()
    assert pg.locator(".jp-RenderedMarkdown a", has_text="第").count() + pg.locator(".jp-RenderedMarkdown li a").count()
    home = Path(f"/home/{S3}")
    assert not list(home.glob("*config*.py")) and not list(home.glob("*config*.json")), list(home.iterdir())
    assert "news" not in pg.content().lower() or not pg.locator(".jp-Notification-Toast").count()
    assert not OFF_LOOPBACK, OFF_LOOPBACK


def test_trainer_server_keeps_create_assignment_and_formgrader(browser, hub_env):
    context, pg = login(browser, hub_env, T1)
    try:
        pg.wait_for_timeout(2000)
        found = plugins(pg)
        snap(pg, "trainer-lab")
        assert all(found.values()), found
        assert not OFF_LOOPBACK, OFF_LOOPBACK
    finally:
        context.close()


def open_first_lesson(pg) -> None:
    """One click on the first lesson's name on the start page; the lesson opens in a tab next to
    the start page, which the test then brings to the front (a click on its tab)."""
    pg.locator(".jp-RenderedMarkdown li a").first.click()
    tab = pg.locator(".lm-TabBar-tab", has_text=".ipynb").first
    tab.wait_for(timeout=60_000)
    pg.wait_for_timeout(1000)
    tab.click()
    pg.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
             return w && w.context && w.context.path.endsWith('.ipynb'); }"""
    )


def _run_current(pg) -> None:
    try:
        _run(pg)
    except Exception:
        snap(pg, "failed-run")
        raise


LESSON = "[...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path.endsWith('.ipynb'))"


def _run(pg) -> None:
    """Run the open lesson (the notebook tab, whichever tab is in front)."""
    pg.wait_for_function(
        f"""() => {{ const w = {LESSON};
             return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
                    && w.sessionContext.session.kernel.status === 'idle'; }}""",
        timeout=90_000,
    )
    pg.evaluate(
        f"""async () => {{ const w = {LESSON}; window.jupyterapp.shell.activateById(w.id);
             await window.jupyterapp.commands.execute('notebook:run-all-cells'); }}"""
    )
    pg.wait_for_function(
        f"""() => {{ const cells = {LESSON}.content.widgets.filter(c => c.model.type === 'code');
             return cells.length > 0 && cells.every(c => c.model.executionCount !== null); }}""",
        timeout=90_000,
    )
    pg.evaluate(f"() => window.jupyterapp.shell.activateById({LESSON}.id)")


def test_a_lesson_opened_from_the_start_page_is_answered_with_the_keyboard_only(staff, hub_env):
    pg = staff
    pg.goto(f"{hub_env.url}/user/{S3}/lab/tree/{START_PAGE}")
    pg.locator(".jp-RenderedMarkdown h1", has_text="开始学习").first.wait_for(timeout=90_000)
    snap(pg, "start-page-lesson-link")
    open_first_lesson(pg)
    _run_current(pg)
    box = pg.locator(".lawstudy-practice").first
    box.scroll_into_view_if_needed()
    # keyboard only: focus lands on the first option by Tab from the question's stem
    box.locator(".lawstudy-stem").first.click(position={"x": 2, "y": 2})
    first = box.locator(".lawstudy-option input").first
    for _ in range(12):
        if pg.evaluate("(el) => document.activeElement === el", first.element_handle()):
            break
        pg.keyboard.press("Tab")
    pg.keyboard.press("Space")
    assert first.is_checked() or box.locator(".lawstudy-option input:checked").count() == 1
    submit = box.locator(".lawstudy-submit")
    for _ in range(12):
        if pg.evaluate("(el) => document.activeElement === el", submit.element_handle()):
            break
        pg.keyboard.press("Tab")
    outline = pg.evaluate("(el) => getComputedStyle(el).outlineStyle", submit.element_handle())
    snap(pg, "lesson-keyboard-focus")
    assert outline not in ("", "none"), outline  # a visible focus
    pg.keyboard.press("Enter")
    feedback = box.locator(".lawstudy-feedback")
    feedback.filter(has_text="回答").wait_for(timeout=30_000)
    text = feedback.inner_text()
    assert "✓ 回答正确" in text or "✗ 回答错误" in text or "✗ 部分正确" in text, text  # words and a symbol
    snap(pg, "lesson-keyboard-feedback")
    assert not OFF_LOOPBACK, OFF_LOOPBACK


def test_larger_type_switched_on_stays_on(staff, hub_env):
    pg = staff
    pg.goto(f"{hub_env.url}/user/{S3}/lab/tree/{START_PAGE}")
    pg.locator(".jp-RenderedMarkdown h1", has_text="开始学习").first.wait_for(timeout=90_000)
    for _ in range(4):  # as the start page says: 设置 → 主题 → 增大内容字号, four times
        pg.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="设置").click()
        pg.locator(".lm-Menu-itemLabel", has_text="主题").first.hover()
        pg.locator(".lm-Menu-itemLabel", has_text="增大内容字号").click()
        pg.wait_for_timeout(300)
    pg.wait_for_timeout(1500)  # the setting is saved to the server
    pg.reload()
    pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=90_000)
    size = pg.evaluate("() => parseFloat(getComputedStyle(document.body).getPropertyValue('--jp-content-font-size1'))")
    assert size >= 18, size
    open_first_lesson(pg)
    _run_current(pg)
    stem = pg.locator(".lawstudy-stem").first
    stem.scroll_into_view_if_needed()
    px = pg.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)", stem.element_handle())
    para = pg.locator(".jp-MarkdownCell .jp-RenderedMarkdown p").first
    text_px = pg.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)", para.element_handle())
    snap(pg, "lesson-larger-type")
    assert px >= 18 and text_px >= 18, (px, text_px)
    assert not OFF_LOOPBACK, OFF_LOOPBACK
