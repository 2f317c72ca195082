"""Statute versions: the version in force on a date, diff, impact, migrate, exams and lessons by date.

Most tests use a tiny made-up statute in two versions (tests/… tmp folders), so what they check
does not depend on the shipped texts or on today's date; a few check the shipped index.
"""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from grader import banks as bank
from grader import courses as course
from grader.banks import impact as bank_impact
from grader.cli import cli
from grader.courses import impact as course_impact
from grader.exams.paper import PaperAssembler
from grader.exams.spec import ExamSpec, Quota, SpecError, Window
from grader.laws import LawError, Library, cn_to_int, int_to_cn, library, normalize
from grader.laws import diff as law_diff
from grader.vocabulary import CHINA as CST

pytestmark = pytest.mark.unit

OLD = """# 测试条例

<!-- INFO END -->

第一条 为了测试，制定本条例。

第二条 申请人应当向民政部门提交书面申请。

第三条 民政部门应当自受理之日起三十日内作出决定。

第四条 违反本条例规定的，由民政部门责令改正。"""

NEW = """# 测试条例

<!-- INFO END -->

第一条 为了测试，制定本条例。

第二条 国家鼓励通过互联网办理申请。

第三条 申请人应当向民政部门提交书面申请。

第四条 民政部门应当自受理之日起二十日内作出决定。"""

INDEX = """statutes:
  - title: 测试条例
    short_names: [测条]
    versions:
      - version: "2020-01-01"
        files: [测试条例.md]
        in_force_from: "2020-01-01"
        in_force_until: "2025-01-01"
        superseded_by: "2024-06-01"
        label: 2020年版
        source: test
      - version: "2024-06-01"
        files: [测试条例(2024-06-01).md]
        in_force_from: "2025-01-01"
        label: 2024年修订
        source: test
"""

BANK = """bank: t
title: 测试
# The versions the bank was written against.
versions:
  测试条例: 2020-01-01
questions:
  # a comment that migrate must keep
  - id: t-001
    type: judge
    stem: 申请人应当向民政部门提交书面申请。
    answer: true
    explanation: 正确。
    basis:
      - law: 测试条例
        article: 2
        quote: 申请人应当向民政部门提交书面申请
    pool: exam

  - id: t-002
    type: single
    stem: 民政部门应当在多少日内作出决定？
    options: {A: 三十日, B: 二十日}
    answer: A
    explanation: 第三条。
    basis: [{law: 测试条例, article: 3, quote: 自受理之日起三十日内作出决定}]
    pool: exam

  - id: t-003
    type: single
    stem: 依照2024年修订的测试条例，民政部门应当在多少日内作出决定？
    options: {A: 三十日, B: 二十日}
    answer: B
    explanation: 第四条。
    basis:
      - law: 测试条例
        version: 2024-06-01
        article: 4
        quote: 自受理之日起二十日内作出决定
    pool: exam
"""


@pytest.fixture
def laws_dir(tmp_path):
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "测试条例.md").write_text(OLD, encoding="utf-8")
    (folder / "测试条例(2024-06-01).md").write_text(NEW, encoding="utf-8")
    (folder / "index.yaml").write_text(INDEX, encoding="utf-8")
    return folder


@pytest.fixture
def lib(laws_dir):
    return Library(laws_dir)


@pytest.fixture
def quizzes(tmp_path):
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "t.yaml").write_text(BANK, encoding="utf-8")
    return folder


# ------------------------------------------------------------------ versions by date


def test_version_in_force_is_chosen_by_date(lib):
    assert lib.version("测试条例", as_of="2024-12-31").name == "2020-01-01"
    assert lib.version("测条", as_of="2025-01-01").name == "2024-06-01"  # short name
    assert lib.article("测试条例", 3, as_of="2024-12-31").contains("三十日")
    assert lib.article("测试条例", 4, as_of="2025-01-01").contains("二十日")
    with pytest.raises(LawError, match="尚未施行"):
        lib.version("测试条例", as_of="2019-12-31")


