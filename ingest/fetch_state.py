"""What fetching remembers between runs, in one small SQLite file: per-URL validators and the saved feeds.

Tables (schema version 1, in `PRAGMA user_version`):

- `urls`: one row per page or feed URL fetched successfully (a URL read as a page and as a feed has
  a row for each): the ETag and Last-Modified the server
  sent (sent back as If-None-Match / If-Modified-Since next time), the sha256 of the last body,
  when it was fetched and the last HTTP status (200, or 304 for a check that found nothing new).
- `feeds`: the subscribed feeds (`python -m ingest refresh` re-reads them all).
- `entries`: per feed, the fingerprint of each entry handled and whether its page ("page") or only
  the entry's own text ("entry") went in; an unchanged entry whose page went in is not fetched again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT NOT NULL, kind TEXT NOT NULL, etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL DEFAULT '', fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL, PRIMARY KEY (url, kind));
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', added_at TEXT NOT NULL,
    refreshed_at TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS entries (
    feed_url TEXT NOT NULL, link TEXT NOT NULL, fingerprint TEXT NOT NULL, via TEXT NOT NULL,
    seen_at TEXT NOT NULL, PRIMARY KEY (feed_url, link));
"""


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class UrlState:
    """What the last successful fetch of a URL left: validators and the body's hash."""

    url: str
    kind: str  # "page" | "feed"
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""
    fetched_at: str = ""
    status: int = 200


@dataclass(frozen=True, slots=True)
class SavedFeed:
    url: str
    title: str
    added_at: str  # ISO 8601 UTC
    refreshed_at: str  # "" until a refresh read it


@dataclass(frozen=True, slots=True)
class EntryState:
    feed_url: str
    link: str
    fingerprint: str
    via: str  # "page" | "entry"


class FetchState:
    """The fetch state file; open it with `with FetchState(path) as state:`. Safe across processes
    (WAL, a busy timeout): the app and a timer's refresh may use it at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            self._db.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")

    def __enter__(self) -> FetchState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def url_state(self, url: str, kind: str) -> UrlState | None:
        row = self._db.execute("SELECT url, kind, etag, last_modified, sha256, fetched_at, status FROM urls "
                               "WHERE url = ? AND kind = ?", (url, kind)).fetchone()
        return UrlState(*row) if row else None

    def save_urls(self, states: list[UrlState]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT INTO urls VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url, kind) DO UPDATE SET "
                "etag = excluded.etag, last_modified = excluded.last_modified, sha256 = excluded.sha256, "
                "fetched_at = excluded.fetched_at, status = excluded.status",
                [(s.url, s.kind, s.etag, s.last_modified, s.sha256, s.fetched_at or now_utc(), s.status)
                 for s in states])

    def mark_not_modified(self, url: str, kind: str) -> None:
        """A 304: keep the validators and body hash, note when it was checked."""
        with self._db:
            self._db.execute("UPDATE urls SET fetched_at = ?, status = 304 WHERE url = ? AND kind = ?",
                             (now_utc(), url, kind))

    def feeds(self) -> list[SavedFeed]:
        rows = self._db.execute("SELECT url, title, added_at, refreshed_at FROM feeds ORDER BY rowid")
        return [SavedFeed(*r) for r in rows]

    def save_feed(self, url: str, title: str) -> None:
        """Subscribe (or keep subscribed, with the title it has now)."""
        with self._db:
            self._db.execute("INSERT INTO feeds (url, title, added_at) VALUES (?, ?, ?) "
                             "ON CONFLICT(url) DO UPDATE SET title = excluded.title", (url, title, now_utc()))

    def mark_refreshed(self, url: str) -> None:
        with self._db:
            self._db.execute("UPDATE feeds SET refreshed_at = ? WHERE url = ?", (now_utc(), url))

    def entry(self, feed_url: str, link: str) -> EntryState | None:
        row = self._db.execute("SELECT feed_url, link, fingerprint, via FROM entries "
                               "WHERE feed_url = ? AND link = ?", (feed_url, link)).fetchone()
        return EntryState(*row) if row else None

    def save_entries(self, entries: list[EntryState]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?) ON CONFLICT(feed_url, link) DO UPDATE SET "
                "fingerprint = excluded.fingerprint, via = excluded.via, seen_at = excluded.seen_at",
                [(e.feed_url, e.link, e.fingerprint, e.via, now_utc()) for e in entries])
