"""Hybrid search over the current index generation, with filters, grouping and "more like this"."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import IndexCorruptError, IndexMissingError
from index import catalog as cat
from index.cache import CACHE_FILE, EmbeddingCache, cache_key
from index.dense import DenseFilter, search_dense
from index.embed import Embedder
from index.hybrid import SearchParams, by_article, cap_per_group, fuse, rank_of
from index.korean import KoreanTokenizer
from index.sparse import SparseFilter, idf, search_sparse
from index.stats import catalog_stats
from index.store import Generation, check_compatible, load_generation, verify_files
from schema import NO_FILTERS, Article, Change, Filters, Hit, SavedBriefing

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "bm25")
FILTER_CACHE_SIZE = 64  # prepared filters kept per searcher (about 1.2 MB each at a million rows)
QUERY_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class RowFilter:
    """The rows one set of filters allows in one generation, prepared once for FAISS and BM25.

    Every search has a filter (the default keeps main articles only), so the selector and the
    mask are built when a (generation, filters) pair is first seen, not on every query.
    """

    dense: DenseFilter | None  # None: every row is allowed
    sparse: SparseFilter | None


ALL_ROWS = RowFilter(None, None)


class Searcher:
    """The Retriever of the embedded backend: loaded once per process and shared by threads;
    picks up new generations on its own.

    Loading checks file sizes and the catalog header only, so a million-chunk index opens in
    seconds; with verify_in_background, a daemon thread then reads every file against its sha256
    and every catalog page, and a damage it finds is raised by the next search.
    """

    def __init__(self, index_dir: Path, embedder: Embedder | None, tokenizer: KoreanTokenizer | None,
                 params: SearchParams | None = None, verify_in_background: bool = True) -> None:
        if not (index_dir / cat.CATALOG_FILE).is_file():
            raise IndexMissingError(str(index_dir))
        self.index_dir, self.embedder, self.tokenizer = index_dir, embedder, tokenizer
        self.params = params or SearchParams()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._gen: Generation | None = None
        self._allowed_cache: dict[tuple, RowFilter] = {}  # (generation, filters) -> RowFilter
        self._filter_lock = threading.Lock()  # one thread prepares a filter, the others wait for it
        self._query_vectors: dict[str, np.ndarray] = {}
        self._query_lock = threading.Lock()
        self._cache = EmbeddingCache(index_dir / CACHE_FILE)
        self._damage: IndexCorruptError | None = None
        self._damaged_gen: int | None = None  # the generation whose files are damaged; None: the catalog
        self._verified = threading.Event()
        with cat.catalog_errors(index_dir):
            cat.verify_catalog_header(index_dir)
            if not cat.is_current(index_dir):
                cat.connect(index_dir).close()  # written by an older version: migrate it first
            with cat.transaction(self.conn):
                self._refresh()
        if verify_in_background:
            threading.Thread(target=self._verify, name="index-verify", daemon=True).start()
        else:
            self._verified.set()

    def _verify(self) -> None:
        """Full check of the generation loaded at start and of every catalog page (background)."""
        try:
            gen = self._gen
            if gen is not None:
                try:
                    verify_files(self.index_dir, gen.number, gen.manifest, full=True)
                except IndexCorruptError:
                    self._damaged_gen = gen.number
                    raise
            conn = cat.connect(self.index_dir, readonly=True)
            try:
                with cat.catalog_errors(self.index_dir):
                    cat.verify_catalog(conn, self.index_dir)
            finally:
                conn.close()
        except IndexCorruptError as e:
            logger.error("index damage found by the background check: %s", e)
            self._damage = e
        except Exception:  # noqa: BLE001 - a check that cannot run is logged, never fatal to searches
            logger.exception("the background index check failed to run")
        finally:
            self._verified.set()

    def wait_verified(self, timeout: float | None = None) -> bool:
        """Block until the background check has finished (tests and benchmarks)."""
        return self._verified.wait(timeout)

    def _check_damage(self, number: int) -> None:
        """Raise damage the background check found, unless a newer generation replaced those files."""
        if self._damage is None:
            return
        if self._damaged_gen is not None and number != self._damaged_gen:
            self._damage = self._damaged_gen = None  # repaired or republished since
            return
        raise self._damage

    @property
    def conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = cat.connect(self.index_dir, readonly=True)
        return conn

    @property
    def generation(self) -> Generation:
        if self._gen is None:
            raise IndexMissingError(str(self.index_dir))
        return self._gen

    def _refresh(self) -> Generation:
        """Load the generation the catalog snapshot names, if it is not the one in memory."""
        number = int(cat.get_meta(self.conn, "generation", "0"))
        if number == 0:
            raise IndexMissingError(str(self.index_dir))
        self._check_damage(number)
        with self._lock:
            if self._gen is None or self._gen.number != number:
                gen = load_generation(self.index_dir, number)
                check_compatible(gen.manifest, self.expected_manifest(), self.index_dir)
                self._gen, self._allowed_cache = gen, {}
            return self._gen

    def expected_manifest(self) -> dict:
        if self.embedder is None:  # opened for the catalog only (articles, statistics): no search
            return {}
        return {"embed_model": self.embedder.name, "dim": self.embedder.dim,
                "tokenizer": self.tokenizer.describe()}

    def _allowed(self, gen: Generation, filters: Filters) -> RowFilter:
        key = (gen.number, filters)
        with self._filter_lock:
            found = self._allowed_cache.get(key)
            if found is None:
                rows = cat.filter_rows(self.conn, filters)
                found = ALL_ROWS if len(rows) == gen.sparse.size else RowFilter(
                    DenseFilter(gen.dense, rows), SparseFilter.of(gen.sparse, rows))
                cache = {k: v for k, v in self._allowed_cache.items() if k[0] == gen.number}
                cache[key] = found
                while len(cache) > FILTER_CACHE_SIZE:
                    cache.pop(next(iter(cache)))
                self._allowed_cache = cache
            return found

    def search(self, query: str, k: int = 10, filters: Filters = NO_FILTERS,
               mode: str = "hybrid", collapse: bool = True,
               per_article: int | None = None) -> list[Hit]:
        """Top-k chunks for a query; at most max_per_article per article (or duplicate group)."""
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            gen = self._refresh()
            allowed = self._allowed(gen, filters)
            pool = max(self.params.min_pool, 5 * k)
            ranked, weights = self._rankings(gen, query, mode, pool, allowed)
            fused = fuse(ranked, weights, self.params.fusion, self.params.rrf_k)
            return self._shape(fused, [rows for rows, _ in ranked], mode, k, collapse, per_article)

    def _rankings(self, gen: Generation, query: str, mode: str, pool: int,
                  allowed: RowFilter) -> tuple[list[tuple[list[int], list[float]]], list[float]]:
        """(rows, scores) of the dense and/or BM25 ranking, best first, and their fusion weights."""
        rankings, weights = [], []
        if mode in ("hybrid", "dense"):
            qv = self.query_vector(query)
            rows, scores = search_dense(gen.dense, qv, pool, allowed.dense)
            rankings.append((rows.tolist(), scores.tolist()))
            weights.append(self.params.dense_weight)
        if mode in ("hybrid", "bm25"):
            tokens = self.tokenizer([query])[0]
            rows, scores = search_sparse(gen.sparse, tokens, pool, allowed.sparse)
            rankings.append((rows.tolist(), scores.tolist()))
            weights.append(self.params.bm25_weight)
        return rankings, weights

    def _shape(self, fused: Sequence[tuple[int, float]], rankings: list[list[int]], mode: str,
               k: int, collapse: bool, per_group: int | None = None) -> list[Hit]:
        groups = cat.row_groups(self.conn, [r for r, _ in fused])
        member = {r: g[0] for r, g in groups.items()}
        fused = by_article(fused, member, self.params.article_second)
        rows = [r for r, _ in fused]
        group = {r: (g[1] if collapse else g[0]) for r, g in groups.items()}
        kept = cap_per_group(rows, group, member, per_group or self.params.max_per_article, k)
        chunks = cat.get_chunks(self.conn, [r for r, _ in kept])
        copies = cat.group_sizes(self.conn, {g for _, g in kept}) if collapse else {}
        score = dict(fused)
        dense_rank = rank_of(rankings[0]) if mode in ("hybrid", "dense") else {}
        bm25_rank = rank_of(rankings[-1]) if mode in ("hybrid", "bm25") else {}
        return [Hit(chunk=chunks[r], score=score[r], row=r, dense_rank=dense_rank.get(r),
                    bm25_rank=bm25_rank.get(r), copies=copies.get(g, 0))
                for r, g in kept if r in chunks]

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, memoized: the answerer reuses the one search computed."""
        with self._query_lock:
            vec = self._query_vectors.get(query)
        if vec is None:
            vec = self.embedder.encode_queries([query])[0]
            with self._query_lock:
                self._query_vectors[query] = vec
                while len(self._query_vectors) > QUERY_CACHE_SIZE:
                    self._query_vectors.pop(next(iter(self._query_vectors)))
        return vec

    def clear_query_vectors(self) -> None:
        """Forget memoized query vectors (benchmarks time a question as if first asked)."""
        with self._query_lock:
            self._query_vectors.clear()

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            return cat.get_articles(self.conn, article_ids)

    def copies(self, article_ids: Sequence[str]) -> dict[str, list[Article]]:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            return cat.group_members(self.conn, article_ids)

    def iter_articles(self) -> Iterator[tuple[Article, int]]:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            yield from cat.iter_articles(self.conn)

    def stats(self) -> dict:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            gen = self._refresh()
            return catalog_stats(self.conn) | {"embed_model": gen.manifest.get("embed_model"),
                                               "dim": gen.manifest.get("dim"),
                                               "dense_type": gen.manifest.get("dense_type")}

    def generation_number(self) -> int:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            return self._refresh().number

    def saved_briefing(self, topic: str) -> SavedBriefing | None:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            found = cat.saved_briefings(self.conn, topic)
        return found[0] if found else None

    def saved_briefings(self) -> list[SavedBriefing]:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            return cat.saved_briefings(self.conn)

    def changes_since(self, since: str, filters: Filters = NO_FILTERS) -> list[Change]:
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            return cat.changes_since(self.conn, since, filters)

    def close(self) -> None:
        self._cache.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 idf of query tokens in the current generation (for sentence scoring)."""
        return idf(self.generation.sparse, tokens)

    def related(self, article_id: str, k: int = 10,
                filters: Filters = NO_FILTERS) -> list[Hit]:
        """The articles most similar to one article: its mean chunk vector against the index."""
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            gen = self._refresh()
            own_group = cat.canonical_of(self.conn, article_id)
            chunks = cat.chunks_of_article(self.conn, article_id)
            if own_group is None or not chunks:
                return []
            query = self._article_vector(chunks)
            allowed = self._allowed(gen, filters)
            rows, scores = search_dense(gen.dense, query, max(self.params.min_pool, 10 * k), allowed.dense)
            groups = cat.row_groups(self.conn, rows.tolist())
            fused = [(int(r), float(s)) for r, s in zip(rows, scores, strict=True)
                     if int(r) in groups and groups[int(r)][1] != own_group]
            return self._shape(fused, [[r for r, _ in fused]], "dense", k, collapse=True,
                               per_group=1)

    def _article_vector(self, chunks) -> np.ndarray:
        model, dim = self.embedder.name, self.embedder.dim
        keys = [cache_key(model, dim, c.title, c.text) for c in chunks]
        found = self._cache.get_many(keys, dim)
        missing = [c for c, key in zip(chunks, keys, strict=True) if key not in found]
        vecs = list(found.values())
        if missing:
            vecs.extend(self.embedder.encode_documents([c.title for c in missing],
                                                       [c.text for c in missing]))
        v = np.mean(np.stack(vecs), axis=0)
        return (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