def test_shipped_index_in_force_dates():
    lib = library()
    assert lib.version("殡葬管理条例", as_of="2026-03-29").name == "2012-11-09"
    assert lib.version("殡葬条例", as_of="2026-03-30").name == "2025-12-12"
    assert lib.version("社会团体登记管理条例", as_of="2026-03-12").name == "2026-03-12"
    assert lib.version("社会团体登记管理条例", as_of="2026-03-11").name == "2016-02-06"
    assert lib.version("社会救助暂行办法", as_of="2026-06-30").name == "2019-03-02"
    # overridden by the 社会救助法, not repealed: never 废止, never 不再施行
    with pytest.raises(LawError) as error:
        lib.version("社会救助暂行办法", as_of="2026-07-01")
    assert str(error.value) == (
        "《社会救助暂行办法》2026年7月1日已不是现行依据：该版本未废止，但自2026年7月1日起与"
        "《中华人民共和国社会救助法》不一致的，适用社会救助法"
    )
    relief = lib.version("社会救助暂行办法", "2019-03-02")
    assert relief.superseded_by == ("中华人民共和国社会救助法", "2026-04-30") and relief.reason


@pytest.mark.parametrize(
    "law, day, version",
    [
        # 婚姻登记条例: 2003 text until 2025-01-19, 2024 text 2025-01-20..2025-05-09, 2025 text after
        ("婚姻登记条例", "2025-01-19", "2003-08-08"),
        ("婚姻登记条例", "2025-01-20", "2024-12-06"),
        ("婚姻登记条例", "2025-03-01", "2024-12-06"),
        ("婚姻登记条例", "2025-05-09", "2024-12-06"),
        ("婚姻登记条例", "2025-05-10", "2025-04-06"),
        ("婚姻登记条例", "2025-06-01", "2025-04-06"),
        # 村民委员会组织法 2025: in force 2026-01-01 (the amending decision), not on promulgation
        ("村民委员会组织法", "2025-10-28", "2018-12-29"),
        ("村民委员会组织法", "2025-12-31", "2018-12-29"),
        ("村民委员会组织法", "2026-01-01", "2025-10-28"),
        ("城市居民委员会组织法", "2025-12-31", "2018-12-29"),
        ("城市居民委员会组织法", "2026-01-01", "2025-10-28"),
        ("行政复议法实施条例", "2020-11-16", "2007-05-29"),
        ("行政复议法实施条例", "2026-06-30", "2007-05-29"),
        ("行政复议法实施条例", "2026-07-01", "2026-04-29"),
        ("政府信息公开行政案件规定", "2025-05-31", "2011-07-29"),
        ("政府信息公开行政案件解释", "2025-06-01", "2025-05-19"),
        ("法治宣传教育法", "2025-11-01", "2025-09-12"),
        ("治安管理处罚法", "2026-01-01", "2025-06-27"),
        ("志愿服务条例", "2017-12-01", "2017-08-22"),
        ("婚姻家庭编解释（一）", "2021-01-01", "2020-12-29"),
        ("婚姻家庭编解释（二）", "2025-02-01", "2025-01-15"),
    ],
)
def test_shipped_version_in_force_on_a_day(law, day, version):
    """`laws show` prints the text in force that day and says which version it is (SOURCES.md 2026-12-07)."""
    result = CliRunner().invoke(cli, ["laws", "show", f"《{law}》第一条", "--as-of", day])
    assert result.exit_code == 0, result.output
    assert f"{version} 版" in result.output.splitlines()[0] and f"{day}：现行" in result.output


@pytest.mark.parametrize(
    "law, day, says",
    [
        ("婚姻登记条例", "2003-09-30", "尚未施行"),
        ("法治宣传教育法", "2025-10-31", "尚未施行（自2025年11月1日起施行）"),
        ("治安管理处罚法", "2025-12-31", "尚未施行（自2026年1月1日起施行）"),  # the 2012 text is not shipped
        ("婚姻家庭编解释（二）", "2025-01-31", "尚未施行（自2025年2月1日起施行）"),
        (
            "政府信息公开行政案件规定",
            "2025-06-01",
            "已不再施行：该版本已于2025年6月1日被《最高人民法院关于审理政府信息公开行政案件适用法律若干问题的解释》"
            "第十五条第二款废止",
        ),
    ],
)
def test_shipped_statute_not_in_force_says_why(law, day, says):
    result = CliRunner().invoke(cli, ["laws", "show", f"《{law}》第一条", "--as-of", day])
    assert result.exit_code == 1 and says in result.output, result.output


