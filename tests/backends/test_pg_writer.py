"""PgWriter on a real PostgreSQL server: the pipeline round trip, updates, deletes, locks, kills, repairs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from errors import IndexLockedError, IndexMismatchError
from index.embed import HashEmbedder
from index.korean import KoreanTokenizer
from index.pg_retriever import PgRetriever
from index.writer import utc_now
from schema import Filters, SavedBriefing
from tests.backends.conftest import CORPUS
from tests.conftest import REPO
from tests.indexing import ingest_paths

REGIONS = ["충북", "경남", "전북", "강원", "제주"]


def record(n: int, extra: str = "") -> dict:
    """A short article with its own number (its BM25 handle) and region."""
    region = REGIONS[n % len(REGIONS)]
    body = (f"{region}도는 {1000 + n}억원 규모의 지역혁신 클러스터 사업을 추진한다고 밝혔다. "
            f"사업에는 {region}테크노파크와 대학 {n + 3}곳이 참여한다. {extra}")
    return {"id": f"a{n:03d}", "title": f"{region} 클러스터 {1000 + n}억원 투입", "body": body.strip(),
            "date": f"2025-{1 + n % 12:02d}-{10 + n % 15:02d}", "source": f"테스트일보{n % 3}"}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_round_trip_through_the_pipeline(pg_dsn, make_pg_writer, hash_embedder, tokenizer):
    w = make_pg_writer(pg_dsn, hash_embedder)
    t = ingest_paths(w, CORPUS).totals
    assert (t.added, t.updated, t.deleted, t.duplicates, t.teasers, t.chunks, t.embedded) == (41, 0, 0, 3, 2, 65, 64)
    report = w.check()
    assert report.ok and (report.generation, report.articles, report.chunks, report.dense_ids,
                          report.bm25_docs) == (1, 41, 65, 65, 65)
    again = ingest_paths(make_pg_writer(pg_dsn, hash_embedder), CORPUS)
    assert (again.files_unchanged, again.totals.unchanged, again.totals.added, again.totals.chunks) == (19, 41, 0, 0)
    r = PgRetriever(pg_dsn, hash_embedder, tokenizer)
    assert r.generation_number() == 1
    top = r.search("충북 지역혁신클러스터 2기", k=1)[0].chunk.article_id
    assert r.articles([top])[top].source_path.endswith("hanul_20250314_chungbuk_cluster.txt")
    r.close()


def test_updates_and_deletes_keep_bm25_and_times_right(pg_dsn, make_pg_writer, hash_embedder, tokenizer, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_jsonl(src / "f1.jsonl", [record(1), record(2), record(3)])
    write_jsonl(src / "f2.jsonl", [record(4), record(5)])
    w = make_pg_writer(pg_dsn, hash_embedder)
    assert ingest_paths(w, [src]).totals.added == 5
    r = PgRetriever(pg_dsn, hash_embedder, tokenizer)
    before = r.articles(["a001"])["a001"]
    between = utc_now()
    write_jsonl(src / "f1.jsonl", [record(1, "올해 반도체 장비 특화 과정도 새로 연다."), record(3), record(6)])
    t = ingest_paths(w, [src]).totals
    assert (t.added, t.updated, t.deleted, t.unchanged, t.chunks) == (1, 1, 1, 3, 2)
    after = r.articles(["a001"])["a001"]
    assert after.first_seen == before.first_seen and after.last_changed > before.last_changed
    assert [(c.article.article_id, c.status) for c in r.changes_since(between)] == [("a006", "new"),
                                                                                    ("a001", "changed")]
    assert [h.chunk.article_id for h in r.search("반도체 장비", k=3, mode="bm25")] == ["a001"]
    assert r.search("1002", mode="bm25") == []  # a002 is gone, and its words with it
    assert w.delete_articles(["a003", "없는-기사"]) == 1
    assert w.delete_sources([str((src / "f2.jsonl").resolve())]) == 2
    assert sorted(a.article_id for a, _ in r.iter_articles()) == ["a001", "a006"]
    report = w.check(full=True)
    assert report.ok and (report.generation, report.articles) == (4, 2), report.problems
    assert r.idf(["1006억원"]) == r.idf(["없는낱말"])  # an unknown token gets the rarest weight
    r.close()


def test_saved_briefings_replace_by_topic(pg_corpus, make_pg_writer, hash_embedder):
    w = make_pg_writer(pg_corpus, hash_embedder)
    first = SavedBriefing("바이오 클러스터", Filters(date_from="2024-01-01", regions=("충북",)),
                          "2026-01-01T00:00:00+00:00", 1, ("t02", "csv-001"))
    w.save_briefing(first)
    w.save_briefing(SavedBriefing("수소", Filters(), "2026-01-02T00:00:00+00:00", 1, ()))
    r = PgRetriever(pg_corpus, None, None)
    assert r.saved_briefing("바이오 클러스터") == first
    assert [b.topic for b in r.saved_briefings()] == ["수소", "바이오 클러스터"]
    newer = SavedBriefing("바이오 클러스터", Filters(), "2026-01-03T00:00:00+00:00", 1, ("t02",))
    w.save_briefing(newer)
    assert r.saved_briefing("바이오 클러스터") == newer and len(r.saved_briefings()) == 2
    assert r.saved_briefing("없는 주제") is None
    r.close()


def test_a_second_writer_waits_then_gets_a_message(pg_corpus, make_pg_writer, hash_embedder):
    holder = make_pg_writer(pg_corpus, hash_embedder)
    other = make_pg_writer(pg_corpus, hash_embedder, lock_wait_s=0.3)
    with holder._writing():
        with pytest.raises(IndexLockedError, match="다른 프로세스가 PostgreSQL 인덱스"):
            other.delete_articles(["t01"])
        no_wait = make_pg_writer(pg_corpus, hash_embedder, lock_wait_s=0.0)
        with pytest.raises(IndexLockedError):
            no_wait.save_briefing(SavedBriefing("주제", Filters(), "2026-01-01T00:00:00+00:00", 1, ()))
    assert other.delete_articles(["없는-기사"]) == 0  # the lock is free again


def test_check_finds_damage_and_repair_mends_it(pg_dsn, make_pg_writer, hash_embedder):
    w = make_pg_writer(pg_dsn, hash_embedder)
    ingest_paths(w, CORPUS)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        n, tokens = (int(conn.execute("SELECT value FROM meta WHERE key = %s", (k,)).fetchone()[0])
                     for k in ("n_chunks", "total_tokens"))
        conn.execute("INSERT INTO chunks(chunk_id, article_id, seq, start, \"end\", text, tokens, embedding) "
                     "SELECT 'ghost#000', 'ghost', 0, 0, 1, '유령 바이오', ARRAY['유령', '바이오'], embedding "
                     "FROM chunks LIMIT 1")
        conn.execute("UPDATE terms SET df = df + 1 WHERE term = '클러스터'")
        conn.execute("DROP INDEX chunks_tsv")
    report = w.check(full=True)
    assert report.problems == [
        "기사 없는 청크가 1개 있습니다.",
        f"BM25 통계(청크 {n}개, 토큰 {tokens}개)가 실제(청크 {n + 1}개, 토큰 {tokens + 2}개)와 다릅니다.",
        "BM25 문서 빈도가 청크와 다른 단어가 3개 있습니다.",  # 유령 (new), 바이오 (+1), 클러스터 (+1 in terms)
        "검색 색인 chunks_tsv이(가) 없거나 손상되었습니다."], report.problems
    assert w.check(full=False).problems == [p for p in report.problems if "문서 빈도" not in p]
    assert w.repair() == (1, 65)
    mended = w.check(full=True)
    assert mended.ok and (mended.generation, mended.chunks, mended.bm25_docs) == (2, 65, 65), mended.problems


def test_another_model_is_refused_and_build_switches_to_it(pg_dsn, make_pg_writer, hash_embedder, tokenizer):
    ingest_paths(make_pg_writer(pg_dsn, hash_embedder), CORPUS)
    other = HashEmbedder(dim=32)
    w = make_pg_writer(pg_dsn, other)
    with pytest.raises(IndexMismatchError, match="embed_model = 'hash-64' \\(인덱스\\) / 'hash-32' \\(현재 설정\\)"):
        w.check()
    with pytest.raises(IndexMismatchError, match="index build"):
        PgRetriever(pg_dsn, other, tokenizer)
    plain = KoreanTokenizer(tokenizer.kiwi, keep_pos=frozenset({"NNG"}))  # another tokenizer description
    with pytest.raises(IndexMismatchError, match="tokenizer"):
        PgRetriever(pg_dsn, hash_embedder, plain)
    before = PgRetriever(pg_dsn, hash_embedder, tokenizer)
    top = [h.chunk.chunk_id for h in before.search("송도 바이오", mode="bm25")]
    assert w.rebuild() == 65
    assert w.check().ok
    r = PgRetriever(pg_dsn, other, tokenizer)
    assert r.stats()["dim"] == 32 and r.generation_number() == 2
    assert [h.chunk.chunk_id for h in r.search("송도 바이오", mode="bm25")] == top
    assert len(r.search("송도 바이오", mode="dense", k=3)) == 3
    with pytest.raises(IndexMismatchError):
        before.search("송도 바이오")  # the old model's retriever notices the new generation
    for x in (r, before):
        x.close()


def child(dsn: str, src: Path, hold: int | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.backends.pg_ingest_child", dsn, str(src)]
    return subprocess.Popen(args + ([str(hold)] if hold is not None else []), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def wait_for(proc: subprocess.Popen, line: str) -> list[str]:
    seen = []
    while (got := proc.stdout.readline()) and got.strip() != line:
        seen.append(got.strip())
    if not got:
        raise RuntimeError(f"child ended before {line!r}: {seen} {proc.stderr.read()[-2000:]}")
    return seen


def ten_files(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for f in range(10):
        write_jsonl(src / f"f{f:02d}.jsonl", [record(3 * f + i) for i in range(3)])
    return src


def test_a_killed_writer_leaves_whole_batches_only(pg_dsn, tmp_path, kiwi):
    src = ten_files(tmp_path)
    proc = child(pg_dsn, src, hold=4)
    wait_for(proc, "inside 4")  # file 4's rows are written, its transaction is open
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    r = PgRetriever(pg_dsn, HashEmbedder(64), KoreanTokenizer(kiwi))
    ids = {a.article_id for a, _ in r.iter_articles()}
    assert ids == {f"a{n:03d}" for n in range(12)} and r.generation_number() == 4
    assert r.stats()["chunks"] == 12
    proc = child(pg_dsn, src)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and "done" in out, err[-2000:]
    assert {a.article_id for a, _ in r.iter_articles()} == {f"a{n:03d}" for n in range(30)}
    assert r.generation_number() == 10
    assert [h.chunk.article_id for h in r.search("1013억원", k=1, mode="bm25")] == ["a013"]
    from index.pg_writer import PgWriter  # the check as `index check` runs it, in this process

    checker = PgWriter(pg_dsn, tokenizer=KoreanTokenizer(kiwi), embedder=HashEmbedder(64), chunk_max_chars=200)
    report = checker.check(full=True)
    assert report.ok and (report.articles, report.chunks) == (30, 30), report.problems
    checker.close()
    r.close()


def test_a_reader_sees_other_processes_batches_without_restart(pg_dsn, tmp_path, kiwi):
    from config import Settings
    from engine import Engine

    src = ten_files(tmp_path)
    first = child(pg_dsn, src, hold=None)
    wait_for(first, "committed 1")  # one batch is in: the index exists
    settings = Settings(backend="postgres", database_url=pg_dsn, llm_provider="none", _env_file=None)
    reader = Engine(settings, tmp_path / "unused", KoreanTokenizer(kiwi), HashEmbedder(64))
    seen = reader.retriever.generation_number()
    assert 1 <= seen <= 10
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    assert reader.retriever.generation_number() == 10
    assert [h.chunk.article_id for h in reader.search("1029억원", k=1)] == ["a029"]
    extra = tmp_path / "extra"
    extra.mkdir()
    write_jsonl(extra / "g.jsonl", [record(77, "수소 트램 실증도 시작한다.")])
    writer = Engine(settings, tmp_path / "unused", KoreanTokenizer(kiwi), HashEmbedder(64))  # own connections
    assert writer.ingest([extra]).totals.added == 1
    assert reader.retriever.generation_number() == 11
    assert reader.search("수소 트램", k=1)[0].chunk.article_id == "a077"
    reader.close()
    writer.close()
