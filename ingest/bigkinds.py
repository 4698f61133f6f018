"""Read a BigKinds (빅카인즈, the Korea Press Foundation's news archive) .xlsx download into ParsedArticles.

One row per article under a header row: 뉴스 식별자, 일자 (YYYYMMDD as text or number, or a date
cell), 언론사, 기고자, 제목, 통합 분류1–3, 사건/사고 분류1–3, 인물, 위치, 기관 (comma-separated),
키워드, 특성추출, 본문, URL, 분석제외 여부. Read with python-calamine (a Rust reader: fast, no Python
dependencies); only the first sheet is read.

BigKinds gives only the first ~200 characters of each body. A body is marked truncated when it ends
with "…"/"...", or when its length is near that cut (TRUNCATED_LEN) and it does not end a sentence.
Rows BigKinds marked in 분석제외 여부 (duplicates, exceptions) are skipped and reported by row.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterator

from python_calamine import CalamineError, CalamineWorkbook

from errors import IngestError
from ingest.clean import clean_body
from ingest.load import PROBLEMS_MAX, FileResult, normalize_date
from schema import ParsedArticle

TRUNCATED_LEN = (180, 210)  # BigKinds cuts at 200 characters; cleaning may take a few spaces off
MEMBER_MAX = 256 * 2**20  # one uncompressed part of the workbook
TOTAL_MAX = 512 * 2**20
CELLS_MAX = 10_000_000  # rows × columns of a sheet (the reader holds them all; BigKinds: 19 columns)
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# <row r="12">, <c r="B12">, <dimension ref="A1:S12">: the last reference of a range counts.
_CELL_REF = re.compile(rb'\b(?:r|ref)="(?:[A-Z]{1,3}[0-9]{1,7}:)?([A-Z]{1,3})?([0-9]{1,7})"')
COLUMNS = {  # field -> header name with spaces removed
    "id": "뉴스식별자", "date": "일자", "outlet": "언론사", "reporter": "기고자", "title": "제목",
    "category": "통합분류1", "people": "인물", "places": "위치", "organizations": "기관", "body": "본문",
    "url": "URL", "excluded": "분석제외여부",
}
EXPECTED = "뉴스 식별자, 일자, 언론사, 기고자, 제목, 통합 분류1, 인물, 위치, 기관, 본문, URL, 분석제외 여부"
_ELLIPSIS = ("…", "...", "⋯")
_SENTENCE_END = re.compile(r"[.!?。][\"'”’)\]」』]*$")
_BYLINE_WORD = re.compile(r"\s*(?:기자|특파원)$")  # 기고자 "강도윤 기자" -> "강도윤"
_YMD = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def parse_bigkinds(data: bytes, name: str) -> FileResult:
    """Every row of a BigKinds sheet as a ParsedArticle (line = sheet row); bad rows as problems.

    Raises IngestError (naming `name`) when the file is no readable xlsx, its header is not
    BigKinds', or no row could be read.
    """
    result = FileResult(name)
    errors = 0
    for line, row in _rows(data, name):
        try:
            result.articles.append(row_to_article(row, name, line))
        except IngestError as e:
            result.problems.append(e)
            errors += not e.reason.startswith("분석제외")  # skipped on purpose: not an error
            if errors > max(PROBLEMS_MAX, len(result.articles)):
                raise IngestError(name, f"잘못된 행이 너무 많아({PROBLEMS_MAX:,}개 넘음) 파일을 건너뛰었습니다. "
                                        f"첫 오류: {result.problems[0]} 파일을 고친 뒤 다시 넣으세요.") from None
    if not result.articles:
        first = f" 첫 오류: {result.problems[0]}" if result.problems else ""
        raise IngestError(name, f"읽을 수 있는 기사 행이 없습니다.{first} "
                                "BigKinds에서 내려받은 엑셀을 그대로 넣으세요.")
    return result


def row_to_article(row: dict[str, object], name: str, line: int) -> ParsedArticle:
    """One sheet row (header name without spaces -> cell value) as a ParsedArticle."""

    def cell(field: str) -> str:
        return _text(row.get(COLUMNS[field]))

    if excluded := cell("excluded"):
        raise IngestError(name, f"분석제외 여부가 '{excluded[:20]}'(으)로 표시된 행이라 건너뛰었습니다"
                                "(BigKinds가 중복·예외로 분류한 기사). 넣으려면 이 칸을 비우세요.", line)
    raw_body = cell("body")
    body = clean_body(raw_body) if raw_body else ""
    if not body:
        raise IngestError(name, "본문 칸이 비어 있습니다. 본문이 있는 행만 넣습니다.", line)
    return ParsedArticle(
        title=cell("title"), body=body, outlet=cell("outlet"), reporter=_BYLINE_WORD.sub("", cell("reporter")),
        published_at=published_at(row.get(COLUMNS["date"])), url=cell("url"), record_id=cell("id"),
        line=line, people=_list(cell("people")), places=_list(cell("places")),
        organizations=_list(cell("organizations")), category=cell("category"),
        truncated=is_truncated(body))


def is_truncated(body: str) -> bool:
    """Whether a body is BigKinds' cut lead rather than the whole article."""
    if body.endswith(_ELLIPSIS):
        return True
    return TRUNCATED_LEN[0] <= len(body) <= TRUNCATED_LEN[1] and not _SENTENCE_END.search(body)


