"""Hybrid search end to end over a real index: filters inside retrieval, grouping, refresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from index.build import ingest_sources
from index.catalog import Filters
from index.embed import HashEmbedder
from index.searcher import Searcher
from tests.conftest import REPO, TEST_DATA

ARTICLES = TEST_DATA / "articles.jsonl"


def build(make_writer, embedder, idx: Path, *paths: Path):
    return ingest_sources(make_writer(idx, embedder), list(paths), max_file_bytes=2**20)


@pytest.fixture(scope="module")
def real_index(tmp_path_factory, kiwi, tokenizer, embedder):
    from index.writer import IndexWriter

    idx = tmp_path_factory.mktemp("real") / "idx"
    w = IndexWriter(idx, kiwi=kiwi, tokenizer=tokenizer, embedder=embedder, chunk_max_chars=500,
                    exact_search_max=10**6)
    ingest_sources(w, [ARTICLES], max_file_bytes=2**20)
    w.close()
    return idx


def test_search_finds_the_right_article_with_the_real_model(real_index, embedder, tokenizer):
    s = Searcher(real_index, embedder, tokenizer)
    hits = s.search("기준금리를 동결한 곳은?", k=3)
    assert hits[0].chunk.article_id == "t01"
    assert hits[0].dense_rank == 1 and hits[0].bm25_rank == 1
    for mode in ("dense", "bm25"):
        assert s.search("오송 바이오 특화단지 예산", k=3, mode=mode)[0].chunk.article_id == "t02"


def test_near_duplicates_collapse_with_a_count(real_index, embedder, tokenizer):
    rows = [json.loads(x) for x in ARTICLES.read_text(encoding="utf-8").splitlines() if x.strip()]
    s = Searcher(real_index, embedder, tokenizer)
    conn = s.conn
    dups = dict(conn.execute("SELECT article_id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL"))
    assert len(dups) == 1, "tests/data/articles.jsonl holds exactly one near-duplicate pair"
    copy, original = next(iter(dups.items()))
    title = next(r["title"] for r in rows if r["id"] == original)
    hits = s.search(title, k=5)
    ids = [h.chunk.article_id for h in hits]
    assert ids.count(original) + ids.count(copy) == len([i for i in ids if i in (original, copy)])
    assert not (original in ids and copy in ids)
    top = next(h for h in hits if h.chunk.article_id in (original, copy))
    assert top.copies == 1
    uncollapsed = [h.chunk.article_id for h in s.search(title, k=5, collapse=False)]
    assert original in uncollapsed and copy in uncollapsed


def test_filters_apply_inside_retrieval(real_index, embedder, tokenizer):
    s = Searcher(real_index, embedder, tokenizer)
    everything = s.search("소식", k=50)
    some_date = sorted(h.chunk.published_at[:10] for h in everything)[len(everything) // 2]
    hits = s.search("기준금리 동결", k=50, filters=Filters(date_from=some_date))
    assert hits and all(h.chunk.published_at[:10] >= some_date for h in hits)
    one = s.search("기준금리 동결", k=50, filters=Filters(article_ids=("t03",)))
    assert [h.chunk.article_id for h in one] == ["t03"]  # never fewer results than exist
    outlet = everything[0].chunk.outlet
    assert {h.chunk.outlet for h in s.search("예산", k=50, filters=Filters(outlets=(outlet,)))} == {outlet}


def test_related_excludes_the_article_and_its_copies(real_index, embedder, tokenizer):
    s = Searcher(real_index, embedder, tokenizer)
    hits = s.related("t02", k=3)
    assert hits and "t02" not in [h.chunk.article_id for h in hits]
    assert len({h.chunk.article_id for h in hits}) == len(hits)


def test_missing_index_and_model_mismatch(tmp_path, real_index, tokenizer):
    with pytest.raises(IndexMissingError, match="python -m ingest"):
        Searcher(tmp_path / "none", HashEmbedder(), tokenizer)
    with pytest.raises(IndexMismatchError, match="다시 만드세요"):
        Searcher(real_index, HashEmbedder(), tokenizer)


def test_searcher_picks_up_a_new_generation(tmp_path, make_writer, hash_embedder, tokenizer):
    idx = tmp_path / "idx"
    build(make_writer, hash_embedder, idx, ARTICLES)
    s = Searcher(idx, hash_embedder, tokenizer)
    assert not s.search("감귤 수확 축제", k=3, mode="bm25")
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "n1", "title": "감귤 수확 축제", "body": "제주 감귤 수확 축제가 열렸다."},
                                ensure_ascii=False), encoding="utf-8")
    build(make_writer, hash_embedder, idx, extra)
    assert s.search("감귤 수확 축제", k=3, mode="bm25")[0].chunk.article_id == "n1"


def test_corrupt_dense_file_is_detected(tmp_path, make_writer, hash_embedder, tokenizer):
    idx = tmp_path / "idx"
    build(make_writer, hash_embedder, idx, ARTICLES)
    dense = next((idx / "gen").glob("*/dense.faiss"))
    dense.write_bytes(dense.read_bytes()[: dense.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match="체크섬"):
        Searcher(idx, hash_embedder, tokenizer)


KILL_SCRIPT = """
import sys, os, signal
from pathlib import Path
from kiwipiepy import Kiwi
from index.embed import HashEmbedder
from index.korean import KoreanTokenizer
from index.writer import IndexWriter
from index.build import ingest_sources
import index.store as store
real = store.write_generation
def killing(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL) if sys.argv[3] == "before" else None
    path = real(*a, **k)
    os.kill(os.getpid(), signal.SIGKILL)
