"""Fuzzing the reader and cleaner: whatever the bytes or text, only IngestError may escape, and what
comes out keeps the contracts the later stages rely on (clean text, ISO dates, unique ids, offsets)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from errors import IngestError
from ingest import clean
from ingest.charset import decode_bytes
from ingest.chunk import KIWI_BLOCK, body_blocks, chunk_articles
from ingest.load import META_MAX, URL_MAX, FileResult, make_articles, parse_file
from ingest.page import parse_html_page, parse_text_page
from schema import Article, ParsedArticle

# A fixed, derandomized budget keeps this file under a minute on a slow shared machine.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SUFFIXES = (".txt", ".html", ".jsonl", ".csv")

# Pieces the parsers treat specially, mixed with arbitrary characters.
SPECIAL = [
    "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2028", "\xa0", "\u3000", "\t", " ",
    "\x00", "\ufeff", "\u200b", "\ufffd", ".", "다.", "|", "｜", ">", " > ", "(", ")", "[", "]", "=", "@",
    "·", ",", ":", "-", "•", "▲", "△", "&nbsp;", "&nb", "&#12", "ⓒ", "©", "기자", "특파원", "입력",
    "수정", "2024.05.31 09:30", "2025-13-45", "랭킹 뉴스", "많이 본 뉴스", "(서울=연합뉴스) 홍길동 기자 = ",
    "[월간인물] ", "홍길동 기자 hong@test.co.kr", "저작권자 © 테스트뉴스 무단전재 및 재배포 금지",
    "충북도는 12일 바이오 클러스터에 400억원을 투입한다고 밝혔다.", "경기 광주시", "고양", "서울",
    "과기정통부", "한국바이오협회", "<p>", "</p>", "<div>", "</div>", "<li>", "<br>", "<script>",
    "</script>", "<!--", "-->", "<![CDATA[", "<?xml version='1.0' encoding='utf-8'?>", "<html>",
    "<meta name=author content='홍길동 기자'>", "<meta property=og:title content='제목 | 뉴스'>",
    '<a href="x">', "<", "&", '"', "'", "{", "}", "\\", "\\u", "\\ud800",
]
pieces = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=8), st.characters())
texts = st.lists(pieces, max_size=60).map("".join)
byte_pieces = st.one_of(
    st.binary(max_size=16), st.sampled_from([b"\x00", b"\xff", b"\xfe", b"\xef\xbb\xbf", b"\xff\xfe",
                                             b"\xfe\xff", b"%PDF", b"\x80", b"\xea\xb0", b"\n", b"\r"]),
    texts.map(lambda t: t.encode("utf-8", "surrogatepass")))
raw_bytes = st.lists(byte_pieces, max_size=30).map(b"".join)
FIELD_NAMES = ["id", "title", "body", "text", "content", "date", "published_at", "source", "url",
               "author", "제목", "본문", "Body", " TEXT "]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6)
records = st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), texts), json_values, max_size=6)


def encodings(text: str) -> list[bytes]:
    out = [text.encode("utf-8", "surrogatepass")]
    try:
        out.append(text.encode("cp949"))
    except UnicodeEncodeError:
        pass
    return out


def only_ingest_errors(fn, *args):
    try:
        return fn(*args)
    except IngestError:
        return None


# Magic numbers spelled in ASCII: the only ones valid UTF-8 text can start with.
ASCII_MAGIC = (b"%PDF", b"PK\x03\x04", b"GIF8", b"Rar!")
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def is_utf8(text: str) -> bool:
    """Whether the text can be written as UTF-8 (generated text may hold lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def assert_iso_or_empty(value: str) -> None:
    """"" or an ISO 8601 timestamp with an offset, written the way datetime writes it back."""
    if value:
        dt = datetime.fromisoformat(value)
        assert dt.tzinfo is not None and dt.isoformat() == value


def assert_paragraphs(body: str) -> None:
    """Non-empty paragraphs joined by one blank line, each without surrounding whitespace."""
    assert body and all(p and p == p.strip() for p in body.split("\n\n"))


def assert_parsed(articles: Sequence[ParsedArticle], from_bytes: bool) -> None:
    for a in articles:
        assert_paragraphs(a.body)
        assert_iso_or_empty(a.published_at)
        assert a.kind in ("main", "teaser")
        if from_bytes:  # decoded files hold no NUL and no lone surrogate, whatever the bytes were
            for value in (a.title, a.subtitle, a.body, a.outlet, a.reporter, a.url, a.record_id):
                assert "\x00" not in value
                value.encode("utf-8")  # what the writer's dedup and JSONL steps do with every field


def assert_record_lines(result: FileResult) -> None:
    """Records come out in file order: line numbers ascend, and none is both an article and a problem."""
    kept = [a.line for a in result.articles]
    skipped = [e.line for e in result.problems]
    assert kept == sorted(set(kept)) and skipped == sorted(set(skipped))
    assert all(n >= 1 for n in kept + skipped) and not set(kept) & set(skipped)


def read_whole(path: Path, data: bytes) -> FileResult | None:
    """parse_file, then make_articles as the writer does, checking both contracts."""
    result = only_ingest_errors(parse_file, path, data)
    if result is None:
        return None
    assert result.articles  # a file with nothing usable raises instead
    assert_parsed(result.articles, from_bytes=True)
    if path.suffix in (".jsonl", ".csv"):
        assert_record_lines(result)
    articles, problems = make_articles(result.articles, str(path))
    ids = [a.article_id for a in articles]
    assert len(set(ids)) == len(ids) and len(articles) + len(problems) == len(result.articles)
    parsed = iter(result.articles)  # kept articles are the parsed ones, in order, repeats dropped
    assert all(any(p.body == a.body and p.published_at == a.published_at for p in parsed) for a in articles)
    for a in articles:
        assert len(a.title) <= META_MAX + 1 and len(a.outlet) <= META_MAX + 1 and len(a.url) <= URL_MAX
    return result


@FUZZ
@given(raw_bytes)
@example(b"\x00" * 9000 + b"ab")
@example(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
def test_decode_bytes_raises_only_ingest_error(data):
    try:
        text = decode_bytes(data, "f.txt")
    except IngestError:
        return
    assert isinstance(text, str) and "\x00" not in text
    text.encode("utf-8")  # no lone surrogate: every decoder used is strict or replaces


@FUZZ
@given(texts)
@example("\ufeff가나")
@example("PK\x03\x04가")
@example("\x00가")  # read as UTF-16: see below
@example("가\x00나\x00\x00")
def test_decode_bytes_reads_utf8_back(text):
    """Valid UTF-8 comes back as written, less a leading BOM and any NUL; "" and binaries are refused."""
    assume(is_utf8(text))
    data = text.encode("utf-8")
    if not data.strip() or data.startswith(ASCII_MAGIC):
        with pytest.raises(IngestError):
            decode_bytes(data, "f.txt")
        return
    expected = text.removeprefix("\ufeff").replace("\x00", "")
    if "\x00" not in text:
        assert decode_bytes(data, "f.txt") == expected
        return
    # NULs only on even or only on odd bytes, in an even length, is what UTF-16 looks like: such bytes
    # are read as UTF-16 when that gives printable text (b"\x00\xea\xb0\x80" is "ê낀" as well as "\x00가").
    # Otherwise NULs are dropped, or make the bytes look binary (refused); never other text.
    nul_sides = {i % 2 for i, b in enumerate(data[:8192]) if b == 0}
    if nul_sides == {0, 1} or len(data) % 2:
        assert only_ingest_errors(decode_bytes, data, "f.txt") in (expected, None)


@FUZZ
@given(st.sampled_from(SUFFIXES), raw_bytes)
@example(".jsonl", b"[" * 5000)
@example(".jsonl", b'{"body": 1' + b"0" * 5000 + b"}")
@example(".jsonl", b'{"body": "\\ud800", "url": "\\udfff"}')
@example(".html", b"<html><body>" + b"<div>" * 300 + b"\xea\xb0\x80" * 30 + b". " * 5)
@example(".html", b"\x01<a")  # lxml refused control characters: ValueError
def test_parse_file_from_arbitrary_bytes(suffix, data):
    read_whole(Path("fuzz" + suffix), data)


@FUZZ
@given(st.sampled_from(SUFFIXES), texts)
def test_parse_file_from_arbitrary_text_in_each_encoding(suffix, text):
    for data in encodings(text):
        read_whole(Path("fuzz" + suffix), data)


@FUZZ
@given(st.lists(st.one_of(records.map(lambda r: json.dumps(r, ensure_ascii=False)), texts), max_size=8))
@example(['{"body": "' + "가나다라 " * 20 + '", "date": "2025-01-01T10:00:00+99:99"}'])
@example(['{"body": "본문", "date": "\u0662\u0660\u0662\u0664-05-31 09:30 +\u0660\u0665:\u0660\u0660"}'])
def test_parse_file_from_jsonl_records(lines):
    text = "\n".join(lines)
    for data in encodings(text):
        read_whole(Path("fuzz.jsonl"), data)
    if not is_utf8(text) or "\x00" in text:
        return
    result = read_whole(Path("fuzz.jsonl"), text.encode("utf-8"))
    if result is not None:  # the text as written (see test_decode_bytes_reads_utf8_back)
        # Every non-blank line is accounted for: an article or a problem naming that line.
        physical = io.StringIO(text.removeprefix("\ufeff")).readlines()
        assert [n for n, line in enumerate(physical, start=1) if line.strip()] == sorted(
            [a.line for a in result.articles] + [e.line for e in result.problems])
        for a in result.articles:
            assert isinstance(json.loads(physical[a.line - 1]), dict)


@FUZZ
@given(st.lists(st.lists(texts, max_size=5), max_size=6))
def test_parse_file_from_csv_rows(rows):
    out = io.StringIO()
    csv.writer(out).writerows([["id", "title", "body", "date"], *rows])
    for data in encodings(out.getvalue()):
        read_whole(Path("fuzz.csv"), data)


@FUZZ
@given(texts)
@example("가 > " * 19 + ".가")
@example("a" + "\x1f" * 3000 + "수정" + "\x1f" * 3000 + "b")
def test_clean_functions_never_raise(text):
    lines = clean.page_lines(text)
    texts_ = [line.text for line in lines]
    clean.unwrap_lines(lines)
    clean.drop_noise(texts_)
    clean.collapse_repeats(texts_)
    clean.check_line_count(text, "f.txt")
    for line in [text, *texts_]:
        clean.ends_prose(line)
        clean.is_list_heading(line)
        clean.is_boilerplate(line)
        clean.is_photo_credit(line)
        clean.is_caption(line, text, line)
        clean.line_key(line)
        clean.is_meta_line(line, text)


@FUZZ
@given(texts)
@example("a\u2028b\x85c")
@example("• • 항목")
def test_page_lines_are_single_normalized_lines(text):
    for line in clean.page_lines(text):
        t = line.text
        assert t and t == t.strip() and len(t) <= clean.LINE_MAX
        assert not any(c.isspace() and c != " " for c in t) and "  " not in t  # one kind of space
        assert not any(c in INVISIBLE for c in t)


@FUZZ
@given(texts)
@example("&amp;lt; a")
@example("a &nb")
@example(" \u200b \u3000 a\t\x0b b ")
def test_normalize_line_gives_one_clean_line(text):
    line = clean.normalize_line(text)
    assert line == line.strip() and "  " not in line
    assert not any(c.isspace() and c != " " for c in line) and not any(c in INVISIBLE for c in line)
    if "&" not in text:  # entities are decoded once: "&amp;lt;" gives "&lt;", which a second pass would decode
        assert clean.normalize_line(line) == line


@FUZZ
@given(texts, st.integers(1, 20))
@example("가나다. 라마바. " * 3, 7)
def test_split_long_line_pieces_rejoin_within_the_limit(text, limit):
    pieces = clean.split_long_line(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= limit for p in pieces[:-1]) and len(pieces[-1]) <= limit
    if text:
        assert 0 < clean.break_point(text) <= len(text)


@FUZZ
@given(texts)
@example("홍길동 기자\n\n충북도는 12일 바이오 클러스터에 400억원을 투입한다고 밝혔다.\n저작권자 © 테스트뉴스")
@example("ⓒ 테스트뉴스")
def test_clean_body_gives_stripped_paragraphs_and_is_stable(text):
    body = clean.clean_body(text)
    assert bool(body) == bool(clean.page_lines(text))  # a record is never cleaned away entirely
    if body:
        assert_paragraphs(body)
        assert all(len(p) <= clean.LINE_MAX for p in body.split("\n\n"))
    # A cleaned body, ingested again (an export of our own articles), stays as it is. Not when it
    # still holds "&" (entities decode once per pass) or a line that opens with a second bullet sign.
    if "&" not in body and not any(line.bullet for line in clean.page_lines(body)):
        assert clean.clean_body(body) == body


@FUZZ
@given(texts)
def test_parse_text_page_never_raises(text):
    articles = only_ingest_errors(parse_text_page, text, "f.txt")
    assert_parsed(articles or [], from_bytes=False)


@FUZZ
@given(texts, st.sampled_from(["", "https://e.x/1"]))
@example("<html><body>" + "<div>" * 300 + "충북도는 바이오 예산을 늘린다고 밝혔다.", "")
@example("<p>\x00</p>", "")
@example("\x1b", "")  # html_text setting text with a control character: ValueError
def test_parse_html_page_never_raises(text, url):
    for page in ("<html><body>" + text, text):
        articles = only_ingest_errors(parse_html_page, page, url, "f.html")
        assert_parsed(articles or [], from_bytes=False)


@settings(FUZZ, max_examples=40)
@given(st.lists(texts, min_size=1, max_size=3), st.integers(1, 40))
@example(["a" * (KIWI_BLOCK + 7) + "\n\n가나다."], 10)
def test_chunks_cover_bodies_within_bounds(kiwi, bodies, max_chars):
    for body in bodies:
        starts, ends = zip(*body_blocks(body, 16), strict=True)
        assert starts == (0, *ends[:-1]) and ends[-1] == len(body)
        assert all(0 < e - s <= 16 for s, e in zip(starts, ends, strict=True)) or body == ""
    articles = [Article(article_id=f"a{i}", source_path="x", kind="main", title="", subtitle="", outlet="",
                        reporter="", published_at="", url="", body=b) for i, b in enumerate(bodies)]
    for c in chunk_articles(kiwi, articles, max_chars):
        assert articles[int(c.article_id[1:])].body[c.start:c.end] == c.text and len(c.text) <= KIWI_BLOCK
