"""Embedding cache keyed by model and the exact text embedded, so nothing is embedded twice."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from contracts import Progress
from index.embed import Embedder
from index.store import write_failure
from schema import Chunk

CACHE_FILE = "embed_cache.sqlite"


def cache_key(model: str, dim: int, title: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x1f{dim}\x1f{title}\x1f{text}".encode()).hexdigest()


class EmbeddingCache:
    """Committed eagerly, apart from the catalog: a vector stays valid whatever the catalog holds."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS vec(key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        self._lock = threading.Lock()  # one connection, shared by the app's session threads

    def get_many(self, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = list(keys[i:i + 500])
                sql = f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})"
                for key, blob in self._conn.execute(sql, part):
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape == (dim,):
                        out[key] = vec
        return out

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vec VALUES(?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class VectorCache(Protocol):
    """Where CachedEmbedder keeps vectors: EmbeddingCache, or a table on the index's PostgreSQL server."""

    def get_many(self, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]: ...

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None: ...


FLUSH_EVERY = 256  # chunks embedded between two writes to the cache


class CachedEmbedder:
    """A ChunkEmbedder: the model behind the index's embedding cache, so nothing is embedded twice.

    Vectors are written to the cache as soon as each call finishes, outside any index transaction:
    an interrupted ingest resumes without re-embedding what it had done.
    """

    def __init__(self, embedder: Embedder, cache: VectorCache) -> None:
        self.embedder, self.cache = embedder, cache
        self.name, self.dim = embedder.name, embedder.dim
        self._embedded = 0

    def keys(self, chunks: Sequence[Chunk]) -> list[str]:
        return [cache_key(self.name, self.dim, c.title, c.text) for c in chunks]

    def embed_chunks(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> np.ndarray:
        keys = self.keys(chunks)
        found = self.cache.get_many(keys, self.dim)
        if progress:
            progress(0, len(keys))
            progress(sum(k in found for k in keys), len(keys))
        todo = sorted({k: i for i, k in enumerate(keys) if k not in found}.values())
        # Slices of FLUSH_EVERY chunks go to the cache as each is embedded: a run killed an hour
        # into a large batch keeps that hour's vectors.
        for at in range(0, len(todo), FLUSH_EVERY):
            part = todo[at:at + FLUSH_EVERY]
            vecs = self.embedder.encode_documents(
                [chunks[i].title for i in part], [chunks[i].text for i in part],
                progress=(lambda n: progress(n, len(keys))) if progress else None)
            try:
                self.cache.put_many([keys[i] for i in part], vecs)
            except (OSError, sqlite3.OperationalError) as e:
                if failure := write_failure(e, self.cache.path.parent):
                    raise failure from e
                raise
            found.update(zip((keys[i] for i in part), vecs, strict=True))
            self._embedded += len(part)
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def newly_embedded(self) -> int:
        return self._embedded
