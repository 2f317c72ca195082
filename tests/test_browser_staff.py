"""The staff's JupyterLab on the real hub (tests/conftest_hub.py) in Debian's chromium (issue 17).

A staff member (staff3) and the trainer log in through the hub's login page. Staff land on the
start page (开始学习) in a Chinese JupyterLab without instructor tools, without the Launcher or
nbgrader's English menu and without configuration files in their home; the start page lists the
exam open to them with its window and time left. The trainer's server keeps Create Assignment,
the formgrader, nbgrader's menu and the Launcher. staff3 opens a lesson from the start page with
one click: it is in front and already run (no Run All), and a practice question is answered with
the keyboard only; switches the larger type on, which stays on after a reload; fetches the exam
through the menu 考试与作业 (nbgrader's list in Chinese words), opens it (already run) and answers
a question with the keyboard; closes every tab and sees the start page again, never a Launcher.
Every request the browser makes must stay on 127.0.0.1.

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
from grader.lab.config import STAFF_HIDDEN_PLUGINS, STAFF_PLUGIN, START_PAGE, TRAINER_ONLY_PLUGINS

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


def land_on_start_page(pg, env) -> None:
    """Open the start page by its address and wait until it is in front and stays there (the
    workspace's other tabs are restored behind it first)."""
    pg.goto(f"{env.url}/user/{S3}/lab/tree/{START_PAGE}")
    pg.locator(".jp-RenderedMarkdown h1", has_text="开始学习").first.wait_for(timeout=90_000)
    in_front = f"""() => {{ const w = window.jupyterapp.shell.currentWidget;
                          return w && w.context && w.context.path === '{START_PAGE}'; }}"""
    for _ in range(2):
        pg.wait_for_function(in_front, timeout=60_000)
        pg.wait_for_timeout(1500)
    pg.wait_for_function(in_front, timeout=60_000)


def plugins(pg) -> dict[str, bool]:
    return pg.evaluate(
        "(ids) => Object.fromEntries(ids.map(id => [id, window.jupyterapp.hasPlugin(id)]))",
        [*TRAINER_ONLY_PLUGINS, *STAFF_HIDDEN_PLUGINS, STAFF_PLUGIN, "@jupyter/nbgrader:assignment-list"],
    )


def main_tabs(pg) -> list[str]:
    """The labels of the tabs in the main area, as the person sees them."""
    return [t.strip() for t in pg.locator("#jp-main-dock-panel .lm-TabBar-tabLabel").all_inner_texts()]


def test_staff_land_on_the_start_page_in_chinese_without_instructor_tools(staff, hub_env):
    pg = staff
    pg.wait_for_function(
        "(p) => { const w = window.jupyterapp.shell.currentWidget; return w && w.context && w.context.path === p; }",
        arg=START_PAGE,
        timeout=90_000,
    )
    pg.locator(".jp-RenderedMarkdown h1", has_text="开始学习").first.wait_for()
    snap(pg, "staff-start-page")
    front(pg).locator(".jp-RenderedMarkdown h2", has_text="考试").first.scroll_into_view_if_needed()
    snap(pg, "staff-start-page-exams")
    menus = pg.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
    assert {"文件", "编辑", "运行", "考试与作业"} <= set(menus), menus
    assert "File" not in menus and "Kernel" not in menus and "Nbgrader" not in menus, menus
    found = plugins(pg)
    assert not any(found[p] for p in (*TRAINER_ONLY_PLUGINS, *STAFF_HIDDEN_PLUGINS)), found
    assert found["@jupyter/nbgrader:assignment-list"] and found[STAFF_PLUGIN], found
    text = front(pg).locator(".jp-RenderedMarkdown").first.inner_text()
    assert "我的课程" in text and "考试" in text
    # the exam open to them: its window (opens, closes), time left, where to fetch it; no Run All
    assert "端到端测试考试" in text and f"{hub_env.year}-12-31 23:59" in text, text
    assert "正在开放" in text and "还剩" in text and "尚未获取试卷" in text, text
    assert "运行全部单元格" not in text and "Run All" not in text, text
    assert "answer" not in text.lower(), text
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
        assert found.pop(STAFF_PLUGIN) is False, found  # trainers keep JupyterLab as it is
        assert all(found.values()), found
        assert not OFF_LOOPBACK, OFF_LOOPBACK
    finally:
        context.close()


def open_first_lesson(pg) -> None:
    """One click on the first lesson's name on the start page. The lesson's tab comes to the front
    by itself and the lesson runs by itself (the staff extension): nothing else is clicked."""
    pg.locator(".jp-RenderedMarkdown li a").first.click()
    pg.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
             return w && w.context && w.context.path.endsWith('.ipynb'); }"""
    )
    assert pg.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current", has_text=".ipynb").count() == 1
    try:
        wait_until_run(pg)
    except Exception:
        snap(pg, "failed-run")
        raise


CURRENT = "window.jupyterapp.shell.currentWidget"


def front(pg):
    """The tab in front (the current widget of the main area), as a locator."""
    return pg.locator(f"[id='{pg.evaluate(f'() => {CURRENT}.id')}']")


def wait_until_run(pg) -> None:
    """Every code cell of the notebook in front has run (no Run All asked of anyone) and the
    questions are on screen."""
    pg.wait_for_function(
        f"""() => {{ const w = {CURRENT}; if (!w || !w.content || !w.content.widgets) return false;
             if (!w.node.classList.contains('lawstudy-lesson-run')) return false;  // run on this page
             const cells = w.content.widgets.filter(c => c.model.type === 'code');
             return cells.length > 0 && cells.every(c => c.model.executionCount !== null); }}""",
        timeout=120_000,
    )
    front(pg).locator(".lawstudy-question").first.wait_for(timeout=60_000)


def focus_by_tab(pg, target, limit: int = 12) -> None:
    """Press Tab until `target` has the keyboard focus."""
    for _ in range(limit):
        if pg.evaluate("(el) => document.activeElement === el", target.element_handle()):
            return
        pg.keyboard.press("Tab")
    assert pg.evaluate("(el) => document.activeElement === el", target.element_handle()), "not reached by Tab"


def test_a_lesson_opened_from_the_start_page_is_answered_with_the_keyboard_only(staff, hub_env):
    pg = staff
    land_on_start_page(pg, hub_env)
    assert "运行全部单元格" not in front(pg).locator(".jp-RenderedMarkdown").first.inner_text()
    snap(pg, "start-page-lesson-link")
    open_first_lesson(pg)
    snap(pg, "lesson-opened-already-run")
    box = front(pg).locator(".lawstudy-practice").first
    box.scroll_into_view_if_needed()
    # keyboard only: focus lands on the first option by Tab from the question's stem
    box.locator(".lawstudy-stem").first.click(position={"x": 2, "y": 2})
    first = box.locator(".lawstudy-option input").first
    focus_by_tab(pg, first)
    pg.keyboard.press("Space")
    assert first.is_checked() or box.locator(".lawstudy-option input:checked").count() == 1
    submit = box.locator(".lawstudy-submit")
    focus_by_tab(pg, submit)
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
    land_on_start_page(pg, hub_env)
    for _ in range(4):  # as the start page says: 设置 → 主题 → 增大内容字号, four times
        pg.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="设置").click()
        pg.locator(".lm-Menu-itemLabel", has_text="主题").first.hover()
        pg.locator(".lm-Menu-itemLabel", has_text="增大内容字号").click()
        pg.wait_for_timeout(300)
    pg.wait_for_timeout(1500)  # the setting is saved to the server
    land_on_start_page(pg, hub_env)  # a new page load
    size = pg.evaluate("() => parseFloat(getComputedStyle(document.body).getPropertyValue('--jp-content-font-size1'))")
    assert size >= 18, size
    open_first_lesson(pg)
    stem = front(pg).locator(".lawstudy-stem").first
    stem.scroll_into_view_if_needed()
    px = pg.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)", stem.element_handle())
    para = front(pg).locator(".jp-MarkdownCell .jp-RenderedMarkdown p").first
    text_px = pg.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)", para.element_handle())
    snap(pg, "lesson-larger-type")
    assert px >= 18 and text_px >= 18, (px, text_px)
    assert not OFF_LOOPBACK, OFF_LOOPBACK


def test_the_exam_is_fetched_through_the_chinese_menu_opened_already_run_and_answered_by_keyboard(staff, hub_env):
    pg = staff
    land_on_start_page(pg, hub_env)
    # as the start page says: menu 考试与作业 → 打开考试与作业列表, then 获取 on the exam's line
    pg.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="考试与作业").click()
    pg.locator(".lm-Menu-itemLabel", has_text="打开考试与作业列表").click()
    panel = pg.locator(".nbgrader-mainarea-widget")
    panel.locator(".panel-heading", has_text="已发布").first.wait_for(timeout=60_000)
    released = panel.locator("#released_assignments_list .list_item", has_text=hub_env.exam_id)
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text=hub_env.exam_id).first
    released.or_(fetched).first.wait_for(timeout=60_000)
    assert pg.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current", has_text="考试与作业").count() == 1
    words = panel.inner_text()
    assert "Released assignments" not in words and "Fetch" not in words and "已获取" in words, words
    snap(pg, "exam-list-in-chinese")
    if released.count():  # (tests/test_browser.py, run before, fetches it through the API)
        released.locator("button", has_text="获取").click()
    fetched.wait_for(timeout=60_000)
    fetched.locator(".assignment-notebooks-link").click()
    notebook = fetched.locator(".item_name a", has_text="exam").last
    notebook.wait_for()
    visible = [b.inner_text() for b in panel.locator("button").all() if b.is_visible()]
    assert "Validate" not in visible and "Submit" not in visible and "提交" in visible, visible  # no instructor check
    snap(pg, "exam-list-fetched")
    notebook.click()
    pg.wait_for_function(
        f"""() => {{ const w = {CURRENT}; return w && w.context && w.context.path === '{hub_env.exam_id}/exam.ipynb'; }}""",
        timeout=60_000,
    )
    try:
        wait_until_run(pg)
    except Exception:
        snap(pg, "failed-exam-run")
        raise
    box = front(pg).locator(".lawstudy-exam").first
    box.scroll_into_view_if_needed()
    box.locator(".lawstudy-stem").first.click(position={"x": 2, "y": 2})
    group = box.locator(".lawstudy-input").first
    for _ in range(12):  # Tab into the question's options
        if pg.evaluate("(el) => el.contains(document.activeElement)", group.element_handle()):
            break
        pg.keyboard.press("Tab")
    checked = "(el) => [...el.querySelectorAll('input')].findIndex(i => i.checked)"
    before = pg.evaluate(checked, group.element_handle())
    # an arrow key moves to the next option and chooses it (whatever was chosen before, if anything)
    pg.keyboard.press("ArrowDown")
    if before < 0 and pg.evaluate(checked, group.element_handle()) < 0:
        pg.keyboard.press("Space")
    after = pg.evaluate(checked, group.element_handle())
    assert after >= 0 and after != before, (before, after)
    saved = box.locator(".lawstudy-saved")
    try:
        saved.filter(has_text="答案已保存").wait_for(timeout=30_000)
    except Exception:
        snap(pg, "failed-exam-answer")
        raise AssertionError(f"not saved: {saved.inner_text()!r}, option {before} -> {after}") from None
    assert "✓ 答案已保存" in saved.inner_text()
    snap(pg, "exam-answered-by-keyboard")
    answers = Path(f"/home/{S3}") / hub_env.exam_id / "answers.json"
    assert answers.is_file() and S3 in answers.read_text(encoding="utf-8")
    assert not OFF_LOOPBACK, OFF_LOOPBACK


def test_closing_every_tab_shows_the_start_page_never_a_launcher(staff, hub_env):
    pg = staff
    land_on_start_page(pg, hub_env)
    assert len(main_tabs(pg)) > 1, main_tabs(pg)
    # 文件 → 关闭所有标签页; a changed notebook asks whether to save it: 保存
    pg.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text="文件").click()
    pg.locator(".lm-Menu-itemLabel", has_text="关闭所有标签页").click()
    for _ in range(10):
        pg.wait_for_timeout(1000)
        dialog = pg.locator(".jp-Dialog")
        if dialog.count():
            dialog.locator("button", has_text="保存").first.click()
            continue
        if main_tabs(pg) == [START_PAGE]:
            break
    pg.locator(".jp-RenderedMarkdown h1", has_text="开始学习").first.wait_for(timeout=30_000)
    snap(pg, "all-tabs-closed")
    assert main_tabs(pg) == [START_PAGE], main_tabs(pg)
    assert pg.locator(".jp-Launcher").count() == 0
    assert "启动器" not in main_tabs(pg) and "Launcher" not in pg.locator("#jp-main-dock-panel").inner_text()
    assert not OFF_LOOPBACK, OFF_LOOPBACK
