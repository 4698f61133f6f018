"""Fixtures for the PostgreSQL backend: one real server per session, a fresh database per test."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, TEST_DATA

CORPUS = [SAMPLE, TEST_DATA / "articles.jsonl"]  # teasers, near-duplicates, tags, eight outlets


@pytest.fixture(scope="session")
def pg_server() -> str:
    """A real PostgreSQL 18 + pgvector server (initdb + pg_ctl on 127.0.0.1), stopped at the end."""
    from tests.backends.pg_server import serve_postgres

    with serve_postgres() as dsn:
        yield dsn


def _fresh_database(server: str, key: str) -> str:
    from tests.backends.pg_server import create_database

    return create_database(server, "t_" + hashlib.sha1(key.encode()).hexdigest()[:16])


def _drop_database(server: str, dsn: str) -> None:
    from tests.backends.pg_server import drop_database

    drop_database(server, dsn)


@pytest.fixture
def pg_dsn(pg_server: str, request) -> str:
    """The DSN of an empty database of its own for one test, dropped afterwards."""
    dsn = _fresh_database(pg_server, request.node.nodeid)
    yield dsn
    _drop_database(pg_server, dsn)


@pytest.fixture
def make_pg_writer(tokenizer):
    """Factory for the PostgreSQL writer on a database, its embedding cache a table there; closes both."""
    opened = []

    def make(dsn: str, embedder, chunk_max_chars: int = 300, lock_wait_s: float = 0.0, create: bool = True):
        w = _pg_writer(dsn, tokenizer, embedder, chunk_max_chars, lock_wait_s, create)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()
        w.embedder.cache.close()


def _pg_writer(dsn: str, tokenizer, embedder, chunk_max_chars: int = 300, lock_wait_s: float = 0.0,
               create: bool = True):
    from index.cache import CachedEmbedder
    from index.pg_schema import PgEmbeddingCache
    from index.pg_writer import PgWriter

    return PgWriter(dsn, tokenizer=tokenizer, embedder=CachedEmbedder(embedder, PgEmbeddingCache(dsn)),
                    chunk_max_chars=chunk_max_chars, lock_wait_s=lock_wait_s, create=create)


@pytest.fixture(scope="module")
def pg_corpus(pg_server: str, request, tokenizer, hash_embedder) -> str:
    """The corpus ingested through the real pipeline into a database of its own (hash vectors); read
    only: shared by a module's tests."""
    from tests.indexing import ingest_paths

    dsn = _fresh_database(pg_server, request.node.nodeid + "/corpus")
    w = _pg_writer(dsn, tokenizer, hash_embedder)
    try:
        report = ingest_paths(w, CORPUS)
    finally:
        w.close()
        w.embedder.cache.close()
    if report.skipped or report.totals.problems:
        raise RuntimeError(f"corpus not ingested cleanly: {report.skipped} {report.totals.problems}")
    yield dsn
    _drop_database(pg_server, dsn)


@pytest.fixture(scope="module")
def embedded_corpus(tmp_path_factory, tokenizer, hash_embedder) -> Path:
    """The same corpus in the embedded backend, for side-by-side checks (read only)."""
    from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache
    from index.writer import EmbeddedWriter
    from tests.indexing import ingest_paths

    idx = tmp_path_factory.mktemp("embedded") / "index"
    cache = EmbeddingCache(idx / CACHE_FILE)
    w = EmbeddedWriter(idx, tokenizer=tokenizer, embedder=CachedEmbedder(hash_embedder, cache),
                       chunk_max_chars=300, exact_search_max=10**6)
    try:
        ingest_paths(w, CORPUS)
    finally:
        w.close()
        cache.close()
    return idx


# --- Ray (tests/backends/test_ray.py) -------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_local():
    """A real private local Ray (2 CPUs, its own short temp folder under /tmp), shut down after the module.

    RayChunkEmbedder, and wiring through it, find Ray already joined and use it as it is.
    """
    from index.cluster import ray_session

    with ray_session("local", num_cpus=2):
        yield
