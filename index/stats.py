"""Catalog statistics for the CLI's `info` and the app's sidebar."""

from __future__ import annotations

import sqlite3

from index import catalog as cat


def catalog_stats(conn: sqlite3.Connection) -> dict:
    """Counts, date range, outlets, regions and organizations (most frequent first); call it
    inside a read transaction so every figure comes from one snapshot."""
    q = conn.execute
    dated = q("SELECT MIN(published_at), MAX(published_at) FROM articles WHERE published_at != ''").fetchone()
    return {
        "generation": int(cat.get_meta(conn, "generation", "0")),
        "articles": q("SELECT COUNT(*) FROM articles").fetchone()[0],
        "main_articles": q("SELECT COUNT(*) FROM articles WHERE kind='main'").fetchone()[0],
        "duplicates": q("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0],
        "chunks": cat.count_chunks(conn),
        "sources": q("SELECT COUNT(*) FROM sources").fetchone()[0],
        "date_from": (dated[0] or "")[:10], "date_to": (dated[1] or "")[:10],
        "outlets": [r[0] for r in q("SELECT outlet, COUNT(*) n FROM articles WHERE outlet != '' "
                                     "GROUP BY outlet ORDER BY n DESC, outlet")],
        "regions": [r[0] for r in q("SELECT value, COUNT(*) n FROM tags WHERE tag='region' "
                                     "GROUP BY value ORDER BY n DESC, value")],
        "organizations": [r[0] for r in q("SELECT value, COUNT(*) n FROM tags WHERE tag='org' "
                                           "GROUP BY value ORDER BY n DESC, value LIMIT 200")],
    }
