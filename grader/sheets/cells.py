"""A cell as Excel shows it (its number format applied), and the cells that are not data
(error values, formulas without a result, pictures)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from grader.sheets.kinds import Kind

# ------------------------------------------------------------------ cells as Excel shows them


def _split_sections(fmt: str) -> list[str]:
    sections, current, quoted, escape = [], "", False, False
    for ch in fmt:
        if escape:
            current += ch
            escape = False
        elif ch == "\\":
            current += ch
            escape = True
        elif ch == '"':
            current += ch
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append(current)
            current = ""
        else:
            current += ch
    sections.append(current)
    return sections


def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text): kind is 'lit' for literal text, else the format character(s)."""
    out, i = [], 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            out.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif ch == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif ch == "_" and i + 1 < len(section):
            out.append(("lit", " "))
            i += 2
        elif ch == "*" and i + 1 < len(section):
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            out.append(("bracket", section[i + 1 : end]))
            i = end + 1
        else:
            out.append((ch, ch))
            i += 1
    return out


class _Unfaithful(Exception):
    pass


class _LostDigits(Exception):
    """A number past Excel's 15 significant digits: the digits after the 15th are gone."""


EXCEL_DIGITS = 15  # Excel keeps a number as a double: 15 significant digits


_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}


def _strip_brackets(tokens):
    out = []
    for kind, text in tokens:
        if kind == "bracket":
            low = text.lower()
            if (
                low in _COLOURS
                or low.startswith("color")
                or re.fullmatch(r"\$-[0-9a-f]+", low)
                or re.fullmatch(r"\$[^-]*-[0-9a-f]+", low)
            ):
                if text.startswith("$") and "-" in text and not text.startswith("$-"):
                    out.append(("lit", text[1 : text.index("-")]))  # currency symbol [$¥-804]
                continue
            raise _Unfaithful(f"[{text}]")
        out.append((kind, text))
    return out


