"""The statute texts are parsed into the right articles, and citations resolve to them."""

import hashlib
import re
from pathlib import Path

import pytest

from grader.laws import LawError, cn_to_int, int_to_cn, library

LAWS = Path(__file__).resolve().parent.parent / "courses" / "laws"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "laws"


@pytest.mark.parametrize(
    "text,number",
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十四", 24),
        ("一百", 100),
        ("一百零三", 103),
        ("一百一十", 110),
        ("一百二十五", 125),
        ("一千零一", 1001),
    ],
)
def test_chinese_numerals_both_ways(text, number):
    assert cn_to_int(text) == number
    assert int_to_cn(number) == text


def test_numerals_reject_nonsense():
    with pytest.raises(ValueError):
        cn_to_int("十x")


def test_every_law_numbers_its_articles_without_gaps():
    """Every version's text numbers its articles 1..N; a code kept in parts (民法典 编) runs on
    across its parts, each part numbering without gaps from where it starts."""
    from grader.laws import parse_law

    lib = library()
    assert len(lib.statutes) >= 10
    for title, statute in lib.statutes.items():
        for v in statute.versions:
            numbers = sorted(v.text.articles)
            assert numbers[0] == 1, (title, v.name)
            for name in v.files:
                part = sorted(parse_law(lib.folder / name).articles)
                assert part == list(range(part[0], part[0] + len(part))), (title, v.name, name)
            assert len(numbers) == sum(len(parse_law(lib.folder / n).articles) for n in v.files)


def test_article_125_of_charity_law():
    art = library().cite("《中华人民共和国慈善法》第一百二十五条")
    assert art.number == 125 and "本法自2016年9月1日起施行" in art.text


def test_article_keeps_its_paragraphs():
    art = library().article("殡葬管理条例", 4, version="2012-11-09")
    assert len(art.paragraphs) == 2
    assert art.paragraphs[1].startswith("实行火葬和允许土葬的地区")
    assert art.citation == "《殡葬管理条例》第四条"


def test_short_title_and_unknown_citations():
    lib = library()
    assert lib.law("慈善法").title == "中华人民共和国慈善法"
    assert lib.law("殡葬条例").title == "殡葬管理条例"  # a short name from the index
    with pytest.raises(LawError, match="第二十五条"):
        lib.article("殡葬管理条例", 25, version="2012-11-09")
    with pytest.raises(LawError, match="没有收录"):
        lib.article("殡葬法", 1)


def test_quote_match_ignores_only_whitespace():
    art = library().article("殡葬管理条例", 2, version="2012-11-09")
    assert art.contains("积极地、有步骤地 实行火葬")
    assert not art.contains("积极地、稳步地实行火葬")


def test_statutes_are_verbatim_copies_of_the_official_texts():
    if not SHARED.is_dir():
        pytest.skip("shared/laws not beside the checkout")
    for path in LAWS.glob("*.md"):
        if path.name == "README.md":
            continue
        assert (
            hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256((SHARED / path.name).read_bytes()).digest()
        ), path.name


def test_every_shipped_statute_file_is_in_the_law_index():
    """index.yaml lists every statute file shipped (and only files that exist), each version with
    its in-force dates, so no text is read without knowing when it was law."""
    import yaml

    index = yaml.safe_load((LAWS / "index.yaml").read_text(encoding="utf-8"))
    listed = [f for s in index["statutes"] for v in s["versions"] for f in v["files"]]
    shipped = {p.name for p in LAWS.glob("*.md") if not p.stem.isascii()}
    assert sorted(listed) == sorted(shipped)
    for s in index["statutes"]:
        for v in s["versions"]:
            assert v["in_force_from"] and v["source"], (s["title"], v["version"])
            if v.get("superseded_by"):
                assert v.get("in_force_until"), (s["title"], v["version"])


def sources_files() -> list[str]:
    """The statute files SOURCES.md lists: the first column of its tables (`FILE.md`)."""
    text = (LAWS / "SOURCES.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([^`/]+\.md)` \|", text, re.M)


def test_every_text_sources_md_lists_is_shipped_and_indexed():
    """A text SOURCES.md lists but the project lacks (or does not index) fails here: the upcoming
    courses cite them, and `quiz check` could not verify a quote against a missing file."""
    listed = sources_files()
    assert len(listed) >= 40 and "婚姻登记条例(2024-12-06).md" in listed
    lib = library()
    indexed = {f for s in lib.statutes.values() for v in s.versions for f in v.files}
    missing = [f for f in listed if not (LAWS / f).is_file()]
    assert not missing, f"listed in SOURCES.md but not copied into courses/laws: {missing}"
    assert not [f for f in listed if f not in indexed]


def test_every_shared_text_is_copied():
    if not SHARED.is_dir():
        pytest.skip("shared/laws not beside the checkout")
    missing = sorted(p.name for p in SHARED.glob("*.md") if not (LAWS / p.name).is_file())
    assert not missing, f"in shared/laws but not in courses/laws: {missing}"


def test_judicial_interpretations_are_cited_as_people_write_them():
    """A title holding a title (《…关于适用《民法典》…（一）》) resolves however the nested marks and
    the brackets of （一） are written, and by its short name."""
    lib = library()
    expected = "最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）"
    for written in (
        "《最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）》第一条",
        "《最高人民法院关于适用《中华人民共和国民法典》婚姻家庭编的解释（一）》第一条",
        "《婚姻家庭编解释(一)》第一条",
    ):
        art = lib.cite(written, as_of="2026-12-01")
        assert (art.law, art.number) == (expected, 1) and "家庭暴力" in art.text, written
    assert lib.cite("《婚姻家庭编解释（二）》第二十三条").contains("本解释自2025年2月1日起施行")
