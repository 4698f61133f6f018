"""Ingestion throughput end to end, with and without the embedding model.

Run: .venv/bin/python -m bench.ingest [--corpus news_soynlp_20161020.jsonl] [--real]
Without --real the embedder is the hashing stand-in, so the figure is everything but the model:
reading, cleaning, splitting, Kiwi, dedup, BM25, FAISS and the SQLite catalog. With --real it also
reports the share of wall time spent inside the model.
"""

from __future__ import annotations

import argparse
import shutil
import time

from bench.common import CORPORA, WORK, machine_line, table


class TimedEmbedder:
    """Delegates to an embedder and adds up the seconds spent inside encode_documents."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds = inner, 0.0
        self.name, self.dim = inner.name, inner.dim

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_documents(self, titles, texts, batch_size=None, progress=None):
        t0 = time.perf_counter()
        try:
            return self.inner.encode_documents(titles, texts, batch_size=batch_size, progress=progress)
        finally:
            self.seconds += time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    from bench.common import build_index
    from config import Settings
    from index.embed import HashEmbedder
    from wiring import build_embedder, build_tokenizer

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default="news_soynlp_20161020.jsonl")
    ap.add_argument("--real", action="store_true", help="embed with the configured model")
    args = ap.parse_args(argv)
    settings = Settings()
    idx = WORK / "ingest_bench"
    shutil.rmtree(idx, ignore_errors=True)
    tokenizer = build_tokenizer(settings)
    embedder = TimedEmbedder(build_embedder(settings) if args.real else HashEmbedder(768))
    report, wall = build_index(idx, [CORPORA / args.corpus], settings, progress=False, tokenizer=tokenizer,
                               embedder=embedder, batch_articles=256)
    t = report.totals
    row = {"corpus": args.corpus, "embedder": embedder.name, "articles": t.added, "chunks": t.chunks,
           "wall s": wall, "articles/s": t.added / wall, "chunks/s": t.chunks / wall,
           "model share": embedder.seconds / wall}
    print(f"ingest · {machine_line()}")
    print(table([row], list(row)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
