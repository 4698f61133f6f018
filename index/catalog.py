"""The SQLite catalog: articles, chunks, source files, tags and near-duplicate buckets."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from errors import IndexCorruptError
from schema import Article, Change, Chunk, Filters, SavedBriefing, record_from_dict

CATALOG_FILE = "catalog.sqlite"
SCHEMA_VERSION = "2"  # 2: people, places, category, truncated, department, contact, first_seen, last_changed

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
  path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, n_articles INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles(
  article_id TEXT PRIMARY KEY, ord INTEGER NOT NULL, source_path TEXT NOT NULL,
  kind TEXT NOT NULL, title TEXT NOT NULL, subtitle TEXT NOT NULL, outlet TEXT NOT NULL,
  reporter TEXT NOT NULL, published_at TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
  regions TEXT NOT NULL, organizations TEXT NOT NULL, duplicate_of TEXT,
  content_hash TEXT NOT NULL, minhash BLOB NOT NULL,
  people TEXT NOT NULL DEFAULT '[]', places TEXT NOT NULL DEFAULT '[]', category TEXT NOT NULL DEFAULT '',
  truncated INTEGER NOT NULL DEFAULT 0, department TEXT NOT NULL DEFAULT '', contact TEXT NOT NULL DEFAULT '',
  first_seen TEXT NOT NULL DEFAULT '', last_changed TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS art_source ON articles(source_path);
CREATE INDEX IF NOT EXISTS art_date ON articles(published_at);
CREATE INDEX IF NOT EXISTS art_outlet ON articles(outlet);
CREATE INDEX IF NOT EXISTS art_dup ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS tags(
  tag TEXT NOT NULL, value TEXT NOT NULL, article_id TEXT NOT NULL,
  PRIMARY KEY(tag, value, article_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tag_article ON tags(article_id);
CREATE TABLE IF NOT EXISTS lsh(
  band INTEGER NOT NULL, key INTEGER NOT NULL, article_id TEXT NOT NULL,
  PRIMARY KEY(band, key, article_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lsh_article ON lsh(article_id);
CREATE TABLE IF NOT EXISTS briefings(
  topic TEXT PRIMARY KEY, filters TEXT NOT NULL, saved_at TEXT NOT NULL, generation INTEGER NOT NULL,
  article_ids TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(
  row INTEGER PRIMARY KEY AUTOINCREMENT, chunk_id TEXT UNIQUE NOT NULL,
  article_id TEXT NOT NULL, seq INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
  text TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunk_article ON chunks(article_id);
"""

_ARTICLE_COLS = ("article_id, source_path, kind, title, subtitle, outlet, reporter, published_at, "
                 "url, body, regions, organizations, duplicate_of, people, places, category, truncated, "
                 "department, contact, first_seen, last_changed")
_N_ARTICLE_COLS = 21
# Columns schema version 2 added to the articles table, with their definitions for ALTER TABLE.
_V2_COLUMNS = {"people": "TEXT NOT NULL DEFAULT '[]'", "places": "TEXT NOT NULL DEFAULT '[]'",
               "category": "TEXT NOT NULL DEFAULT ''", "truncated": "INTEGER NOT NULL DEFAULT 0",
               "department": "TEXT NOT NULL DEFAULT ''", "contact": "TEXT NOT NULL DEFAULT ''",
               "first_seen": "TEXT NOT NULL DEFAULT ''", "last_changed": "TEXT NOT NULL DEFAULT ''"}
_CHUNK_SELECT = ("SELECT c.row, c.chunk_id, c.article_id, c.seq, c.text, c.start, c.\"end\", "
                 "a.title, a.outlet, a.published_at, a.url, a.kind FROM chunks c "
                 "JOIN articles a ON a.article_id = c.article_id")


