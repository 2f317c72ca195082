"""How a row of a 题库 sheet reads as a question: the words people use for types, answers, pools,
difficulty and option order, options pasted into one cell, and the row's fields as a raw question."""

from __future__ import annotations

import re

from grader.banks.options import PASTED_LABEL
from grader.laws import CITATION, LawError, cn_to_int, library
from grader.sheets import nfkc
from grader.vocabulary import LETTERS

# ---------------------------------------------------------------- sheets (Excel / CSV)

JUDGE_TRUE = {"对", "正确", "√", "✓", "✔", "A", "T", "TRUE", "是", "Y", "YES", "1", "V"}
JUDGE_FALSE = {"错", "错误", "×", "✗", "✘", "X", "B", "F", "FALSE", "否", "N", "NO", "0"}
JUDGE_OPTION_WORDS = {
    "正确": True,
    "对": True,
    "√": True,
    "是": True,
    "错误": False,
    "错": False,
    "×": False,
    "否": False,
}
TYPE_WORDS = {
    "单选": "single",
    "单选题": "single",
    "单项选择": "single",
    "单项选择题": "single",
    "多选": "multiple",
    "多选题": "multiple",
    "多项选择": "multiple",
    "多项选择题": "multiple",
    "判断": "judge",
    "判断题": "judge",
    "是非题": "judge",
    "single": "single",
    "multiple": "multiple",
    "judge": "judge",
}
POOL_WORDS = {"练习": "practice", "考试": "exam", "practice": "practice", "exam": "exam"}
DIFFICULTY_WORDS = {
    "易": 1,
    "简单": 1,
    "容易": 1,
    "中": 2,
    "中等": 2,
    "一般": 2,
    "难": 3,
    "困难": 3,
    "较难": 3,
    "1": 1,
    "2": 2,
    "3": 3,
}
SHUFFLE_WORDS = {
    "固定": False,
    "不打乱": False,
    "保持": False,
    "否": False,
    "false": False,
    "no": False,
    "打乱": True,
    "是": True,
    "true": True,
    "yes": True,
}
SPLIT_LIST = re.compile(r"[,，、;；\s/|]+")
_ANSWER_WRAP = re.compile(r"^[\s(（\[【［]+|[\s)）\]】］]+$")
_ANSWER_TAIL = re.compile(r"[\s。，,.．;；:：!！、]+$")


def _answer_text(text: str) -> str:
    """NFKC, upper case, without brackets around it or punctuation after it: '（Ａ）。' -> 'A'."""
    text = nfkc(text).upper()
    previous = None
    while previous != text:
        previous = text
        text = _ANSWER_TAIL.sub("", _ANSWER_WRAP.sub("", text))
    return text


def parse_answer(qtype: str, text: str, options: dict[str, str] | None = None):
    """Accept the ways answers are written in practice: B; ACD, A,C,D, A、C、D; full-width ＡＢ;
    （A）, A。; 判断 as 对/错, √/×, 1/0, A/B.

    A 判断 question with option texts (正确/错误 or 对/错, in either order) reads a letter answer
    through those texts, so "A 错误, B 正确, answer B" is true: the key is never inverted.
    """
    raw = str(text)
    text = _answer_text(raw)
    if qtype == "judge":
        if options and len(text) == 1 and text in LETTERS:
            meaning = _judge_options(options)
            if text not in meaning:
                raise ValueError(f"判断题答案 {raw!r} 不是选项（选项: {'、'.join(options)}）")
            return meaning[text]
        if text in JUDGE_TRUE:
            return True
        if text in JUDGE_FALSE:
            return False
        raise ValueError(f"判断题答案 {raw!r} 无法识别（可写 对/错、正确/错误、√/×、1/0、A/B）")
    letters = [c for c in SPLIT_LIST.sub("", text)]
    if not letters or any(c not in LETTERS for c in letters):
        raise ValueError(f"答案 {raw!r} 应由选项字母组成（如 B、ACD、A,C,D、A、C、D）")
    if qtype == "single":
        if len(letters) != 1:
            raise ValueError(f"单选题只能有一个答案，实际为 {raw!r}")
        return letters[0]
    return letters


