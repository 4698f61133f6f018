"""The PostgreSQL schema module on a real server: messages, the shared embedding cache, schema versions."""

from __future__ import annotations

import numpy as np
import pytest

from errors import IndexMismatchError, IndexMissingError, NewsRagError
from index import pg_schema as pg
from index.cache import CachedEmbedder
from index.pg_retriever import PgRetriever, require_pg_index
from index.pg_writer import PgWriter
from schema import Chunk


def test_a_database_without_an_index_says_how_to_make_one(pg_dsn, tokenizer, hash_embedder):
    for attempt in (lambda: require_pg_index(pg_dsn), lambda: PgRetriever(pg_dsn, hash_embedder, tokenizer),
                    lambda: PgWriter(pg_dsn, tokenizer=tokenizer, embedder=hash_embedder, chunk_max_chars=300,
                                     create=False)):
        with pytest.raises(IndexMissingError, match="NEWSRAG_BACKEND=postgres python -m ingest"):
            attempt()
    w = PgWriter(pg_dsn, tokenizer=tokenizer, embedder=hash_embedder, chunk_max_chars=300)  # schema, nothing in it
    with pytest.raises(IndexMissingError, match=r"127\.0\.0\.1:\d+/t_"):
        PgRetriever(pg_dsn, hash_embedder, tokenizer)
    report = w.check()
    assert report.ok and (report.generation, report.articles, report.chunks) == (0, 0, 0)
    w.close()


def test_an_unreachable_server_is_named_without_its_password(closed_port_url):
    port = closed_port_url.split(":")[2].split("/")[0]
    dsn = f"postgresql://newsrag:s3cret-pw@127.0.0.1:{port}/news"
    where = f"PostgreSQL 서버\\(127\\.0\\.0\\.1:{port}/news\\)에 연결할 수 없습니다"
    with pytest.raises(NewsRagError, match=where) as e:
        PgRetriever(dsn, None, None)
    assert "s3cret-pw" not in str(e.value) and "NEWSRAG_DATABASE_URL" in str(e.value)
    with pytest.raises(NewsRagError, match="NEWSRAG_DATABASE_URL이 필요합니다"):
        PgRetriever(None, None, None)


def test_the_embedding_cache_table_is_shared_between_connections(pg_dsn, hash_embedder):
    chunks = [Chunk(f"x#{i:03d}", "x", i, f"본문 {i}", 0, 4, "제목", "", "", "") for i in range(3)]
    first, second = pg.PgEmbeddingCache(pg_dsn), pg.PgEmbeddingCache(pg_dsn)
    a, b = CachedEmbedder(hash_embedder, first), CachedEmbedder(hash_embedder, second)
    va = a.embed_chunks(chunks)
    vb = b.embed_chunks(chunks + chunks[:1])
    assert (a.newly_embedded(), b.newly_embedded()) == (3, 0)
    assert np.array_equal(vb[:3], va) and np.array_equal(vb[3], va[0])
    assert second.get_many(["없는 키"], hash_embedder.dim) == {}
    assert second.get_many(a.keys(chunks[:1]), hash_embedder.dim + 1) == {}  # another size is a miss
    first.close()
    second.close()


def test_schema_is_idempotent_and_a_newer_version_is_refused(pg_dsn, tokenizer, hash_embedder):
    conn = pg.connect(pg_dsn)
    pg.ensure_schema(conn, 64)
    pg.ensure_schema(conn, 64)
    assert pg.get_meta(conn, "schema_version") == pg.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"meta", "sources", "articles", "tags", "lsh", "briefings", "terms", "embed_cache", "chunks"}
    pg.set_meta(conn, "schema_version", "99")
    with pytest.raises(IndexMismatchError, match="스키마 버전\\(99\\)"):
        PgWriter(pg_dsn, tokenizer=tokenizer, embedder=hash_embedder, chunk_max_chars=300)
    conn.close()


def test_iterative_scans_keep_selective_filtered_searches_full(pg_dsn):
    """pgvector's HNSW without iterative scans returns fewer rows than asked under a selective filter."""
    conn = pg.connect(pg_dsn)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute("CREATE TABLE v(id int, tag int, e halfvec(8))")
    rng = np.random.default_rng(7)
    rows = rng.standard_normal((3000, 8)).astype(np.float32)
    with conn.cursor() as cur, cur.copy("COPY v FROM STDIN") as copy:
        for i, r in enumerate(rows):
            copy.write_row((i, i % 100, "[" + ",".join(f"{x:.4f}" for x in r) + "]"))
    conn.execute("CREATE INDEX ON v USING hnsw (e halfvec_ip_ops)")
    conn.execute("SET enable_seqscan = off")
    sql = "SELECT count(*) FROM (SELECT id FROM v WHERE tag = 3 ORDER BY e <#> %s::halfvec LIMIT 20) x"
    q = "[" + ",".join("0.5" for _ in range(8)) + "]"
    assert conn.execute(sql, (q,)).fetchone()[0] == 20  # connect() turned iterative scans on
    conn.execute("SET hnsw.iterative_scan = off")
    assert conn.execute(sql, (q,)).fetchone()[0] < 20
    conn.close()


def test_describe_dsn_leaves_the_password_out():
    assert pg.describe_dsn("postgresql://u:pw@db.internal:6543/news") == "db.internal:6543/news"
    assert pg.describe_dsn("host=10.0.0.5 dbname=x password=pw") == "10.0.0.5:5432/x"
