"""The single writer: applies parsed files to the catalog and publishes a new index generation."""

from __future__ import annotations

import errno
import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from kiwipiepy import Kiwi

from errors import IndexCorruptError, IndexWriteError, IngestError
from index import catalog as cat
from index.cache import CACHE_FILE, EmbeddingCache, cache_key
from index.dense import (
    add_vectors,
    is_approximate,
    new_approximate_index,
    new_exact_index,
    remove_rows,
)
from index.embed import Embedder
from index.korean import KoreanTokenizer
from index.sparse import build_sparse
from index.store import load_generation, prune_generations, write_generation
from ingest import dedup
from ingest.chunk import chunk_articles
from ingest.load import make_articles
from schema import Article, Chunk, ParsedArticle

# (chunks just embedded, chunks in this batch); called with 0 first, when the batch starts.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class SourceBatch:
    """One file's parsed articles, with the file's sha256 for change detection."""

    path: str
    sha256: str
    articles: Sequence[ParsedArticle]


@dataclass(slots=True)
class BatchReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    duplicates: int = 0
    teasers: int = 0
    chunks: int = 0
    embedded: int = 0
    problems: list[IngestError] = field(default_factory=list)

    def merge(self, other: BatchReport) -> None:
        for name in ("added", "updated", "unchanged", "deleted", "duplicates", "teasers",
                     "chunks", "embedded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)


def content_hash(a: Article) -> str:
    data = {k: v for k, v in asdict(a).items() if k != "duplicate_of"}
    return hashlib.sha1(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def write_failure(e: BaseException, index_dir: Path) -> IndexWriteError | None:
    """A user-facing error for a failed write the user can act on (disk full, I/O error)."""
    full = (isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(e, sqlite3.OperationalError) and "full" in str(e))
    if full:
        what = "디스크 공간이 부족해"
    elif isinstance(e, OSError) or (isinstance(e, sqlite3.OperationalError) and "I/O" in str(e)):
        what = f"입출력 오류({e})로"
    else:
        return None
    return IndexWriteError(f"{what} 인덱스({index_dir})에 쓰지 못했습니다. 이번 묶음은 반영되지 않았고 "
                           "이전 인덱스는 그대로입니다. 공간을 확보하거나 디스크를 확인한 뒤 같은 명령을 "
                           "다시 실행하세요.")


class IndexWriter:
    """Owns the catalog connection and the in-memory dense index while the write lock is held."""

    def __init__(self, index_dir: Path, *, kiwi: Kiwi, tokenizer: KoreanTokenizer,
                 embedder: Embedder, chunk_max_chars: int, exact_search_max: int) -> None:
        self.index_dir, self.kiwi, self.tokenizer, self.embedder = index_dir, kiwi, tokenizer, embedder
        self.chunk_max_chars, self.exact_search_max = chunk_max_chars, exact_search_max
        self.conn = cat.connect(index_dir)
        self.cache = EmbeddingCache(index_dir / CACHE_FILE)
        self.generation = int(cat.get_meta(self.conn, "generation", "0"))
        self.damaged: IndexCorruptError | None = None
        self.dense = self._load_dense()

    def _load_dense(self):
        """The current generation's FAISS index; None (and self.damaged) if its files are damaged."""
        if self.generation == 0:
            return new_exact_index(self.embedder.dim)
        try:
            return load_generation(self.index_dir, self.generation).dense
        except IndexCorruptError as e:
            self.damaged = e  # rebuild()/repair() can still run: they rebuild from the catalog
            return None

    def close(self) -> None:
        self.conn.close()
        self.cache.close()

    def is_unchanged(self, path: str, sha256: str) -> int | None:
        """Number of articles of an already ingested, unchanged file; None if it must be read."""
        if cat.source_hash(self.conn, path) != sha256:
            return None
        return len(cat.article_ids_of_source(self.conn, path))

    def commit(self, batch: Sequence[SourceBatch], on_embedded: Progress | None = None) -> BatchReport:
        """Apply a batch of files atomically: all of it is published, or none of it."""
        if self.dense is None:
            raise self.damaged
        report = BatchReport()
        try:
            with cat.transaction(self.conn, write=True):
                deleted_rows, new_articles = self._apply_sources(batch, report)
                chunks = chunk_articles(self.kiwi, new_articles, self.chunk_max_chars)
                rows = cat.insert_chunks(self.conn, chunks, self._bm25_tokens(chunks))
                vectors = self._embed(chunks, report, on_embedded)
                remove_rows(self.dense, np.asarray(deleted_rows, dtype=np.int64))
                add_vectors(self.dense, np.asarray(rows, dtype=np.int64), vectors)
                self._publish()
                report.chunks = len(chunks)
        except BaseException as e:
            self.generation = int(cat.get_meta(self.conn, "generation", "0"))
            self.dense = self._load_dense()  # drop the half-applied in-memory changes
            if failure := write_failure(e, self.index_dir):
                raise failure from e
            raise
        prune_generations(self.index_dir, keep={self.generation, self.generation - 1})
        return report

    def _apply_sources(self, batch: Sequence[SourceBatch], report: BatchReport):
        deleted_rows: list[int] = []
        new_articles: list[Article] = []
        for sb in batch:
            articles, problems = make_articles(sb.articles, sb.path)
            report.problems.extend(problems)
            stale = set(cat.article_ids_of_source(self.conn, sb.path))
            for a in articles:
                stale.discard(a.article_id)
                old = cat.content_hash_of(self.conn, a.article_id)
                h = content_hash(a)
                if old == h:
                    report.unchanged += 1
                    continue
                if old is not None:
                    deleted_rows += self._delete(a.article_id)
                report.added += old is None
                report.updated += old is not None
                new_articles.append(self._insert(a, h, report))
            for aid in sorted(stale):
                deleted_rows += self._delete(aid)
                report.deleted += 1
            cat.set_source(self.conn, sb.path, sb.sha256, len(articles))
        return deleted_rows, new_articles

    def _delete(self, article_id: str) -> list[int]:
        rows = cat.delete_article(self.conn, article_id)
        cat.regroup_after_delete(self.conn, article_id)
        return rows

    def _insert(self, a: Article, h: str, report: BatchReport) -> Article:
        sig = dedup.minhash(a.body)
        bands = dedup.band_keys(sig)
        best, best_sim = None, dedup.THRESHOLD
        for aid, dup_of, other in cat.duplicate_candidates(self.conn, bands):
            sim = dedup.similarity(sig, other)
            if sim >= best_sim:
                best, best_sim = dup_of or aid, sim
        if best is not None:
            a = Article(**{**asdict(a), "duplicate_of": best})
            report.duplicates += 1
        report.teasers += a.kind == "teaser"
        cat.insert_article(self.conn, a, h, sig, bands)
        return a

    def _bm25_tokens(self, chunks: Sequence[Chunk]) -> list[list[str]]:
        # The title is part of what a chunk is about: index its words with every chunk.
        return self.tokenizer([f"{c.title}\n{c.text}" for c in chunks])

    def _embed(self, chunks: Sequence[Chunk], report: BatchReport,
               on_embedded: Progress | None) -> np.ndarray:
        model, dim = self.embedder.name, self.embedder.dim
        keys = [cache_key(model, dim, c.title, c.text) for c in chunks]
        found = self.cache.get_many(keys, dim)
        if on_embedded:
            on_embedded(0, len(keys))
            on_embedded(sum(k in found for k in keys), len(keys))
        todo = sorted({k: i for i, k in enumerate(keys) if k not in found}.values())
        if todo:
            vecs = self.embedder.encode_documents(
                [chunks[i].title for i in todo], [chunks[i].text for i in todo],
                progress=(lambda n: on_embedded(n, len(keys))) if on_embedded else None)
            self.cache.put_many([keys[i] for i in todo], vecs)
            found.update(zip((keys[i] for i in todo), vecs, strict=True))
            report.embedded += len(todo)
        if not keys:
            return np.empty((0, dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        rows, chunks = [], []
        for row, chunk, _ in cat.iter_chunk_rows(self.conn):
            rows.append(row)
            chunks.append(chunk)
        return np.asarray(rows, dtype=np.int64), self._embed(chunks, BatchReport(), None)

    def _publish(self) -> None:
        """Rebuild BM25, switch dense to approximate past the size limit, write the generation."""
        rows, tokens = [], []
        for row, _, toks in cat.iter_chunk_rows(self.conn):
            rows.append(row)
            tokens.append(toks)
        if not is_approximate(self.dense) and self.dense.ntotal > self.exact_search_max:
            all_rows, vectors = self._all_vectors()
            self.dense = new_approximate_index(vectors)
            add_vectors(self.dense, all_rows, vectors)
        sparse = build_sparse(np.asarray(rows, dtype=np.int64), tokens)
        number = self.generation + 1
        write_generation(self.index_dir, number, self.dense, sparse, self.manifest_fields(rows))
        cat.set_meta(self.conn, "generation", str(number))
        self.generation = number

    def manifest_fields(self, rows: Sequence[int]) -> dict:
        digest = hashlib.sha256(np.asarray(rows, dtype=np.int64).tobytes()).hexdigest()
        return {"embed_model": self.embedder.name, "dim": self.embedder.dim, "normalized": True,
                "dense_type": "ivf_sq8" if is_approximate(self.dense) else "flat",
                "tokenizer": self.tokenizer.describe(), "chunk_max_chars": self.chunk_max_chars,
                "chunk_count": len(rows), "chunk_rows_sha256": digest}

    def rebuild(self, on_embedded: Progress | None = None, retokenize: bool = True) -> int:
        """Rebuild FAISS and BM25 from the catalog: every chunk re-embedded (through the cache) and,
        with retokenize, re-tokenized with the current settings."""
        with cat.transaction(self.conn, write=True):
            items = list(cat.iter_chunk_rows(self.conn))
            chunks = [c for _, c, _ in items]
            if retokenize:
                tokens = self._bm25_tokens(chunks)
                self.conn.executemany(
                    "UPDATE chunks SET tokens = ? WHERE row = ?",
                    [(" ".join(t), r) for (r, _, _), t in zip(items, tokens, strict=True)])
            vectors = self._embed(chunks, BatchReport(), on_embedded)
            self.dense = new_exact_index(self.embedder.dim)
            add_vectors(self.dense, np.asarray([r for r, _, _ in items], dtype=np.int64), vectors)
            self._publish()
        self.damaged = None
        prune_generations(self.index_dir, keep={self.generation, self.generation - 1})
        return len(items)

    def repair(self, on_embedded: Progress | None = None) -> tuple[int, int]:
        """Drop catalog rows that belong to no article, then republish FAISS and BM25 from the catalog.

        Returns (orphan rows removed, chunks indexed). Vectors come from the embedding cache, so
        this re-embeds only chunks the cache lost.
        """
        with cat.transaction(self.conn, write=True):
            removed = cat.delete_orphans(self.conn)
        return removed, self.rebuild(on_embedded, retokenize=False)