store.write_generation = killing
import index.writer as wmod
wmod.write_generation = killing
kiwi = Kiwi()
w = IndexWriter(Path(sys.argv[1]), kiwi=kiwi, tokenizer=KoreanTokenizer(kiwi), embedder=HashEmbedder(64),
                chunk_max_chars=300, exact_search_max=10**6)
ingest_sources(w, [Path(sys.argv[2])], max_file_bytes=2**20)
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_kill_mid_build_leaves_previous_index_searchable(tmp_path, make_writer, hash_embedder,
                                                         tokenizer, when):
    idx = tmp_path / "idx"
    build(make_writer, hash_embedder, idx, ARTICLES)
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "n1", "title": "감귤 수확 축제", "body": "제주 감귤 수확 축제가 열렸다."},
                                ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(idx), str(extra), when], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    s = Searcher(idx, hash_embedder, tokenizer)
    assert s.search("기준금리 동결", k=1, mode="bm25")[0].chunk.article_id == "t01"
    assert not s.search("감귤 수확 축제", k=3, mode="bm25")
    report = build(make_writer, hash_embedder, idx, extra)  # the interrupted batch re-runs
    assert report.totals.added == 1
    assert s.search("감귤 수확 축제", k=1, mode="bm25")[0].chunk.article_id == "n1"


def test_prepared_filters_are_cached_per_generation_and_dropped_on_publish(tmp_path, make_writer,
                                                                          hash_embedder, tokenizer):
    from index.searcher import ALL_ROWS

    idx = tmp_path / "idx"
    build(make_writer, hash_embedder, idx, ARTICLES)
    s = Searcher(idx, hash_embedder, tokenizer)
    only_new = Filters(article_ids=("n1",))
    assert not s.search("감귤 수확 축제", k=3, filters=only_new)  # prepared: allows no row yet
    s.search("기준금리", k=3)  # the default filter allows every row here: nothing to prepare
    first = s.generation.number
    assert s._allowed_cache[(first, Filters())] is ALL_ROWS
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "n1", "title": "감귤 수확 축제", "body": "제주 감귤 수확 축제가 열렸다."},
                                ensure_ascii=False), encoding="utf-8")
    build(make_writer, hash_embedder, idx, extra)
    for mode in ("hybrid", "dense", "bm25"):  # the cached mask of the old generation must not apply
        assert [h.chunk.article_id for h in s.search("감귤 수확 축제", k=3, filters=only_new, mode=mode)] == ["n1"]
    assert {g for g, _ in s._allowed_cache} == {s.generation.number} != {first}


def test_concurrent_searches_share_prepared_filters(tmp_path, make_writer, hash_embedder, tokenizer):
    from concurrent.futures import ThreadPoolExecutor

    idx = tmp_path / "idx"
    build(make_writer, hash_embedder, idx, ARTICLES)
    s = Searcher(idx, hash_embedder, tokenizer)
    queries = ["기준금리 동결", "바이오 특화단지 예산", "로봇 실증", "프로야구 연승", "물동량"] * 8
    filters = [Filters(), Filters(article_ids=("t02", "t03")), Filters(kinds=("main", "teaser"))]
    jobs = [(q, f) for q in queries for f in filters]
    want = [[h.row for h in s.search(q, k=3, filters=f)] for q, f in jobs]
    s = Searcher(idx, hash_embedder, tokenizer)  # cold caches, filled by racing threads
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda job: [h.row for h in s.search(job[0], k=3, filters=job[1])], jobs))
    assert got == want