def connect(index_dir: Path, readonly: bool = False) -> sqlite3.Connection:
    """Open the catalog in WAL mode so readers see the last commit while a writer works."""
    path = index_dir / CATALOG_FILE
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        index_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.executescript(_SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta VALUES('schema_version', ?)", (SCHEMA_VERSION,))
        migrate(conn)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def migrate(conn: sqlite3.Connection) -> bool:
    """Bring a catalog written by an older version up to SCHEMA_VERSION in one transaction.

    Version 1 -> 2 adds the article columns of later sources and the first-seen/last-changed
    times (empty for articles stored before: they count as seen before any saved briefing).
    Returns whether anything changed.
    """
    if get_meta(conn, "schema_version", SCHEMA_VERSION) == SCHEMA_VERSION and _has_v2_columns(conn):
        conn.execute("CREATE INDEX IF NOT EXISTS art_changed ON articles(last_changed)")
        return False
    with transaction(conn, write=True):
        have = {r[1] for r in conn.execute("PRAGMA table_info(articles)")}
        for name, definition in _V2_COLUMNS.items():
            if name not in have:
                conn.execute(f"ALTER TABLE articles ADD COLUMN {name} {definition}")
        conn.execute("CREATE INDEX IF NOT EXISTS art_changed ON articles(last_changed)")
        set_meta(conn, "schema_version", SCHEMA_VERSION)
    return True


def _has_v2_columns(conn: sqlite3.Connection) -> bool:
    return set(_V2_COLUMNS) <= {r[1] for r in conn.execute("PRAGMA table_info(articles)")}


def is_current(index_dir: Path) -> bool:
    """Whether the catalog's schema is this version's (read-only: readers ask before reading)."""
    conn = connect(index_dir, readonly=True)
    try:
        return get_meta(conn, "schema_version", "1") == SCHEMA_VERSION and _has_v2_columns(conn)
    finally:
        conn.close()


CATALOG_HINT = ("인덱스 폴더({dir})를 다른 이름으로 옮긴 뒤 원본 파일을 "
                "`python -m ingest 원본폴더 --index {dir}`로 다시 넣으세요.")


def verify_catalog(conn: sqlite3.Connection, index_dir: Path) -> None:
    """Refuse a damaged catalog file at load (SQLite's page-level quick_check)."""
    try:
        result = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as e:
        result = [str(e)]
    if result != ["ok"]:
        raise IndexCorruptError(f"카탈로그 파일이 손상되었습니다({'; '.join(result)}). "
                                + CATALOG_HINT.format(dir=index_dir))


def verify_catalog_header(index_dir: Path) -> None:
    """Cheap load-time check: the file is an SQLite database at least as long as its header says.

    A cut file is caught here in microseconds; a page overwritten in place needs the page-level
    check (verify_catalog), which reads the whole file and so runs in `index check` and in the
    searcher's background check.
    """
    path = index_dir / CATALOG_FILE
    with path.open("rb") as f:
        header = f.read(100)
    size = path.stat().st_size
    problem = ""
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        problem = "SQLite 파일이 아닙니다"
    else:
        page_size = int.from_bytes(header[16:18], "big") or 65536  # 1 stands for 65536
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        if pages and size < pages * page_size:
            problem = f"파일이 잘렸습니다({size:,} 바이트, 기록된 크기 {pages * page_size:,} 바이트)"
    if problem:
        raise IndexCorruptError(f"카탈로그 파일이 손상되었습니다({problem}). " + CATALOG_HINT.format(dir=index_dir))


@contextmanager
def catalog_errors(index_dir: Path) -> Iterator[None]:
    """Turn SQLite's damage errors into IndexCorruptError; busy or locked databases propagate."""
    try:
        yield
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError) and "malformed" not in str(e):
            raise
        raise IndexCorruptError(f"카탈로그 파일을 읽을 수 없습니다({e}). "
                                + CATALOG_HINT.format(dir=index_dir)) from e


