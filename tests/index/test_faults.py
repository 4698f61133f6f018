"""Faults: SIGKILL at random moments, damaged files, a full disk and `python -m index check`."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from errors import IndexCorruptError, IndexMissingError, IndexWriteError
from index import catalog as cat
from index.check import check_index
from index.searcher import Searcher
from tests.conftest import REPO
from tests.indexing import ingest_paths

N_FILES, PER_FILE, TRIALS = 10, 3, 20
REGIONS = ["충북", "경남", "전북", "강원", "제주", "울산", "대구", "광주"]


def article(f: int, i: int) -> dict:
    n = 1000 + f * PER_FILE + i  # a number only this article mentions: its BM25 handle
    region = REGIONS[(f + i) % len(REGIONS)]
    body = " ".join([
        f"{region}도는 {n}억원 규모의 지역혁신 클러스터 사업을 추진한다고 밝혔다.",
        f"사업에는 {region}테크노파크와 지역 대학 {f + 3}곳이 참여한다.",
        f"도는 {2026 + i}년까지 입주 기업 {20 + f}곳의 기술개발과 실증을 지원할 계획이다.",
        f"관계자는 {n}억원 가운데 국비가 절반을 차지한다고 설명했다.",
    ])
    return {"id": f"k{f:02d}{i}", "title": f"{region} 클러스터 {n}억원 투입", "body": body,
            "date": f"2025-{1 + f % 12:02d}-{10 + i:02d}", "source": "테스트일보"}


@pytest.fixture(scope="module")
def kill_sources(tmp_path_factory) -> Path:
    """N_FILES JSONL files of PER_FILE articles each; the child commits one file per batch."""
    src = tmp_path_factory.mktemp("kill_src")
    for f in range(N_FILES):
        rows = [json.dumps(article(f, i), ensure_ascii=False) for i in range(PER_FILE)]
        (src / f"f{f:02d}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return src


def ids_of_file(f: int) -> set[str]:
    return {f"k{f:02d}{i}" for i in range(PER_FILE)}


PHASES = ("committed", "embedding", "publishing", "writing")


def run_child(idx: Path, src: Path, kill_at: tuple[str, int, float] | None) -> tuple[int, int]:
    """Run the writer process; with kill_at=(phase, n, s), SIGKILL it s seconds after it prints
    "<phase> n", i.e. while it reads, embeds, publishes or writes the files of file n.

    Returns (exit code, files reported committed).
    """
    proc = subprocess.Popen([sys.executable, "-m", "tests.index.ingest_child", str(idx), str(src)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    ready = proc.stdout.readline().strip()
    seen: list[str] = []
    if ready == "ready" and kill_at is not None:
        phase, n, delay = kill_at
        while (line := proc.stdout.readline()) and line.strip() != f"{phase} {n}":
            seen.append(line)
        seen.append(line)
        threading.Event().wait(delay)
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    if ready != "ready":
        raise RuntimeError(f"writer child failed to start: {ready!r} {err[-2000:]}")
    lines = "".join(seen).splitlines() + out.splitlines()
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]
    return proc.returncode, max(committed, default=0)


def catalog_ids(idx: Path) -> set[str]:
    conn = cat.connect(idx, readonly=True)
    try:
        return {r[0] for r in conn.execute("SELECT article_id FROM articles")}
    finally:
        conn.close()


def assert_searchable(idx: Path, ids: set[str], embedder, tokenizer) -> None:
    try:
        s = Searcher(idx, embedder, tokenizer)
    except IndexMissingError:
        assert not ids, "articles were committed but no generation is published"
        return
    for aid in sorted(ids):
        f, i = int(aid[1:3]), int(aid[3:])
        n = 1000 + f * PER_FILE + i
        hits = s.search(f"{n}억원", k=3, mode="bm25")
        assert hits and hits[0].chunk.article_id == aid, (aid, [h.chunk.article_id for h in hits])


def test_sigkill_at_20_moments_loses_nothing_committed(tmp_path, kill_sources, make_writer,
                                                        hash_embedder, tokenizer):
    ref = tmp_path / "reference"
    code, committed = run_child(ref, kill_sources, None)
    assert code == 0 and committed == N_FILES
    ref_report = check_index(ref)
    assert ref_report.ok, ref_report.problems
    rng = random.Random(20261202)
    for trial in range(TRIALS):
        idx = tmp_path / f"trial{trial:02d}"
        # Every phase of a file's write is hit, a random moment (0-20 ms) after it starts: reading,
        # Kiwi, embedding, the lock, SQLite, FAISS and BM25 files, fsync, rename, catalog commit.
        # Files 0..N-2 only: after them there is always a whole file left, so no kill comes too late.
        kill_at = (PHASES[trial % len(PHASES)], trial % (N_FILES - 1), 0.02 * rng.random())
        code, committed = run_child(idx, kill_sources, kill_at)
        assert code == -signal.SIGKILL, f"trial {trial}: the writer finished before the kill"
        present = catalog_ids(idx) if (idx / cat.CATALOG_FILE).exists() else set()
        durable = set().union(*(ids_of_file(f) for f in range(committed)))
        assert durable <= present, f"trial {trial}: committed articles lost"
        for f in range(N_FILES):  # each batch is all or nothing
            assert ids_of_file(f) <= present or not ids_of_file(f) & present, (trial, f)
        if present:
            report = check_index(idx)
            assert report.ok, (trial, report.problems)
        assert_searchable(idx, present, hash_embedder, tokenizer)
        # The interrupted run, re-run.
        ingest_paths(make_writer(idx, hash_embedder, chunk_max_chars=200), [kill_sources], batch_articles=1)
        report = check_index(idx)
        assert report.ok, (trial, report.problems)
        assert (report.articles, report.chunks) == (ref_report.articles, ref_report.chunks), trial
        assert report.dense_ids == report.bm25_docs == report.chunks


def build_small(idx: Path, make_writer, embedder, tmp_path: Path, n: int = 4):
    src = tmp_path / "small.jsonl"
    src.write_text("\n".join(json.dumps(article(90, i), ensure_ascii=False) for i in range(n)) + "\n",
                   encoding="utf-8")
    writer = make_writer(idx, embedder, chunk_max_chars=200)
    ingest_paths(writer, [src])
    writer.close()  # the last connection's close checkpoints the WAL into catalog.sqlite


def damage_dense(idx: Path) -> None:
    dense = next((idx / "gen").glob("*/dense.faiss"))
    dense.write_bytes(dense.read_bytes()[: dense.stat().st_size // 2])


def remove_bm25_file(idx: Path) -> None:
    next(p for p in (idx / "gen").glob("*/bm25/*") if p.suffix != ".npy").unlink()


def garble_manifest(idx: Path) -> None:
    next((idx / "gen").glob("*/manifest.json")).write_text("{not json", encoding="utf-8")


@pytest.mark.parametrize("damage", [damage_dense, remove_bm25_file, garble_manifest])
def test_damaged_generation_file_is_refused_then_repaired(tmp_path, make_writer, hash_embedder,
                                                          tokenizer, damage):
    idx = tmp_path / "idx"
    build_small(idx, make_writer, hash_embedder, tmp_path)
    before = [h.chunk.chunk_id for h in Searcher(idx, hash_embedder, tokenizer).search("1270억원", k=5)]
    damage(idx)
    with pytest.raises(IndexCorruptError, match="python -m index check --index .* --repair"):
        Searcher(idx, hash_embedder, tokenizer)
    assert not check_index(idx).ok
    writer = make_writer(idx, hash_embedder, chunk_max_chars=200)
    with pytest.raises(IndexCorruptError):  # no ingest on top of a damaged generation
        writer.delete_articles(["k900"])
    assert writer.repair() == (0, check_index(idx).chunks)
    assert check_index(idx).ok
    after = [h.chunk.chunk_id for h in Searcher(idx, hash_embedder, tokenizer).search("1270억원", k=5)]
    assert after == before


def damage_catalog_page(idx: Path) -> None:
    path = idx / cat.CATALOG_FILE
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle:middle + page] = b"\xa5" * page
    path.write_bytes(bytes(data))


def truncate_catalog(idx: Path) -> None:
    path = idx / cat.CATALOG_FILE
    path.write_bytes(path.read_bytes()[:100])


def test_cut_catalog_is_refused_at_load(tmp_path, make_writer, hash_embedder, tokenizer):
    idx = tmp_path / "idx"
    build_small(idx, make_writer, hash_embedder, tmp_path, n=40)
    assert not (idx / "catalog.sqlite-wal").exists()
    truncate_catalog(idx)
    with pytest.raises(IndexCorruptError, match="카탈로그.*잘렸습니다.*python -m ingest"):
        Searcher(idx, hash_embedder, tokenizer)
    report = check_index(idx)
    assert not report.ok and not report.catalog_ok


def test_overwritten_catalog_page_is_found_by_the_background_check(tmp_path, make_writer, hash_embedder,
                                                                    tokenizer):
    """A page overwritten in place keeps the file's size: loading does not read every page (that
    takes minutes at a million chunks); the background check does, and the next search says so."""
    idx = tmp_path / "idx"
    build_small(idx, make_writer, hash_embedder, tmp_path, n=40)
    damage_catalog_page(idx)
    s = Searcher(idx, hash_embedder, tokenizer)  # the page holds article text: loading does not read it
    assert s.wait_verified(60)
    with pytest.raises(IndexCorruptError, match="카탈로그.*python -m ingest"):
        s.search("1270억원", k=1)
    report = check_index(idx)
    assert not report.ok and not report.catalog_ok
    assert check_index(idx, full=False).catalog_ok  # the quick check reads no page it does not need


def orphan_and_lost_rows(idx: Path) -> None:
    """Disagreements no crash can cause, made by hand: an orphan chunk and a chunk FAISS lacks."""
    conn = sqlite3.connect(idx / cat.CATALOG_FILE)
    with conn:
        conn.execute('INSERT INTO chunks(chunk_id, article_id, seq, start, "end", text, tokens) '
                     "VALUES('ghost#000', 'ghost', 0, 0, 5, '유령 청크', '유령 청크')")
        conn.execute("DELETE FROM chunks WHERE row = (SELECT MIN(row) FROM chunks)")
    conn.close()


def test_check_reports_disagreement_and_repair_fixes_it(tmp_path, make_writer, hash_embedder):
    idx = tmp_path / "idx"
    build_small(idx, make_writer, hash_embedder, tmp_path)
    n_before = check_index(idx).chunks
    orphan_and_lost_rows(idx)
    problems = " ".join(check_index(idx).problems)
    assert "기사 없는 청크가 1개" in problems
    assert "FAISS에 카탈로그에 없는 청크 1개" in problems and "BM25에 카탈로그에 없는 청크 1개" in problems
    assert "카탈로그의 청크 1개가 FAISS에 없습니다" in problems  # the ghost row
    removed, indexed = make_writer(idx, hash_embedder, chunk_max_chars=200).repair()
    assert (removed, indexed) == (1, n_before - 1)
    report = check_index(idx)
    assert report.ok and report.chunks == report.dense_ids == report.bm25_docs == n_before - 1


def test_check_cli_reports_then_repairs(tmp_path, make_writer, embedder):
    idx = tmp_path / "idx"
    build_small(idx, make_writer, embedder, tmp_path, n=2)  # the real model: the CLI loads it
    damage_dense(idx)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "index", "check", "--index", str(idx), *args],
                              cwd=REPO, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONPATH": str(REPO)})

    bad = cli("--json")
    assert bad.returncode == 1 and "--repair" in bad.stderr
    assert "크기가 기록과 다름" in json.loads(bad.stdout)["problems"][0]
    fixed = cli("--repair", "--json")
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    out = json.loads(fixed.stdout)
    assert out["ok"] and out["chunks"] == out["dense_ids"] == out["bm25_docs"] > 0


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs: writes past it fail with a real ENOSPC."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip()}); "
                    "test_writer.py injects ENOSPC instead")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_keeps_the_previous_index(tmp_path, small_disk, make_writer, hash_embedder, tokenizer):
    idx = small_disk / "idx"
    build_small(idx, make_writer, hash_embedder, tmp_path)
    before = check_index(idx)
    big = tmp_path / "big.jsonl"
    body = "충북 바이오 클러스터에 관한 긴 보도자료 문장이 이어진다. " * 200
    big.write_text("\n".join(json.dumps({"id": f"big{i}", "title": f"대용량 {i}", "body": f"{i}번 {body}"},
                                        ensure_ascii=False) for i in range(300)) + "\n", encoding="utf-8")
    writer = make_writer(idx, hash_embedder, chunk_max_chars=200)
    with pytest.raises(IndexWriteError, match="디스크 공간이 부족해.*이전 인덱스는 그대로"):
        ingest_paths(writer, [big], max_file_bytes=2**30, batch_articles=1000)
    writer.close()
    after = check_index(idx)
    assert after.ok and (after.generation, after.articles, after.chunks) == (
        before.generation, before.articles, before.chunks)
    hits = Searcher(idx, hash_embedder, tokenizer).search("1270억원", k=1, mode="bm25")
    assert hits[0].chunk.article_id == "k900"
