"""Concurrent use: 8 threads asking through one Engine, and readers while a writer publishes."""

from __future__ import annotations

import json
import shutil
import threading

from bench.load import run_load, seed_questions
from config import Settings
from engine import Engine
from index import catalog as cat
from index.searcher import Searcher
from tests.conftest import REPO
from tests.index.test_faults import article
from tests.indexing import ingest_paths


def test_eight_threads_asking_for_a_while(sample_index, tokenizer, embedder, tmp_path):
    """The CI-sized run of bench/load.py (the full one is 60 s against 100k chunks)."""
    idx = tmp_path / "idx"
    shutil.copytree(sample_index, idx)
    engine = Engine(Settings(index_dir=idx, llm_provider="none", _env_file=None), idx, tokenizer, embedder)
    questions = seed_questions() + [json.loads(line)["question"] for line in
                                    (REPO / "bench" / "questions_sample.jsonl")
                                    .read_text(encoding="utf-8").splitlines() if line.strip()]
    # Bounded by count, not time (the time cap only guards a hang): the same work however busy the
    # machine is.
    result = run_load(engine.ask, questions, threads=8, seconds=900, warmup_rounds=1, asks_per_thread=5)
    print(result.row())
    assert not result.errors, result.errors[0]
    assert len(result.latencies_ms) == 8 * 5 and result.empty == 0
    # Caches are bounded and model batches are padded to a few shapes (index/embed.py): what a warm
    # process holds must not keep growing under load. Measured on the 2-core machine: +9 MB in
    # all, none over the second half; before the padding, memory grew by ~5 MB a second.
    assert result.rss_end_mb - result.rss_warm_mb < 150, result.row()
    assert result.rss_growth_second_half() < 50, result.rss_timeline


def test_readers_see_whole_generations_while_a_writer_publishes(tmp_path, make_writer, hash_embedder,
                                                                tokenizer):
    idx = tmp_path / "idx"
    src = tmp_path / "src"
    src.mkdir()
    for f in range(8):
        (src / f"f{f}.jsonl").write_text("\n".join(json.dumps(article(f, i), ensure_ascii=False)
                                                   for i in range(3)) + "\n", encoding="utf-8")
    first = src / "f0.jsonl"
    ingest_paths(make_writer(idx, hash_embedder, chunk_max_chars=200), [first])
    searcher = Searcher(idx, hash_embedder, tokenizer)
    seen, problems, stop = set(), [], threading.Event()

    def read_one() -> None:
        with cat.transaction(searcher.conn):
            gen = searcher._refresh()
            n_chunks = cat.count_chunks(searcher.conn)
            n_articles = searcher.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            if not (gen.manifest["chunk_count"] == n_chunks == gen.dense.ntotal == gen.sparse.size):
                problems.append((gen.number, n_chunks, gen.dense.ntotal, gen.sparse.size))
            if n_articles % 3:
                problems.append(("half a batch visible", n_articles))
            seen.add(gen.number)
        hits = searcher.search("클러스터 사업비", k=5)
        if not hits or any(h.chunk.text == "" for h in hits):
            problems.append(("bad hits", [h.chunk.chunk_id for h in hits]))

    def read() -> None:
        while not stop.is_set():
            read_one()

    read_one()  # the first generation, before the writer starts
    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        ingest_paths(make_writer(idx, hash_embedder, chunk_max_chars=200), [src], batch_articles=1)
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=60)
    read_one()  # the last generation, after the writer is done
    assert not problems, problems[:5]
    assert min(seen) == 1 and max(seen) == 8  # one generation a file: the first and the last were read
