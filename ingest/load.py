"""Read raw files of every supported format into ParsedArticle records, naming each bad file or line."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from errors import IngestError
from schema import Article, ParsedArticle

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
RECORD_SUFFIXES = frozenset({".jsonl", ".csv"})
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES

# Common export field names, first match wins.
FIELDS = {
    "id": ("id", "article_id", "doc_id", "_id", "news_id"),
    "title": ("title", "headline", "subject", "제목"),
    "body": ("text", "body", "content", "contents", "article", "본문", "내용"),
    "date": ("published_at", "date", "published", "pub_date", "datetime", "created_at",
             "발행일", "작성일", "날짜", "일자"),
    "outlet": ("source", "outlet", "press", "publisher", "media", "언론사", "매체"),
    "url": ("url", "link", "href", "주소"),
    "reporter": ("reporter", "author", "byline", "writer", "기자"),
}

_MAGIC = (
    (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP/Office"), (b"\x89PNG", "PNG 이미지"),
    (b"\xff\xd8\xff", "JPEG 이미지"), (b"\x1f\x8b", "GZIP 압축"), (b"GIF8", "GIF 이미지"),
    (b"\xd0\xcf\x11\xe0", "MS Office(구버전)"), (b"7z\xbc\xaf", "7z 압축"), (b"Rar!", "RAR 압축"),
)
_ISO_RE = re.compile(
    r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_NUL_SAMPLE = 8192


@dataclass(slots=True)
class FileResult:
    """What one file gave: its articles, and the problems of the lines that were skipped."""

    path: Path
    articles: list[ParsedArticle] = field(default_factory=list)
    problems: list[IngestError] = field(default_factory=list)


def iter_source_files(sources: Sequence[Path]) -> Iterator[Path]:
    """Yield files under the given files/folders (recursive, sorted, hidden entries skipped)."""
    for src in sources:
        if src.is_dir():
            for p in sorted(src.rglob("*")):
                rel = p.relative_to(src).parts
                if p.is_file() and not any(part.startswith(".") for part in rel):
                    yield p
        else:
            yield src


def decode_bytes(data: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 or cp949/euc-kr; raise IngestError otherwise."""
    if not data.strip():
        raise IngestError(path, "빈 파일입니다. 내용이 있는 파일인지 확인하세요.")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise IngestError(path, f"{kind} 파일은 읽을 수 없습니다. 텍스트·HTML·JSONL·CSV로 변환하세요.")
    head = data[:_NUL_SAMPLE]
    if b"\x00" in head:
        return _decode_utf16_without_bom(data, head, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp949")
        if _mostly_hangul(text):
            return text
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(8, len(text) // 1000):
        return text  # a few broken bytes inside an otherwise UTF-8 file: keep the rest
    raise IngestError(path, "문자 인코딩을 알 수 없습니다. "
                            "UTF-8이나 CP949(EUC-KR)로 저장한 뒤 다시 시도하세요.")


def _mostly_hangul(text: str) -> bool:
    """cp949 decodes many byte strings; real Korean text is mostly Hangul syllables."""
    non_ascii = [c for c in text if ord(c) > 127]
    hangul = sum("\uac00" <= c <= "\ud7a3" for c in non_ascii)
    return not non_ascii or hangul >= 0.7 * len(non_ascii)


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise IngestError(path, f"{encoding} 파일이 깨져 있습니다({e.start}바이트 부근). "
                                "파일을 다시 저장하세요.") from e


def _decode_utf16_without_bom(data: bytes, head: bytes, path: str) -> str:
    # UTF-16 text has its NULs on one side only (the high byte of ASCII characters).
    even_nuls, odd_nuls = head[0::2].count(0), head[1::2].count(0)
    encoding = "utf-16-le" if even_nuls == 0 else "utf-16-be" if odd_nuls == 0 else None
    if encoding and len(data) % 2 == 0:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text = ""
        if text and _printable_share(text) >= 0.95:
            return text
    raise IngestError(path, "바이너리 파일은 읽을 수 없습니다. 텍스트·HTML·JSONL·CSV 파일만 넣으세요.")


def _printable_share(text: str) -> float:
    sample = text[:4096]
    return sum(c.isprintable() or c in "\n\r\t" for c in sample) / max(1, len(sample))


def normalize_date(value: str) -> str:
    """An export's date field -> ISO 8601 with +09:00 (naive times are Korean time), or ""."""
    from ingest.meta import parse_datetime_ko

    value = value.strip()
    m = _ISO_RE.match(value)
    if not m:
        return parse_datetime_ko(value)
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return ""
    offset = "+09:00" if not tz else ("+00:00" if tz == "Z" else f"{tz[:3]}:{tz[-2:]}")
    return dt.isoformat() + offset


def check_file(path: Path, max_bytes: int) -> None:
    """Refuse a file by its name and size before reading it."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(str(path), f"지원하지 않는 형식({suffix or '확장자 없음'})입니다. "
                                     ".txt .md .html .htm .jsonl .csv 파일만 읽습니다.")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(str(path), f"파일이 너무 큽니다({size / 2**20:.1f} MB > "
                                     f"{max_bytes / 2**20:.0f} MB). 나누어 넣으세요.")


def parse_file(path: Path, data: bytes) -> FileResult:
    """Parse one file's bytes; raise IngestError when the whole file is unusable."""
    suffix = path.suffix.lower()
    text = decode_bytes(data, str(path))
    if suffix in RECORD_SUFFIXES:
        return _read_records(path, text, suffix)
    from ingest.page import parse_html_page, parse_text_page

    articles = parse_html_page(text) if suffix in HTML_SUFFIXES else parse_text_page(text)
    if not articles:
        raise IngestError(str(path), "기사 본문을 찾지 못했습니다. 뉴스 기사 파일인지 확인하세요.")
    return FileResult(path, articles)


def _read_records(path: Path, text: str, suffix: str) -> FileResult:
    result = FileResult(path)
    rows = _jsonl_rows(path, text, result) if suffix == ".jsonl" else _csv_rows(path, text, result)
    for line, row in rows:
        try:
            result.articles.append(record_to_article(row, str(path), line))
        except IngestError as e:
            result.problems.append(e)
    if not result.articles:
        first = f" 첫 오류: {result.problems[0]}" if result.problems else ""
        raise IngestError(str(path), f"읽을 수 있는 레코드가 없습니다.{first}")
    return result


def _jsonl_rows(path: Path, text: str, result: FileResult) -> Iterator[tuple[int, dict]]:
    for n, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            result.problems.append(IngestError(str(path), f"JSON 형식 오류({e.msg}). 이 줄을 고치세요.", n))
            continue
        if not isinstance(row, dict):
            result.problems.append(IngestError(str(path), "JSON 객체({...})가 아닙니다.", n))
            continue
        yield n, row


def _csv_rows(path: Path, text: str, result: FileResult) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader)]
    except (StopIteration, csv.Error) as e:
        raise IngestError(str(path), f"CSV 머리글을 읽을 수 없습니다({e}).", 1) from e
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            result.problems.append(IngestError(str(path), f"CSV 형식 오류({e}). 이 행을 고치세요.", line))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            result.problems.append(IngestError(
                str(path), f"열 개수가 머리글과 다릅니다({len(values)}개, 머리글 {len(header)}개).", line))
            continue
        yield line, dict(zip(header, values, strict=True))