def published_at(value: object) -> str:
    """일자 as ISO 8601 with +09:00: "20250314", 20250315.0, a date or datetime cell; "" if unreadable."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat() + "+09:00"
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00+09:00"
    text = _text(value)
    if m := _YMD.fullmatch(text):
        try:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3])).isoformat() + "+09:00"
        except ValueError:
            return ""
    return normalize_date(text) if text else ""


def _rows(data: bytes, name: str) -> Iterator[tuple[int, dict[str, object]]]:
    """(sheet row number, row) for each non-empty row under the header."""
    _check_zip(data, name)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = iter(sheet.iter_rows())  # from the sheet's first row: row i is sheet row i + 1
        header: list[str] | None = None
        for n, values in enumerate(rows, start=1):
            if not any(_text(v) for v in values):
                continue
            if header is None:
                header = _header(values, name, n)
                continue
            yield n, dict(zip(header, values, strict=False))
    except CalamineError as e:
        raise IngestError(name, "엑셀(.xlsx) 파일을 열 수 없습니다. 손상되었거나 암호가 걸린 파일입니다. "
                                "엑셀에서 열어 암호 없이 다시 저장한 뒤 넣으세요.") from e


def _header(values: list, name: str, line: int) -> list[str]:
    header = [re.sub(r"\s+", "", _text(v)) for v in values]
    if COLUMNS["title"] not in header or COLUMNS["body"] not in header:
        raise IngestError(name, "BigKinds(빅카인즈) 엑셀 형식이 아닙니다: 첫 행에 '제목'과 '본문' 열이 있어야 합니다. "
                                f"BigKinds에서 내려받은 엑셀을 그대로 넣으세요. 읽는 열: {EXPECTED}.", line)
    return header


def _check_zip(data: bytes, name: str) -> None:
    """Refuse what is no xlsx, or would unpack to far more than its size (a zip bomb), before reading."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if sum(i.file_size for i in infos) > TOTAL_MAX or any(i.file_size > MEMBER_MAX for i in infos):
                raise IngestError(name, "압축을 푼 크기가 너무 큽니다(압축 폭탄으로 보입니다). "
                                        "엑셀에서 다시 저장하거나 나누어 넣으세요.")
            cells = max((_sheet_extent(z, i) for i in infos if _WORKSHEET.fullmatch(i.filename)), default=0)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError) as e:
        raise IngestError(name, "엑셀(.xlsx) 파일이 아닙니다. 엑셀 통합 문서(.xlsx)로 저장해 넣으세요.") from e
    if cells > CELLS_MAX:
        raise IngestError(name, f"시트가 너무 큽니다(행 수 × 열 수가 {CELLS_MAX:,}칸 넘음). "
                                "필요한 행만 남기거나 나누어 저장해 넣으세요.")


def _sheet_extent(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Rows × columns a worksheet spans, from its dimension and the row/cell references it holds.

    The reader allocates that whole rectangle: a 5 KB file with one cell at XFD1048576 would ask
    for 17 billion cells.
    """
    rows = cols = 0
    tail = b""
    with z.open(info) as f:
        while chunk := f.read(2**20):
            text = tail + chunk
            for m in _CELL_REF.finditer(text):
                letters, digits = m.group(1), m.group(2)
                cols = max(cols, _column(letters)) if letters else cols
                rows = max(rows, int(digits))
            tail = text[-40:]  # a reference cut between two chunks is seen whole in the next
    return rows * max(cols, 1)


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _text(value: object) -> str:
    """A cell as text: whole floats without ".0" (calamine reads every number as a float)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\x00", "").strip()


def _list(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())
