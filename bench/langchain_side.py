"""KorQuAD 1.0 dev through the usual LangChain tutorial pipeline and through ours, side by side, in one run.

Run: .venv/bin/python -m bench.langchain_side [--limit N] [--latency-n 300] [--threads 1]
(`make bench-deps` first).
--limit N keeps the first N KorQuAD documents (all their paragraphs) and the questions about them.

Both pipelines index the same paragraphs (one article each, with its document title) and share one
embedding model object. LangChain reaches it through an Embeddings adapter that calls our
encode_documents/encode_queries, so the prompts are the same; LangChain's chunks carry no title to the
model ("title: none | text: …"), ours carry the real one.

- LangChain: RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50), FAISS.from_documents
  (its default IndexFlatL2; vectors are unit-length, so the order is the cosine order), BM25Retriever
  (rank_bm25, its default whitespace split) and EnsembleRetriever with equal weights (RRF, c=60).
  Every retriever returns POOL chunks.
- ours: bench/work/korquad_side, deleted first (never bench/work/korquad, whose embedding cache would
  make the build look free), searched with Searcher.search(k=10, one chunk per paragraph).

Build time: both builds embed every chunk from scratch, each through its own timing wrapper around
the shared model; "rest" is the build's wall time minus the embedding time (Kiwi loading, chunking,
BM25, FAISS, SQLite and writing files for ours). Quality: chunk hits are mapped to their paragraph
(first occurrence kept), cut at 10 and scored with index/evaluate.py. To save time the quality runs
read query vectors from a memo filled in batches (same model, same prompt for both pipelines); the
latency runs switch the memo off, so every timed query embeds its question, and they alternate
between the pipelines question by question so that load on a shared machine falls on both.
Memory: VmRSS growth across building and then holding each pipeline, read after gc and malloc_trim,
with every module imported and the model loaded and warmed up on the longest inputs beforehand.
LangChain's FAISS store can only be saved with pickle, so it gets no on-disk figure.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bench.common import WORK, machine_line, table, write_jsonl
from bench.korquad import load_korquad
from bench.latency import percentile
from index.evaluate import evaluate

POOL = 50  # chunks per retriever: what our Searcher pools for k=10
K = 10
SIDE = WORK / "korquad_side"
METRICS = ["nDCG@10", "Recall@1", "Recall@5", "Recall@10", "MRR@10"]

Ranker = Callable[[str], list[str]]  # question -> paragraph ids, best first


@dataclass
class Side:
    """One pipeline, built: its rankers by method and what building it cost."""

    name: str
    rankers: dict[str, Ranker]
    chunks: int
    build_s: float
    embed_s: float
    rss_mib: float = 0.0
    disk: str = "–"


class TimedEmbedder:
    """An Embedder that adds up the time spent embedding documents and can answer queries from a memo."""

    def __init__(self, inner, memo: dict[str, np.ndarray]) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.memo, self.use_memo, self.doc_seconds = memo, False, 0.0

    def encode_documents(self, titles, texts, batch_size=None, progress=None) -> np.ndarray:
        t0 = time.perf_counter()
        try:
            return self.inner.encode_documents(titles, texts, batch_size, progress)
        finally:
            self.doc_seconds += time.perf_counter() - t0

    def encode_queries(self, texts) -> np.ndarray:
        if not self.use_memo:
            return self.inner.encode_queries(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.inner.encode_queries(missing), strict=True))
        return np.stack([self.memo[t] for t in texts])


def load_langchain():
    """The LangChain classes, or None with a message when requirements-bench.txt is not installed."""
    try:
        from langchain_classic.retrievers import EnsembleRetriever
        from langchain_community.retrievers import BM25Retriever
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_core.embeddings import Embeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as e:
        print(f"error: this benchmark needs the LangChain bench packages ({e}); "
              "install them with `make bench-deps`", file=sys.stderr)
        return None
    return argparse.Namespace(EnsembleRetriever=EnsembleRetriever, BM25Retriever=BM25Retriever,
                              FAISS=FAISS, Document=Document, Embeddings=Embeddings,
                              RecursiveCharacterTextSplitter=RecursiveCharacterTextSplitter)


def langchain_embeddings(lc, embedder: TimedEmbedder, progress: Callable[[int], None]):
    class Adapter(lc.Embeddings):
        """Our model behind LangChain's interface: plain texts, so the document prompt has no title."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.encode_documents([""] * len(texts), texts, progress=progress).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.encode_queries([text])[0].tolist()

    return Adapter()


