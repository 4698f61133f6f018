"""Embedding cache keyed by model and the exact text embedded, so nothing is embedded twice."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE_FILE = "embed_cache.sqlite"


def cache_key(model: str, dim: int, title: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x1f{dim}\x1f{title}\x1f{text}".encode()).hexdigest()


class EmbeddingCache:
    """Committed eagerly, apart from the catalog: a vector stays valid whatever the catalog holds."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS vec(key TEXT PRIMARY KEY, v BLOB NOT NULL)")

    def get_many(self, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = list(keys[i:i + 500])
            sql = f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})"
            for key, blob in self._conn.execute(sql, part):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (dim,):
                    out[key] = vec
        return out

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vec VALUES(?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)])

    def close(self) -> None:
        self._conn.close()
