"""Hybrid search over the PostgreSQL backend: HNSW (pgvector) and BM25 in SQL, fused as the embedded one.

Both rankings, the fusion (index/hybrid.py's `fuse` and `by_article` under the same SearchParams),
the pool size and the grouping of near-duplicates are the embedded Searcher's; only where the rows
come from differs. BM25 is bm25s's (Lucene variant, k1 1.5, b 0.75) computed in SQL: candidates
from the GIN index on the tokens' tsvector, idf from the `terms` table, N and the average length
from `meta`, term frequencies from the stored token array. Each term's share is rounded to float32
as bm25s stores it, so equal documents tie exactly and ties go to the lower row, as in bm25s.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import psycopg
from psycopg import IsolationLevel
from psycopg import errors as pg_errors

from index import pg_schema as pg
from index.embed import Embedder
from index.hybrid import SearchParams, by_article, cap_per_group, fuse, rank_of
from index.korean import KoreanTokenizer
from index.searcher import QUERY_CACHE_SIZE
from schema import NO_FILTERS, Article, Change, Chunk, Filters, Hit, SavedBriefing, record_from_dict

K1, B = 1.5, 0.75  # bm25s's defaults, as the embedded backend's BM25 uses them
ALL_KINDS = Filters(kinds=())
DENSE_TYPE = "hnsw_halfvec"
IDLE_CONNECTIONS = 8  # kept open between calls; more threads at once open more, closed after use

# bm25s's Lucene BM25: each term's share idf·tf/(tf + k1·(1 − b + b·len/avglen)) kept in float32.
_BM25_SQL = """
SELECT c.row_id, sum(q.qtf * (q.idf::real * f.tf / (f.tf + {k1}::float8 * (1 - {b}::float8
                 + {b}::float8 * c.n_tokens / %s::float8)))::real::float8) AS score
FROM chunks c JOIN articles a ON a.article_id = c.article_id
  CROSS JOIN unnest(%s::text[], %s::int[], %s::float8[]) q(term, qtf, idf)
  CROSS JOIN LATERAL (SELECT cardinality(array_positions(c.tokens, q.term))::float8 AS tf) f
