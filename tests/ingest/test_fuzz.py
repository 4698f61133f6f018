"""Fuzzing the reader and cleaner: whatever the bytes or text, only IngestError may escape."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from errors import IngestError
from ingest import clean
from ingest.charset import decode_bytes
from ingest.chunk import KIWI_BLOCK, body_blocks, chunk_articles
from ingest.dedup import minhash
from ingest.load import make_articles, parse_file
from ingest.page import parse_html_page, parse_text_page
from schema import Article

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


def read_whole(path: Path, data: bytes) -> None:
    """parse_file, then what the writer does with its articles before Kiwi."""
    result = only_ingest_errors(parse_file, path, data)
    if result is not None:
        articles, _ = make_articles(result.articles, str(path))
        for a in articles:
            minhash(a.body)


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
def test_parse_file_from_jsonl_records(lines):
    for data in encodings("\n".join(lines)):
        read_whole(Path("fuzz.jsonl"), data)


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
    assert all(len(t) <= clean.LINE_MAX and t == t.strip() for t in texts_)
    clean.unwrap_lines(lines)
    clean.normalize_line(text)
    clean.split_long_line(text, 7)
    clean.break_point(text)
    clean.clean_body(text)
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
def test_parse_text_page_never_raises(text):
    only_ingest_errors(parse_text_page, text, "f.txt")


@FUZZ
@given(texts, st.sampled_from(["", "https://e.x/1"]))
@example("<html><body>" + "<div>" * 300 + "충북도는 바이오 예산을 늘린다고 밝혔다.", "")
@example("<p>\x00</p>", "")
@example("\x1b", "")  # html_text setting text with a control character: ValueError
def test_parse_html_page_never_raises(text, url):
    only_ingest_errors(parse_html_page, "<html><body>" + text, url, "f.html")
    only_ingest_errors(parse_html_page, text, url, "f.html")


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
