"""Embedding on Ray (index/cluster.py): a real private local Ray, the real default model, real indexes."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, TEST_DATA

ARTICLES = TEST_DATA / "articles.jsonl"
CHUNK_MAX_CHARS = 120  # 13 chunks of 25-120 characters from the 7 articles: several Ray batches


class Killed(Exception):
    """Stands for the process being killed."""


class KillAfterFirstBatch:
    """IngestProgress that 'kills' the run as soon as the first Ray batch's vectors are back."""

    def on_files(self, done: int, total: int, name: str) -> None:
        pass

    def on_chunks(self, done: int, batch_total: int) -> None:
        if done:
            raise Killed(done)


def _engine(index_dir: Path, tokenizer, embedder, **settings):
    from config import Settings
    from engine import Engine

    s = Settings(index_dir=index_dir, llm_provider="none", chunk_max_chars=CHUNK_MAX_CHARS, _env_file=None,
                 **settings)
    return Engine(s, index_dir, tokenizer, embedder)


def _index_rows(index_dir: Path) -> tuple[list[tuple[int, str, str]], np.ndarray]:
    """(row, chunk id, text) of every catalog chunk and the published dense vector of each."""
    from index import catalog as cat
    from index.store import load_generation

    conn = cat.connect(index_dir, readonly=True)
    try:
        rows = [(row, c.chunk_id, c.text) for row, c, _ in cat.iter_chunk_rows(conn)]
        number = int(cat.get_meta(conn, "generation", "0"))
    finally:
        conn.close()
    if not rows:
        return [], np.empty((0, 0), dtype=np.float32)
    dense = load_generation(index_dir, number).dense
    return rows, np.stack([dense.reconstruct(row) for row, _, _ in rows])


def _cached(index_dir: Path) -> int:
    from index.cache import CACHE_FILE

    with sqlite3.connect(index_dir / CACHE_FILE) as conn:
        return conn.execute("SELECT count(*) FROM vec").fetchone()[0]


def _chunks(kiwi):
    from ingest.chunk import chunk_articles
    from ingest.load import make_articles, parse_file

    articles, _ = make_articles(parse_file(ARTICLES, ARTICLES.read_bytes()).articles, str(ARTICLES))
    return chunk_articles(kiwi, articles, CHUNK_MAX_CHARS)


def _spec(embedder, model_dir: Path, batch_size: int):
    from index.cluster import EmbedSpec, resolve_dtype

    return EmbedSpec(str(model_dir), embedder.name, embedder.dim, resolve_dtype("auto"), batch_size=batch_size)


def test_index_built_through_ray_equals_the_in_process_one(tmp_path, tokenizer, embedder, ray_local):
    from index.cluster import RayChunkEmbedder
    from wiring import chunk_embedding

    local = _engine(tmp_path / "local", tokenizer, embedder).ingest([ARTICLES])
    ray_engine = _engine(tmp_path / "ray", tokenizer, embedder, ray_address="local")
    with chunk_embedding(ray_engine.settings, tmp_path / "ray", embedder) as chunks:
        assert isinstance(chunks, RayChunkEmbedder)  # the setting really sends the misses to Ray
    on_ray = ray_engine.ingest([ARTICLES])

    # 13 chunks, 12 different (the near-duplicate article repeats one): two Ray batches of the default 8
    assert (local.totals.added, local.totals.chunks, local.totals.embedded) == (7, 13, 12)
    assert on_ray.totals == local.totals
    rows, vectors = _index_rows(tmp_path / "local")
    ray_rows, ray_vectors = _index_rows(tmp_path / "ray")
    assert ray_rows == rows  # same chunk ids on the same rows, same texts
    assert np.sum(vectors * ray_vectors, axis=1).min() > 0.999
    assert np.allclose(np.linalg.norm(ray_vectors, axis=1), 1.0, atol=1e-5)
    assert _cached(tmp_path / "ray") == 12


