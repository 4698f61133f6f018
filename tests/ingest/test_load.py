"""Reading files of every format and encoding, and refusing bad ones with file and line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from errors import IngestError
from ingest.load import (
    check_file,
    decode_bytes,
    iter_source_files,
    make_articles,
    normalize_date,
    parse_file,
)

KO = "충북테크노파크는 12일 바이오 기업 지원사업에 400억원을 투입한다고 밝혔다."


def parse(path: Path):
    return parse_file(path, path.read_bytes())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "euc-kr", "utf-16"])
def test_decode_korean_encodings(encoding):
    assert decode_bytes(KO.encode(encoding), "x.txt") == KO


def test_decode_utf16_without_bom():
    assert decode_bytes(KO.encode("utf-16-le"), "x.txt") == KO


def test_decode_keeps_utf8_file_with_one_broken_byte():
    data = (KO * 50).encode() + b"\xff" + (KO * 50).encode()
    text = decode_bytes(data, "x.txt")
    assert text.count("\ufffd") == 1 and text.startswith(KO)


@pytest.mark.parametrize("data,needle", [
    (b"", "빈 파일"), (b"   \n\n", "빈 파일"), (b"%PDF-1.7 binary", "PDF"),
    (b"PK\x03\x04zipdata", "ZIP"), (b"\x00\x01\x02\x03" * 100, "바이너리"),
    (bytes(range(128, 256)) * 40, "인코딩"),
])
def test_decode_refuses_with_message(data, needle):
    with pytest.raises(IngestError) as e:
        decode_bytes(data, "bad.txt")
    assert needle in str(e.value) and "bad.txt" in str(e.value)


def test_check_file_refuses_unknown_suffix_and_large_files(tmp_path):
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(IngestError, match="지원하지 않는 형식"):
        check_file(doc, 10)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(IngestError, match="너무 큽니다"):
        check_file(big, 1024)


def test_jsonl_maps_fields_and_reports_bad_lines(tmp_path):
    path = tmp_path / "export.jsonl"
    good = {"id": "A-1", "title": "제목", "content": KO, "date": "2025-03-04 10:20",
            "press": "한빛경제", "link": "https://e.x/1", "author": "홍길동"}
    path.write_text("\n".join([json.dumps(good, ensure_ascii=False), "{not json", "",
                               json.dumps([1, 2]), json.dumps({"id": "B", "title": "본문 없음"}),
                               json.dumps({**good, "id": "A-2"}, ensure_ascii=False)]),
                    encoding="utf-8")
    result = parse(path)
    assert [a.record_id for a in result.articles] == ["A-1", "A-2"]
    a = result.articles[0]
    assert (a.title, a.body, a.outlet, a.url, a.reporter, a.published_at, a.line) == (
        "제목", KO, "한빛경제", "https://e.x/1", "홍길동", "2025-03-04T10:20:00+09:00", 1)
    assert [(p.line, p.path) for p in result.problems] == [(2, str(path)), (4, str(path)), (5, str(path))]
    assert "JSON 형식 오류" in str(result.problems[0]) and f"{path}:2" in str(result.problems[0])


def test_jsonl_with_only_bad_lines_is_refused_whole(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("{oops\n" + "\n" * 1000, encoding="utf-8")
    with pytest.raises(IngestError, match="읽을 수 있는 레코드가 없습니다"):
        parse(path)


def test_csv_cp949_with_quoted_commas_and_a_bad_row(tmp_path):
    path = tmp_path / "export.csv"
    text = ("id,title,content,date,press,url,author\n"
            f'c1,"예산, 400억원","{KO}",2025-06-03 14:00,지역정책신문,https://e.x/c1,김기자\n'
            "c2,열 부족,본문\n"
            f'c3,두번째,"{KO}",2025.06.04,지역정책신문,,\n')
    path.write_bytes(text.encode("cp949"))
    result = parse(path)
    assert [(a.record_id, a.title, a.published_at) for a in result.articles] == [
        ("c1", "예산, 400억원", "2025-06-03T14:00:00+09:00"), ("c3", "두번째", "2025-06-04T00:00:00+09:00")]
    assert [p.line for p in result.problems] == [3]
    assert "열 개수" in str(result.problems[0])


@pytest.mark.parametrize("raw,iso", [
    ("2025-05-12T09:00:00+09:00", "2025-05-12T09:00:00+09:00"),
    ("2025-05-12T00:00:00Z", "2025-05-12T00:00:00+00:00"),
    ("2016-10-20", "2016-10-20T00:00:00+09:00"),
    ("2021-01-04 14:00", "2021-01-04T14:00:00+09:00"),
    ("2025-13-45", ""),
])
def test_normalize_date(raw, iso):
    assert normalize_date(raw) == iso


def test_iter_source_files_recurses_and_skips_hidden(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    for p in ("b.txt", "sub/a.html", ".hidden.txt", ".git/x.txt"):
        (tmp_path / p).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_source_files([tmp_path])] == [
        "b.txt", "sub/a.html"]


def test_make_articles_ids_and_repeated_ids(tmp_path):
    path = tmp_path / "r.jsonl"
    rows = [{"id": "x1", "title": "가", "body": KO}, {"url": "https://e.x/9", "body": KO},
            {"body": KO + " 셋째."}, {"id": "x1", "body": KO}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    articles, problems = make_articles(parse(path).articles, "r.jsonl")
    assert [a.article_id for a in articles][:1] == ["x1"]
    assert len(articles) == 3 and len({a.article_id for a in articles}) == 3
    assert articles[1].article_id == hashlib.sha1(b"https://e.x/9").hexdigest()[:16]
    assert articles[2].article_id == hashlib.sha1(b"r.jsonl#2").hexdigest()[:16]
    assert problems and problems[0].line == 4 and "반복" in str(problems[0])
    assert "충북" in articles[0].regions
