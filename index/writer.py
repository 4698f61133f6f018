"""The embedded backend's writer: publishes batches to the SQLite catalog and a new FAISS + BM25 generation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from contracts import ChunkEmbedder, Progress
from errors import IndexMissingError, IngestError
from index import catalog as cat
from index import dedup
from index.check import check_index
from index.dense import (
    add_vectors,
    is_approximate,
    new_approximate_index,
    new_exact_index,
    remove_rows,
)
from index.korean import KoreanTokenizer
from index.sparse import build_sparse
from index.store import WriteLock, load_generation, prune_generations, write_failure, write_generation
from schema import (
    ARTICLE_FIELDS_V2,
    ARTICLE_INDEX_FIELDS,
    Article,
    BatchReport,
    CheckReport,
    Chunk,
    IndexBatch,
    SavedBriefing,
    SourceBatch,
)


def content_hash(a: Article) -> str:
    """What the source says about an article; the index's own fields and unset later fields left out."""
    data = {k: v for k, v in asdict(a).items() if k not in ARTICLE_INDEX_FIELDS
            and not (k in ARTICLE_FIELDS_V2 and v == ARTICLE_FIELDS_V2[k])}
    return hashlib.sha1(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class EmbeddedWriter:
    """The IndexWriter of the embedded backend (FAISS + bm25s + SQLite in one folder).

    Each write takes the folder's lock, catches up with whatever another writer published since,
    and publishes one new generation; embedding happens before, outside the lock (see
    ingest/pipeline.py), so a long embedding never keeps other writers out.
    """

    def __init__(self, index_dir: Path, *, tokenizer: KoreanTokenizer, embedder: ChunkEmbedder,
                 chunk_max_chars: int, exact_search_max: int, lock_wait_s: float = 0.0,
                 create: bool = True) -> None:
        if not create and not (index_dir / cat.CATALOG_FILE).is_file():
            raise IndexMissingError(str(index_dir))
        self.index_dir, self.tokenizer, self.embedder = index_dir, tokenizer, embedder
        self.chunk_max_chars, self.exact_search_max = chunk_max_chars, exact_search_max
        self.lock_wait_s = lock_wait_s
        self.conn = cat.connect(index_dir)
        self.generation = -1  # the generation self.dense mirrors; -1: not loaded yet
        self.dense: faiss.Index | None = None

    def close(self) -> None:
        self.conn.close()

    # --- read-only questions (no lock) ----------------------------------------------------------

    def source_sha256(self, name: str) -> str | None:
        return cat.source_hash(self.conn, name)

    def source_article_count(self, name: str) -> int:
        return len(cat.article_ids_of_source(self.conn, name))

    def unchanged_articles(self, articles: Sequence[Article]) -> set[str]:
        stored = cat.content_hashes(self.conn, [a.article_id for a in articles])
        return {a.article_id for a in articles if stored.get(a.article_id) == content_hash(a)}

    def save_briefing(self, briefing: SavedBriefing) -> None:
        with WriteLock(self.index_dir, wait_s=self.lock_wait_s), cat.transaction(self.conn, write=True):
            cat.save_briefing(self.conn, briefing)

    def check(self, full: bool = True) -> CheckReport:
        return check_index(self.index_dir, full=full)

    # --- writes ----------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The lock, state caught up with the catalog, and a failed write turned into a message."""
        with WriteLock(self.index_dir, wait_s=self.lock_wait_s):
            self._sync()
            try:
                yield
            except BaseException as e:
                self.generation = -1  # drop the half-applied in-memory changes
                if failure := write_failure(e, self.index_dir):
                    raise failure from e
                raise
            prune_generations(self.index_dir, keep={self.generation, self.generation - 1})

    def _sync(self) -> None:
        """Load the dense index of the generation the catalog names, unless it is the one in memory."""
        number = int(cat.get_meta(self.conn, "generation", "0"))
        if number == self.generation and self.dense is not None:
            return
        self.dense = None
        self.dense = (new_exact_index(self.embedder.dim) if number == 0
                      else load_generation(self.index_dir, number, verify=False).dense)
        self.generation = number

    def publish(self, batch: IndexBatch) -> BatchReport:
        """Apply a batch atomically: all of it is published, or none of it."""
        tokens = self._bm25_tokens(batch.chunks)  # Kiwi before the lock: other writers need not wait
        report = BatchReport()
        with self._writing(), cat.transaction(self.conn, write=True):
            deleted_rows, fresh = self._apply_sources(batch, report)
            keep = [i for i, c in enumerate(batch.chunks) if c.article_id in fresh]
            chunks = [batch.chunks[i] for i in keep]
            rows = cat.insert_chunks(self.conn, chunks, [tokens[i] for i in keep])
            remove_rows(self.dense, np.asarray(deleted_rows, dtype=np.int64))
            add_vectors(self.dense, np.asarray(rows, dtype=np.int64), batch.vectors[keep])
            if report.added or report.updated or report.deleted:
                self._publish()
            report.chunks = len(chunks)
        return report

    def _apply_sources(self, batch: IndexBatch, report: BatchReport) -> tuple[list[int], set[str]]:
        """Catalog changes for whole sources; returns (rows deleted, ids of new or changed articles)."""
        chunked = {c.article_id for c in batch.chunks}
        deleted_rows: list[int] = []
        fresh: set[str] = set()
        for sb in batch.sources:
            stale = set(cat.article_ids_of_source(self.conn, sb.name))
            for a in sb.articles:
                stale.discard(a.article_id)
                old, h = cat.content_hash_of(self.conn, a.article_id), content_hash(a)
                if old == h:
                    report.unchanged += 1
                    continue
                if a.article_id not in chunked and a.body:
                    report.problems.append(_changed_meanwhile(sb, a))
                    continue
                now = utc_now()
                first_seen = now
                if old is not None:
                    first_seen = cat.first_seen_of(self.conn, a.article_id) or now
                    deleted_rows += self._delete(a.article_id)
                report.added += old is None
                report.updated += old is not None
                self._insert(replace(a, first_seen=first_seen, last_changed=now), h, report)
                fresh.add(a.article_id)
            for aid in sorted(stale):
                deleted_rows += self._delete(aid)
                report.deleted += 1
            cat.set_source(self.conn, sb.name, sb.sha256, len(sb.articles))
        return deleted_rows, fresh

    def delete_articles(self, article_ids: Sequence[str]) -> int:
        with self._writing(), cat.transaction(self.conn, write=True):
            present = set(cat.get_articles(self.conn, article_ids))
            rows = [r for aid in article_ids if aid in present for r in self._delete(aid)]
            remove_rows(self.dense, np.asarray(rows, dtype=np.int64))
            if present:
                self._publish()
        return len(present)

    def delete_sources(self, names: Sequence[str]) -> int:
        with self._writing(), cat.transaction(self.conn, write=True):
            ids = [aid for name in names for aid in cat.article_ids_of_source(self.conn, name)]
            rows = [r for aid in ids for r in self._delete(aid)]
            removed = cat.delete_sources(self.conn, names)
            remove_rows(self.dense, np.asarray(rows, dtype=np.int64))
            if ids or removed:
                self._publish()
        return len(ids)

    def _delete(self, article_id: str) -> list[int]:
        rows = cat.delete_article(self.conn, article_id)
        cat.regroup_after_delete(self.conn, article_id)
        return rows

    def _insert(self, a: Article, h: str, report: BatchReport) -> None:
        sig = dedup.minhash(a.body)
        bands = dedup.band_keys(sig)
        best, best_sim = None, dedup.THRESHOLD
        for aid, dup_of, other in cat.duplicate_candidates(self.conn, bands):
            sim = dedup.similarity(sig, other)
            if sim >= best_sim and aid != a.article_id:
                best, best_sim = dup_of or aid, sim
        if best is not None:
            a = replace(a, duplicate_of=best)
            report.duplicates += 1
        report.teasers += a.kind == "teaser"
        cat.insert_article(self.conn, a, h, sig, bands)

    def _bm25_tokens(self, chunks: Sequence[Chunk]) -> list[list[str]]:
        # The title is part of what a chunk is about: index its words with every chunk.
        return self.tokenizer([f"{c.title}\n{c.text}" for c in chunks])

    def _all_vectors(self, progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
        items = list(cat.iter_chunk_rows(self.conn))
        rows = np.asarray([r for r, _, _ in items], dtype=np.int64)
        return rows, self.embedder.embed_chunks([c for _, c, _ in items], progress)

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

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild FAISS and BM25 from the catalog with the current settings: every chunk
        re-tokenized and re-embedded (through the embedding cache)."""
        with self._rebuilding():
            return self._rebuild_locked(progress, retokenize=True)

    def repair(self, progress: Progress | None = None) -> tuple[int, int]:
        """Drop catalog rows that belong to no article, then republish FAISS and BM25 from the catalog.

        Vectors come from the embedding cache, so this re-embeds only chunks the cache lost.
        """
        with self._rebuilding():
            removed = cat.delete_orphans(self.conn)
            return removed, self._rebuild_locked(progress, retokenize=False)

    @contextmanager
    def _rebuilding(self) -> Iterator[None]:
        """Like _writing, without loading the current dense index: it may be the damaged part."""
        with WriteLock(self.index_dir, wait_s=self.lock_wait_s):
            try:
                with cat.transaction(self.conn, write=True):
                    yield
            except BaseException as e:
                self.generation = -1
                if failure := write_failure(e, self.index_dir):
                    raise failure from e
                raise
            prune_generations(self.index_dir, keep={self.generation, self.generation - 1})

    def _rebuild_locked(self, progress: Progress | None, retokenize: bool) -> int:
        self.generation = int(cat.get_meta(self.conn, "generation", "0"))
        items = list(cat.iter_chunk_rows(self.conn))
        if retokenize:
            tokens = self._bm25_tokens([c for _, c, _ in items])
            self.conn.executemany("UPDATE chunks SET tokens = ? WHERE row = ?",
                                  [(" ".join(t), r) for (r, _, _), t in zip(items, tokens, strict=True)])
        rows, vectors = self._all_vectors(progress)
        self.dense = new_exact_index(self.embedder.dim)
        add_vectors(self.dense, rows, vectors)
        self._publish()
        return len(items)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _changed_meanwhile(sb: SourceBatch, a: Article) -> IngestError:
    return IngestError(sb.name, f"기사 '{a.title[:40]}'({a.article_id})가 읽는 동안 다른 작업으로 바뀌어 "
                                "이번에는 반영하지 않았습니다. 같은 명령을 다시 실행하세요.")