def _pg_chunks(dsn: str) -> tuple[list[tuple[str, str]], np.ndarray, int]:
    """(chunk id, text) of every chunk in row order, their stored vectors, and the cache table's size."""
    import psycopg
    from pgvector.psycopg import register_vector

    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        rows = conn.execute("SELECT chunk_id, text, embedding FROM chunks ORDER BY row_id").fetchall()
        cached = conn.execute("SELECT count(*) FROM embed_cache").fetchone()[0]
    return [(c, t) for c, t, _ in rows], np.stack([e.to_numpy() for _, _, e in rows]).astype(np.float32), cached


def test_ray_embedding_into_postgres_equals_the_in_process_one(pg_server, tmp_path, tokenizer, embedder,
                                                                 ray_local):
    from tests.backends.pg_server import create_database, drop_database

    dsns = {name: create_database(pg_server, f"ray_{name}_{tmp_path.name[-12:]}".lower()) for name in ("here", "ray")}
    try:
        reports = {}
        for name, dsn in dsns.items():
            engine = _engine(tmp_path / name, tokenizer, embedder, backend="postgres", database_url=dsn,
                             ray_address="local" if name == "ray" else None)
            try:
                reports[name] = engine.ingest([ARTICLES])
            finally:
                engine.close()
        assert reports["ray"].totals == reports["here"].totals and reports["ray"].totals.embedded == 12
        rows, vectors, cached = _pg_chunks(dsns["here"])
        ray_rows, ray_vectors, ray_cached = _pg_chunks(dsns["ray"])
        assert ray_rows == rows and len(rows) == 13 and cached == ray_cached == 12
        assert np.sum(vectors * ray_vectors, axis=1).min() > 0.999  # halfvec in both: float16 rounding only
        assert not (tmp_path / "ray").exists()  # the postgres backend writes nothing beside an index folder
    finally:
        for dsn in dsns.values():
            drop_database(pg_server, dsn)


def test_a_killed_ray_run_resumes_without_re_embedding(tmp_path, tokenizer, embedder, ray_local, monkeypatch,
                                                       capsys):
    from config import get_settings
    from engine import Engine
    from ingest.__main__ import main

    idx = tmp_path / "index"
    with pytest.raises(Killed):
        _engine(idx, tokenizer, embedder, ray_address="local", embed_batch_size=4).ingest(
            [ARTICLES], KillAfterFirstBatch())
    assert _cached(idx) == 4  # the first Ray batch was stored as it arrived...
    assert _index_rows(idx)[0] == []  # ...and nothing was published

    # Run again through the CLI with --ray: only the other 8 different chunks go to Ray.
    loaded = []

    def load(cls, settings, index_dir=None, *, with_llm=True, require_index=False):
        loaded.append(settings)
        return cls(settings, index_dir, tokenizer, embedder)

    monkeypatch.setattr(Engine, "load", classmethod(load))
    for key, value in {"CHUNK_MAX_CHARS": CHUNK_MAX_CHARS, "EMBED_BATCH_SIZE": 4, "LLM_PROVIDER": "none"}.items():
        monkeypatch.setenv(f"NEWSRAG_{key}", str(value))
    monkeypatch.delenv("NEWSRAG_RAY_ADDRESS", raising=False)
    get_settings.cache_clear()
    try:
        assert main([str(ARTICLES), "--index", str(idx), "--quiet", "--ray"]) == 0
    finally:
        get_settings.cache_clear()
    assert [s.ray_address for s in loaded] == ["local"]
    assert "청크 13개 (새로 임베딩 8개)" in capsys.readouterr().out
    assert _cached(idx) == 12
    rows, vectors = _index_rows(idx)
    chunks = {c.chunk_id: c for c in _chunks(tokenizer.kiwi)}
    assert sorted(chunk_id for _, chunk_id, _ in rows) == sorted(chunks)
    in_process = embedder.encode_documents([chunks[i].title for _, i, _ in rows], [t for _, _, t in rows])
    assert np.sum(vectors * in_process, axis=1).min() > 0.999


