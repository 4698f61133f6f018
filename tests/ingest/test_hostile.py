"""Inputs that hurt parsers: each is read with bounded work and memory, or refused with a message.

Work is this process's CPU time, not wall time, so a busy machine does not change it; the bounds
are generous (the super-linear paths they guard against took minutes to hours of CPU). Measured
speeds belong in bench/hostile.py, not here.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from pathlib import Path

import pytest

from errors import IngestError
from index import catalog as cat
from index.searcher import Searcher
from ingest.chunk import KIWI_BLOCK
from ingest.clean import LINE_MAX, PAGE_LINES_MAX
from ingest.load import PROBLEMS_MAX, make_articles, parse_file, record_to_article
from ingest.meta import tag_regions
from ingest.page import HTML_TAGS_MAX, derive_title, parse_html_page, parse_text_page
from tests.indexing import ingest_paths

MB = 2**20
SANITY_S = 60.0
P1 = "충북도는 12일 청주 오송에서 바이오 클러스터 협의회를 열고 2027년까지 400억원을 투입하기로 했다."
P2 = "도는 충북테크노파크와 함께 입주기업 30곳의 기술개발을 지원한다고 밝혔다."
RECORD = {"id": "good-1", "title": "울산 수소차 실증 확대", "source": "한빛경제",
          "body": "울산시는 수소 트램 실증 노선을 두 배로 늘린다고 밝혔다. 예산은 120억원이다."}


class Bounds:
    """CPU seconds this process spent (all its threads) and growth of its peak RSS across a block
    (a high-water mark: it only rises when the block needs more memory than anything before it)."""

    def __enter__(self) -> Bounds:
        self.start = time.process_time()
        self.rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.process_time() - self.start
        self.grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - self.rss0


def sentences(n_bytes: int, first: int = 0) -> str:
    """Distinct numbered Korean sentences, about n_bytes of UTF-8, on one line."""
    parts, size, i = [], 0, first
    while size < n_bytes:
        part = f"{i}번째 {P1} "
        parts.append(part)
        size += len(part.encode())
        i += 1
    return "".join(parts)


def unbroken(n_chars: int) -> str:
    """Letters and digits without a space or a sentence end, none of it repeated."""
    return "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(n_chars // 64 + 1))[:n_chars]


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def parse(path: Path):
    return parse_file(path, path.read_bytes())


def refused(path: Path) -> IngestError:
    with pytest.raises(IngestError) as e:
        parse(path)
    assert str(e.value).startswith(str(path))
    return e.value


def body_lines(articles) -> list[str]:
    return [line for a in articles for line in a.body.split("\n\n")]


# ---------------------------------------------------------------- one huge line


def test_50_mb_single_line_is_kept_in_bounded_lines(tmp_path):
    text = sentences(50 * MB)
    path = write(tmp_path / "one_line.txt", text)
    with Bounds() as b:
        result = parse(path)
    assert len(result.articles) == 1 and result.problems == []
    article = result.articles[0]
    assert article.body.replace("\n\n", " ") == text.strip()  # every sentence kept, in order
    assert max(map(len, body_lines(result.articles))) <= LINE_MAX
    assert article.title == derive_title(f"0번째 {P1}") == (
        "0번째 충북도는 12일 청주 오송에서 바이오 클러스터 협의회를 열고 2027년까지 400억원을 투입하기로")
    assert b.seconds < 2 * SANITY_S and b.grown < 1024 * MB


def test_unbroken_run_of_letters_is_cut_at_the_line_limit():
    text = unbroken(3 * LINE_MAX + 170)
    articles = parse_text_page(text)
    assert body_lines(articles) == [text[:LINE_MAX], text[LINE_MAX:2 * LINE_MAX],
                                    text[2 * LINE_MAX:3 * LINE_MAX], text[3 * LINE_MAX:]]


def test_run_of_unusual_spaces_does_not_backtrack(tmp_path):
    # "\s*[|｜]\s*" over 100,000 unit separators (a space to regexes, kept by normalize_line)
    # took hours; 100,000 vertical tabs are line breaks now.
    path = write(tmp_path / "us.txt", f"{P1}{chr(0x1f) * 100_000}{P2}\n{P2}{chr(11) * 100_000}{P1}")
    with Bounds() as b:
        result = parse(path)
    assert body_lines(result.articles) == [P1, P2]  # cut after P1, blank pieces dropped, repeats collapsed
    assert b.seconds < SANITY_S


def test_hard_wrapped_page_of_100_000_lines_is_joined_in_bounded_lines(tmp_path):
    run = unbroken(99 * (PAGE_LINES_MAX - 1))
    lines = [run[i:i + 99] for i in range(0, len(run), 99)]
    path = write(tmp_path / "wrapped.txt", "\n".join(lines))
    with Bounds() as b:
        result = parse(path)
    joined = body_lines(result.articles)
    assert " ".join(joined) == " ".join(lines)
    assert max(map(len, joined)) <= LINE_MAX and len(joined) > 1
    assert b.seconds < SANITY_S


# ---------------------------------------------------------------- page size


def test_50_mb_of_tiny_lines_is_refused_before_splitting(tmp_path):
    path = write(tmp_path / "tiny.txt", b"a\n" * (25 * MB))
    with Bounds() as b:
        error = refused(path)
    assert "줄이 너무 많습니다" in error.reason and "나누거나 JSONL·CSV로" in error.reason
    assert b.seconds < SANITY_S and b.grown < 512 * MB


def test_page_at_the_line_limit_is_still_read(tmp_path):
    lines = [f"{i}번째 문단은 바이오 클러스터 예산을 다룬다." for i in range(PAGE_LINES_MAX)]
    path = write(tmp_path / "long_page.txt", "\n\n".join(lines))  # blank lines do not count
    with Bounds() as b:
        result = parse(path)
    assert body_lines(result.articles) == lines
    assert b.seconds < SANITY_S


# ---------------------------------------------------------------- HTML


def deep_html(depth: int) -> str:
    return ("<html><head><title>충북 바이오 클러스터에 400억원 - 테스트뉴스</title></head><body>"
            + "<div>" * depth + f"<h1>충북 바이오 클러스터에 400억원</h1><p>{P1}</p><p>{P2}</p>"
            + "</div>" * depth + "</body></html>")


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_html_is_read_by_the_tag_scan(tmp_path, depth):
    # libxml2 stops at 256 levels and silently drops the rest of the page.
    path = write(tmp_path / "deep.html", deep_html(depth))
    with Bounds() as b:
        result = parse(path)
    assert [(a.title, a.body) for a in result.articles] == [
        ("충북 바이오 클러스터에 400억원 - 테스트뉴스", f"{P1}\n\n{P2}")]
    assert b.seconds < SANITY_S


def test_html_text_node_over_libxml2_buffer_limit_is_kept():
    text = sentences(12 * MB)
    articles = parse_html_page(f"<html><body><article><p>{text}</p></article></body></html>")
    assert " ".join(body_lines(articles)) == text.strip()


def test_html_with_more_tags_than_the_limit_skips_trafilatura():
    paragraphs = [f"{i}번째 {P2}" for i in range(HTML_TAGS_MAX // 2 + 1)]
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    with Bounds() as b:
        articles = parse_html_page(page)
    assert body_lines(articles) == paragraphs
    assert b.seconds < SANITY_S


def test_long_author_meta_tag_does_not_backtrack():
    page = (f'<html><head><meta name="author" content="{"가" * 200_000}"></head>'
            f"<body><article><h1>충북 바이오 예산 확정</h1><p>{P1}</p><p>{P2}</p></article></body></html>")
    with Bounds() as b:
        articles = parse_html_page(page)
    assert [(a.body, a.reporter) for a in articles] == [(f"{P1}\n\n{P2}", "")]
    assert b.seconds < SANITY_S


def test_breadcrumb_like_lines_do_not_backtrack():
    # "[^.!?]{1,20}(?:\s>\s[^.!?]{1,20})+" took about a second per 80-character line like these.
    crumbs = ["가 > " * 19 + f".{i}" for i in range(2000)]
    with Bounds() as b:  # (the long first line keeps the crumbs from looking hard-wrapped)
        articles = parse_text_page("\n".join([f"{P1} {P2}", *crumbs, P2]))
    assert body_lines(articles) == [f"{P1} {P2}", *crumbs, P2]
    assert b.seconds < SANITY_S


def test_long_lists_of_place_names_are_tagged_in_linear_time():
    with Bounds() as b:
        assert tag_regions("고양 " * 100_000 + "서울") == ("경기", "고양시", "서울")
        assert tag_regions("광주시 " * 50_000) == ("광주",)
    assert b.seconds < SANITY_S


# ---------------------------------------------------------------- CSV and JSONL


def test_csv_field_of_10_mb_is_read_whole(tmp_path):
    paragraphs = [sentences(2000, first=1000 * k) for k in range(10 * MB // 2000)]
    body = "\n".join(paragraphs)
    path = write(tmp_path / "big.csv", f'id,title,body\nbig,큰 본문,"{body}"\nsmall,작은 본문,{P2}\n')
    with Bounds() as b:
        result = parse(path)
    assert [(a.record_id, a.line) for a in result.articles] == [("big", 2), ("small", len(paragraphs) + 2)]
    assert result.articles[0].body == "\n\n".join(p.strip() for p in paragraphs)
    assert result.problems == []
    assert b.seconds < SANITY_S and b.grown < 1024 * MB


def test_csv_with_only_a_header_is_refused_with_what_to_do(tmp_path):
    error = refused(write(tmp_path / "header.csv", "id,title,body\n"))
    assert error.reason == ("읽을 수 있는 레코드가 없습니다. 한 줄(CSV는 한 행)에 기사 하나씩, "
                            "본문(text/body/content) 필드를 넣으세요.")


def test_jsonl_with_100_000_empty_lines_and_one_record(tmp_path):
    path = write(tmp_path / "sparse.jsonl", "\n" * 50_000 + json.dumps(RECORD, ensure_ascii=False) + "\n" * 50_000)
    with Bounds() as b:
        result = parse(path)
    assert [(a.record_id, a.line, a.body) for a in result.articles] == [("good-1", 50_001, RECORD["body"])]
    assert result.problems == [] and b.seconds < SANITY_S


@pytest.mark.parametrize("data", [b"\n" * 100_000, b" \r\n\t" * 100_000])
def test_jsonl_of_only_empty_lines_is_refused_as_empty(tmp_path, data):
    error = refused(write(tmp_path / "empty.jsonl", data))
    assert error.reason == "빈 파일입니다. 내용이 있는 파일인지 확인하세요."


def test_jsonl_of_millions_of_bad_records_stops_early(tmp_path):
    path = write(tmp_path / "bad.jsonl", json.dumps(RECORD, ensure_ascii=False) + "\n" + "{}\n" * (5 * MB))
    with Bounds() as b:
        error = refused(path)
    assert error.reason.startswith(f"잘못된 레코드가 너무 많아({PROBLEMS_MAX:,}개 넘음) 파일을 건너뛰었습니다. "
                                   f"첫 오류: {path}:2: 본문 필드")
    assert error.reason.endswith("파일을 고친 뒤 다시 넣으세요.")
    assert b.seconds < SANITY_S and b.grown < 512 * MB


def test_jsonl_nesting_and_huge_numbers_are_line_problems(tmp_path):
    lines = ["[" * 100_000, '{"body": 1' + "0" * 5000 + "}", '{"body": ' * 50_000,
             json.dumps(RECORD, ensure_ascii=False)]
    result = parse(write(tmp_path / "nested.jsonl", "\n".join(lines)))
    assert [a.record_id for a in result.articles] == ["good-1"]
    deep = "JSON이 너무 깊게 중첩되어 있습니다. 이 줄을 고치세요."
    assert [(p.line, p.reason) for p in result.problems] == [
        (1, deep), (2, "JSON 값을 읽을 수 없습니다(4300자리가 넘는 정수 등). 이 줄을 고치세요."), (3, deep)]
    assert all(str(p).startswith(f"{tmp_path / 'nested.jsonl'}:{p.line}: ") for p in result.problems)


def test_jsonl_lone_surrogates_nuls_and_bad_offsets_are_cleaned(tmp_path):
    line = ('{"id": "s1", "body": "' + P1 + '\\ud800\\u0000", "url": "https://e.x/\\udfff", '
            '"title": "제목\\u0000", "date": "2025-01-01T10:00:00+99:99"}')
    result = parse(write(tmp_path / "odd.jsonl", line))
    a = result.articles[0]
    assert (a.body, a.url, a.title, a.published_at) == (P1 + "\ufffd", "https://e.x/\ufffd", "제목", "")
    articles, _ = make_articles(result.articles, "odd.jsonl")
    assert articles[0].url.encode("utf-8") == b"https://e.x/\xef\xbf\xbd"


def test_huge_metadata_fields_are_cut_before_they_reach_every_chunk():
    row = {**RECORD, "id": "x" * 10_000, "title": "긴 제목 " * 200_000, "url": "https://e.x/" + "a" * 10_000}
    (article,), _ = make_articles([record_to_article(row, "r.jsonl", 1)], "r.jsonl")
    assert article.article_id == "id-" + hashlib.sha1(("x" * 10_000).encode()).hexdigest()
    assert len(article.title) <= 301 and article.title.endswith("…") and article.url == ""


# ---------------------------------------------------------------- bytes


def test_few_invalid_utf8_bytes_are_kept_as_replacement_characters(tmp_path):
    path = write(tmp_path / "few.txt", f"{P1}\n".encode() + b"\xff\xfe" + f"{P2}\n".encode() * 20)
    assert body_lines(parse(path).articles) == [P1, "\ufffd\ufffd" + P2]  # then repeats, collapsed


def test_many_invalid_utf8_bytes_are_refused_naming_the_first_line(tmp_path):
    path = write(tmp_path / "many.txt", f"{P1}\n{P2}\n".encode() + (b"\xff" + P2.encode() + b"\n") * 50)
    error = refused(path)
    assert error.line == 3 and str(error).startswith(f"{path}:3: ")
    assert error.reason == ("문자 인코딩을 알 수 없습니다: UTF-8로 읽을 수 없는 곳이 50군데입니다(3번째 줄부터). "
                            "UTF-8이나 CP949(EUC-KR)로 저장한 뒤 다시 시도하세요.")


def test_nul_laden_text_keeps_its_text(tmp_path):
    raw = f"{P1}\n{P2}".encode()
    sprinkled = b"".join(raw[i:i + 7] + b"\x00" for i in range(0, len(raw), 7))
    assert body_lines(parse(write(tmp_path / "nul.txt", sprinkled)).articles) == [P1, P2]
    padded = write(tmp_path / "padded.html", f"<html><body><p>{P1}</p><p>{P2}</p></body></html>".encode()
                   + b"\x00" * 65536)
    assert body_lines(parse(padded).articles) == [P1, P2]


@pytest.mark.parametrize("data", [b"\x00" * 65536, bytes(range(32)) * 400,
                                  b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40])
def test_binary_with_nuls_is_refused(tmp_path, data):
    error = refused(write(tmp_path / "blob.txt", data))
    assert error.reason == "바이너리 파일은 읽을 수 없습니다. 텍스트·HTML·JSONL·CSV 파일만 넣으세요."


# ---------------------------------------------------------------- a whole batch


def test_batch_with_hostile_files_commits_the_rest(tmp_path, make_writer, hash_embedder, tokenizer):
    src = tmp_path / "src"
    src.mkdir()
    write(src / "a_good.jsonl", json.dumps(RECORD, ensure_ascii=False) + "\n")
    write(src / "b_bad_utf8.txt", (b"\xff" + P2.encode() + b"\n") * 50)
    write(src / "c_tiny_lines.txt", b"a\n" * (25 * MB))
    write(src / "d_header.csv", "id,title,body\n")
    write(src / "e_empty.jsonl", b"\n" * 100_000)
    write(src / "f_deep.html", deep_html(100_000))
    write(src / "g_unbroken.txt", unbroken(100_000))
    write(src / "h_big_field.csv", f'id,body\nbig,"{unbroken(140_000)}"\n')  # over csv's 131,072 default
    write(src / "i_nested.jsonl", "[" * 100_000 + "\n" + json.dumps({**RECORD, "id": "good-2"}, ensure_ascii=False))
    idx = tmp_path / "idx"
    with Bounds() as b:
        report = ingest_paths(make_writer(idx, hash_embedder), [src], max_file_bytes=64 * MB)
    skipped = {Path(e.path).name: e.reason for e in report.skipped}
    assert sorted(skipped) == ["b_bad_utf8.txt", "c_tiny_lines.txt", "d_header.csv", "e_empty.jsonl"]
    assert all(r.endswith(("하세요.", "넣으세요.")) for r in skipped.values())
    assert [(Path(p.path).name, p.line) for p in report.totals.problems] == [("i_nested.jsonl", 1)]
    assert (report.files_read, report.totals.added) == (5, 5)
    conn = cat.connect(idx, readonly=True)
    try:
        chunks = [c for _, c, _ in cat.iter_chunk_rows(conn)]
    finally:
        conn.close()
    assert max(len(c.text) for c in chunks) <= KIWI_BLOCK
    hits = Searcher(idx, hash_embedder, tokenizer).search("수소 트램 실증", k=3, mode="bm25")
    assert hits[0].chunk.article_id in ("good-1", "good-2")
    assert b.seconds < 3 * SANITY_S