def _general(value) -> str:
    """A number as Excel's General format shows it (refused where it would show 1.2E+17)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
        if abs(number) >= 10**11:
            raise _Unfaithful("General（位数过多，Excel 显示为科学计数法）")
        return str(number)
    text = f"{value:.10g}"
    if "e" in text:
        raise _Unfaithful("General（Excel 显示为科学计数法）")
    return text


def _number_text(value: float, fmt: str) -> str:
    sections = _split_sections(fmt)
    section = sections[0]
    negative = value < 0
    if negative and len(sections) > 1:
        section, value = sections[1], -value
        negative = False
    elif value == 0 and len(sections) > 2:
        section = sections[2]
    tokens = _strip_brackets(_tokens(section))
    kinds = [k for k, _ in tokens]
    if "@" in kinds and not any(k in "0#?" for k in kinds):
        return _general(value)  # a text format ("@"): the number as typed
    if any(k.lower() in ("e",) for k in kinds) or "/" in kinds:
        raise _Unfaithful(fmt)
    if not any(k in "0#?" for k in kinds):
        if all(k == "lit" or k in " -+()$¥€£" for k in kinds):
            return "".join(t for _, t in tokens)  # a format that shows only text
        raise _Unfaithful(fmt)
    percent = kinds.count("%")
    scaled = Decimal(str(abs(value))) * (Decimal(100) ** percent)
    # integer and decimal placeholders
    first = next(i for i, k in enumerate(kinds) if k in "0#?")
    last = max(i for i, k in enumerate(kinds) if k in "0#?")
    dot = next((i for i, k in enumerate(kinds) if k == "." and first <= i <= last + 1), None)
    int_part = tokens[first : dot if dot is not None else last + 1]
    dec_part = tokens[dot + 1 : last + 1] if dot is not None else []
    decimals = [t for k, t in dec_part if k in "0#?"]
    if any(k not in "0#?" for k, _ in dec_part):
        raise _Unfaithful(fmt)
    grouping = any(k == "," for k, _ in int_part)
    trailing_commas = tokens[last + 1 : last + 2] and tokens[last + 1][0] == ","
    if trailing_commas:
        raise _Unfaithful(fmt)
    quantum = Decimal(1).scaleb(-len(decimals))
    rounded = scaled.quantize(quantum, rounding=ROUND_HALF_UP)
    int_digits, _, dec_digits = f"{rounded:f}".partition(".")
    # decimals: '0' always shown, '#' only when not a trailing zero
    dec_out = list(dec_digits.ljust(len(decimals), "0"))
    for i in range(len(decimals) - 1, -1, -1):
        if decimals[i] in "#?" and dec_out[i] == "0":
            dec_out[i] = "" if decimals[i] == "#" else " "
        else:
            break
    dec_text = "".join(dec_out)
    # integer part: placeholders filled from the right, literals in place
    if int_digits == "0":
        int_digits = ""
    holders = [(k, t) for k, t in int_part if k != ","]
    if grouping and any(k == "lit" for k, _ in holders):
        raise _Unfaithful(fmt)
    digits = list(int_digits)
    out: list[str] = []
    placeholders = [i for i, (k, _) in enumerate(holders) if k in "0#?"]
    for index in range(len(holders) - 1, -1, -1):
        kind, text = holders[index]
        if kind in "0#?":
            if index == placeholders[0]:
                rest = "".join(digits)
                digits = []
                out.append(rest if rest else ("0" if kind == "0" else (" " if kind == "?" else "")))
            elif digits:
                out.append(digits.pop())
            else:
                out.append("0" if kind == "0" else (" " if kind == "?" else ""))
        else:
            out.append(text)
    int_text = "".join(reversed(out))
    if grouping:
        int_text = f"{int(int_text or 0):,}" if int_text.strip() else int_text
        minimum = sum(1 for k, _ in holders if k == "0")
        if len(int_text.replace(",", "")) < minimum:
            int_text = f"{int(int_text.replace(',', '') or 0):0{minimum}d}"
            int_text = f"{int(int_text):,}".rjust(len(int_text), "0")
    number = int_text + ("." + dec_text if dot is not None and (dec_text or kinds[dot] == ".") else "")
    before = "".join(t for _, t in tokens[:first])  # literals, %, signs as written
    after = "".join(t for _, t in tokens[last + 1 :])
    sign = "-" if negative and rounded != 0 else ""
    return sign + before + number + after


_DATE_TOKENS = re.compile(
    r"(yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|aaaa|aaa|hh|h|ss|s|AM/PM|A/P|上午/下午|e|g+)", re.IGNORECASE
)


def _date_text(value, fmt: str) -> str:
    if isinstance(value, time):
        value = datetime.combine(date(1899, 12, 31), value)
    elif isinstance(value, timedelta):
        raise _Unfaithful(fmt)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    low = fmt.lower()
    if low == "mm-dd-yy":  # built-in 14: the reader's locale short date -> ISO
        return value.strftime("%Y-%m-%d")
    if low == "m/d/yy h:mm":  # built-in 22: locale date and time -> ISO
        return value.strftime("%Y-%m-%d %H:%M")
    section = _split_sections(fmt)[0]
    tokens = _strip_brackets(_tokens(section))
    pieces: list[tuple[str, str]] = []
    for kind, text in tokens:
        if kind == "lit":
            pieces.append(("lit", text))
            continue
        if pieces and pieces[-1][0] == "raw":
            pieces[-1] = ("raw", pieces[-1][1] + text)
        else:
            pieces.append(("raw", text))
    parts: list[tuple[str, str]] = []  # (token or 'lit', text)
    for kind, text in pieces:
        if kind == "lit":
            parts.append(("lit", text))
            continue
        for chunk in _DATE_TOKENS.split(text):
            if not chunk:
                continue
            parts.append((chunk.lower(), chunk) if _DATE_TOKENS.fullmatch(chunk) else ("lit", chunk))
    twelve = any(k in ("am/pm", "a/p", "上午/下午") for k, _ in parts)
    out = []
    for i, (kind, text) in enumerate(parts):
        if kind == "lit":
            if re.search(r"[a-zA-Z0]", text) and text not in (".", ",", "T"):
                if re.fullmatch(r"\.0+", text):
                    raise _Unfaithful(fmt)
            out.append(text)
            continue
        if kind in ("m", "mm"):
            prev = [k for k, _ in parts[:i] if k != "lit"]
            nxt = [k for k, _ in parts[i + 1 :] if k != "lit"]
            minute = (prev and prev[-1] in ("h", "hh")) or (nxt and nxt[0] in ("s", "ss"))
            number = value.minute if minute else value.month
            out.append(f"{number:02d}" if kind == "mm" else str(number))
        elif kind == "yyyy":
            out.append(f"{value.year:04d}")
        elif kind == "yy":
            out.append(f"{value.year % 100:02d}")
        elif kind == "dd":
            out.append(f"{value.day:02d}")
        elif kind == "d":
            out.append(str(value.day))
        elif kind == "aaaa":
            out.append("星期" + "一二三四五六日"[value.weekday()])
        elif kind == "aaa":
            out.append("一二三四五六日"[value.weekday()])
        elif kind in ("hh", "h"):
            hour = value.hour % 12 or 12 if twelve else value.hour
            out.append(f"{hour:02d}" if kind == "hh" else str(hour))
        elif kind == "ss":
            out.append(f"{value.second:02d}")
        elif kind == "s":
            out.append(str(value.second))
        elif kind == "am/pm":
            out.append("AM" if value.hour < 12 else "PM")
        elif kind == "上午/下午":
            out.append("上午" if value.hour < 12 else "下午")
        else:  # month or day names, eras, A/P: not rendered
            raise _Unfaithful(fmt)
    return "".join(out)


def cell_text(value, number_format: str | None = "General") -> str:
    """The text Excel displays for a cell value under its number format.

    Raises ValueError (with the format) when the format cannot be rendered faithfully, and for a
    number of more than 15 significant digits (an 18-digit 身份证号 typed as a number: Excel kept
    only 15, the rest are zeros).
    """
    if value is None:
        return ""
    fmt = (number_format or "General").strip()
    try:
        if isinstance(value, str):
            return value
        if isinstance(value, (datetime, date, time, timedelta)):
            if fmt.lower() == "general":
                if isinstance(value, datetime):
                    return value.strftime(
                        "%Y-%m-%d %H:%M:%S"
                        if value.second
                        else "%Y-%m-%d %H:%M"
                        if (value.hour or value.minute)
                        else "%Y-%m-%d"
                    )
                return value.isoformat()  # type: ignore[union-attr]  # timedelta: caught below
            return _date_text(value, fmt)
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float)):
            if abs(value) >= 10**EXCEL_DIGITS:
                raise _LostDigits(value)
            if fmt.lower() in ("general", "@", "", "g/通用格式", "通用格式"):
                return _general(value)
            return _number_text(float(value) if isinstance(value, float) else value, fmt)
        return str(value)
    except _Unfaithful:
        raise ValueError(
            f"数字格式 {fmt!r} 无法如实显示（值 {value!r}）；请把该列设为“文本”或“常规”格式后重新保存"
        ) from None
    except _LostDigits:
        raise ValueError(
            f"是数字 {float(value):.15g}，无法如实显示：Excel 只保留 {EXCEL_DIGITS} 位有效数字，末几位已丢失，"
            "改单元格格式也找不回来；请把该列设为“文本”后重新输入完整号码（或在号码前加英文单引号 '）"
        ) from None


# ------------------------------------------------------------------ cells that are not data

# Excel's error values, what each means to the person who sees it, and what to do first.
ERROR_VALUES: dict[str, tuple[str, str]] = {
    "#N/A": ("查找不到", "请补全被查找的数据（如人事信息），"),
    "#REF!": ("引用的单元格已被删除", "请修正公式中的引用，"),
    "#VALUE!": ("值的类型不对，或是放在单元格中的图片", "请修正公式（图片不能作为数据），"),
    "#DIV/0!": ("除以零", "请修正公式，"),
    "#NAME?": ("函数或名称无法识别", "请修正公式，"),
    "#NUM!": ("数值无效", "请修正公式，"),
    "#NULL!": ("引用的区域不相交", "请修正公式，"),
    "#SPILL!": ("溢出区域被挡住", "请修正公式，"),
    "#CALC!": ("计算出错", "请修正公式，"),
    "#FIELD!": ("字段无效", "请修正公式，"),
    "#BLOCKED!": ("数据被阻止", "请修正公式，"),
    "#CONNECT!": ("无法连接数据源", "请修正公式，"),
    "#BUSY!": ("尚未算完", "请在 Excel 中等计算完成后保存，"),
    "#UNKNOWN!": ("未知的数据类型", "请修正公式，"),
    "#GETTING_DATA": ("数据尚未取回", "请在 Excel 中等数据取回后保存，"),
    "#PYTHON!": ("Python 公式出错", "请修正公式，"),
}
_PICTURE = re.compile(r"^=?\s*(?:_xlfn\.)?DISPIMG\s*\(", re.IGNORECASE)


def picture_message(kind: Kind, label: str) -> str:
    """What to say about a picture placed in a cell (WPS 嵌入单元格图片, `=DISPIMG(…)`)."""
    return f"是嵌入单元格的图片，不是文字：{kind.name}只读文字，图片不能作为{label}，请改为文字"


def cell_problem(text: str, kind: Kind, key: str) -> str | None:
    """Why a cell's text is not data, with what to do (None if it is data): an Excel error value
    (`#N/A`, `#REF!`, `#VALUE!`, `#DIV/0!`, `#NAME?`…, also as a CSV saved it) or a picture placed in
    the cell (WPS stores `=DISPIMG("ID_…",1)` as the cell's value)."""
    if not text or text[0] not in "#=":
        return None
    label = kind.label(key)
    text = text.strip()
    if _PICTURE.match(text):
        return picture_message(kind, label)
    error = ERROR_VALUES.get(text.upper())
    if error:
        meaning, advice = error
        return f"是公式错误 {text.upper()}（{meaning}）：{advice}或手工填写{label}"
    return None


def uncached_formula_message(formula: str) -> str:
    """A formula whose result the file does not hold (written by a program, never saved by Excel)."""
    shown = formula if len(formula) <= 40 else formula[:40] + "…"
    return (
        f"是公式 {shown}，文件中没有它的计算结果（文件由程序生成，未在 Excel/WPS 中保存过）："
        "请在 Excel/WPS 中打开并保存一次，或把公式换成数值"
    )
