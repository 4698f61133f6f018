"""Index statistics for the CLI's `info` and the app's sidebar."""

from __future__ import annotations

from pathlib import Path

from errors import IndexMissingError
from index import catalog as cat
from index.store import read_manifest


def index_stats(index_dir: Path) -> dict:
    if not (index_dir / cat.CATALOG_FILE).is_file():
        raise IndexMissingError(str(index_dir))
    conn = cat.connect(index_dir, readonly=True)
    try:
        with cat.transaction(conn):
            q = conn.execute
            generation = int(cat.get_meta(conn, "generation", "0"))
            dated = q("SELECT MIN(published_at), MAX(published_at) FROM articles "
                      "WHERE published_at != ''").fetchone()
            stats = {
                "generation": generation,
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
    finally:
        conn.close()
    if generation:
        m = read_manifest(index_dir, generation)
        stats |= {"embed_model": m.get("embed_model"), "dim": m.get("dim"),
                  "dense_type": m.get("dense_type")}
    return stats