WHERE c.tsv @@ %s::tsquery AND f.tf > 0 AND {where}
GROUP BY c.row_id ORDER BY score DESC, c.row_id LIMIT %s"""


def article_conditions(f: Filters) -> tuple[str, list]:
    """SQL conditions on `articles a` for the filters (index/catalog.py's, in PostgreSQL), and their args."""
    where, args = ["TRUE"], []
    if f.date_from:
        where.append("a.published_at >= %s")
        args.append(f.date_from)
    if f.date_to:
        where.append("a.published_at < %s")
        args.append(f.date_to + "\uffff")  # the whole last day (the column compares byte-wise)
    for col, values in (("a.outlet", f.outlets), ("a.kind", f.kinds), ("a.article_id", f.article_ids)):
        if values:
            where.append(f"{col} = ANY(%s)")
            args.append(list(values))
    for tag, values in (("region", f.regions), ("org", f.organizations)):
        if values:
            where.append("a.article_id IN (SELECT article_id FROM tags WHERE tag = %s AND value = ANY(%s))")
            args.extend([tag, list(values)])
    return " AND ".join(where), args


def tsquery(terms: Sequence[str]) -> str:
    """A tsquery matching any of the terms, each taken verbatim (quoted, not parsed again)."""
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def _rows_and_scores(ranking: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    """A (row, score) ranking as the (rows, scores) pair index/hybrid.py's fuse takes."""
    return [r for r, _ in ranking], [sc for _, sc in ranking]


def require_pg_index(dsn: str | None) -> None:
    """Raise PgIndexMissingError at once when the database holds no published index."""
    dsn = pg.require_dsn(dsn)
    conn = pg.connect(dsn)
    try:
        with pg.server_errors(dsn):
            if not pg.schema_exists(conn) or int(pg.get_meta(conn, "generation", "0")) == 0:
                raise pg.PgIndexMissingError(pg.describe_dsn(dsn))
    finally:
        conn.close()


class PgRetriever:
    """The Retriever of the PostgreSQL backend, shared by threads: each call borrows a connection from
    a small pool of idle ones (threads come and go with app sessions) and reads one snapshot, so it
    sees whole batches only and picks up what any writer commits."""

    def __init__(self, dsn: str | None, embedder: Embedder | None, tokenizer: KoreanTokenizer | None,
                 params: SearchParams | None = None) -> None:
        self.dsn = pg.require_dsn(dsn)
        self.embedder, self.tokenizer, self.params = embedder, tokenizer, params or SearchParams()
        self._idle: list[psycopg.Connection] = []
        self._closed = False
        self._lock = threading.Lock()
        self._query_vectors: dict[str, np.ndarray] = {}
        self._checked_generation = 0
        with self._snapshot() as conn:
            self._check_generation(conn)

    # --- connections and snapshots ---------------------------------------------------------------

    @contextmanager
    def _borrow(self) -> Iterator[psycopg.Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = pg.connect(self.dsn)
            conn.isolation_level, conn.read_only = IsolationLevel.REPEATABLE_READ, True
        try:
            yield conn
        finally:
            with self._lock:
                keep = (not self._closed and not conn.closed and not conn.broken
                        and len(self._idle) < IDLE_CONNECTIONS)
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    @contextmanager
    def _snapshot(self) -> Iterator[psycopg.Connection]:
        """One read-only repeatable-read transaction on a borrowed connection."""
        with pg.server_errors(self.dsn), self._borrow() as conn:
            try:
                with conn.transaction():
                    yield conn
            except pg_errors.UndefinedTable as e:
                raise pg.PgIndexMissingError(pg.describe_dsn(self.dsn)) from e

    def _check_generation(self, conn: psycopg.Connection) -> int:
        """The generation this snapshot sees; the model and tokenizer are checked when it changes."""
        number = int(pg.get_meta(conn, "generation", "0"))
        if number == 0:
            raise pg.PgIndexMissingError(pg.describe_dsn(self.dsn))
        if number != self._checked_generation:
            pg.check_compatible(pg.index_fields(conn), self.expected_fields())
            self._checked_generation = number
        return number

    def expected_fields(self) -> dict:
        if self.embedder is None:  # opened for articles and statistics only: no search
            return {}
        return {"embed_model": self.embedder.name, "dim": self.embedder.dim,
                "tokenizer": json.loads(json.dumps(self.tokenizer.describe()))}

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for conn in idle:
            conn.close()

    # --- search ----------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10, filters: Filters = NO_FILTERS, mode: str = "hybrid",
               collapse: bool = True, per_article: int | None = None) -> list[Hit]:
        """Top-k chunks for a query; at most max_per_article per article (or duplicate group)."""
        pool = max(self.params.min_pool, 5 * k)
        qv = self.query_vector(query) if mode in ("hybrid", "dense") else None
        tokens = self.tokenizer([query])[0] if mode in ("hybrid", "bm25") else []
        with self._snapshot() as conn:
            self._check_generation(conn)
            ranked, weights = [], []
            if qv is not None:
                ranked.append(_rows_and_scores(self._dense(conn, qv, pool, filters)))
                weights.append(self.params.dense_weight)
            if mode in ("hybrid", "bm25"):
                ranked.append(_rows_and_scores(self._bm25(conn, tokens, pool, filters)))
                weights.append(self.params.bm25_weight)
            fused = fuse(ranked, weights, self.params.fusion, self.params.rrf_k)
            return self._shape(conn, fused, [rows for rows, _ in ranked], mode, k, collapse, per_article)

    def _dense(self, conn: psycopg.Connection, qv: np.ndarray, pool: int,
               filters: Filters) -> list[tuple[int, float]]:
        """Nearest chunks by inner product: (row, similarity), best first."""
        from pgvector import HalfVector

        where, args = article_conditions(filters)
        if pool > pg.EF_SEARCH:
            conn.execute(f"SET LOCAL hnsw.ef_search = {min(1000, int(pool))}")
        rows = conn.execute(
            "SELECT c.row_id, c.embedding <#> %s AS d FROM chunks c JOIN articles a ON a.article_id = c.article_id "
            f"WHERE {where} ORDER BY d LIMIT %s", [HalfVector(qv), *args, pool]).fetchall()
        # relaxed_order iterative scans may return rows slightly out of order: sort them again.
        return [(r, -d) for d, r in sorted((d, r) for r, d in rows)]

    def _bm25(self, conn: psycopg.Connection, tokens: Sequence[str], pool: int,
              filters: Filters) -> list[tuple[int, float]]:
        """bm25s's top `pool` (row, score) over the chunks the filters allow, best first.

        Exact, with max-score pruning: candidates come from the rarest query terms only, as long as
        the pool-th score found beats the most a chunk could score on the other terms alone (a term
        adds less than its idf per query occurrence). Common terms still count in every candidate's
        score; they only stop bringing in candidates that cannot reach the pool.
        """
        qtf = Counter(tokens)  # a repeated query token counts again, as in bm25s
        n, total, df = self._term_stats(conn, sorted(qtf))
        if not df:  # no query token is in the index (or the query has none): nothing matches
            return []
        idf = {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        order = sorted(idf, key=lambda t: (-idf[t], t))  # rarest first
        most = [qtf[t] * float(np.float32(idf[t])) for t in order]  # each term's largest share
        where, args = article_conditions(filters)
        sql = _BM25_SQL.format(k1=K1, b=B, where=where)
        terms = [order, [qtf[t] for t in order], [idf[t] for t in order]]
        # Rarer terms than these cannot bring in `pool` candidates: start with enough of them.
        k, rows = next((i for i in range(1, len(order)) if sum(df[t] for t in order[:i]) >= pool), len(order)), []
        while k <= len(order):
            rows = conn.execute(sql, [total / n, *terms, tsquery(order[:k]), *args, pool]).fetchall()
            if len(rows) < pool:
                k += 1
                continue
            if rows[-1][1] > sum(most[k:]):
                break
            while k < len(order) and rows[-1][1] <= sum(most[k:]):
                k += 1
        return rows

    @staticmethod
    def _term_stats(conn: psycopg.Connection, terms: list[str]) -> tuple[int, int, dict[str, int]]:
        """BM25's N, total length and the document frequency of each known term, from one snapshot."""
        found = conn.execute("SELECT term, df, (SELECT value FROM meta WHERE key = 'n_chunks'), (SELECT value "
                             "FROM meta WHERE key = 'total_tokens') FROM terms WHERE term = ANY(%s)",
                             (terms,)).fetchall()
        if not found:
            return 0, 0, {}
        return int(found[0][2]), int(found[0][3]), {t: d for t, d, _, _ in found}

    def _shape(self, conn: psycopg.Connection, fused: Sequence[tuple[int, float]], rankings: list[list[int]],
               mode: str, k: int, collapse: bool, per_group: int | None = None,
               exclude_group: str | None = None) -> list[Hit]:
        found = conn.execute(pg.CHUNK_SELECT.replace(" FROM", ", coalesce(a.duplicate_of, a.article_id) FROM", 1)
                             + " WHERE c.row_id = ANY(%s)", ([r for r, _ in fused],)).fetchall()
        chunks = dict(pg.chunk_from_row(r) for r in found)
        canonical = {r[0]: r[12] for r in found if r[12] != exclude_group}
        member = {r: chunks[r].article_id for r in canonical}
        fused = by_article(fused, member, self.params.article_second)
        rows = [r for r, _ in fused]
        group = canonical if collapse else member
        kept = cap_per_group(rows, group, member, per_group or self.params.max_per_article, k)
        copies = self._group_sizes(conn, {g for _, g in kept}) if collapse else {}
        score = dict(fused)
        dense_rank = rank_of(rankings[0]) if mode in ("hybrid", "dense") else {}
        bm25_rank = rank_of(rankings[-1]) if mode in ("hybrid", "bm25") else {}
        return [Hit(chunk=chunks[r], score=score[r], row=r, dense_rank=dense_rank.get(r),
                    bm25_rank=bm25_rank.get(r), copies=copies.get(g, 0)) for r, g in kept]

    @staticmethod
    def _group_sizes(conn: psycopg.Connection, canonical_ids: set[str]) -> dict[str, int]:
        return dict(conn.execute("SELECT duplicate_of, count(*) FROM articles WHERE duplicate_of = ANY(%s) "
                                 "GROUP BY duplicate_of", (sorted(canonical_ids),)).fetchall())

    def dense_ranking(self, qv: np.ndarray, pool: int, filters: Filters = ALL_KINDS) -> list[tuple[int, float]]:
        """The dense ranking alone, (row, inner product) best first (benchmarks and tests compare it)."""
        with self._snapshot() as conn:
            return self._dense(conn, qv, pool, filters)

    def bm25_ranking(self, tokens: Sequence[str], pool: int,
                     filters: Filters = ALL_KINDS) -> list[tuple[int, float]]:
        """The BM25 ranking alone, (row, score) best first (benchmarks and tests compare it)."""
        with self._snapshot() as conn:
            return self._bm25(conn, tokens, pool, filters)

    def chunks(self, rows: Sequence[int]) -> dict[int, Chunk]:
        with self._snapshot() as conn:
            return dict(pg.chunk_from_row(r) for r in conn.execute(pg.CHUNK_SELECT + " WHERE c.row_id = ANY(%s)",
                                                                   (list(rows),)))

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, memoized: the answerer reuses the one search computed."""
        with self._lock:
            vec = self._query_vectors.get(query)
        if vec is None:
            vec = self.embedder.encode_queries([query])[0]
            with self._lock:
                self._query_vectors[query] = vec
                while len(self._query_vectors) > QUERY_CACHE_SIZE:
                    self._query_vectors.pop(next(iter(self._query_vectors)))
        return vec

    def clear_query_vectors(self) -> None:
        with self._lock:
            self._query_vectors.clear()

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 idf of query tokens (unknown tokens get the rarest weight), as the embedded backend's."""
        with self._snapshot() as conn:
            n = int(pg.get_meta(conn, "n_chunks", "0"))
            df = dict(conn.execute("SELECT term, df FROM terms WHERE term = ANY(%s)", (list(tokens),)).fetchall())
        if not n:
            return [0.0] * len(tokens)
        return [float(np.log(1.0 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5))) for t in tokens]

    def related(self, article_id: str, k: int = 10, filters: Filters = NO_FILTERS) -> list[Hit]:
        """The articles most similar to one article: its mean chunk vector against the index."""
        with self._snapshot() as conn:
            self._check_generation(conn)
            own = conn.execute("SELECT coalesce(duplicate_of, article_id) FROM articles WHERE article_id = %s",
                               (article_id,)).fetchone()
            vecs = [r[0].to_numpy().astype(np.float32) for r in conn.execute(
                "SELECT embedding FROM chunks WHERE article_id = %s ORDER BY seq", (article_id,))]
            if own is None or not vecs:
                return []
            v = np.mean(np.stack(vecs), axis=0)
            query = (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
            fused = self._dense(conn, query, max(self.params.min_pool, 10 * k), filters)
            return self._shape(conn, fused, [[r for r, _ in fused]], "dense", k, collapse=True, per_group=1,
                               exclude_group=own[0])

    # --- articles, statistics, briefings ---------------------------------------------------------

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        with self._snapshot() as conn:
            rows = conn.execute(f"SELECT {pg.ARTICLE_COLS} FROM articles WHERE article_id = ANY(%s)",
                                (list(article_ids),)).fetchall()
        return {r[0]: pg.article_from_row(r) for r in rows}

    def copies(self, article_ids: Sequence[str]) -> dict[str, list[Article]]:
        """For each article, the other members of its near-duplicate group in ingest order."""
        ids = list(dict.fromkeys(article_ids))
        with self._snapshot() as conn:
            canon = dict(conn.execute("SELECT article_id, coalesce(duplicate_of, article_id) FROM articles "
                                      "WHERE article_id = ANY(%s)", (ids,)).fetchall())
            groups = sorted(set(canon.values()))
            rows = conn.execute(f"SELECT {pg.ARTICLE_COLS} FROM articles WHERE article_id = ANY(%s) "
                                "OR duplicate_of = ANY(%s) ORDER BY ord", (groups, groups)).fetchall()
        members: dict[str, list[Article]] = {}
        for r in rows:
            a = pg.article_from_row(r)
            members.setdefault(a.duplicate_of or a.article_id, []).append(a)
        return {aid: [m for m in members.get(canon[aid], []) if m.article_id != aid] for aid in ids if aid in canon}

    def iter_articles(self, page: int = 1000) -> Iterator[tuple[Article, int]]:
        """Every article in ingest order with its chunk count, a page (one snapshot) at a time."""
        last = -1
        while True:
            with self._snapshot() as conn:
                rows = conn.execute(
                    f"SELECT {pg.ARTICLE_COLS}, (SELECT count(*) FROM chunks c WHERE c.article_id = a.article_id), "
                    "a.ord FROM articles a WHERE a.ord > %s ORDER BY a.ord LIMIT %s", (last, page)).fetchall()
            for r in rows:
                yield pg.article_from_row(r), r[pg.N_ARTICLE_COLS]
            if len(rows) < page:
                return
            last = rows[-1][-1]

    def stats(self) -> dict:
        """The embedded backend's statistics (index/stats.py) from one snapshot, plus the model."""
        with self._snapshot() as conn:
            q = conn.execute
            dated = q("SELECT min(published_at), max(published_at) FROM articles WHERE published_at <> ''").fetchone()
            by_count = ("SELECT {col}, count(*) n FROM {table} WHERE {cond} GROUP BY 1 "
                        'ORDER BY n DESC, {col} COLLATE "C"')
            fields = pg.index_fields(conn)
            return {
                "generation": int(pg.get_meta(conn, "generation", "0")),
                "articles": q("SELECT count(*) FROM articles").fetchone()[0],
                "main_articles": q("SELECT count(*) FROM articles WHERE kind = 'main'").fetchone()[0],
                "duplicates": q("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0],
                "chunks": q("SELECT count(*) FROM chunks").fetchone()[0],
                "sources": q("SELECT count(*) FROM sources").fetchone()[0],
                "date_from": (dated[0] or "")[:10], "date_to": (dated[1] or "")[:10],
                "outlets": [r[0] for r in q(by_count.format(col="outlet", table="articles", cond="outlet <> ''"))],
                "regions": [r[0] for r in q(by_count.format(col="value", table="tags", cond="tag = 'region'"))],
                "organizations": [r[0] for r in q(by_count.format(col="value", table="tags", cond="tag = 'org'")
                                                  + " LIMIT 200")],
                "embed_model": fields.get("embed_model"), "dim": fields.get("dim"), "dense_type": DENSE_TYPE,
            }

    def generation_number(self) -> int:
        with self._snapshot() as conn:
            return self._check_generation(conn)

    def saved_briefing(self, topic: str) -> SavedBriefing | None:
        found = self._briefings("WHERE topic = %s", (topic,))
        return found[0] if found else None

    def saved_briefings(self) -> list[SavedBriefing]:
        return self._briefings("ORDER BY saved_at DESC", ())

    def _briefings(self, tail: str, args: tuple) -> list[SavedBriefing]:
        with self._snapshot() as conn:
            rows = conn.execute(f"SELECT topic, filters, saved_at, generation, article_ids FROM briefings {tail}",
                                args).fetchall()
        return [SavedBriefing(r[0], record_from_dict(Filters, r[1]), r[2], r[3], tuple(r[4])) for r in rows]

    def changes_since(self, since: str, filters: Filters = NO_FILTERS) -> list[Change]:
        where, args = article_conditions(filters)
        cols = pg.ARTICLE_COLS.replace("article_id,", "a.article_id,", 1)
        with self._snapshot() as conn:
            rows = conn.execute(f"SELECT {cols} FROM articles a WHERE a.last_changed > %s AND {where} "
                                "ORDER BY a.last_changed DESC, a.ord", [since, *args]).fetchall()
        out = []
        for r in rows:
            a = pg.article_from_row(r)
            out.append(Change(a, "new" if a.first_seen > since else "changed"))
        return out