def _field(row: dict, key: str) -> str:
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    for name in FIELDS[key]:
        value = lowered.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def record_to_article(row: dict, path: str, line: int) -> ParsedArticle:
    """Map an export record's common field names onto a ParsedArticle."""
    from ingest.clean import clean_body

    body = clean_body(_field(row, "body"))
    if not body:
        names = "/".join(FIELDS["body"][:3])
        raise IngestError(path, f"본문 필드({names})가 비어 있거나 없습니다.", line)
    raw_date = _field(row, "date")
    return ParsedArticle(
        title=_field(row, "title"), body=body, outlet=_field(row, "outlet"),
        reporter=_field(row, "reporter"), published_at=normalize_date(raw_date) if raw_date else "",
        url=_field(row, "url"), record_id=_field(row, "id"), line=line,
    )


def make_article_id(parsed: ParsedArticle, source_path: str, ordinal: int) -> str:
    """The source's own id verbatim, else the sha1 of the URL, else of the file and position."""
    if parsed.record_id:
        return parsed.record_id
    key = parsed.url or f"{source_path}#{ordinal}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def make_articles(parsed: Sequence[ParsedArticle],
                  source_path: str) -> tuple[list[Article], list[IngestError]]:
    """Give each parsed article its id and region/organization tags; report repeated ids."""
    from ingest.meta import tag_organizations, tag_regions

    seen: set[str] = set()
    out: list[Article] = []
    problems: list[IngestError] = []
    for i, p in enumerate(parsed):
        aid = make_article_id(p, source_path, i)
        if aid in seen:
            problems.append(IngestError(source_path, f"id '{aid}'가 파일 안에서 반복됩니다. "
                                                     "앞의 레코드만 넣었습니다.", p.line or None))
            continue
        seen.add(aid)
        text = f"{p.title}\n{p.subtitle}\n{p.body}"
        out.append(Article(
            article_id=aid, source_path=source_path, kind=p.kind, title=p.title,
            subtitle=p.subtitle, outlet=p.outlet, reporter=p.reporter,
            published_at=p.published_at, url=p.url, body=p.body,
            regions=tag_regions(text), organizations=tag_organizations(text)))
    return out, problems
