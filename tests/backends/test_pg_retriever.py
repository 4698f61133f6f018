"""PgRetriever on a real PostgreSQL server: BM25 equal to bm25s, every filter, grouping, related, parity."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from index.pg_retriever import PgRetriever
from index.searcher import Searcher
from index.sparse import search_sparse
from schema import Filters

QUERIES = ["충북 바이오 특화단지 예산", "규제자유특구 실증 사업", "테크노파크 업무협약", "연구개발특구 종합계획",
           "기준금리 동결", "수소 버스", "송도 바이오 2조1천억원", "반도체 소재 기업"]
EVERYTHING = dict(k=200, collapse=False, per_article=100)


@pytest.fixture
def both(pg_corpus, embedded_corpus, tokenizer, hash_embedder):
    """(PgRetriever, Searcher) over the same corpus with the same tokenizer and vectors."""
    r = PgRetriever(pg_corpus, hash_embedder, tokenizer)
    s = Searcher(embedded_corpus, hash_embedder, tokenizer, verify_in_background=False)
    yield r, s
    r.close()
    s.close()


def test_bm25_scores_are_those_of_bm25s(both, tokenizer):
    r, s = both
    gen, total = s.generation, 0
    for q, pool in ((q, pool) for q in QUERIES for pool in (100, 5, 2)):  # small pools: pruned candidates
        tokens = tokenizer([q])[0] + tokenizer([q])[0][:1]  # a repeated token counts twice in both
        rows, scores = search_sparse(gen.sparse, tokens, pool)
        want = [(c.chunk_id, float(sc)) for c, sc in zip(_embedded_chunks(s, rows.tolist()), scores, strict=True)]
        got = r.bm25_ranking(tokens, pool)
        names = r.chunks([row for row, _ in got])
        assert [names[row].chunk_id for row, _ in got] == [cid for cid, _ in want], q
        # bm25s keeps each term's share in float32 and returns float32 sums: the same numbers, exactly.
        assert [np.float32(sc) for _, sc in got] == [np.float32(sc) for _, sc in want], q
        assert got, q
        total += len(got)
    assert total > 150  # the queries match many chunks: the equalities above compared real rankings


def _embedded_chunks(s: Searcher, rows: list[int]):
    from index import catalog as cat

    found = cat.get_chunks(s.conn, rows)
    return [found[r] for r in rows]


def test_idf_equals_the_embedded_backends(both, tokenizer):
    r, s = both
    tokens = tokenizer(["충북 바이오 특화단지 예산 테크노파크"])[0] + ["없는낱말"]
    assert np.allclose(r.idf(tokens), s.idf(tokens), rtol=1e-9)
    assert r.idf(["없는낱말"])[0] == pytest.approx(np.log(1 + (r.stats()["chunks"] + 0.5) / 0.5))


FILTERS = [
    Filters(date_from="2025-01-01"),
    Filters(date_to="2024-06-30"),
    Filters(date_from="2024-10-01", date_to="2024-12-05"),
    Filters(outlets=("지역정책신문", "한빛경제")),
    Filters(regions=("충북",)),
    Filters(regions=("전북", "제주"), kinds=("main", "teaser")),
    Filters(organizations=("중소벤처기업부",)),
    Filters(kinds=("teaser",)),
    Filters(kinds=()),
    Filters(article_ids=("t01", "t03", "d84ef3814cd63e92")),
    Filters(date_from="2025-01-01", outlets=("충청한울뉴스",), regions=("충북",)),
]


def allowed(a, f: Filters) -> bool:
    """The filters' meaning, written out over the article records."""
    return ((not f.date_from or a.published_at >= f.date_from)
            and (not f.date_to or a.published_at < f.date_to + "\uffff")
            and (not f.outlets or a.outlet in f.outlets) and (not f.kinds or a.kind in f.kinds)
            and (not f.article_ids or a.article_id in f.article_ids)
            and (not f.regions or set(a.regions) & set(f.regions))
            and (not f.organizations or set(a.organizations) & set(f.organizations)))