def test_marriage_registration_text_changes_on_the_days_sources_md_gives():
    """第六条(五) (医学上认为不应当结婚的疾病) was deleted by the 2024 revision, in force 2025-01-20."""

    def show(day):
        return CliRunner().invoke(cli, ["laws", "show", "《婚姻登记条例》第六条", "--as-of", day]).output

    assert "医学上认为不应当结婚的疾病" in show("2025-01-19")
    assert "医学上认为不应当结婚的疾病" not in show("2025-01-20") and "不予登记" in show("2025-05-09")
    assert "不得收取费用" in show("2025-05-10")  # the 2025 text renumbered its articles


def test_laws_list_never_calls_an_overridden_statute_repealed():
    """The two texts the 社会救助法 overrides from 2026-07-01 are not 废止; the 2011 规定 is."""
    out = CliRunner().invoke(cli, ["laws", "list", "--as-of", "2026-12-01"]).output
    blocks = {b.splitlines()[0]: b for b in ("\n" + out).split("\n《")[1:]}
    overridden = [
        b for head, b in blocks.items() if head.startswith(("社会救助暂行办法》", "城市居民最低生活保障条例》"))
    ]
    assert len(overridden) == 2
    for block in overridden:
        assert "未废止，但自2026年7月1日起与《中华人民共和国社会救助法》不一致的，适用社会救助法" in block
        assert "废止" not in block.replace("未废止", "") and "至 2026" not in block and "* " not in block
    [repealed] = [
        b for head, b in blocks.items() if head.startswith("最高人民法院关于审理政府信息公开行政案件若干问题的规定》")
    ]
    assert "施行 2011-08-13 至 2025-05-31；已于2025年6月1日被" in repealed and "第十五条第二款废止" in repealed
    [marriage] = [b for head, b in blocks.items() if head.startswith("婚姻登记条例》")]
    assert "施行 2003-10-01 至 2025-01-19" in marriage and "施行 2025-01-20 至 2025-05-09" in marriage
    data = json.loads(CliRunner().invoke(cli, ["laws", "list", "--json", "--as-of", "2026-12-01"]).output)
    kinds = {s["title"]: s["versions"][0]["supersession"] for s in data["statutes"]}
    assert kinds["社会救助暂行办法"] == kinds["城市居民最低生活保障条例"] == "overridden"
    assert kinds["最高人民法院关于审理政府信息公开行政案件若干问题的规定"] == "repealed"
    assert kinds["婚姻登记条例"] == "revised"


def test_quote_in_another_version_is_named_plainly():
    lib = library()
    message = lib.elsewhere_message(
        "殡葬管理条例", "人口稠密、耕地较少、交通方便的地区，应当实行火葬", lib.version("殡葬管理条例", "2025-12-12")
    )
    assert message == "引文见《殡葬管理条例》（2012年修订）第四条；该版本已于2026年3月30日被2025年修订版取代"


def test_quotes_tolerate_full_and_half_width_punctuation():
    art = library().article("社会团体登记管理条例", 19, version="2026-03-12")  # writes （一）
    assert art.contains("(一)完成社会团体章程规定的宗旨的;")
    assert normalize("（一）， ") == normalize("(一),")
    assert not art.contains("(一)完成社会团体章程规定的目的的")


def test_thousands_numerals_and_a_code_in_parts():
    assert cn_to_int("一千零七十七") == 1077 and int_to_cn(1077) == "一千零七十七"
    assert cn_to_int("一千零四十") == 1040 and int_to_cn(1040) == "一千零四十"
    assert int_to_cn(1118) == "一千一百一十八" and cn_to_int("一千一百一十八") == 1118
    lib = library()
    art = lib.cite("《中华人民共和国民法典》第一千零七十七条")
    assert art.number == 1077 and "撤回离婚登记申请" in art.text
    assert lib.cite("《民法典》第一条").law == art.law == "中华人民共和国民法典"  # 总则编 and 婚姻家庭编: one law


# ------------------------------------------------------------------ diff