def _judge_options(options: dict[str, str]) -> dict[str, bool]:
    """A 判断 row's option letters -> truth, from texts 正确/错误, 对/错 (either order)."""
    meaning = {}
    for letter, text in options.items():
        word = _ANSWER_TAIL.sub("", nfkc(PASTED_LABEL.sub("", nfkc(text))))
        if word not in JUDGE_OPTION_WORDS:
            raise ValueError(f"判断题的选项{letter} {text!r} 应为 正确/错误 或 对/错（或不填选项）")
        meaning[letter] = JUDGE_OPTION_WORDS[word]
    if sorted(meaning.values()) != [False, True]:
        raise ValueError(f"判断题的选项应一个为正确、一个为错误，实际为 {'、'.join(options.values())}")
    return meaning


def _number(text: str, what: str):
    cleaned = re.sub(r"\s*分$", "", nfkc(text))
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{what} {text!r} 应为数字") from None
    return int(value) if value.is_integer() else value


_OPTION_BREAK = re.compile(r"\s*(?:[|｜]|\r?\n)\s*")
_INLINE_LABEL = re.compile(r"(?:^|(?<=[\s;；,，、]))[(（]?([A-Fa-fＡ-Ｆａ-ｆ])\s*[．.、:：)）]")
_PIECE_END = re.compile(r"[\s;；,，、]+$")


def _inline_options(text: str) -> list[str]:
    """'A.国务院 B.省级 C.县级' on one line -> its pieces, labels running A, B, C… (else [text])."""
    starts, expected = [], 0
    for match in _INLINE_LABEL.finditer(text):
        if expected < len(LETTERS) and nfkc(match.group(1)).upper() == LETTERS[expected]:
            starts.append(match.start())
            expected += 1
    if len(starts) < 2 or starts[0] != 0:
        return [text]
    return [_PIECE_END.sub("", text[a:b]).strip() for a, b in zip(starts, [*starts[1:], len(text)])]


def split_options(text: str) -> dict[str, str]:
    """All options in one 选项 cell, as import templates and papers copied from Word write them:
    'A.国务院民政部门|B.国务院卫生健康部门', one option a line, or 'A.… B.… C.…' on one line.

    Returns letter -> text (labels removed). Labels, when written, must run A, B, C… in order;
    unlabelled pieces are lettered in order. Raises ValueError naming the column otherwise.
    """
    pieces = [_PIECE_END.sub("", p).strip() for p in _OPTION_BREAK.split(text.strip())]
    pieces = [p for p in pieces if p]
    if len(pieces) == 1:
        pieces = _inline_options(pieces[0])
    if len(pieces) < 2:
        raise ValueError(
            f"“选项”列只有一项 {text!r}：多个选项请用 | 或换行分开（如 A.国务院民政部门|B.国务院卫生健康部门），"
            "或每个选项一列（选项A…选项F）"
        )
    if len(pieces) > len(LETTERS):
        raise ValueError(f"“选项”列有 {len(pieces)} 项，最多 {len(LETTERS)} 项（A–F）")
    labels = [PASTED_LABEL.match(p) for p in pieces]
    if not any(labels):
        return {LETTERS[i]: p for i, p in enumerate(pieces)}
    letters = [nfkc(m.group(1)).upper() if m else "" for m in labels]
    if letters != list(LETTERS[: len(pieces)]):
        shown = "、".join(letter or "（无）" for letter in letters)
        raise ValueError(f"“选项”列的字母编号应依次为 {'、'.join(LETTERS[: len(pieces)])}，实际为 {shown}")
    return {letter: p[m.end() :].strip() for letter, p, m in zip(letters, pieces, labels) if m}