def test_vectors_come_back_in_input_order_across_blocks_and_actors(tmp_path, kiwi, embedder, default_model_dir,
                                                                  ray_local):
    from index.cache import CACHE_FILE, EmbeddingCache, cache_key
    from index.cluster import RayChunkEmbedder

    # Shortest first, the reverse of the order the forward batches run in, and one chunk twice.
    chunks = sorted(_chunks(kiwi), key=lambda c: len(c.text))
    chunks.append(chunks[0])
    reference = embedder.encode_documents([c.title for c in chunks], [c.text for c in chunks])
    cache = EmbeddingCache(tmp_path / CACHE_FILE)
    key = [cache_key(embedder.name, embedder.dim, c.title, c.text) for c in chunks]
    cache.put_many([key[1], key[5]], reference[[1, 5]])  # cached before: not sent to Ray
    calls = []
    try:
        with RayChunkEmbedder(_spec(embedder, default_model_dir, batch_size=2), cache, "local", actors=2,
                              format_documents=embedder.format_documents) as on_ray:
            got = on_ray.embed_chunks(chunks, lambda done, total: calls.append((done, total)))
            new = len(set(key) - {key[1], key[5]})  # the near-duplicate article repeats a chunk too
            assert on_ray.newly_embedded() == new == 10
    finally:
        cache.close()

    assert got.shape == (14, embedder.dim) and got.dtype == np.float32
    sims = got @ reference.T
    assert np.diag(sims).min() > 0.999
    assert (np.diag(sims) >= sims.max(axis=1) - 1e-6).all()  # no row holds another chunk's vector
    assert calls[:2] == [(0, 14), (sum(k in {key[1], key[5]} for k in key), 14)]  # a new batch, the cached
    assert [done for done, _ in calls[2:]] == [2] * 5  # then one call per Ray batch of 2


def test_a_worker_without_the_model_says_what_to_do(tmp_path, embedder, ray_local):
    from errors import ModelError
    from index.cache import CACHE_FILE, EmbeddingCache
    from index.cluster import RayChunkEmbedder
    from schema import Chunk

    chunk = Chunk("a#000", "a", 0, "본문", 0, 2, "제목", "", "", "")
    cache = EmbeddingCache(tmp_path / CACHE_FILE)
    try:
        with RayChunkEmbedder(_spec(embedder, tmp_path / "no-model", batch_size=2), cache) as on_ray:
            with pytest.raises(ModelError, match="임베딩 모델 폴더가 없습니다.*python -m index fetch-model"):
                on_ray.embed_chunks([chunk])
            assert on_ray.newly_embedded() == 0
    finally:
        cache.close()


def test_an_unreachable_cluster_gives_a_clear_error(tmp_path):
    import importlib.util

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    # A process of its own: this one has joined the local Ray already, and Ray joins one cluster a process.
    code = ("import json, sys\nfrom index.cluster import RayClusterError, ray_session\nout = {}\n"
            "for address in sys.argv[1:]:\n    try:\n        with ray_session(address):\n"
            "            out[address] = 'connected'\n    except RayClusterError as e:\n        out[address] = str(e)\n"
            "print(json.dumps(out, ensure_ascii=False))\n")
    done = subprocess.run([sys.executable, "-c", code, "ray://127.0.0.1:1", closed], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if importlib.util.find_spec("grpc") is None:
        assert "ray[client]가 필요합니다" in out["ray://127.0.0.1:1"]
        assert "pip install 'ray[client]==2.60.0'" in out["ray://127.0.0.1:1"]
    else:
        assert "연결할 수 없습니다" in out["ray://127.0.0.1:1"]
    assert f"Ray 클러스터({closed})에 연결할 수 없습니다" in out[closed]
    assert "ray start --head" in out[closed] and "--ray local" in out[closed]
