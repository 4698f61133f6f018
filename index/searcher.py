"""Hybrid search over the current index generation, with filters, grouping and "more like this"."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import IndexMissingError
from index import catalog as cat
from index.cache import CACHE_FILE, EmbeddingCache, cache_key
from index.dense import DenseFilter, search_dense
from index.embed import Embedder
from index.hybrid import cap_per_group, rank_of, rrf
from index.korean import KoreanTokenizer
from index.sparse import SparseFilter, idf, search_sparse
from index.store import Generation, check_compatible, load_generation
from schema import Hit

MODES = ("hybrid", "dense", "bm25")
NO_FILTERS = cat.Filters()
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


@dataclass(frozen=True, slots=True)
class SearchParams:
    rrf_k: int = 10
    dense_weight: float = 1.0
    bm25_weight: float = 1.5
    max_per_article: int = 2
    min_pool: int = 50


class Searcher:
    """Loaded once per process and shared by threads; picks up new generations on its own."""

    def __init__(self, index_dir: Path, embedder: Embedder, tokenizer: KoreanTokenizer,
                 params: SearchParams = SearchParams()) -> None:
        if not (index_dir / cat.CATALOG_FILE).is_file():
            raise IndexMissingError(str(index_dir))
        self.index_dir, self.embedder, self.tokenizer, self.params = index_dir, embedder, tokenizer, params
        self._local = threading.local()
        self._lock = threading.Lock()
        self._gen: Generation | None = None
        self._allowed_cache: dict[tuple, RowFilter] = {}  # (generation, filters) -> RowFilter
        self._filter_lock = threading.Lock()  # one thread prepares a filter, the others wait for it
        self._query_vectors: dict[str, np.ndarray] = {}
        self._query_lock = threading.Lock()
        self._cache = EmbeddingCache(index_dir / CACHE_FILE)
        with cat.catalog_errors(index_dir):
            cat.verify_catalog(self.conn, index_dir)
            with cat.transaction(self.conn):
                self._refresh()

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
        with self._lock:
            if self._gen is None or self._gen.number != number:
                gen = load_generation(self.index_dir, number)
                check_compatible(gen.manifest, self.expected_manifest(), self.index_dir)
                self._gen, self._allowed_cache = gen, {}
            return self._gen

    def expected_manifest(self) -> dict:
        return {"embed_model": self.embedder.name, "dim": self.embedder.dim,
                "tokenizer": self.tokenizer.describe()}

    def _allowed(self, gen: Generation, filters: cat.Filters) -> RowFilter:
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

    def search(self, query: str, k: int = 10, filters: cat.Filters = NO_FILTERS,
               mode: str = "hybrid", collapse: bool = True,
               per_article: int | None = None) -> list[Hit]:
        """Top-k chunks for a query; at most max_per_article per article (or duplicate group)."""
        with cat.catalog_errors(self.index_dir), cat.transaction(self.conn):
            gen = self._refresh()
            allowed = self._allowed(gen, filters)
            pool = max(self.params.min_pool, 5 * k)
            rankings, weights = self._rankings(gen, query, mode, pool, allowed)
            fused = rrf(rankings, weights, k=self.params.rrf_k)
            return self._shape(fused, rankings, mode, k, collapse, per_article)

    def _rankings(self, gen: Generation, query: str, mode: str, pool: int,
                  allowed: RowFilter) -> tuple[list[list[int]], list[float]]:
        rankings, weights = [], []
        if mode in ("hybrid", "dense"):
            qv = self.query_vector(query)
            rankings.append(search_dense(gen.dense, qv, pool, allowed.dense)[0].tolist())
            weights.append(self.params.dense_weight)
        if mode in ("hybrid", "bm25"):
            tokens = self.tokenizer([query])[0]
            rankings.append(search_sparse(gen.sparse, tokens, pool, allowed.sparse)[0].tolist())
            weights.append(self.params.bm25_weight)
        return rankings, weights

    def _shape(self, fused: Sequence[tuple[int, float]], rankings: list[list[int]], mode: str,
               k: int, collapse: bool, per_group: int | None = None) -> list[Hit]:
        rows = [r for r, _ in fused]
        groups = cat.row_groups(self.conn, rows)
        member = {r: g[0] for r, g in groups.items()}
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

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 idf of query tokens in the current generation (for sentence scoring)."""
        return idf(self.generation.sparse, tokens)

    def related(self, article_id: str, k: int = 10,
                filters: cat.Filters = NO_FILTERS) -> list[Hit]:
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
        with self._lock:  # one SQLite connection, shared by the app's session threads
            found = self._cache.get_many(keys, dim)
        missing = [c for c, key in zip(chunks, keys, strict=True) if key not in found]
        vecs = list(found.values())
        if missing:
            vecs.extend(self.embedder.encode_documents([c.title for c in missing],
                                                       [c.text for c in missing]))
        v = np.mean(np.stack(vecs), axis=0)
        return (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