def row_to_raw(row: dict[str, str], bank_id: str, warn=None) -> dict:
    """One sheet row (field -> cell text, as grader.sheets.BANK names the fields) as a raw
    question mapping for validate_question. `warn(message)` receives labels stripped from options."""
    qtype = TYPE_WORDS.get("".join(row.get("type", "").split()).lower())
    if not qtype:
        raise ValueError(f"题型 {row.get('type', '')!r} 应为 单选、多选 或 判断")
    qid = row.get("id", "")
    if not qid:
        raise ValueError("缺少题号")
    if qid.isdigit():
        qid = f"{bank_id}-{int(qid):03d}"
    options = {c: row[f"option_{c}"] for c in LETTERS if row.get(f"option_{c}")}
    if row.get("options"):
        if options:
            raise ValueError("“选项”列与“选项A…选项F”列不能同时填写：请只用其中一种")
        options = split_options(row["options"])
    for letter, text in list(options.items()):
        label = PASTED_LABEL.match(text)
        if label and qtype != "judge":
            stripped = text[label.end() :].strip()  # the rest of the text exactly as written
            if stripped:
                options[letter] = stripped
                if warn:
                    warn(f"选项{letter} “{text}” 开头的编号已去掉（考试会重新编排字母）")
    answer = parse_answer(qtype, row.get("answer", ""), options if qtype == "judge" else None)
    if qtype == "judge":
        options = {}  # read through; a judge question has no options of its own
    cites = [c for c in re.split(r"[\n；;]+", row.get("basis", "")) if c.strip()]
    quotes = [q for q in re.split(r"\n+|｜", row.get("quote", "")) if q.strip()]
    if not cites:
        raise ValueError("缺少法律依据（如《殡葬管理条例》第十二条）")
    if len(quotes) != len(cites):
        raise ValueError(f"法律依据有 {len(cites)} 条而依据原文有 {len(quotes)} 段（多条依据时原文逐行对应）")
    basis = []
    for cite, quote in zip(cites, quotes):
        match = CITATION.search(cite)
        if not match:
            raise ValueError(f"法律依据 {cite.strip()!r} 应写作《法规名称》第X条")
        entry = {"law": match.group(1), "article": cn_to_int(match.group(2)), "quote": quote.strip()}
        year = re.match(r"\s*[，,（(]?\s*(\d{4})年版", cite[match.end() :])
        if year:
            try:
                entry["version"] = library().statute(match.group(1)).by_year(int(year.group(1))).name
            except LawError as error:
                raise ValueError(str(error)) from None
        basis.append(entry)
    raw = {
        "id": qid,
        "type": qtype,
        "stem": row.get("stem", ""),
        "answer": answer,
        "explanation": row.get("explanation", ""),
        "basis": basis,
    }
    if options:
        raw["options"] = options
    if row.get("points"):
        raw["points"] = _number(row["points"], "分值")
    if row.get("difficulty"):
        if row["difficulty"] not in DIFFICULTY_WORDS:
            raise ValueError(f"难度 {row['difficulty']!r} 应为 易/中/难 或 1/2/3")
        raw["difficulty"] = DIFFICULTY_WORDS[row["difficulty"]]
    raw["tags"] = [t for t in SPLIT_LIST.split(row.get("tags", "")) if t]
    pool = row.get("pool", "").lower()
    if pool not in POOL_WORDS:
        raise ValueError(f"题库用途 {row.get('pool', '')!r} 应为 练习 或 考试")
    raw["pool"] = POOL_WORDS[pool]
    if row.get("shuffle"):
        word = row["shuffle"].lower()
        if word not in SHUFFLE_WORDS:
            raise ValueError(f"选项顺序 {row['shuffle']!r} 应为 固定 或 打乱（留空：按选项内容自动决定）")
        raw["shuffle"] = SHUFFLE_WORDS[word]
    return raw