def build_langchain(lc, articles: list[dict], embedder: TimedEmbedder) -> Side:
    docs = [lc.Document(page_content=a["body"], metadata={"article_id": a["id"], "title": a["title"]})
            for a in articles]
    t0 = time.perf_counter()
    chunks = lc.RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_documents(docs)
    with tqdm(total=len(chunks), desc="LangChain embedding", unit="chunk", mininterval=10) as bar:
        store = lc.FAISS.from_documents(chunks, langchain_embeddings(lc, embedder, bar.update))
    dense = store.as_retriever(search_kwargs={"k": POOL})
    bm25 = lc.BM25Retriever.from_documents(chunks, k=POOL)
    hybrid = lc.EnsembleRetriever(retrievers=[dense, bm25], weights=[0.5, 0.5])
    build_s = time.perf_counter() - t0

    def ranker(retriever) -> Ranker:
        return lambda q: list(dict.fromkeys(d.metadata["article_id"] for d in retriever.invoke(q)))[:K]

    rankers = {"hybrid": ranker(hybrid), "dense": ranker(dense), "bm25": ranker(bm25)}
    return Side("LangChain tutorial", rankers, len(chunks), build_s, embedder.doc_seconds)


def build_ours(settings, articles: list[dict], embedder: TimedEmbedder) -> tuple[Side, object]:
    """A cache-less build into SIDE, then our Searcher over it."""
    from bench.common import build_index, open_searcher
    from wiring import build_tokenizer

    shutil.rmtree(SIDE, ignore_errors=True)
    source = write_jsonl(WORK / "korquad_side.jsonl", articles)
    t0 = time.perf_counter()
    tokenizer = build_tokenizer(settings)
    report, _ = build_index(SIDE, [source], settings, tokenizer=tokenizer, embedder=embedder)
    searcher = open_searcher(settings, SIDE, tokenizer, embedder)
    build_s = time.perf_counter() - t0

    def ranker(mode: str) -> Ranker:
        def search(q: str) -> list[str]:
            hits = searcher.search(q, k=K, mode=mode, collapse=False, per_article=1)
            return [h.chunk.article_id for h in hits]
        return search

    side = Side("newsrag", {m: ranker(m) for m in ("hybrid", "dense", "bm25")}, report.totals.chunks,
                build_s, embedder.doc_seconds, disk=disk_figure(SIDE))
    return side, searcher


