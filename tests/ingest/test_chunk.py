"""Sentence-aligned chunking with offsets into the body."""

from __future__ import annotations

from ingest.chunk import chunk_articles, pack_sentences, split_sentences
from schema import Article


def article(body: str, aid: str = "a1") -> Article:
    return Article(article_id=aid, source_path="x", kind="main", title="제목", subtitle="",
                   outlet="한빛경제", reporter="", published_at="2025-01-02T00:00:00+09:00",
                   url="", body=body)


def test_pack_sentences_never_cuts_a_sentence():
    spans = [(0, 100), (101, 250), (251, 900), (901, 950)]
    assert pack_sentences(spans, 300) == [(0, 250), (251, 900), (901, 950)]
    assert pack_sentences([], 300) == []


def test_split_sentences_golden(kiwi):
    body = "정부가 예산을 투입한다. 산업부는 26일 계획을 확정했다.\n\n두 번째 문단이다"
    spans = split_sentences(kiwi, [body])
    assert spans == [[(0, 13), (14, 32), (34, 43)]]
    assert [body[s:e] for s, e in spans[0]] == [
        "정부가 예산을 투입한다.", "산업부는 26일 계획을 확정했다.", "두 번째 문단이다"]


def test_chunks_keep_offsets_and_metadata(kiwi):
    body = " ".join(f"{i}번째 문장은 충북 바이오 클러스터에 관한 내용이다." for i in range(1, 31))
    chunks = chunk_articles(kiwi, [article(body)], max_chars=200)
    assert len(chunks) > 3
    assert all(len(c.text) <= 200 for c in chunks)
    for c in chunks:
        assert body[c.start:c.end] == c.text
        assert c.text.endswith("내용이다.") and c.title == "제목" and c.outlet == "한빛경제"
    assert [c.chunk_id for c in chunks[:2]] == ["a1#000", "a1#001"]
    joined = " ".join(c.text for c in chunks)
    assert joined == body
