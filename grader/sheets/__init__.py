"""One reader for every sheet lawstudy takes: 题库 banks, rosters, exemption lists, results.

Files come as trainers, HR staff and other systems write them, and are read the way a person
looking at them in Excel reads them:

- the header row is found even under a title row, and across two rows when merged header cells
  continue it (工号 merged down, 科室/类别 under 任职情况); header words go through one alias table
  per sheet kind (`KINDS`); a note in brackets ("工号（必填）") and a required mark (`题型*`, `*题干`,
  `※答案`, `工号：`) are ignored; a template's 填写说明/示例 row under the header, a repeated header row
  and a line under the data (注：…, 制表人：…, 合计) are skipped and named, never read as a person or
  a question; a 身份证号 column is the 工号 where there is no 工号 column (`Kind.weak`);
- every visible worksheet carrying the header is read (a 说明 sheet is not; a roster reads one
  sheet: `Kind.one_sheet`); `read_sheet(..., sheets=[...])` (the commands' `--sheet`) chooses;
- what Excel/WPS does not show is not data: hidden and very hidden sheets, hidden rows and hidden
  columns are skipped and named in `Table.summary()`;
- a merged cell's value applies to every row (and column) it covers;
- a cell is the text Excel shows: dates in the cell's Chinese or ISO form, percentages, numbers
  zero-padded by their format (工号 0001 stays "0001"); a format that cannot be rendered
  faithfully, a number past Excel's 15 significant digits, an Excel error value (`#N/A`, `#REF!`...),
  a formula without a cached result and a picture placed in a cell (`=DISPIMG(…)`) or floating over
  an empty one are refused with the cell named and what to do (`SheetError`), never guessed; a CSV
  cell `="0001"` is 0001;
- identifiers and short fields are NFKC-normalised (full-width letters, digits, punctuation);
  characters nobody can see (Unicode category Cf: zero-width space, word joiner, BOM, soft hyphen)
  are removed from every field; white space in names, 科室 and 类别 is collapsed ("社会　救助科" is
  "社会救助科"); free text (题干, 选项, 解析, 依据原文) is kept as written, only trimmed;
- ids (工号, 身份证号) in scientific notation or with their last digits lost are refused; a leading
  ' is dropped and a final x is read as X; a `?` in a name, 科室 or 类别 (a character a GBK file could not hold) is refused;
- CSV is read as UTF-8, UTF-8 with BOM, or GBK (as Excel on Chinese Windows saves it); a file is
  recognised by its content, so an encrypted workbook or an old .xls under an .xlsx name gets a
  message saying which and what to do.

`parse_datetime` reads the dates and times spreadsheets write (2020/11/5 9:30, 2020-11-05 09:30,
2020年11月5日 9:30) as Beijing time unless they carry a zone.

Modules: kinds (the alias tables), text (normalisation, ids), cells (a cell as Excel shows it),
files (worksheets and CSV files), header (finding the header), table (rows and what was read),
reader (`read_sheet`, the one entry point).
"""

from grader.errors import SheetError
from grader.sheets.cells import EXCEL_DIGITS, cell_problem, cell_text, picture_message, uncached_formula_message
from grader.sheets.files import WORKBOOK_SUFFIXES, ole2_message
from grader.sheets.header import Header
from grader.sheets.kinds import (
    BANK,
    COMPLETIONS,
    EXEMPTIONS,
    HEADER_SCAN_ROWS,
    ID_CARD_HEADERS,
    KINDS,
    LEDGER,
    RESULTS,
    ROSTER,
    SIGNIN,
    STAFF_ID_HEADERS,
    Kind,
)
from grader.sheets.reader import footer_text, is_header_row, is_note_row, read_csv_rows, read_sheet, title_lines
from grader.sheets.table import Row, Table
from grader.sheets.text import (
    collapse,
    excel_text,
    free_text,
    header_word,
    id_card_checksum_ok,
    lost_characters_problem,
    nfkc,
    staff_id_problem,
    staff_id_text,
    visible,
    year_text,
)
from grader.vocabulary import parse_datetime

__all__ = [
    "BANK",
    "COMPLETIONS",
    "EXCEL_DIGITS",
    "EXEMPTIONS",
    "HEADER_SCAN_ROWS",
    "Header",
    "ID_CARD_HEADERS",
    "KINDS",
    "Kind",
    "LEDGER",
    "RESULTS",
    "ROSTER",
    "SIGNIN",
    "Row",
    "STAFF_ID_HEADERS",
    "SheetError",
    "Table",
    "WORKBOOK_SUFFIXES",
    "cell_problem",
    "cell_text",
    "collapse",
    "excel_text",
    "footer_text",
    "free_text",
    "header_word",
    "id_card_checksum_ok",
    "is_header_row",
    "is_note_row",
    "lost_characters_problem",
    "nfkc",
    "ole2_message",
    "parse_datetime",
    "picture_message",
    "read_csv_rows",
    "read_sheet",
    "staff_id_problem",
    "staff_id_text",
    "title_lines",
    "uncached_formula_message",
    "visible",
    "year_text",
]
