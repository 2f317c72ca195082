"""The kinds of sheet lawstudy reads (题库, 名册, 成绩, 免考, 课程完成, 学法台账, 签到表) and the header words of each:
one alias table per kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from grader.sheets.text import header_word

HEADER_SCAN_ROWS = 10  # a header below this many title/blank rows is not looked for


# ------------------------------------------------------------------ sheet kinds (alias tables)


@dataclass(frozen=True)
class Kind:
    """A kind of sheet: its fields with the header words that name them, which are required.

    `columns` maps a field to its header aliases; the first alias is the name shown in messages.
    `weak` aliases name a field only when no column carries one of its `columns` aliases (考试时间
    is the submission time unless a 交卷时间 column is there too). `free` fields are free text (kept
    as written, trimmed); `collapse` fields (names, 科室, 类别) have their inner white space collapsed
    and may not hold a `?`; `ids` fields are 工号/身份证号; `years` fields are read as a four-digit
    year; every other field is NFKC-normalised and trimmed. `one_sheet`: a workbook in which several
    visible sheets carry the header is refused unless the sheet is named. `hint`: said when the
    header is missing.
    """

    name: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    free: frozenset[str] = frozenset()
    collapse: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()
    weak: dict[str, tuple[str, ...]] = field(default_factory=dict)
    one_sheet: bool = False
    hint: str = ""

    def label(self, key: str) -> str:
        """The header word staff know a field by (工号 for staff_id)."""
        return self.columns[key][0]

    @cached_property
    def words(self) -> dict[str, str]:
        """Header word (as `header_word` gives it) -> field, for the strong aliases."""
        out: dict[str, str] = {}
        for key, words in self.columns.items():
            for word in words:
                out.setdefault(header_word(word), key)
        return out

    @cached_property
    def weak_words(self) -> dict[str, str]:
        """Header word -> field, for the weak aliases."""
        return {header_word(word): key for key, words in self.weak.items() for word in words}

    def field_of(self, label: str) -> str | None:
        """The field a header word names (strong or weak alias, or the field's own key), else None."""
        word = header_word(label)
        return self.words.get(word) or self.weak_words.get(word) or (label if label in self.columns else None)


BANK = Kind(
    "题库",
    {
        "id": ("题号", "题目编号", "试题编号", "序号", "编号", "id"),
        "type": ("题型", "题目类型", "试题类型", "类型", "type"),
        "stem": ("题干", "题目", "题目内容", "试题内容", "试题", "问题", "stem"),
        **{f"option_{c}": (f"选项{c}", f"{c}选项", f"选项 {c}", c, f"option_{c}", f"option {c}") for c in "ABCDEF"},
        "options": ("选项", "选项内容", "备选项", "备选答案", "options"),
        "answer": ("答案", "正确答案", "参考答案", "标准答案", "answer"),
        "explanation": ("解析", "答案解析", "题目解析", "试题解析", "解释", "explanation"),
        "basis": ("法律依据", "依据", "出处", "法条", "basis"),
        "quote": ("依据原文", "原文", "条文原文", "法条原文", "quote"),
        "points": ("分值", "分数", "每题分值", "points"),
        "difficulty": ("难度", "难易程度", "难易度", "difficulty"),
        "tags": ("标签", "知识点", "tags"),
        "pool": ("题库用途", "用途", "pool"),
        "shuffle": ("选项顺序", "固定选项顺序", "shuffle"),
    },
    required=("id", "type", "stem", "answer", "explanation", "basis", "quote", "pool"),
    free=frozenset({"stem", "explanation", "quote", "basis", "options"} | {f"option_{c}" for c in "ABCDEF"}),
)

# How a staff member's number is headed in the sheets bureaus keep (the roster also accepts a bare 编号).
STAFF_ID_HEADERS = ("工号", "职工编号", "员工编号", "人员编号", "staff_id")
# A 身份证号 column is the 工号 only when the sheet has no 工号 column (bureaus that key staff by it).
ID_CARD_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "证件号码")

ROSTER = Kind(
    "名册",
    {
        "staff_id": (*STAFF_ID_HEADERS[:-1], "编号", "staff_id"),
        "name": ("姓名", "职工姓名", "人员姓名", "name"),
        "department": ("科室", "部门", "科室/部门", "所在科室", "所在部门", "处室", "department"),
        "category": ("类别", "人员类别", "人员类型", "身份类别", "category"),
    },
    required=("staff_id", "name"),
    collapse=frozenset({"name", "department", "category"}),
    ids=frozenset({"staff_id"}),
    weak={"staff_id": ID_CARD_HEADERS},
    one_sheet=True,
)

