"""Hybrid search end to end over a real index: filters inside retrieval, grouping, refresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from index.embed import HashEmbedder
from index.searcher import Searcher
from schema import Filters
from tests.conftest import REPO, TEST_DATA
from tests.indexing import ingest_paths

ARTICLES = TEST_DATA / "articles.jsonl"


def build(make_writer, embedder, idx: Path, *paths: Path):
    return ingest_paths(make_writer(idx, embedder), list(paths))


@pytest.fixture(scope="module")
def real_index(tmp_path_factory, tokenizer, embedder):
    from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache
    from index.writer import EmbeddedWriter

    idx = tmp_path_factory.mktemp("real") / "idx"
    cache = EmbeddingCache(idx / CACHE_FILE)
    w = EmbeddedWriter(idx, tokenizer=tokenizer, embedder=CachedEmbedder(embedder, cache),
                       chunk_max_chars=500, exact_search_max=10**6)
    ingest_paths(w, [ARTICLES])
    w.close()
    cache.close()
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


def fixture_rows() -> list[dict]:
    return [json.loads(x) for x in ARTICLES.read_text(encoding="utf-8").splitlines() if x.strip()]


def allowed_ids(searcher: Searcher, filters: Filters, mode: str = "hybrid") -> set[str]:
    """Every article a search may return under the filters: the pool covers the whole small index,
    so the dense ranking lists every allowed chunk."""
    hits = searcher.search("지역 소식", k=50, filters=filters, mode=mode, collapse=False, per_article=1)
    return {h.chunk.article_id for h in hits}


def test_date_and_outlet_filters_select_exactly_the_matching_articles(real_index, embedder, tokenizer):
    s = Searcher(real_index, embedder, tokenizer)
    rows = fixture_rows()
    assert allowed_ids(s, Filters()) == {r["id"] for r in rows}
    day = "2025-05-20"  # t06's day: date_from and date_to are both inclusive of it
    assert allowed_ids(s, Filters(date_from=day)) == {r["id"] for r in rows if r["published_at"][:10] >= day}
    assert allowed_ids(s, Filters(date_to=day)) == {r["id"] for r in rows if r["published_at"][:10] <= day}
    assert allowed_ids(s, Filters(date_from=day, date_to=day)) == {"t06"}
    outlet = "충청한울뉴스"
    assert allowed_ids(s, Filters(outlets=(outlet,))) == {r["id"] for r in rows if r["source"] == outlet} \
        == {"t02", "t04"}
    assert allowed_ids(s, Filters(article_ids=("t03",))) == {"t03"}
    assert allowed_ids(s, Filters(article_ids=("t03",)), mode="bm25") == set()  # no query word in t03


def test_region_and_organization_filters(real_index, embedder, tokenizer):
    s = Searcher(real_index, embedder, tokenizer)
    assert allowed_ids(s, Filters(regions=("충북",))) == {"t02", "t05"}  # the near-duplicate pair
    assert allowed_ids(s, Filters(regions=("충북", "강원"))) == {"t02", "t05", "t06"}
    assert allowed_ids(s, Filters(regions=("경남",), date_from="2025-05-01")) == set()
    assert allowed_ids(s, Filters(organizations=("한국은행",))) == {"t01"}
    assert allowed_ids(s, Filters(organizations=("경남테크노파크",), regions=("경남",))) == {"t03"}
    assert allowed_ids(s, Filters(regions=("제주",))) == set()


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
    with pytest.raises(IndexCorruptError, match="손상.*크기가 기록과 다름"):
        Searcher(idx, hash_embedder, tokenizer)


def test_same_size_damage_is_found_by_the_background_check(tmp_path, make_writer, hash_embedder, tokenizer):
    """Loading checks sizes only; a byte flipped in place is found by the background sha256 check,
    and the next search says so (a catalog page overwritten in place: test_faults.py)."""
    idx = tmp_path / "idx"
    build(make_writer, hash_embedder, idx, ARTICLES)
    rows = next((idx / "gen").glob("*/bm25/rows.npy"))
    data = bytearray(rows.read_bytes())
    data[-1] ^= 0xFF
    rows.write_bytes(bytes(data))
    s = Searcher(idx, hash_embedder, tokenizer)
    assert s.wait_verified(60)
    with pytest.raises(IndexCorruptError, match="체크섬 불일치.*python -m index check"):
        s.search("기준금리", k=1)
    quiet = Searcher(idx, hash_embedder, tokenizer, verify_in_background=False)
    assert quiet.search("기준금리", k=1, mode="bm25")  # the size-only load itself does not notice


KILL_SCRIPT = """
import sys, os, signal
from pathlib import Path
from kiwipiepy import Kiwi
from index.embed import HashEmbedder
from index.korean import KoreanTokenizer
from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache
from index.writer import EmbeddedWriter
from tests.indexing import ingest_paths
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
idx = Path(sys.argv[1])
w = EmbeddedWriter(idx, tokenizer=KoreanTokenizer(kiwi),
                   embedder=CachedEmbedder(HashEmbedder(64), EmbeddingCache(idx / CACHE_FILE)),
                   chunk_max_chars=300, exact_search_max=10**6)
ingest_paths(w, [Path(sys.argv[2])])
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
