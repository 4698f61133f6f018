"""Consistency check of an index folder: catalog, FAISS and BM25 must agree on the set of chunk rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import faiss
import numpy as np

from errors import IndexCorruptError, IndexMissingError
from index import catalog as cat
from index.dense import is_approximate
from index.store import GEN_DIR, load_generation
from schema import CheckReport


def dense_ids(index: faiss.Index) -> np.ndarray:
    """Every id stored in a FAISS index (IndexIDMap2 or IVF), in storage order."""
    if is_approximate(index):
        lists = index.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
                 for i in range(index.nlist) if lists.list_size(i)]
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)
    return faiss.vector_to_array(index.id_map).astype(np.int64)


def check_index(index_dir: Path, full: bool = True) -> CheckReport:
    """Read-only check of the catalog, the current generation's files and their agreement.

    full: also SQLite's integrity_check of every catalog page and the sha256 of every index file
    (minutes at a million chunks); without it, page-level checks are skipped and files are checked
    by size only.
    """
    if not (index_dir / cat.CATALOG_FILE).is_file():
        raise IndexMissingError(str(index_dir))
    report = CheckReport()
    conn = cat.connect(index_dir, readonly=True)
    try:
        # One read snapshot for everything: a writer publishing meanwhile cannot skew the comparison.
        with cat.transaction(conn):
            _check_catalog(conn, report, full)
            if report.catalog_ok and report.generation:
                rows = np.fromiter((r[0] for r in conn.execute("SELECT row FROM chunks ORDER BY row")),
                                   dtype=np.int64)
                _check_generation(index_dir, report, rows, full)
    except sqlite3.DatabaseError as e:
        report.catalog_ok = False
        report.problems.append(f"카탈로그(catalog.sqlite)를 읽을 수 없습니다: {e}")
    finally:
        conn.close()
    report.leftovers = sorted(p.name for p in (index_dir / GEN_DIR).glob(".tmp-*"))
    return report


def _check_catalog(conn: sqlite3.Connection, report: CheckReport, full: bool) -> None:
    result = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")] if full else ["ok"]
    if result != ["ok"]:
        report.catalog_ok = False
        report.problems.append("카탈로그(catalog.sqlite)가 손상되었습니다: " + "; ".join(result[:5]))
        return
    report.generation = int(cat.get_meta(conn, "generation", "0"))
    report.articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    report.chunks = cat.count_chunks(conn)
    orphans = conn.execute("SELECT COUNT(*) FROM chunks c LEFT JOIN articles a "
                           "ON a.article_id = c.article_id WHERE a.article_id IS NULL").fetchone()[0]
    if orphans:
        report.problems.append(f"기사 없는 청크가 {orphans}개 있습니다.")
    dup_seq = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM chunks GROUP BY article_id, seq "
                           "HAVING COUNT(*) > 1)").fetchone()[0]
    if dup_seq:
        report.problems.append(f"같은 기사에서 순번이 겹치는 청크가 {dup_seq}건 있습니다.")
    if report.chunks and not report.generation:
        report.problems.append("청크가 있는데 게시된 인덱스 세대가 없습니다.")


def _check_generation(index_dir: Path, report: CheckReport, rows: np.ndarray, full: bool) -> None:
    try:
        gen = load_generation(index_dir, report.generation, verify=full)
    except IndexCorruptError as e:
        report.problems.append(str(e))
        return
    manifest_count = gen.manifest.get("chunk_count")
    if manifest_count != len(rows):
        report.problems.append(f"목록 파일의 청크 수({manifest_count})가 카탈로그({len(rows)})와 다릅니다.")
    for name, ids in (("FAISS", dense_ids(gen.dense)), ("BM25", np.asarray(gen.sparse.rows))):
        _compare_rows(report, name, ids, rows)
    report.dense_ids, report.bm25_docs = int(gen.dense.ntotal), gen.sparse.size


def _compare_rows(report: CheckReport, name: str, ids: np.ndarray, rows: np.ndarray) -> None:
    unique = np.unique(ids)
    if len(unique) != len(ids):
        report.problems.append(f"{name}에 같은 청크가 두 번 이상 들어 있습니다({len(ids) - len(unique)}건).")
    missing = np.setdiff1d(rows, unique, assume_unique=True)
    extra = np.setdiff1d(unique, rows, assume_unique=True)
    if len(missing):
        report.problems.append(f"카탈로그의 청크 {len(missing)}개가 {name}에 없습니다(예: 행 {int(missing[0])}).")
    if len(extra):
        report.problems.append(f"{name}에 카탈로그에 없는 청크 {len(extra)}개가 있습니다(예: 행 {int(extra[0])}).")