RESULTS = Kind(
    "成绩",
    {
        "staff_id": STAFF_ID_HEADERS,
        "exam": ("考试编号", "考试", "exam", "exam_id"),
        "score": ("得分", "成绩", "分数", "考试成绩", "总成绩", "最终成绩", "score"),
        "max_score": ("满分", "总分", "试卷总分", "试卷满分", "max_score"),
        "submitted_at": ("提交时间", "交卷时间", "submitted_at"),
        "name": ("姓名", "name"),
    },
    required=("staff_id", "exam", "score", "max_score", "submitted_at"),
    collapse=frozenset({"name"}),
    ids=frozenset({"staff_id"}),
    weak={
        "staff_id": (*ID_CARD_HEADERS, "用户名", "账号", "登录账号"),
        "submitted_at": ("考试时间", "完成时间"),
        "score": ("百分制成绩",),
    },
    hint=(
        "学法平台导出的成绩表没有工号时，请按名册补上工号列（如用 VLOOKUP 按姓名查名册），"
        "并加上考试编号、满分列；列名与此不同时用 --column 指定，如 --column 得分=原始成绩"
    ),
)

EXEMPTIONS = Kind(
    "免考名单",
    {
        "staff_id": STAFF_ID_HEADERS,
        "reason": ("免考原因", "原因", "理由", "reason"),
        "year": ("年度", "年份", "year"),
        "name": ("姓名", "name"),
    },
    required=("staff_id", "reason"),
    free=frozenset({"reason"}),
    collapse=frozenset({"name"}),
    ids=frozenset({"staff_id"}),
    years=frozenset({"year"}),
    weak={"staff_id": ID_CARD_HEADERS},
    one_sheet=True,  # like the roster, it decides who is counted: 2025年 and 2026年 sheets are not one list
)

COMPLETIONS = Kind(
    "课程完成",
    {
        "staff_id": STAFF_ID_HEADERS,
        "course": ("课程编号", "课程", "course", "course_id"),
        "completed_at": ("完成时间", "提交时间", "completed_at"),
        "hours": ("学时", "hours"),
    },
    required=("staff_id", "course"),
    ids=frozenset({"staff_id"}),
    weak={"staff_id": ID_CARD_HEADERS},
)

# A 学法台账 (the ledger of study activities a bureau keeps): one row per activity.
LEDGER = Kind(
    "学法台账",
    {
        "date": (
            "日期",
            "时间",
            "学习日期",
            "学习时间",
            "培训日期",
            "培训时间",
            "活动日期",
            "活动时间",
            "开展时间",
            "date",
        ),
        "kind": ("形式", "类型", "学习形式", "培训形式", "活动形式", "学习方式", "培训方式", "方式", "kind"),
        "topic": ("主题", "内容", "学习主题", "学习内容", "培训主题", "培训内容", "活动主题", "课程名称", "topic"),
        "speaker": (
            "主讲人",
            "主讲",
            "授课人",
            "讲课人",
            "主讲人员",
            "领学人",
            "主讲人/主办单位",
            "主讲人或主办单位",
            "speaker",
        ),
        "organiser": ("主办单位", "组织单位", "举办单位", "承办单位", "organiser"),
        "hours": ("学时", "课时", "学时数", "hours"),
        "laws": ("涉及法律", "涉及法规", "涉及法律法规", "学习法规", "学习法律", "法律法规", "laws"),
        "attendees": ("参加人员", "参训人员", "参学人员", "参会人员", "attendees"),
        "headcount": ("参加人数", "参训人数", "参学人数", "参会人数", "人数", "headcount"),
    },
    required=("date", "kind", "topic"),
    free=frozenset({"topic", "speaker", "organiser", "laws", "attendees"}),
    collapse=frozenset({"kind"}),
)

# A 签到表 (sign-in sheet): one activity per worksheet, its title above the header, one row a person.
SIGNIN = Kind(
    "签到表",
    {
        "name": ("姓名", "参会人员", "参训人员", "参加人员", "name"),
        "staff_id": STAFF_ID_HEADERS,
        "department": ("科室", "部门", "所在科室", "所在部门", "处室", "单位", "工作单位", "department"),
        "signature": ("签名", "签到", "本人签名", "签字", "签到签名", "signature"),
        "number": ("序号", "编号"),
    },
    required=("name",),
    collapse=frozenset({"name", "department"}),
    ids=frozenset({"staff_id"}),
)

KINDS = {k.name: k for k in (BANK, ROSTER, RESULTS, EXEMPTIONS, COMPLETIONS, LEDGER, SIGNIN)}
