"""Read raw files of every supported format into ParsedArticle records, naming each bad file or line."""

from __future__ import annotations

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
from ingest.charset import decode_bytes
from schema import Article, ParsedArticle, Source

__all__ = [
    "FIELDS", "FileResult", "SUPPORTED", "check_file", "check_source", "decode_bytes", "iter_source_files",
    "make_article_id", "make_articles", "normalize_date", "parse_file", "parse_source", "record_to_article",
    "shorten", "sources_from_paths",
]

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
RECORD_SUFFIXES = frozenset({".jsonl", ".csv"})
SHEET_SUFFIXES = frozenset({".xlsx"})  # BigKinds downloads (ingest/bigkinds.py)
DOCUMENT_SUFFIXES = frozenset({".pdf", ".hwp", ".hwpx"})  # press releases (ingest/release.py)
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES | SHEET_SUFFIXES | DOCUMENT_SUFFIXES
SUPPORTED_SHOWN = ".txt .md .html .htm .jsonl .csv .xlsx(BigKinds) .pdf .hwp .hwpx"  # as messages list them

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

# ASCII digits only: "\d" also matches other scripts' digits, which int() reads but an offset copied
# from them ("+٠٥:٠٠") is no ISO 8601 that datetime.fromisoformat accepts.
_ISO_RE = re.compile(
    r"^([0-9]{4})[-./]([0-9]{1,2})[-./]([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
    r"(?:\.[0-9]+)?\s*(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
# A record file is refused whole (its old articles kept) as soon as more of its records were bad
# than this and than were good: millions of broken lines are refused in milliseconds instead of
# collecting an error object for each.
PROBLEMS_MAX = 1000
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # JSON "\ud800" escapes decode to lone surrogates
# Metadata is copied into every chunk, and the title is embedded and indexed with each one:
# longer fields are cut so that one bad record cannot multiply its size by its chunk count.
META_MAX = 300
URL_MAX = 2000
ID_MAX = 200


@dataclass(slots=True)
class FileResult:
    """What one file gave: its articles, and the problems of the lines that were skipped."""

    name: str  # the file as messages name it
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
    if tz and tz != "Z" and not (int(tz[1:3]) < 24 and int(tz[-2:]) < 60):
        return ""  # "+99:99" is no offset: an ISO string with it breaks every later parse
    offset = "+09:00" if not tz else ("+00:00" if tz == "Z" else f"{tz[:3]}:{tz[-2:]}")
    return dt.isoformat() + offset


def sources_from_paths(paths: Sequence[Path], names: dict[Path, str] | None = None) -> list[Source]:
    """Every file under the given files/folders as a Source named by its resolved path.

    names maps a path to the name stored and shown for it instead (uploads: "upload/<name>").
    """
    names = names or {}
    return [Source(name=names.get(p, str(p.resolve())), kind=p.suffix.lower(), path=p,
                   label=names.get(p, str(p))) for p in iter_source_files(paths)]


def check_source(source: Source, max_bytes: int) -> None:
    """Refuse a source by its kind and size before reading it."""
    if source.kind not in SUPPORTED:
        raise IngestError(source.shown, f"지원하지 않는 형식({source.kind or '확장자 없음'})입니다. "
                                        f"{SUPPORTED_SHOWN} 파일만 읽습니다.")
    size = source.size()
    if size > max_bytes:
        raise IngestError(source.shown, f"파일이 너무 큽니다({size / 2**20:.1f} MB > "
                                        f"{max_bytes / 2**20:.0f} MB). 나누어 넣으세요.")


def check_file(path: Path, max_bytes: int) -> None:
    """Refuse a file by its name and size before reading it."""
    check_source(Source(name=str(path), kind=path.suffix.lower(), path=path), max_bytes)


def parse_source(source: Source, data: bytes) -> FileResult:
    """Parse one source's bytes; raise IngestError (naming source.shown) when it is unusable whole."""
    name, suffix = source.shown, source.kind
    if suffix in SHEET_SUFFIXES or suffix in DOCUMENT_SUFFIXES:
        return _parse_binary(name, suffix, data)
    text = decode_bytes(data, name)
    if suffix in RECORD_SUFFIXES:
        return _read_records(name, text, suffix)
    from ingest.page import parse_html_page, parse_text_page

    if suffix in HTML_SUFFIXES:
        articles = parse_html_page(text, url=source.url, source=name)
    else:
        articles = parse_text_page(text, source=name)
    if not articles:
        raise IngestError(name, "기사 본문을 찾지 못했습니다. 뉴스 기사 파일인지 확인하세요.")
    return FileResult(name, articles)


def _parse_binary(name: str, suffix: str, data: bytes) -> FileResult:
    """BigKinds sheets and press-release documents: their readers take bytes, not decoded text."""
    if suffix == ".xlsx":
        from ingest.bigkinds import parse_bigkinds

        return parse_bigkinds(data, name)
    if suffix == ".pdf":
        from ingest.pdftext import parse_pdf

        return FileResult(name, [parse_pdf(data, name)])
    from ingest.hangul import parse_hangul  # .hwp and .hwpx, told apart by content

    return FileResult(name, [parse_hangul(data, name)])


def parse_file(path: Path, data: bytes) -> FileResult:
    """Parse one file's bytes; raise IngestError when the whole file is unusable."""
    return parse_source(Source(name=str(path), kind=path.suffix.lower(), path=path), data)


def _read_records(name: str, text: str, suffix: str) -> FileResult:
    result = FileResult(name)
    rows = _jsonl_rows(name, text) if suffix == ".jsonl" else _csv_rows(name, text)
    for line, row in rows:
        if isinstance(row, dict):
            try:
                result.articles.append(record_to_article(row, name, line))
                continue
            except IngestError as e:
                row = e
        result.problems.append(row)
        if len(result.problems) > max(PROBLEMS_MAX, len(result.articles)):
            raise IngestError(name, f"잘못된 레코드가 너무 많아({PROBLEMS_MAX:,}개 넘음) 파일을 "
                                         f"건너뛰었습니다. 첫 오류: {result.problems[0]} "
                                         "파일을 고친 뒤 다시 넣으세요.")
    if not result.articles:
        first = f" 첫 오류: {result.problems[0]}" if result.problems else ""
        raise IngestError(name, f"읽을 수 있는 레코드가 없습니다.{first} 한 줄(CSV는 한 행)에 기사 "
                                     "하나씩, 본문(text/body/content) 필드를 넣으세요.")
    return result


def _jsonl_rows(path: str, text: str) -> Iterator[tuple[int, dict | IngestError]]:
    for n, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            yield n, IngestError(path, f"JSON 형식 오류({e.msg}). 이 줄을 고치세요.", n)
            continue
        except RecursionError:
            yield n, IngestError(path, "JSON이 너무 깊게 중첩되어 있습니다. 이 줄을 고치세요.", n)
            continue
        except ValueError:  # not a syntax error: an integer past Python's 4300-digit limit
            yield n, IngestError(path, "JSON 값을 읽을 수 없습니다(4300자리가 넘는 정수 등). 이 줄을 고치세요.", n)
            continue
        if not isinstance(row, dict):
            yield n, IngestError(path, "JSON 객체({...})가 아닙니다.", n)
            continue
        yield n, row


def _csv_rows(path: str, text: str) -> Iterator[tuple[int, dict | IngestError]]:
    # No field can be longer than the file itself (which check_file bounds): raising the
    # module-wide limit this far reads a 10 MB body instead of failing at 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader)]
    except (StopIteration, csv.Error) as e:
        raise IngestError(path, f"CSV 머리글을 읽을 수 없습니다({e}). 첫 행에 열 이름을 넣으세요.", 1) from e
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield line, IngestError(path, f"CSV 형식 오류({e}). 이 행을 고치세요.", line)
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield line, IngestError(
                path, f"열 개수가 머리글과 다릅니다({len(values)}개, 머리글 {len(header)}개).", line)
            continue
        yield line, dict(zip(header, values, strict=True))


def _field(row: dict, key: str) -> str:
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    for name in FIELDS[key]:
        value = lowered.get(name)
        if value not in (None, ""):
            return _SURROGATE.sub("\ufffd", str(value).replace("\x00", "")).strip()
    return ""


def record_to_article(row: dict, path: str, line: int) -> ParsedArticle:
    """Map an export record's common field names onto a ParsedArticle."""
    from ingest.clean import clean_body

    raw_body = _field(row, "body")
    body = clean_body(raw_body) if raw_body else ""
    if not body:
        names = "/".join(FIELDS["body"][:3])
        raise IngestError(path, f"본문 필드({names})가 비어 있거나 없습니다. 본문을 넣으세요.", line)
    raw_date = _field(row, "date")
    return ParsedArticle(
        title=_field(row, "title"), body=body, outlet=_field(row, "outlet"),
        reporter=_field(row, "reporter"), published_at=normalize_date(raw_date) if raw_date else "",
        url=_field(row, "url"), record_id=_field(row, "id"), line=line,
    )


def make_article_id(parsed: ParsedArticle, source_path: str, ordinal: int) -> str:
    """The source's own id verbatim (hashed past ID_MAX characters), else the sha1 of the URL,
    else of the file and position."""
    if parsed.record_id:
        rid = parsed.record_id
        return rid if len(rid) <= ID_MAX else "id-" + hashlib.sha1(rid.encode("utf-8")).hexdigest()
    key = parsed.url or f"{source_path}#{ordinal}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def shorten(value: str, limit: int = META_MAX) -> str:
    """A metadata field cut at a word boundary to at most `limit` characters (plus "…")."""
    if len(value) <= limit:
        return value
    cut = value.rfind(" ", 0, limit)
    return value[:cut if cut > limit // 2 else limit].rstrip() + "…"


def make_articles(parsed: Sequence[ParsedArticle], source_path: str,
                  label: str = "") -> tuple[list[Article], list[IngestError]]:
    """Give each parsed article its id and region/organization tags; report repeated ids.

    source_path is the name the index keeps the source under; label is what messages call it.
    """
    from ingest.meta import tag_organizations, tag_regions

    seen: set[str] = set()
    out: list[Article] = []
    problems: list[IngestError] = []
    for i, p in enumerate(parsed):
        aid = make_article_id(p, source_path, i)
        if aid in seen:
            problems.append(IngestError(label or source_path, f"id '{shorten(aid, 40)}'가 파일 안에서 반복됩니다. "
                                                     "앞의 레코드만 넣었습니다.", p.line or None))
            continue
        seen.add(aid)
        title, subtitle = shorten(p.title), shorten(p.subtitle, 3 * META_MAX)
        text = f"{title}\n{subtitle}\n{p.body}\n{' '.join(p.places)}"
        out.append(Article(
            article_id=aid, source_path=source_path, kind=p.kind, title=title,
            subtitle=subtitle, outlet=shorten(p.outlet), reporter=shorten(p.reporter),
            published_at=p.published_at, url=p.url if len(p.url) <= URL_MAX else "", body=p.body,
            regions=tag_regions(text),
            organizations=_merged(p.organizations, tag_organizations(text)),
            people=_merged(p.people), places=_merged(p.places), category=shorten(p.category),
            truncated=p.truncated, department=shorten(p.department), contact=shorten(p.contact)))
    return out, problems


def _merged(*groups: Sequence[str]) -> tuple[str, ...]:
    """Tag values from several sources, each once, in order; empty and over-long values dropped."""
    seen: dict[str, None] = {}
    for values in groups:
        for v in values:
            v = " ".join(str(v).split())
            if v and len(v) <= 80:
                seen.setdefault(v, None)
    return tuple(seen)
