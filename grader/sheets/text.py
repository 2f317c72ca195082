"""Text as people type it into a sheet, made comparable: invisible characters, full-width forms,
white space, header words, and ids, names and years as Excel leaves them."""

from __future__ import annotations

import re
import unicodedata

# ------------------------------------------------------------------ text normalisation

_BRACKET_NOTE = re.compile(r"[（(\[【［<《].*?[)）\]】］>》]")
_REQUIRED_MARK = re.compile(r"^[*※]+|[*※:]+$")  # 题型*, *题干, ※答案, 工号： (＊ and ： after NFKC)
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


_TEXT_FORMULA = re.compile(r'^="(.*)"$', re.DOTALL)


def excel_text(text: str) -> str:
    """A CSV cell as Excel shows it: `="0001"` (how exports keep a number as text) is 0001."""
    if text[:2] == '="':
        match = _TEXT_FORMULA.match(text.strip())
        if match:
            return match.group(1).replace('""', '"')
    return text


# Unicode's format characters (category Cf), as of Unicode 14 (Python 3.11); tests/test_sheets_round2.py
# checks this class against `unicodedata` so a newer Python's additions are noticed.
_FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def visible(text: str) -> str:
    """`text` without the characters nobody can see: Unicode category Cf (zero-width space U+200B,
    word joiner U+2060, BOM U+FEFF inside a cell, soft hyphen U+00AD, direction marks...)."""
    if text.isascii():
        return text
    return _FORMAT_CHARACTERS.sub("", text)


def nfkc(text: str) -> str:
    """NFKC-normalised, invisible characters removed, trimmed: 'ＡＢ' -> 'AB', '０００１' -> '0001'."""
    if not isinstance(text, str):
        text = str(text)
    if text.isascii():  # most cells: nothing to normalise
        return text.strip()
    return unicodedata.normalize("NFKC", visible(text)).strip()


def free_text(text: str) -> str:
    """Free text (题干, 选项, 解析…) as written: only invisible characters removed and the ends trimmed."""
    return visible(text).strip()


def collapse(text: str) -> str:
    """NFKC, then white space collapsed: one space between Latin words, none next to Chinese.

    "社会　救助科", "社会 救助科" and "社会救助科" are one department.
    """
    text = " ".join(nfkc(text).split())
    return _SPACE_NEAR_CJK.sub("", text)


def header_word(text: str) -> str:
    """A header cell as matched against the alias tables: NFKC, no bracketed note, no required
    mark (`*`, `＊`, `※` at either end), no spaces, case-folded."""
    text = _BRACKET_NOTE.sub("", nfkc(text)).strip()
    text = _REQUIRED_MARK.sub("", text)
    return "".join(text.split()).casefold()


# ------------------------------------------------------------------ ids, names and years as Excel leaves them

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?E[+-]?\d+$", re.IGNORECASE)
_FINAL_X = re.compile(r"^\d+[xX]$")
_NOT_IN_ID = re.compile(rf"[\s,，、;；?？\ufffd{_CJK}]")
_ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def staff_id_text(text: str) -> str:
    """A 工号 or 身份证号 as compared and stored: NFKC, invisible characters removed, Excel's text
    prefix (a leading ') dropped, a final x after digits upper-cased ('11010819820606006x' is
    '11010819820606006X', GB 11643-1999's check letter)."""
    text = nfkc(text)
    if text[:1] == "'":
        text = text[1:].strip()
    return text[:-1] + "X" if text[-1:] == "x" and _FINAL_X.match(text) else text


def id_card_checksum_ok(text: str) -> bool:
    """Whether an 18-character 公民身份号码 carries its own check character (GB 11643-1999, ISO 7064
    MOD 11-2): the weighted sum of the first 17 digits decides the 18th."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_CARD_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17].upper()


def staff_id_problem(text: str) -> str | None:
    """Why an id cell cannot be a 工号 as written (None if it can): scientific notation, digits past
    the 15th lost (a number Excel kept as a double), spaces, commas, `?` or Chinese characters."""
    if not text:
        return None
    if _SCIENTIFIC.match(text):
        return (
            "被 Excel 改成了科学计数法，末几位已丢失：请从原始数据重新导出，或在 Excel 中把该列设为“文本”后"
            "重新输入完整号码"
        )
    if len(text) >= 16 and text.isdigit() and not text[15:].strip("0") and not id_card_checksum_ok(text):
        return (
            f"共 {len(text)} 位，第15位之后全是 0：Excel 只保留 15 位有效数字，末几位已丢失；请从原始数据重新导出，"
            "或在 Excel 中把该列设为“文本”后重新输入完整号码"
        )
    if _NOT_IN_ID.search(text):
        return "不像工号（含空格、逗号、问号或汉字）：工号只用字母、数字和 - _ ."
    return None


def lost_characters_problem(text: str, gbk: bool) -> str | None:
    """A `?` (or U+FFFD) in a name, 科室 or 类别 is a character an encoding could not hold, not a name."""
    if "?" not in text and "\ufffd" not in text:
        return None
    if gbk:
        return (
            "文件的编码丢失了生僻字（GBK 编码的 CSV 装不下这些字，存成了“?”）：请改用 .xlsx，或在 Excel 中"
            "另存为“CSV UTF-8（逗号分隔）”后重新导入"
        )
    return "“?”是丢失的生僻字（在某次另存为 CSV 时丢失）：请改为正确的字后重新导入"


_YEAR = re.compile(r"^(\d{4})\s*(?:年度?)?$|^(\d{4})\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:[ T].*)?$")


def year_text(text: str) -> str:
    """A year as people write it -> its four digits: '2026', '2026年', '2026年度', '2026 年度', a date
    ('2026-01-01', '2026年1月1日', a date cell) -> '2026'; anything else is returned unchanged."""
    match = _YEAR.match(text)
    return (match.group(1) or match.group(2)) if match else text
