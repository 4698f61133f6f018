"""The PostgreSQL backend's writer: each publish is one transaction behind one advisory lock.

A batch's articles, chunks, vectors, BM25 statistics and the new generation number are committed
together or not at all: a writer killed mid-batch leaves the previous state, as the server rolls
back a transaction whose connection is gone. Kiwi and the embedding model run before the lock.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from contracts import ChunkEmbedder, Progress
from index import dedup
from index import pg_schema as pg
from index.korean import KoreanTokenizer
from index.writer import _changed_meanwhile, content_hash, utc_now
from schema import Article, BatchReport, CheckReport, Chunk, IndexBatch, SavedBriefing


@dataclass
class TermDelta:
    """Changes to BM25's corpus statistics within one transaction: document frequencies, chunk and
    token counts (bm25s's N and average document length)."""

    df: Counter = field(default_factory=Counter)
    chunks: int = 0
    tokens: int = 0

    def add(self, tokens: Sequence[str], sign: int = 1) -> None:
        self.df.update({t: sign for t in set(tokens)})
        self.chunks += sign
        self.tokens += sign * len(tokens)


class PgWriter:
    """The IndexWriter of the PostgreSQL backend; `tokenizer`, `embedder` and `chunk_max_chars` are
    what the ingest driver reads from it."""

    def __init__(self, dsn: str | None, *, tokenizer: KoreanTokenizer, embedder: ChunkEmbedder,
                 chunk_max_chars: int, lock_wait_s: float = 0.0, create: bool = True) -> None:
        self.dsn = pg.require_dsn(dsn)
        self.tokenizer, self.embedder, self.chunk_max_chars = tokenizer, embedder, chunk_max_chars
        self.lock_wait_s = lock_wait_s
        self.conn = pg.connect(self.dsn)
        try:
            with pg.server_errors(self.dsn):
                if pg.schema_exists(self.conn):
                    with self.conn.transaction():
                        pg.migrate(self.conn)
                elif create:
                    pg.ensure_schema(self.conn, embedder.dim)
                else:
                    raise pg.PgIndexMissingError(pg.describe_dsn(self.dsn))
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    # --- read-only questions (no lock) ----------------------------------------------------------

    def _one(self, sql: str, args: Sequence = ()):
        with pg.server_errors(self.dsn):
            return self.conn.execute(sql, args).fetchone()

    def source_sha256(self, name: str) -> str | None:
        row = self._one("SELECT sha256 FROM sources WHERE path = %s", (name,))
        return row[0] if row else None

    def source_article_count(self, name: str) -> int:
        return self._one("SELECT count(*) FROM articles WHERE source_path = %s", (name,))[0]

    def unchanged_articles(self, articles: Sequence[Article]) -> set[str]:
        with pg.server_errors(self.dsn):
            stored = dict(self.conn.execute("SELECT article_id, content_hash FROM articles WHERE article_id = ANY(%s)",
                                            ([a.article_id for a in articles],)).fetchall())
        return {a.article_id for a in articles if stored.get(a.article_id) == content_hash(a)}

    def expected_fields(self) -> dict:
        return {"embed_model": self.embedder.name, "dim": self.embedder.dim,
                "tokenizer": json.loads(json.dumps(self.tokenizer.describe()))}

    # --- writes ----------------------------------------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction holding the advisory lock; a lock wait past lock_wait_s is a message."""
        with pg.server_errors(self.dsn), self.conn.transaction():
            # A wait past lock_timeout raises LockNotAvailable: server_errors makes it the message.
            self.conn.execute(f"SET LOCAL lock_timeout = {max(1, int(1000 * self.lock_wait_s))}")
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (pg.LOCK_KEY,))
            self.conn.execute("SET LOCAL lock_timeout TO DEFAULT")
            yield

    def publish(self, batch: IndexBatch) -> BatchReport:
        """Apply a batch atomically: all of it is committed, or none of it."""
        tokens = self._bm25_tokens(batch.chunks)  # Kiwi before the lock: other writers need not wait
        report = BatchReport()
        with self._writing():
            self._claim_fields()
            delta = TermDelta()
            fresh = self._apply_sources(batch, report, delta)
            keep = [i for i, c in enumerate(batch.chunks) if c.article_id in fresh]
            self._insert_chunks([batch.chunks[i] for i in keep], [tokens[i] for i in keep],
                                batch.vectors[keep], delta)
            self._apply_delta(delta)
            if report.added or report.updated or report.deleted:
                self._bump_generation()
            report.chunks = len(keep)
        return report

    def _claim_fields(self) -> None:
        """Record the model and tokenizer in a new index; refuse to mix others into an existing one."""
        have = pg.index_fields(self.conn)
        if have:
            pg.check_compatible(have, self.expected_fields())
            return
        self._record_fields()

    def _record_fields(self) -> None:
        for key, value in (self.expected_fields() | {"chunk_max_chars": self.chunk_max_chars}).items():
            pg.set_meta(self.conn, key, json.dumps(value, ensure_ascii=False))

    def _apply_sources(self, batch: IndexBatch, report: BatchReport, delta: TermDelta) -> set[str]:
        """Article changes for whole sources (as EmbeddedWriter); returns ids of new or changed articles."""
        chunked = {c.article_id for c in batch.chunks}
        fresh: set[str] = set()
        for sb in batch.sources:
            stale = {r[0] for r in self.conn.execute("SELECT article_id FROM articles WHERE source_path = %s",
                                                     (sb.name,))}
            for a in sb.articles:
                stale.discard(a.article_id)
                row = self.conn.execute("SELECT content_hash, first_seen FROM articles WHERE article_id = %s",
                                        (a.article_id,)).fetchone()
                h = content_hash(a)
                if row is not None and row[0] == h:
                    report.unchanged += 1
                    continue
                if a.article_id not in chunked and a.body:
                    report.problems.append(_changed_meanwhile(sb, a))
                    continue
                now = utc_now()
                if row is not None:
                    self._delete(a.article_id, delta)
                report.added += row is None
                report.updated += row is not None
                self._insert(replace(a, first_seen=(row[1] if row else "") or now, last_changed=now), h, report)
                fresh.add(a.article_id)
            for aid in sorted(stale):
                self._delete(aid, delta)
                report.deleted += 1
            self.conn.execute("INSERT INTO sources VALUES(%s, %s, %s) ON CONFLICT (path) DO UPDATE SET "
                              "sha256 = EXCLUDED.sha256, n_articles = EXCLUDED.n_articles",
                              (sb.name, sb.sha256, len(sb.articles)))
        return fresh

    def _insert(self, a: Article, h: str, report: BatchReport) -> None:
        """Insert an article, linked to the near-duplicate group it joins (MinHash LSH, as the catalog)."""
        sig = dedup.minhash(a.body)
        bands = dedup.band_keys(sig)
        candidates = self.conn.execute(
            "SELECT article_id, duplicate_of, minhash FROM articles WHERE article_id IN (SELECT article_id "
            "FROM lsh WHERE (band, key) IN (SELECT * FROM unnest(%s::smallint[], %s::bigint[])))",
            (list(range(len(bands))), bands)).fetchall()
        best, best_sim = None, dedup.THRESHOLD
        for aid, dup_of, blob in sorted(candidates):
            sim = dedup.similarity(sig, np.frombuffer(blob, dtype=np.uint32))
            if sim >= best_sim and aid != a.article_id:
                best, best_sim = dup_of or aid, sim
        if best is not None:
            a = replace(a, duplicate_of=best)
            report.duplicates += 1
        report.teasers += a.kind == "teaser"
        row = asdict(a)
        values = [row[c.strip()] for c in pg.ARTICLE_COLS.split(",")]
        self.conn.execute(f"INSERT INTO articles({pg.ARTICLE_COLS}, content_hash, minhash) "
                          f"VALUES({', '.join(['%s'] * (pg.N_ARTICLE_COLS + 2))})",
                          [list(v) if isinstance(v, tuple) else v for v in values]
                          + [h, sig.astype(np.uint32).tobytes()])
        tags = ([("region", r) for r in a.regions] + [("org", o) for o in a.organizations]
                + [("person", p) for p in a.people] + [("place", p) for p in a.places])
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO tags VALUES(%s, %s, %s) ON CONFLICT DO NOTHING",
                            [(t, v, a.article_id) for t, v in tags])
            cur.executemany("INSERT INTO lsh VALUES(%s, %s, %s) ON CONFLICT DO NOTHING",
                            [(b, k, a.article_id) for b, k in enumerate(bands)])

    def _delete(self, article_id: str, delta: TermDelta) -> None:
        """Delete an article with its chunks, tags and buckets; its earliest copy heads its group next."""
        for (tokens,) in self.conn.execute("DELETE FROM chunks WHERE article_id = %s RETURNING tokens",
                                           (article_id,)).fetchall():
            delta.add(tokens, -1)
        for table in ("tags", "lsh", "articles"):
            self.conn.execute(f"DELETE FROM {table} WHERE article_id = %s", (article_id,))
        members = [r[0] for r in self.conn.execute(
            "SELECT article_id FROM articles WHERE duplicate_of = %s ORDER BY ord", (article_id,))]
        if members:
            self.conn.execute("UPDATE articles SET duplicate_of = NULL WHERE article_id = %s", (members[0],))
            self.conn.execute("UPDATE articles SET duplicate_of = %s WHERE article_id = ANY(%s)",
                              (members[0], members[1:]))

    def _insert_chunks(self, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]], vectors: np.ndarray,
                       delta: TermDelta) -> None:
        from pgvector import HalfVector

        sql = ('COPY chunks (chunk_id, article_id, seq, start, "end", text, tokens, embedding) '
               "FROM STDIN (FORMAT BINARY)")
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            copy.set_types(["text", "text", "int4", "int4", "int4", "text", "text[]", "halfvec"])
            for c, toks, vec in zip(chunks, tokens, vectors, strict=True):
                copy.write_row((c.chunk_id, c.article_id, c.seq, c.start, c.end, c.text, list(toks),
                                HalfVector(vec)))
                delta.add(toks)

    def _apply_delta(self, delta: TermDelta) -> None:
        terms = sorted(t for t, n in delta.df.items() if n)
        if terms:
            self.conn.execute("INSERT INTO terms SELECT * FROM unnest(%s::text[], %s::int[]) ON CONFLICT (term) "
                              "DO UPDATE SET df = terms.df + EXCLUDED.df", (terms, [delta.df[t] for t in terms]))
            self.conn.execute("DELETE FROM terms WHERE term = ANY(%s) AND df <= 0", (terms,))
        for key, change in (("n_chunks", delta.chunks), ("total_tokens", delta.tokens)):
            if change:
                pg.set_meta(self.conn, key, str(int(pg.get_meta(self.conn, key, "0")) + change))

    def _bump_generation(self) -> None:
        pg.set_meta(self.conn, "generation", str(int(pg.get_meta(self.conn, "generation", "0")) + 1))

    def _bm25_tokens(self, chunks: Sequence[Chunk]) -> list[list[str]]:
        # The embedded backend's BM25 documents exactly: title and chunk text, and a token holding a
        # space (Kiwi's multi-word nouns) split at it, as its catalog's space-joined tokens come back.
        return [" ".join(t).split() for t in self.tokenizer([f"{c.title}\n{c.text}" for c in chunks])]

    def delete_articles(self, article_ids: Sequence[str]) -> int:
        with self._writing():
            present = {r[0] for r in self.conn.execute(
                "SELECT article_id FROM articles WHERE article_id = ANY(%s)", (list(article_ids),))}
            delta = TermDelta()
            for aid in dict.fromkeys(a for a in article_ids if a in present):
                self._delete(aid, delta)
            self._apply_delta(delta)
            if present:
                self._bump_generation()
        return len(present)

    def delete_sources(self, names: Sequence[str]) -> int:
        with self._writing():
            ids = [r[0] for r in self.conn.execute(
                "SELECT article_id FROM articles WHERE source_path = ANY(%s) ORDER BY ord", (list(names),))]
            delta = TermDelta()
            for aid in ids:
                self._delete(aid, delta)
            self._apply_delta(delta)
            removed = self.conn.execute("DELETE FROM sources WHERE path = ANY(%s)", (list(names),)).rowcount
            if ids or removed:
                self._bump_generation()
        return len(ids)

    def save_briefing(self, briefing: SavedBriefing) -> None:
        with self._writing():
            self.conn.execute(
                "INSERT INTO briefings VALUES(%s, %s, %s, %s, %s) ON CONFLICT (topic) DO UPDATE SET "
                "filters = EXCLUDED.filters, saved_at = EXCLUDED.saved_at, generation = EXCLUDED.generation, "
                "article_ids = EXCLUDED.article_ids",
                (briefing.topic, json.dumps(asdict(briefing.filters), ensure_ascii=False), briefing.saved_at,
                 briefing.generation, list(briefing.article_ids)))

    # --- upkeep ----------------------------------------------------------------------------------

    def check(self, full: bool = True) -> CheckReport:
        with pg.server_errors(self.dsn):
            return pg.check_index(self.conn, pg.describe_dsn(self.dsn), self.expected_fields(), full)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-tokenize and re-embed (through the embedding cache) every chunk with the current
        settings, rebuild the HNSW index and the BM25 statistics, and publish: one transaction."""
        with self._writing():
            items = pg.chunks_in_order(self.conn)
            chunks = [c for _, c in items]
            tokens = self._bm25_tokens(chunks)
            vectors = self.embedder.embed_chunks(chunks, progress)
            pg.replace_vectors(self.conn, [r for r, _ in items], tokens, vectors, self.embedder.dim)
            pg.recount_terms(self.conn)
            self._record_fields()
            self._bump_generation()
        return len(items)

    def repair(self, progress: Progress | None = None) -> tuple[int, int]:
        """Drop rows whose article is gone, rebuild damaged or missing search indexes, recount BM25's
        statistics and publish. Vectors live in the chunk rows, so nothing is re-embedded."""
        with self._writing():
            removed = pg.delete_orphans(self.conn)
            pg.restore_indexes(self.conn)
            n = pg.recount_terms(self.conn)
            self._bump_generation()
        if progress:
            progress(n, n)
        return removed, n