@contextmanager
def transaction(conn: sqlite3.Connection, write: bool = False) -> Iterator[sqlite3.Connection]:
    """One atomic unit: a write transaction, or a read snapshot that later commits do not change."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite has already rolled back on errors such as a full disk
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str, default: str = "") -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))


def source_hash(conn: sqlite3.Connection, path: str) -> str | None:
    row = conn.execute("SELECT sha256 FROM sources WHERE path = ?", (path,)).fetchone()
    return row[0] if row else None


def set_source(conn: sqlite3.Connection, path: str, sha256: str, n_articles: int) -> None:
    conn.execute("INSERT OR REPLACE INTO sources VALUES(?, ?, ?)", (path, sha256, n_articles))


def article_ids_of_source(conn: sqlite3.Connection, path: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT article_id FROM articles WHERE source_path = ? ORDER BY ord", (path,))]


def content_hashes(conn: sqlite3.Connection, article_ids: Iterable[str]) -> dict[str, str]:
    sql = "SELECT article_id, content_hash FROM articles WHERE article_id IN ({})"
    return dict(_select_in(conn, sql, article_ids))


def delete_sources(conn: sqlite3.Connection, names: Sequence[str]) -> int:
    """Forget source files (their articles are deleted separately); returns how many were known."""
    return sum(conn.execute("DELETE FROM sources WHERE path = ?", (n,)).rowcount for n in names)


def first_seen_of(conn: sqlite3.Connection, article_id: str) -> str:
    row = conn.execute("SELECT first_seen FROM articles WHERE article_id = ?", (article_id,)).fetchone()
    return row[0] if row else ""


def content_hash_of(conn: sqlite3.Connection, article_id: str) -> str | None:
    row = conn.execute("SELECT content_hash FROM articles WHERE article_id = ?",
                       (article_id,)).fetchone()
    return row[0] if row else None


def _json(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def insert_article(conn: sqlite3.Connection, a: Article, content_hash: str,
                   sig: np.ndarray, bands: Sequence[int]) -> None:
    ord_ = int(get_meta(conn, "next_ord", "0"))
    set_meta(conn, "next_ord", str(ord_ + 1))
    conn.execute(
        f"INSERT INTO articles({_ARTICLE_COLS}, ord, content_hash, minhash) "
        f"VALUES({','.join('?' * (_N_ARTICLE_COLS + 3))})",
        (a.article_id, a.source_path, a.kind, a.title, a.subtitle, a.outlet, a.reporter,
         a.published_at, a.url, a.body, _json(a.regions), _json(a.organizations), a.duplicate_of,
         _json(a.people), _json(a.places), a.category, int(a.truncated), a.department, a.contact,
         a.first_seen, a.last_changed, ord_, content_hash, sig.astype(np.uint32).tobytes()))
    conn.executemany("INSERT OR IGNORE INTO tags VALUES(?,?,?)",
                     [("region", r, a.article_id) for r in a.regions]
                     + [("org", o, a.article_id) for o in a.organizations]
                     + [("person", p, a.article_id) for p in a.people]
                     + [("place", p, a.article_id) for p in a.places])
    conn.executemany("INSERT OR IGNORE INTO lsh VALUES(?,?,?)",
                     [(b, k, a.article_id) for b, k in enumerate(bands)])


def delete_article(conn: sqlite3.Connection, article_id: str) -> list[int]:
    """Delete an article with its chunks, tags and buckets; return the deleted chunk rows."""
    rows = [r[0] for r in conn.execute("SELECT row FROM chunks WHERE article_id = ?", (article_id,))]
    for table in ("chunks", "tags", "lsh", "articles"):
        conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
    return rows


def delete_orphans(conn: sqlite3.Connection) -> int:
    """Delete chunks, tags and LSH buckets whose article is gone; return how many rows went."""
    removed = 0
    for table in ("chunks", "tags", "lsh"):
        removed += conn.execute(f"DELETE FROM {table} WHERE article_id NOT IN "
                                "(SELECT article_id FROM articles)").rowcount
    return removed


def duplicate_candidates(conn: sqlite3.Connection,
                         bands: Sequence[int]) -> list[tuple[str, str | None, np.ndarray]]:
    """Articles sharing an LSH band with the signature: (id, duplicate_of, signature)."""
    ids: set[str] = set()
    for b, k in enumerate(bands):
        ids.update(r[0] for r in conn.execute(
            "SELECT article_id FROM lsh WHERE band = ? AND key = ?", (b, k)))
    out = []
    for aid in sorted(ids):
        row = conn.execute("SELECT duplicate_of, minhash FROM articles WHERE article_id = ?",
                           (aid,)).fetchone()
        out.append((aid, row[0], np.frombuffer(row[1], dtype=np.uint32)))
    return out


def regroup_after_delete(conn: sqlite3.Connection, article_id: str) -> None:
    """If a deleted article was canonical, its earliest remaining copy takes over the group."""
    members = [r[0] for r in conn.execute(
        "SELECT article_id FROM articles WHERE duplicate_of = ? ORDER BY ord", (article_id,))]
    if not members:
        return
    head, rest = members[0], members[1:]
    conn.execute("UPDATE articles SET duplicate_of = NULL WHERE article_id = ?", (head,))
    conn.executemany("UPDATE articles SET duplicate_of = ? WHERE article_id = ?",
                     [(head, m) for m in rest])


def insert_chunks(conn: sqlite3.Connection, chunks: Sequence[Chunk],
                  tokens: Sequence[Sequence[str]]) -> list[int]:
    """Insert chunks and return their new stable row ids."""
    rows = []
    for c, toks in zip(chunks, tokens, strict=True):
        cur = conn.execute(
            'INSERT INTO chunks(chunk_id, article_id, seq, start, "end", text, tokens) '
            "VALUES(?,?,?,?,?,?,?)",
            (c.chunk_id, c.article_id, c.seq, c.start, c.end, c.text, " ".join(toks)))
        rows.append(int(cur.lastrowid))
    return rows


def _chunk_from_row(r: Sequence) -> tuple[int, Chunk]:
    return r[0], Chunk(chunk_id=r[1], article_id=r[2], seq=r[3], text=r[4], start=r[5],
                       end=r[6], title=r[7], outlet=r[8], published_at=r[9], url=r[10],
                       kind=r[11])


def _select_in(conn: sqlite3.Connection, sql: str, keys: Iterable) -> Iterator[Sequence]:
    """Rows of `sql ... IN ({})` for any number of keys (SQLite caps the parameters per query)."""
    keys = list(keys)
    for i in range(0, len(keys), 500):
        part = keys[i:i + 500]
        yield from conn.execute(sql.format(",".join("?" * len(part))), part)


def get_chunks(conn: sqlite3.Connection, rows: Iterable[int]) -> dict[int, Chunk]:
    return dict(_chunk_from_row(r) for r in _select_in(conn, f"{_CHUNK_SELECT} WHERE c.row IN ({{}})", rows))


def iter_chunk_rows(conn: sqlite3.Connection) -> Iterator[tuple[int, Chunk, list[str]]]:
    """Every chunk in row order with its BM25 tokens."""
    sql = _CHUNK_SELECT.replace("a.kind FROM", "a.kind, c.tokens FROM") + " ORDER BY c.row"
    for r in conn.execute(sql):
        row, chunk = _chunk_from_row(r)
        yield row, chunk, r[12].split()


def count_chunks(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def _article_from_row(r: Sequence) -> Article:
    return Article(article_id=r[0], source_path=r[1], kind=r[2], title=r[3], subtitle=r[4],
                   outlet=r[5], reporter=r[6], published_at=r[7], url=r[8], body=r[9],
                   regions=tuple(json.loads(r[10])), organizations=tuple(json.loads(r[11])),
                   duplicate_of=r[12], people=tuple(json.loads(r[13])), places=tuple(json.loads(r[14])),
                   category=r[15], truncated=bool(r[16]), department=r[17], contact=r[18],
                   first_seen=r[19], last_changed=r[20])


def get_articles(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Article]:
    sql = f"SELECT {_ARTICLE_COLS} FROM articles WHERE article_id IN ({{}})"
    return {r[0]: _article_from_row(r) for r in _select_in(conn, sql, ids)}


def iter_articles(conn: sqlite3.Connection) -> Iterator[tuple[Article, int]]:
    """Every article in ingest order with its chunk count."""
    sql = (f"SELECT {_ARTICLE_COLS}, (SELECT COUNT(*) FROM chunks c "
           "WHERE c.article_id = articles.article_id) FROM articles ORDER BY ord")
    for r in conn.execute(sql):
        yield _article_from_row(r), r[_N_ARTICLE_COLS]


def group_sizes(conn: sqlite3.Connection, canonical_ids: Iterable[str]) -> dict[str, int]:
    """Number of near-duplicate copies linked to each canonical article."""
    ids = list(canonical_ids)
    if not ids:
        return {}
    sql = (f"SELECT duplicate_of, COUNT(*) FROM articles WHERE duplicate_of IN "
           f"({','.join('?' * len(ids))}) GROUP BY duplicate_of")
    return {r[0]: r[1] for r in conn.execute(sql, ids)}


def filter_rows(conn: sqlite3.Connection, f: Filters) -> np.ndarray:
    """Chunk rows allowed by the filters, as a sorted int64 array."""
    where, args = article_conditions(f)
    # No ORDER BY: sorting in SQL makes SQLite walk the chunks table itself (text and all) in row
    # order; unsorted, it scans articles and reads rows from the covering chunk_article index.
    sql = ("SELECT c.row FROM chunks c JOIN articles a ON a.article_id = c.article_id "
           f"WHERE {' AND '.join(where)}")
    return np.sort(np.fromiter((r[0] for r in conn.execute(sql, args)), dtype=np.int64))


def article_conditions(f: Filters) -> tuple[list[str], list]:
    """SQL conditions on the articles table (alias a) for the filters, and their parameters."""
    where, args = ["1=1"], []
    if f.date_from:
        where.append("a.published_at >= ?")
        args.append(f.date_from)
    if f.date_to:
        where.append("a.published_at < ?")
        args.append(f.date_to + "\uffff")  # inclusive of the whole last day
    for col, values in (("a.outlet", f.outlets), ("a.kind", f.kinds), ("a.article_id", f.article_ids)):
        if values:
            where.append(f"{col} IN ({','.join('?' * len(values))})")
            args.extend(values)
    for tag, values in (("region", f.regions), ("org", f.organizations)):
        if values:
            where.append(f"a.article_id IN (SELECT article_id FROM tags WHERE tag = ? "
                         f"AND value IN ({','.join('?' * len(values))}))")
            args.extend([tag, *values])
    return where, args


def changes_since(conn: sqlite3.Connection, since: str, f: Filters) -> list[Change]:
    """Articles first seen or changed after `since` within the filters, the most recent first."""
    where, args = article_conditions(f)
    sql = (f"SELECT {_ARTICLE_COLS.replace('article_id,', 'a.article_id,', 1)} FROM articles a "
           f"WHERE a.last_changed > ? AND {' AND '.join(where)} ORDER BY a.last_changed DESC, a.ord")
    out = []
    for r in conn.execute(sql, [since, *args]):
        a = _article_from_row(r)
        out.append(Change(a, "new" if a.first_seen > since else "changed"))
    return out


def save_briefing(conn: sqlite3.Connection, b: SavedBriefing) -> None:
    conn.execute("INSERT OR REPLACE INTO briefings VALUES(?,?,?,?,?)",
                 (b.topic, json.dumps(asdict(b.filters), ensure_ascii=False), b.saved_at, b.generation,
                  _json(b.article_ids)))


def saved_briefings(conn: sqlite3.Connection, topic: str | None = None) -> list[SavedBriefing]:
    sql = "SELECT topic, filters, saved_at, generation, article_ids FROM briefings"
    rows = conn.execute(sql + " WHERE topic = ?", (topic,)) if topic is not None else \
        conn.execute(sql + " ORDER BY saved_at DESC")
    return [SavedBriefing(r[0], record_from_dict(Filters, json.loads(r[1])), r[2], r[3],
                          tuple(json.loads(r[4]))) for r in rows]


def row_groups(conn: sqlite3.Connection, rows: Iterable[int]) -> dict[int, tuple[str, str]]:
    """row -> (article id, canonical article id of its near-duplicate group)."""
    sql = ("SELECT c.row, a.article_id, COALESCE(a.duplicate_of, a.article_id) FROM chunks c "
           "JOIN articles a ON a.article_id = c.article_id WHERE c.row IN ({})")
    return {r[0]: (r[1], r[2]) for r in _select_in(conn, sql, rows)}


def chunks_of_article(conn: sqlite3.Connection, article_id: str) -> list[Chunk]:
    sql = f"{_CHUNK_SELECT} WHERE c.article_id = ? ORDER BY c.seq"
    return [_chunk_from_row(r)[1] for r in conn.execute(sql, (article_id,))]


def group_members(conn: sqlite3.Connection, article_ids: Iterable[str]) -> dict[str, list[Article]]:
    """For each article, the other members of its near-duplicate group in ingest order."""
    ids = list(dict.fromkeys(article_ids))
    canon = dict(_select_in(conn, "SELECT article_id, COALESCE(duplicate_of, article_id) FROM articles "
                                  "WHERE article_id IN ({})", ids))
    groups = set(canon.values())
    sql = (f"SELECT {_ARTICLE_COLS} FROM articles WHERE article_id IN ({{}}) OR duplicate_of IN ({{}}) "
           "ORDER BY ord")
    members: dict[str, list[Article]] = {}
    keys = sorted(groups)
    for i in range(0, len(keys), 400):
        part = keys[i:i + 400]
        marks = ",".join("?" * len(part))
        for r in conn.execute(sql.format(marks, marks), part + part):
            a = _article_from_row(r)
            members.setdefault(a.duplicate_of or a.article_id, []).append(a)
    return {aid: [m for m in members.get(canon[aid], []) if m.article_id != aid] for aid in ids if aid in canon}


def canonical_of(conn: sqlite3.Connection, article_id: str) -> str | None:
    row = conn.execute("SELECT COALESCE(duplicate_of, article_id) FROM articles WHERE article_id = ?",
                       (article_id,)).fetchone()
    return row[0] if row else None