def test_diff_matches_articles_by_text(lib):
    s = lib.statute("测试条例")
    changes = law_diff.diff_versions(s.versions[0], s.versions[1])
    kinds = {(c.kind, c.old.number if c.old else None, c.new.number if c.new else None) for c in changes}
    assert ("same", 1, 1) in kinds
    assert ("renumbered", 2, 3) in kinds
    assert ("changed", 3, 4) in kinds
    assert ("added", None, 2) in kinds
    assert ("removed", 4, None) in kinds
    changed = next(c for c in changes if c.kind == "changed")
    assert "[-三-]{+二+}" in changed.marked()
    assert law_diff.summary(changes) == {"same": 1, "renumbered": 1, "changed": 1, "added": 1, "removed": 1}


def test_diff_ignores_full_and_half_width_differences():
    s = library().statute("社会团体登记管理条例")
    changes = law_diff.diff_versions(s.version("2016-02-06"), s.version("2026-03-12"))
    assert all("(" not in t for c in changes for op, t in c.segments if op in "+-")
    by_old = {c.old.number: c for c in changes if c.old}
    assert by_old[2].kind == "same" and by_old[30].kind == "changed"
    assert "{+吊+}" in by_old[30].marked()


# ------------------------------------------------------------------ impact and migrate


def test_impact_splits_moved_and_changed(lib, quizzes):
    rows = course_impact.impact([quizzes], law="测试条例", as_of="2025-03-01", laws=lib, include_lessons=False)
    by_id = {r.question: r for r in rows}
    assert set(by_id) == {"t-001", "t-002"}  # t-003 cites the version in force
    assert by_id["t-001"].outcome == "moved" and by_id["t-001"].new_article == 3
    assert by_id["t-001"].to_dict()["new_version"] == "2024-06-01"
    assert by_id["t-002"].outcome == "changed" and "new_article" not in by_id["t-002"].to_dict()
    assert bank_impact.counts(rows)["测试条例"]["question_moved"] == 1
    assert course_impact.impact([quizzes], as_of="2024-12-31", laws=lib, include_lessons=False) == []


def test_migrate_moves_only_the_citation(lib, quizzes):
    path = quizzes / "t.yaml"
    before = path.read_text(encoding="utf-8")
    result = bank_impact.migrate("测试条例", quizzes=[quizzes], as_of="2025-03-01", laws=lib)
    assert [r.question for r in result.moved] == ["t-001"] and [r.question for r in result.left] == ["t-002"]
    after = path.read_text(encoding="utf-8")
    assert "# a comment that migrate must keep" in after
    assert after.replace("        version: 2024-06-01\n        article: 3\n", "        article: 2\n", 1) == before
    [b] = bank.check([path], lib, as_of="2025-03-01").banks
    q = {q.id: q for q in b.questions}
    assert (q["t-001"].basis[0].version, q["t-001"].basis[0].article) == ("2024-06-01", 3)
    assert q["t-001"].stem == "申请人应当向民政部门提交书面申请。" and q["t-001"].answer is True
    assert q["t-002"].basis[0].version == "2020-01-01"  # left for a trainer, still on the old text


# ------------------------------------------------------------------ exams by opens_at


def spec(opens: str, quotas: dict) -> ExamSpec:
    start = dt.datetime.fromisoformat(opens).replace(tzinfo=CST)
    return ExamSpec(
        id="t-exam",
        title="测试",
        year=start.year,
        banks=["t"],
        quotas=quotas,
        window=Window(start, start + dt.timedelta(days=5)),
        seed=1,
    )


def test_exam_draws_only_questions_valid_when_it_opens(lib, quizzes, monkeypatch):
    for module in ("store", "model"):  # load_banks and the citations it makes
        monkeypatch.setattr(f"grader.banks.{module}.library", lambda: lib)
    banks = bank.load_banks([quizzes], as_of="2024-12-01")
    before = PaperAssembler(spec("2024-12-01 09:00", {"single": Quota(1, 2)})).assemble(banks)
    after = PaperAssembler(spec("2025-03-01 09:00", {"single": Quota(1, 2)})).assemble(banks)
    assert [q.id for q in before.questions] == ["t-002"]
    assert [q.id for q in after.questions] == ["t-003"]
    assert before.questions[0].basis[0]["version"] == "2020-01-01"  # the paper keeps the law it was built on
    with pytest.raises(SpecError) as error:
        PaperAssembler(spec("2025-03-01 09:00", {"judge": Quota(1, 2)})).assemble(banks)
    assert "判断" in str(error.value) and "t 0 道有效" in str(error.value) and "缺 1 道" in str(error.value)