def rss_mib() -> float:
    """Resident memory now, after returning freed memory to the system where glibc allows it."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_figure(folder: Path) -> str:
    sizes = {p.name: p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    cache = sum(s for n, s in sizes.items() if n.startswith("embed_cache"))
    return f"{(sum(sizes.values()) - cache) / 2**20:.1f} (+ {cache / 2**20:.1f} embedding cache)"


def score(sides: list[Side], queries, qrels) -> list[dict]:
    rows = []
    for side in sides:
        for method, rank in side.rankers.items():
            runs = {qid: rank(text) for qid, text in tqdm(queries, desc=f"{side.name} {method}",
                                                          mininterval=30)}
            rows.append({"pipeline": side.name, "method": method} | evaluate(runs, qrels))
    return rows


def time_queries(sides: list[Side], questions: list[str], searcher) -> dict[str, list[float]]:
    """Milliseconds per hybrid query, query embedding included, pipelines alternating."""
    times: dict[str, list[float]] = {s.name: [] for s in sides}
    for side in sides:
        side.rankers["hybrid"]("워밍업 질의")
    for q in questions:
        for side in sides:
            searcher._query_vectors.clear()  # our Searcher memoises query vectors: time a fresh one
            t0 = time.perf_counter()
            side.rankers["hybrid"](q)
            times[side.name].append(1000 * (time.perf_counter() - t0))
    return times


def summary(sides: list[Side], scores: list[dict], times: dict[str, list[float]]) -> str:
    by = {(r["pipeline"], r["method"]): r for r in scores}
    rows: list[dict] = [{"": "chunks"} | {s.name: str(s.chunks) for s in sides}]
    for m in METRICS:
        rows.append({"": f"hybrid {m}"} | {s.name: by[s.name, "hybrid"][m] for s in sides})
    for method in ("dense", "bm25"):
        rows.append({"": f"{method} only nDCG@10"} | {s.name: by[s.name, method]["nDCG@10"] for s in sides})
    rows += [
        {"": "build, wall s (no embedding cache)"} | {s.name: f"{s.build_s:.1f}" for s in sides},
        {"": "… embedding s (chunks/s)"}
        | {s.name: f"{s.embed_s:.1f} ({s.chunks / max(s.embed_s, 1e-9):.2f})" for s in sides},
        {"": "… everything else s"} | {s.name: f"{s.build_s - s.embed_s:.1f}" for s in sides},
        {"": "query p50 / p95 ms (one at a time)"}
        | {s.name: f"{statistics.median(times[s.name]):.0f} / {percentile(times[s.name], 0.95):.0f}"
           for s in sides},
        {"": "RSS growth, build + hold, MiB"} | {s.name: f"{s.rss_mib:.0f}" for s in sides},
        {"": "on disk MiB"} | {s.name: s.disk for s in sides},
    ]
    return table(rows, ["", *(s.name for s in sides)])


def built(side: Side) -> str:
    return (f"{side.name}: {side.chunks} chunks built in {side.build_s:.1f}s, embedding "
            f"{side.embed_s:.1f}s, RSS +{side.rss_mib:.0f} MiB")


def select(limit: int | None):
    """Paragraphs of the first `limit` documents and the questions about them (all when None)."""
    articles, queries, qrels = load_korquad(None)
    if limit:
        articles = [a for a in articles if int(a["id"].split("-")[1]) < limit]
        kept = {a["id"] for a in articles}
        queries = [(q, t) for q, t in queries if next(iter(qrels[q])) in kept]
    return articles, queries, {q: qrels[q] for q, _ in queries}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="first N KorQuAD documents only")
    ap.add_argument("--latency-n", type=int, default=300, help="questions timed one at a time")
    ap.add_argument("--threads", type=int,
                    help="torch CPU threads for the shared model (default: torch's own choice); "
                         "1 holds up far better on a busy shared machine")
    args = ap.parse_args(argv)
    lc = load_langchain()
    if lc is None:
        return 1
    from config import Settings
    from wiring import build_embedder  # every module is imported before the memory baselines

    settings = Settings()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    articles, queries, qrels = select(args.limit)
    model, memo = build_embedder(settings), {}
    longest = sorted((a["body"] for a in articles), key=len, reverse=True)[:16]
    model.encode_documents([""] * len(longest), [b[:600] for b in longest])  # grow torch's buffers now
    model.encode_queries(["워밍업 질의"])
    embedders = [TimedEmbedder(model, memo), TimedEmbedder(model, memo)]
    base = rss_mib()
    lc_side = build_langchain(lc, articles, embedders[0])
    lc_side.rss_mib = rss_mib() - base
    print(built(lc_side), flush=True)
    base = rss_mib()
    ours, searcher = build_ours(settings, articles, embedders[1])
    ours.rss_mib = rss_mib() - base
    print(built(ours), flush=True)
    sides = [lc_side, ours]

    t0 = time.perf_counter()
    texts = [t for _, t in queries]
    memo.update(zip(texts, model.encode_queries(texts), strict=True))
    for e in embedders:
        e.use_memo = True
    scores = score(sides, queries, qrels)
    for e in embedders:
        e.use_memo = False
    step = max(1, len(texts) // args.latency_n)
    times = time_queries(sides, texts[::step][:args.latency_n], searcher)
    print(f"\nKorQuAD 1.0 dev · {len(queries)} questions · {len(articles)} paragraphs · "
          f"{len(times[ours.name])} timed queries · {machine_line()} · "
          f"torch threads {torch.get_num_threads()} · "
          f"scoring and timing took {time.perf_counter() - t0:.0f}s")
    print(summary(sides, scores, times))
    print()
    print(table(scores, ["pipeline", "method", *METRICS]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