def test_every_filter_kind_allows_exactly_its_articles(both):
    r, s = both
    articles = [a for a, _ in r.iter_articles()]
    assert len(articles) == 41 and sum(a.kind == "teaser" for a in articles) == 2
    for f in FILTERS:
        want = {a.article_id for a in articles if allowed(a, f)}
        dense = {h.chunk.article_id for h in r.search("바이오", filters=f, mode="dense", **EVERYTHING)}
        embedded = {h.chunk.article_id for h in s.search("바이오", filters=f, mode="dense", **EVERYTHING)}
        assert dense == want == embedded, f
        assert want, f  # every filter here keeps something
        bm25 = [h.chunk.chunk_id for h in r.search("클러스터 특구 바이오", filters=f, mode="bm25", **EVERYTHING)]
        assert bm25 == [h.chunk.chunk_id for h in s.search("클러스터 특구 바이오", filters=f, mode="bm25",
                                                           **EVERYTHING)], f
        assert {cid.split("#")[0] for cid in bm25} <= want, f
        assert r.changes_since("", f) and {c.article.article_id for c in r.changes_since("", f)} == want, f


def songdo_copies(r) -> set[str]:
    """The export's 송도 article and its two wire copies (their ids derive from where the clone is)."""
    return {"exp-001"} | {a.article_id for a, _ in r.iter_articles() if "songdo_bio_wire" in a.source_path}


def test_near_duplicates_collapse_into_one_hit_with_their_count(both):
    r, s = both
    hits = r.search("송도 바이오 특화단지 2조1천억원", k=5)
    assert len(songdo_copies(r)) == 3
    group = [h for h in hits if h.chunk.article_id in songdo_copies(r)]
    assert len({h.chunk.article_id for h in group}) == 1 and group[0].copies == 2
    assert [(h.chunk.chunk_id, h.copies) for h in hits] == [(h.chunk.chunk_id, h.copies) for h in s.search(
        "송도 바이오 특화단지 2조1천억원", k=5)]
    copies = r.copies([group[0].chunk.article_id])[group[0].chunk.article_id]
    assert len(copies) == 2 and group[0].chunk.article_id not in {a.article_id for a in copies}
    assert ({k: [unstamped(a) for a in v] for k, v in r.copies(["exp-001"]).items()}
            == {k: [unstamped(a) for a in v] for k, v in s.copies(["exp-001"]).items()})
    assert [h.copies for h in r.search("송도 바이오 특화단지 2조1천억원", k=5, collapse=False)
            if h.chunk.article_id == "exp-001"] in ([], [0], [0, 0])


def test_related_leaves_out_the_articles_own_group(both):
    r, _ = both
    hits = r.related("exp-001", k=5)
    ids = [h.chunk.article_id for h in hits]
    assert len(ids) == 5 and not songdo_copies(r) & set(ids)
    assert len(set(ids)) == 5
    assert r.related("없는-기사") == []
    assert {h.chunk.article_id for h in r.related("t02", k=10)}.isdisjoint({"t02", "t05"})


def unstamped(a):
    """An article without the index's clock readings (each backend stamps its own)."""
    assert a.first_seen and a.last_changed == a.first_seen
    return replace(a, first_seen="", last_changed="")


def test_articles_stats_and_generation(both):
    r, s = both
    ids = ["t01", "exp-001", "없음"]
    assert ({k: unstamped(a) for k, a in r.articles(ids).items()}
            == {k: unstamped(a) for k, a in s.articles(ids).items()})
    assert [(unstamped(a), n) for a, n in r.iter_articles(page=7)] == [(unstamped(a), n) for a, n in s.iter_articles()]
    pg_stats, emb_stats = r.stats(), s.stats()
    assert pg_stats.pop("dense_type") == "hnsw_halfvec" and emb_stats.pop("dense_type") == "flat"
    assert pg_stats == emb_stats
    assert r.generation_number() == 1


def test_threads_share_a_bounded_set_of_connections(pg_corpus, tokenizer, hash_embedder):
    import psycopg

    r = PgRetriever(pg_corpus, hash_embedder, tokenizer)
    want = [h.chunk.chunk_id for h in r.search("바이오 클러스터", k=5)]
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(5):
            results.append([h.chunk.chunk_id for h in r.search("바이오 클러스터", k=5)])

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [want] * 60
    r.close()
    # Every connection the threads opened is closed again. A server backend exits a moment after its
    # client hangs up, so the server is asked again (a bounded number of times) until it has noticed.
    with psycopg.connect(pg_corpus, autocommit=True) as conn:
        for _ in range(200):
            others = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()").fetchone()[0]
            if others == 0:
                break
            time.sleep(0.05)
    assert others == 0
