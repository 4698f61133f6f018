"""Catalog writes: idempotent re-ingest, updates, deletes, duplicates, atomic generations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from errors import IndexLockedError, IndexWriteError
from index import catalog as cat
from index.store import WriteLock, gen_path
from schema import Filters
from tests.indexing import ingest_paths

BODY = ("충북도는 12일 청주 오송에서 바이오 클러스터 협의회를 열고 2027년까지 400억원을 투입하기로 했다. "
        "도는 충북테크노파크와 함께 입주기업 30곳의 기술개발을 지원한다. ")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def rows(n: int, prefix: str = "r") -> list[dict]:
    topics = ["반도체 공장 증설", "프로야구 개막전", "한국은행 기준금리 동결", "제주 관광객 증가",
              "울산 수소차 실증", "강원 디지털헬스케어 특구"]
    return [{"id": f"{prefix}{i}", "title": f"{topics[i % len(topics)]} 소식 {i}",
             "body": f"{topics[i % len(topics)]}에 관한 {i}번째 기사다. " * (3 + i % 4),
             "date": f"2025-0{1 + i % 9}-1{i % 10}", "source": f"매체{i % 3}"} for i in range(n)]


def snapshot(index_dir: Path) -> list[tuple]:
    conn = cat.connect(index_dir, readonly=True)
    try:
        return [(a.article_id, a.body, a.duplicate_of, n) for a, n in cat.iter_articles(conn)]
    finally:
        conn.close()


def ingest(writer, *paths, **kw):
    return ingest_paths(writer, list(paths), **kw)


def test_reingest_is_idempotent(tmp_path, make_writer, hash_embedder):
    src = write_jsonl(tmp_path / "a.jsonl", rows(8))
    idx = tmp_path / "idx"
    first = ingest(make_writer(idx, hash_embedder), src)
    assert (first.totals.added, first.files_read) == (8, 1)
    before, gen = snapshot(idx), cat.get_meta(cat.connect(idx), "generation")
    second = ingest(make_writer(idx, hash_embedder), src)
    assert (second.totals.added, second.totals.unchanged, second.files_unchanged) == (0, 8, 1)
    assert snapshot(idx) == before
    assert cat.get_meta(cat.connect(idx), "generation") == gen  # nothing republished


def test_changed_file_replaces_its_articles(tmp_path, make_writer, hash_embedder):
    src = write_jsonl(tmp_path / "a.jsonl", rows(5))
    idx = tmp_path / "idx"
    ingest(make_writer(idx, hash_embedder), src)
    new = rows(5)[:3]
    new[0]["body"] = BODY
    write_jsonl(src, new)
    report = ingest(make_writer(idx, hash_embedder), src)
    t = report.totals
    assert (t.added, t.updated, t.unchanged, t.deleted) == (0, 1, 2, 2)
    snap = snapshot(idx)
    assert [r[0] for r in snap] == ["r1", "r2", "r0"]
    conn = cat.connect(idx)
    assert cat.count_chunks(conn) == sum(r[3] for r in snap)
    n_dense = int(json.loads((gen_path(idx, int(cat.get_meta(conn, "generation"))) / "manifest.json")
                             .read_text())["chunk_count"])
    assert n_dense == cat.count_chunks(conn)


def test_near_duplicates_are_grouped_and_regrouped_on_delete(tmp_path, make_writer, hash_embedder):
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "w1", "title": "원본", "body": BODY, "source": "한빛"}])
    b = write_jsonl(tmp_path / "b.jsonl", [
        {"id": "w2", "title": "전재", "body": "[지역정책신문] " + BODY.replace("30곳", "30개"), "source": "지역"},
        {"id": "w3", "title": "전재2", "body": BODY + "홍길동 기자", "source": "바이오"},
        {"id": "x", "title": "다른 기사", "body": "프로야구 개막전이 열렸다. " * 5}])
    idx = tmp_path / "idx"
    report = ingest(make_writer(idx, hash_embedder), a, b)
    assert report.totals.duplicates == 2
    assert {r[0]: r[2] for r in snapshot(idx)} == {"w1": None, "w2": "w1", "w3": "w1", "x": None}
    write_jsonl(a, [{"id": "w9", "title": "무관", "body": "제주 감귤 수확이 시작됐다. " * 5}])
    ingest(make_writer(idx, hash_embedder), a)
    groups = {r[0]: r[2] for r in snapshot(idx)}
    assert groups["w2"] is None and groups["w3"] == "w2" and "w1" not in groups


def test_bad_file_is_skipped_and_rest_of_batch_goes_on(tmp_path, make_writer, hash_embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "good.jsonl", rows(3))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "pic.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (folder / "notes.docx").write_bytes(b"x")
    idx = tmp_path / "idx"
    report = ingest(make_writer(idx, hash_embedder), folder)
    assert report.totals.added == 3
    assert sorted(Path(e.path).name for e in report.skipped) == ["empty.txt", "notes.docx", "pic.txt"]
    assert all(str(folder) in str(e) for e in report.skipped)


def test_failed_commit_leaves_previous_index(tmp_path, make_writer, hash_embedder, monkeypatch):
    idx = tmp_path / "idx"
    ingest(make_writer(idx, hash_embedder), write_jsonl(tmp_path / "a.jsonl", rows(4)))
    before = snapshot(idx)
    writer = make_writer(idx, hash_embedder)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("index.store.save_dense", boom)
    with pytest.raises(IndexWriteError, match="디스크 공간이 부족해.*이전 인덱스는 그대로"):
        ingest(writer, write_jsonl(tmp_path / "b.jsonl", rows(3, prefix="new")))
    assert snapshot(idx) == before
    monkeypatch.undo()
    report = ingest(writer, tmp_path / "b.jsonl")
    assert report.totals.added == 3 and len(snapshot(idx)) == 7
    assert not list((idx / "gen").glob(".tmp-*"))  # the failed attempt's temp folder is pruned


def test_second_writer_is_refused_after_its_wait(tmp_path, make_writer, hash_embedder):
    src = write_jsonl(tmp_path / "a.jsonl", rows(2))
    with WriteLock(tmp_path / "idx"):
        with pytest.raises(IndexLockedError, match="쓰는 중"):
            with WriteLock(tmp_path / "idx"):
                pass
        with pytest.raises(IndexLockedError, match="쓰는 중"):
            ingest(make_writer(tmp_path / "idx", hash_embedder, lock_wait_s=0.3), src)
    assert ingest(make_writer(tmp_path / "idx", hash_embedder), src).totals.added == 2


def test_two_writers_take_turns_and_catch_up_with_each_other(tmp_path, make_writer, hash_embedder):
    """Two writers open on one index, publishing alternately: each sees what the other published."""
    idx = tmp_path / "idx"
    first, second = make_writer(idx, hash_embedder), make_writer(idx, hash_embedder)
    ingest(first, write_jsonl(tmp_path / "a.jsonl", rows(3, "a")))
    ingest(second, write_jsonl(tmp_path / "b.jsonl", rows(3, "b")))
    ingest(first, write_jsonl(tmp_path / "c.jsonl", rows(2, "c")))
    assert [r[0] for r in snapshot(idx)] == ["a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1"]
    report = first.check()
    assert report.ok and report.chunks == report.dense_ids == report.bm25_docs
    assert report.dense_ids == sum(r[3] for r in snapshot(idx))


def test_embedding_happens_before_the_lock(tmp_path, make_writer, hash_embedder):
    """A writer holding the lock does not stop another from embedding; only its publish waits."""
    idx = tmp_path / "idx"
    writer = make_writer(idx, hash_embedder, lock_wait_s=0)
    src = write_jsonl(tmp_path / "a.jsonl", rows(4))
    with WriteLock(idx), pytest.raises(IndexLockedError):
        ingest(writer, src)
    assert writer.embedder.newly_embedded() == 4  # one chunk an article, all embedded while locked out
    assert snapshot(idx) == []
    report = ingest(writer, src)  # the retry publishes from the cache: nothing embedded again
    assert (report.totals.added, report.totals.embedded) == (4, 0)


def test_delete_articles_and_sources(tmp_path, make_writer, hash_embedder):
    idx = tmp_path / "idx"
    a = write_jsonl(tmp_path / "a.jsonl", rows(3, "a"))
    b = write_jsonl(tmp_path / "b.jsonl", rows(2, "b"))
    writer = make_writer(idx, hash_embedder)
    ingest(writer, a, b)
    assert writer.delete_articles(["a1", "nope"]) == 1
    assert [r[0] for r in snapshot(idx)] == ["a0", "a2", "b0", "b1"]
    assert writer.delete_sources([str(b.resolve())]) == 2
    assert [r[0] for r in snapshot(idx)] == ["a0", "a2"]
    assert writer.source_sha256(str(b.resolve())) is None  # ingesting b again reads it again
    report = writer.check()
    assert report.ok and report.dense_ids == report.bm25_docs == report.chunks
    assert ingest(writer, b).totals.added == 2


def test_generations_are_pruned(tmp_path, make_writer, hash_embedder):
    idx = tmp_path / "idx"
    for i in range(4):
        ingest(make_writer(idx, hash_embedder), write_jsonl(tmp_path / f"{i}.jsonl", rows(2, f"g{i}")))
    assert sorted(p.name for p in (idx / "gen").iterdir()) == ["000003", "000004"]
    shutil.rmtree(idx / "gen" / "000003")
    assert len(snapshot(idx)) == 8


def test_dense_index_turns_approximate_past_the_exact_limit(tmp_path, make_writer, hash_embedder, tokenizer):
    from index.check import dense_ids
    from index.searcher import Searcher

    idx = tmp_path / "idx"
    writer = make_writer(idx, hash_embedder, exact_search_max=20)

    def manifest() -> dict:
        return json.loads((gen_path(idx, writer.generation) / "manifest.json").read_text(encoding="utf-8"))

    ingest(writer, write_jsonl(tmp_path / "a.jsonl", rows(12, "a")))
    assert (manifest()["dense_type"], manifest()["chunk_count"]) == ("flat", 12)
    ingest(writer, write_jsonl(tmp_path / "b.jsonl", rows(12, "b")))  # 24 chunks > 20: IVF + SQ8
    assert (manifest()["dense_type"], manifest()["chunk_count"]) == ("ivf_sq8", 24)
    ingest(writer, write_jsonl(tmp_path / "c.jsonl", rows(3, "c")))  # added to the trained IVF index
    assert (manifest()["dense_type"], manifest()["chunk_count"]) == ("ivf_sq8", 27)
    report = writer.check()
    assert report.ok and report.dense_ids == report.bm25_docs == report.chunks == 27
    s = Searcher(idx, hash_embedder, tokenizer)
    dense = s._refresh().dense
    assert sorted(dense_ids(dense).tolist()) == list(range(1, 28))
    # 16 lists, 8 probed: the lists nearest the query hold its own article (deterministic: fixed k-means seed).
    hits = s.search("울산 수소차 실증에 관한 4번째 기사다.", k=3, mode="dense", collapse=False)
    assert hits[0].chunk.article_id in {"a4", "b4"}
    assert [h.chunk.article_id for h in s.search("c2", k=1, filters=Filters(article_ids=("c2",)))] == ["c2"]


def test_first_seen_and_last_changed(tmp_path, make_writer, hash_embedder):
    idx = tmp_path / "idx"
    src = write_jsonl(tmp_path / "a.jsonl", rows(3))
    writer = make_writer(idx, hash_embedder)
    ingest(writer, src)
    conn = cat.connect(idx, readonly=True)
    before = {a.article_id: a for a, _ in cat.iter_articles(conn)}
    assert all(a.first_seen and a.first_seen == a.last_changed for a in before.values())
    changed = rows(3)
    changed[1]["body"] = BODY
    ingest(writer, write_jsonl(src, changed))
    after = {a.article_id: a for a, _ in cat.iter_articles(conn)}
    assert after["r0"] == before["r0"]  # unchanged: both times kept
    assert after["r1"].first_seen == before["r1"].first_seen < after["r1"].last_changed
    conn.close()


def test_a_version_1_catalog_is_migrated_and_keeps_its_articles_unchanged(tmp_path, make_writer,
                                                                        hash_embedder, tokenizer):
    import sqlite3

    from index.searcher import Searcher

    idx = tmp_path / "idx"
    src = write_jsonl(tmp_path / "a.jsonl", rows(4))
    ingest(make_writer(idx, hash_embedder), src)
    # Make it what version 1 wrote: the same tables without the columns version 2 added.
    old = sqlite3.connect(idx / cat.CATALOG_FILE)
    old.execute("DROP INDEX art_changed")
    for column in ("people", "places", "category", "truncated", "department", "contact", "first_seen",
                   "last_changed"):
        old.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    old.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    old.commit()
    old.close()
    assert not cat.is_current(idx)
    s = Searcher(idx, hash_embedder, tokenizer)  # a reader migrates it on open
    assert cat.is_current(idx)
    assert [h.chunk.article_id for h in s.search("r2", k=1, filters=Filters(article_ids=("r2",)))] == ["r2"]
    assert {a.first_seen for a, _ in s.iter_articles()} == {""}  # stored before times were kept
    # The same records written with other bytes (\uXXXX escapes): the file is read again, and its
    # articles must still count as unchanged, so content hashes did not move with the migration.
    src.write_text("\n".join(json.dumps(r) for r in rows(4)) + "\n", encoding="utf-8")
    report = ingest(make_writer(idx, hash_embedder), src)
    assert (report.files_read, report.totals.added, report.totals.unchanged) == (1, 0, 4)
    assert make_writer(idx, hash_embedder).check().ok