def test_validity_is_computed_from_the_versions_cited(lib, quizzes):
    result = bank.check([quizzes], lib, as_of="2024-12-01")
    q = {q.id: q for q in result.questions}
    assert q["t-001"].valid_until == dt.date(2025, 1, 1) and q["t-001"].valid_on("2024-12-31")
    assert not q["t-001"].valid_on("2025-01-01") and q["t-003"].valid_on("2025-01-01")
    assert result.valid_exam_questions("2025-03-01") == {"测试条例": (1, 3)}


def test_unversioned_quote_found_only_in_old_version_says_where(lib, tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(BANK.replace("versions:\n  测试条例: 2020-01-01\n", ""), encoding="utf-8")
    problems = [str(p) for p in bank.check([path], lib, as_of="2025-03-01").problems]
    assert any("引文见《测试条例》（2020年版）第三条；该版本已于2025年1月1日被2024年修订版取代" in p for p in problems)


# ------------------------------------------------------------------ lessons

LESSON = """# 第一课

“申请人应当向民政部门提交书面申请”（《测试条例》第二条）

旧规定是“三十日内作出决定”（《测试条例》第三条，2020年版）。

```python
from grader.lesson import article, practice
article("测试条例", 2)
```

```python
practice("t-p")
```
"""


@pytest.fixture
def lesson_course(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "01.md").write_text(LESSON, encoding="utf-8")
    (folder / "course.yaml").write_text(
        "id: c\ntitle: 测试课\nhours: 1\nlaws:\n  测试条例: 2020-01-01\nlessons: [01.md]\n", encoding="utf-8"
    )
    return course.load_course(folder)


def test_lesson_citing_a_superseded_version(lib, lesson_course):
    practice = bank.Question("t-p", "judge", "问", True, "解", [], "practice")
    questions = {"t-p": practice}
    assert course.check_course(lesson_course, questions, lib, as_of="2024-12-01") == []
    problems = course.check_course(lesson_course, questions, lib, as_of="2025-03-01")
    assert len(problems) == 1 and "不施行" in problems[0].message and "第3行等 2 处" in problems[0].where
    rows = course_impact.lesson_impact([lesson_course], lib, "2025-03-01")
    assert {(r.line, r.outcome, r.new_article) for r in rows} == {(3, "moved", 3), (9, "moved", 3)}
    nb = course.lesson_notebook(lesson_course.lessons[0], lesson_course.laws, as_of="2025-03-01", laws=lib)
    assert (
        nb.cells[0].source.startswith("> **注意")
        and "本课所引《测试条例》为2020年版文本，已于2025年1月1日修订" in nb.cells[0].source
    )
    fresh = course.lesson_notebook(lesson_course.lessons[0], lesson_course.laws, as_of="2024-12-01", laws=lib)
    assert "本课所引" not in fresh.cells[0].source


def test_article_shows_the_version_and_labels_old_text(laws_dir, monkeypatch, tmp_path):
    from grader import lesson

    monkeypatch.setenv("LAWSTUDY_LAWS", str(laws_dir))
    monkeypatch.setenv("LAWSTUDY_TODAY", "2025-03-01")
    monkeypatch.delenv("LAWSTUDY_COURSE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert repr(lesson.article("测试条例", 4)).startswith("《测试条例》第四条（2024年修订，2024-06-01）")
    old = repr(lesson.article("测试条例", 3, version="2020-01-01"))
    assert old.startswith("《测试条例》第三条（旧文本：2020年版，该版本已于2025年1月1日被2024年修订版取代）")
    (tmp_path / "course.json").write_text(json.dumps({"laws": {"测试条例": "2020-01-01"}}), encoding="utf-8")
    assert "2020年版文本" in repr(lesson.article("测试条例", 3))


# ------------------------------------------------------------------ the commands end to end


@pytest.fixture
def run(laws_dir, monkeypatch):
    monkeypatch.setenv("LAWSTUDY_LAWS", str(laws_dir))

    def invoke(*args):
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        return result

    return invoke


def test_cli_laws_list_show_diff(run):
    out = run("laws", "list", "--as-of", "2024-12-31").output
    assert "《测试条例》（又称 测条）" in out and "* 2020-01-01" in out and "  2024-06-01" in out
    data = json.loads(run("laws", "list", "--json", "--as-of", "2025-01-01").output)
    assert [v["in_force"] for v in data["statutes"][0]["versions"]] == [False, True]
    show = run("laws", "show", "《测试条例》第三条", "--as-of", "2024-12-31")
    assert show.exit_code == 0 and "三十日" in show.output and "2020-01-01 版" in show.output
    assert "申请人" in run("laws", "show", "《测条》第三条", "--version", "2024-06-01").output
    assert run("laws", "show", "《测试条例》第九条").exit_code == 1
    diff = run("laws", "diff", "测试条例")
    assert "【仅条号变动】第二条 → 第三条" in diff.output and "【删除】第四条" in diff.output
    as_json = json.loads(run("laws", "diff", "测试条例", "2020-01-01", "2024-06-01", "--json").output)
    assert as_json["counts"]["renumbered"] == 1


def test_cli_impact_migrate_and_checks_as_of(run, quizzes):
    rows = json.loads(run("laws", "impact", "--quizzes", quizzes, "--as-of", "2025-03-01", "--json").output)
    rows = [r for r in rows if r.get("question")]
    assert {(r["question"], r["outcome"]) for r in rows} == {("t-001", "moved"), ("t-002", "changed")}
    text = run("laws", "impact", "--quizzes", quizzes, "--as-of", "2025-03-01", "--law", "测试条例").output
    assert "题目 2 道（引用 (a) 1 处，(b) 1 处）" in text
    check = run("quiz", "check", quizzes, "--as-of", "2025-03-01")
    assert check.exit_code == 0 and "《测试条例》 1/3" in check.output
    moved = run("quiz", "migrate", "--law", "测试条例", "--quizzes", quizzes, "--as-of", "2025-03-01")
    assert moved.exit_code == 0 and "迁移 1 处引用" in moved.output and "t-002" in moved.output
    assert "version: 2024-06-01\n        article: 3" in (quizzes / "t.yaml").read_text(encoding="utf-8")
    bad = run("quiz", "check", quizzes, "--as-of", "2025-13-01")
    assert bad.exit_code != 0


def test_cli_course_check_as_of_on_the_shipped_courses(monkeypatch):
    # The shipped social-organisations course pins the 2026 社会团体登记管理条例 (in force 2026-03-12):
    # checked before that day it must fail, saying the pinned text was not yet in force.
    monkeypatch.delenv("LAWSTUDY_LAWS", raising=False)
    result = CliRunner().invoke(cli, ["course", "check", "--as-of", "2026-03-01"])
    assert result.exit_code == 1 and "社会组织登记管理" in result.output
    assert "《社会团体登记管理条例》（2026年修订）在2026-03-01不施行" in result.output


# ------------------------------------------------------------------ overridden, not repealed

OVERRIDE_INDEX = """statutes:
  - title: 测试办法
    short_names: []
    versions:
      - version: "2019-01-01"
        files: [测试办法.md]
        in_force_from: "2019-01-01"
        in_force_until: "2025-01-01"
        superseded_by: {law: 中华人民共和国测试法, version: "2024-06-01"}
        supersession: overridden
        source: test
  - title: 中华人民共和国测试法
    short_names: [测试法]
    versions:
      - version: "2024-06-01"
        files: [中华人民共和国测试法(2024-06-01).md]
        in_force_from: "2025-01-01"
        source: test
"""

OVERRIDDEN_WORDS = "未废止，但自2025年1月1日起与《中华人民共和国测试法》不一致的，适用测试法"


@pytest.fixture
def override_dir(tmp_path):
    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "测试办法.md").write_text(OLD.replace("测试条例", "测试办法"), encoding="utf-8")
    (folder / "中华人民共和国测试法(2024-06-01).md").write_text(NEW.replace("测试条例", "测试法"), encoding="utf-8")
    (folder / "index.yaml").write_text(OVERRIDE_INDEX, encoding="utf-8")
    return folder


def test_overridden_text_is_never_called_repealed(override_dir, tmp_path, monkeypatch):
    """quiz check, course check, the lesson notice, article() and laws show all say an overridden text
    is 未废止 and that only its rules inconsistent with the overriding law give way, never that it is 废止,
    取代 as a whole or no longer in force."""
    from grader import lesson

    lib = Library(override_dir)
    banks = tmp_path / "q"
    banks.mkdir()
    (banks / "o.yaml").write_text(
        "bank: o\ntitle: o\nquestions:\n  - id: o-001\n    type: judge\n    stem: 申请人应当提交书面申请。\n"
        "    answer: true\n    explanation: 正确。\n    basis:\n      - law: 测试办法\n        article: 2\n"
        "        quote: 申请人应当向民政部门提交书面申请\n    pool: exam\n",
        encoding="utf-8",
    )
    [problem] = bank.check([banks], lib, as_of="2025-03-01").problems
    assert "《测试办法》2025年3月1日已不是现行依据：该版本" + OVERRIDDEN_WORDS in problem.message
    assert bank.check([banks], lib, as_of="2024-12-31").problems == []

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "01.md").write_text(
        LESSON.replace("测试条例", "测试办法").replace("2020年版", "2019年版"), encoding="utf-8"
    )
    (folder / "course.yaml").write_text(
        "id: c\ntitle: 测试课\nhours: 1\nlaws:\n  测试办法: 2019-01-01\nlessons: [01.md]\n", encoding="utf-8"
    )
    c = course.load_course(folder)
    questions = {"t-p": bank.Question("t-p", "judge", "问", True, "解", [], "practice")}
    [stale] = course.check_course(c, questions, lib, as_of="2025-03-01")
    assert "在2025-03-01不是现行依据：该版本" + OVERRIDDEN_WORDS in stale.message
    notice = course.lesson_notebook(c.lessons[0], c.laws, as_of="2025-03-01", laws=lib).cells[0].source
    assert "本课所引《测试办法》为2019年版文本，" + OVERRIDDEN_WORDS + "。" in notice
    for text in (problem.message, stale.message, notice):
        assert "废止" not in text.replace("未废止", "") and "不再施行" not in text and "修订" not in text
        assert "取代" not in text  # not replaced as a whole: its rules consistent with the new law still apply

    monkeypatch.setenv("LAWSTUDY_LAWS", str(override_dir))
    monkeypatch.setenv("LAWSTUDY_TODAY", "2025-03-01")
    monkeypatch.delenv("LAWSTUDY_COURSE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert repr(lesson.article("测试办法", 2, version="2019-01-01")).startswith(
        "《测试办法》第二条（旧文本：2019年版，该版本" + OVERRIDDEN_WORDS + "）"
    )
    shown = CliRunner().invoke(cli, ["laws", "show", "《测试办法》第二条", "--version", "2019-01-01"]).output
    assert "施行 2019-01-01 起；2025-03-01：该版本" + OVERRIDDEN_WORDS in shown
    path = banks / "o.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("article: 2", "version: 2019-01-01\n        article: 2"))
    impact = CliRunner().invoke(cli, ["laws", "impact", "--quizzes", str(banks), "--as-of", "2025-03-01"]).output
    assert "《测试办法》（2019年版文本" + OVERRIDDEN_WORDS + "）: 题目 1 道" in impact
    [line] = [x for x in impact.splitlines() if x.startswith("《测试办法》")]
    assert "废止" not in line.replace("未废止", "")


def test_index_must_say_how_another_law_takes_over(override_dir, monkeypatch):
    index = override_dir / "index.yaml"
    index.write_text(OVERRIDE_INDEX.replace("        supersession: overridden\n", ""), encoding="utf-8")
    with pytest.raises(LawError, match="须写明 supersession"):
        Library(override_dir)
    index.write_text(OVERRIDE_INDEX.replace("supersession: overridden", "supersession: abolished"), encoding="utf-8")
    monkeypatch.setenv("LAWSTUDY_LAWS", str(override_dir))
    result = CliRunner().invoke(cli, ["laws", "list"])
    assert result.exit_code == 1 and "index.yaml" in result.output and "abolished" in result.output
    assert "Traceback" not in result.output
