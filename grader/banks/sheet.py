"""Banks to and from the Excel/CSV 题库 sheet: import (any bad row writes nothing), export, template."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.banks.model import (
    DIFFICULTY_NAMES,
    ID_PATTERN,
    POOL_NAMES,
    SHEET_HEADERS,
    Bank,
    BankError,
    Citation,
    Problem,
    Question,
)
from grader.banks.options import question_warnings
from grader.banks.sheet_rows import row_to_raw
from grader.banks.store import bank_paths, check
from grader.banks.validate import check_unique, validate_question
from grader.laws import Library, library
from grader.vocabulary import LETTERS, TYPE_NAMES


def read_csv_rows(path: Path) -> tuple[list[list[str]], str]:
    """Read a CSV in UTF-8, UTF-8 with BOM, or GBK (the one reader is grader.sheets)."""
    from grader import sheets

    try:
        return sheets.read_csv_rows(path)
    except sheets.SheetError as error:
        raise BankError([Problem(str(path), "", str(error))]) from None


def bank_id_problem(bank_id: str, source: str) -> str | None:
    """Why a bank id cannot be used (None if it can): ids are ASCII, they name question ids."""
    if ID_PATTERN.match(bank_id or ""):
        return None
    return (
        f"题库编号 {bank_id!r} 取自{source}，只能用英文字母、数字、-、_、.（题号由它生成，如 burial-001）："
        f"请加 --bank 英文编号（如 --bank burial），或换一个英文文件名（如 -o quizzes/burial.yaml）"
    )


def import_sheet_as(
    source,
    output: Path,
    bank_id: str | None = None,
    title: str | None = None,
    as_of=None,
    sheet_names: list[str] | None = None,
) -> Bank:
    """Read a sheet as the bank that will be written to `output`.

    Its id is `bank_id`, else the output file's name; its question ids are checked against the
    other banks in the output's folder (the bank being replaced excepted). `sheet_names`: read only
    these worksheets (--sheet).
    """
    output = Path(output)
    others = (
        [p for p in bank_paths([output.parent]) if p.resolve() != output.resolve()] if output.parent.is_dir() else []
    )
    return import_sheet(
        source,
        bank_id=bank_id or output.stem,
        title=title,
        others=others,
        id_source="--bank" if bank_id else f"输出文件名 {output.name}",
        as_of=as_of,
        sheet_names=sheet_names,
    )


def import_sheet(
    path: Path,
    bank_id: str | None = None,
    title: str | None = None,
    laws: Library | None = None,
    others: list[Path] | None = None,
    as_of=None,
    id_source: str = "",
    sheet_names: list[str] | None = None,
    columns: dict[str, str] | None = None,
) -> Bank:
    """Read a trainer's 题库 sheet into a bank, checked like `quiz check`; any bad row fails it all.

    The sheet is read by grader.sheets (hidden rows and sheets, a 填写说明 row, Excel error values
    and pictures: see there); `sheet_names` and `columns` are passed to `sheets.read_sheet`.
    All options in one 选项 cell are split (`split_options`).

    Every worksheet with the 题库 header is read (`Bank.summary` says which gave how many rows);
    labels pasted into options are stripped and listed in `Bank.warnings` with the positional
    options that the exam will keep in order. An invalid bank id is reported once, before rows.
    A citation may name its version (《殡葬管理条例》第四条，2012年版); otherwise it is checked against
    the version in force on `as_of` (default today), and that version is written into the bank.
    """
    from grader import sheets

    laws = laws or library()
    path = Path(path)
    file = str(path)
    try:
        table = sheets.read_sheet(path, sheets.BANK, sheets=sheet_names, columns=columns)
    except sheets.SheetError as error:
        raise BankError(
            [Problem(file, "", line.removeprefix(f"{file}: ")) for line in str(error).splitlines()]
        ) from None
    meta = table.meta
    source = id_source or ("参数" if bank_id else "")
    if not bank_id:
        bank_id, source = (
            (meta.get("题库编号"), "说明表的题库编号") if meta.get("题库编号") else (path.stem, f"文件名 {path.name}")
        )
    bank_id = str(bank_id)
    title = str(title or meta.get("题库名称") or bank_id)
    why = bank_id_problem(bank_id, source or "题库编号")
    if why:
        raise BankError([Problem(file, "", why)])
    if not table.rows:
        raise BankError([Problem(file, "", "表格中没有题目" + (f"（{table.summary()}）" if table.summary() else ""))])
    problems: list[Problem] = []
    located: list = []
    questions: list[Question] = []
    warnings: list[Problem] = []
    for row in table.rows:
        where = row.where + (f" 题号 {row.get('id')}" if row.get("id") else "")
        try:
            raw = row_to_raw(
                row.values, bank_id, warn=lambda text, w=where, out=warnings: out.append(Problem(file, w, text))
            )
        except ValueError as error:
            problems.append(Problem(file, where, str(error)))
            continue
        question, found = validate_question(raw, where, file, laws, as_of)
        problems += found
        if question:
            question.bank = bank_id
            questions.append(question)
            located.append((question, file, where))
            warnings += [Problem(file, where, text) for text in question_warnings(question)]
    others_checked = check(others, laws, as_of) if others else None
    if others_checked:
        located = [
            (q, str(b.path), f"题目 {q.id}") for b in others_checked.banks if b.id != bank_id for q in b.questions
        ] + located
    problems += [p for p in check_unique(located, laws) if p.file == file]
    if problems:
        failure = BankError(problems)
        failure.summary = table.summary()
        raise failure
    return Bank(bank_id, title, questions, warnings=warnings, summary=table.summary())


def question_to_row(q: Question) -> list:
    options = [q.options.get(c, "") for c in LETTERS]
    return (
        [q.id, TYPE_NAMES[q.type], q.stem]
        + options
        + [
            q.answer_text(),
            q.explanation,
            "\n".join(c.label + (f"，{c.version[:4]}年版" if c.version else "") for c in q.basis),
            "\n".join(c.quote for c in q.basis),
            q.points,
            DIFFICULTY_NAMES[q.difficulty],
            "、".join(q.tags),
            POOL_NAMES[q.pool],
            {None: "", False: "固定", True: "打乱"}[q.shuffle],
        ]
    )


def _style_sheet(ws, widths: dict[str, int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def write_sheet(bank: Bank, path: Path) -> None:
    """Export a bank to the 题库 sheet trainers keep (one row per question)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(SHEET_HEADERS)
            for q in bank.questions:
                writer.writerow(question_to_row(q))
        return
    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    ws.append(SHEET_HEADERS)
    for q in bank.questions:
        ws.append(question_to_row(q))
    widths = {
        get_column_letter(i + 1): w for i, w in enumerate([12, 6, 40] + [20] * 6 + [8, 40, 24, 40, 6, 6, 16, 8, 8])
    }
    _style_sheet(ws, widths)
    for column, choices in (("B", "单选,多选,判断"), ("O", "易,中,难"), ("Q", "练习,考试"), ("R", "固定,打乱")):
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"{column}2:{column}5000")
    info = wb.create_sheet("说明")
    info.append(["题库编号", bank.id])
    info.append(["题库名称", bank.title])
    info.append(
        [
            "填写说明",
            "题型填 单选/多选/判断；多选答案写 ACD 或 A、C、D；判断答案写 正确/错误；"
            "法律依据写《法规名称》第X条，多条依据分行填写，依据原文逐行对应且须与条文原文一致；"
            "题库用途填 练习 或 考试；选项顺序留空（自动）、填 固定（考试中不打乱）或 打乱。",
        ]
    )
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 100
    tmp = path.with_name(path.name + ".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)


def template_bank() -> Bank:
    """One real, checked example row for the empty template."""
    example = Question(
        id="burial-001",
        type="single",
        stem="依照《殡葬管理条例》（2025年修订），在实行火葬的地区，遗体应当在哪里火化？",
        options={
            "A": "就地、就近在殡仪馆火化",
            "B": "由丧属自行选择任何地区的殡仪馆火化",
            "C": "在死者户籍所在地的殡仪馆火化",
            "D": "在丧属居住地的殡仪馆火化",
        },
        answer="A",
        explanation="殡葬管理条例（2025年修订）第二十九条规定，在实行火葬的地区，遗体应当就地、就近在殡仪馆火化；"
        "确需跨区域运输遗体的，要凭运输目的地民政部门出具的遗体接收证明。",
        basis=[Citation("殡葬管理条例", 29, "在实行火葬的地区，遗体应当就地、就近在殡仪馆火化", "2025-12-12")],
        pool="practice",
        points=2,
        difficulty=1,
        tags=["火葬区"],
    )
    return Bank("burial", "殡葬管理（示例）", [example])
