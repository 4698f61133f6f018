"""Embedding throughput in-process vs through Ray Data (index/cluster.py): chunks/s and start-up costs.

Run: .venv/bin/python -m bench.ray_embed [--chunks 64] [--actors 1 2] [--address local]

The chunks are real ones (the first articles of the fnnews and soynlp corpora in ../shared/corpora,
chunked as ingest does; data/sample when the corpora are absent), sampled with a fixed seed. Each
row embeds all of them once into an empty embedding cache: in-process through CachedEmbedder (the
model already loaded, as in an ingest), then through RayChunkEmbedder with a fresh actor pool per
row, so a Ray row's time includes starting its actors and loading the model in each of them, and
in-process once more at the end, to show how far the machine's load drifted meanwhile. "after the
first batch" is the rate once the first batch is back, given for one actor only (with several, the
blocks that finished meanwhile are held back for order and arrive together). On one machine Ray can
only add work (the same cores, a second copy of the model, object transfers); it pays off with
several nodes or GPUs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import CORPORA, REPO, machine_line, table


def real_chunks(n: int, seed: int = 7):
    """n Chunk records sampled from the chunked news corpora (or data/sample)."""
    from config import Settings
    from ingest.chunk import chunk_articles
    from ingest.load import make_articles, parse_file
    from wiring import build_tokenizer

    settings = Settings()
    kiwi = build_tokenizer(settings).kiwi
    paths = [CORPORA / name for name in ("news_fnnews_2021_leads.jsonl", "news_soynlp_20161020.jsonl")]
    if not all(p.is_file() for p in paths):
        paths = sorted((REPO / "data" / "sample").glob("*.jsonl"))
    articles = []
    for path in paths:
        parsed = parse_file(path, path.read_bytes()).articles[:300]
        articles += make_articles(parsed, str(path))[0]
    chunks = chunk_articles(kiwi, articles, settings.chunk_max_chars)
    pick = np.random.default_rng(seed).choice(len(chunks), size=min(n, len(chunks)), replace=False)
    return [chunks[i] for i in pick]


class Clock:
    """progress(done, total) that notes when the first vectors came back."""

    def __init__(self) -> None:
        self.start, self.first, self.first_n, self.n = time.perf_counter(), None, 0, 0

    def __call__(self, done: int, total: int) -> None:
        self.n += done
        if done and self.first is None:
            self.first, self.first_n = time.perf_counter(), done


def run_row(label: str, embedder, chunks, reference: np.ndarray | None,
            start_s: float | None, steady: bool = True) -> tuple[dict, np.ndarray]:
    clock = Clock()
    vectors = embedder.embed_chunks(chunks, clock)
    end = time.perf_counter()
    total = end - clock.start
    first = (clock.first or end) - clock.start
    rest = len(chunks) - clock.first_n
    row = {"how": label, "start s": "" if start_s is None else start_s, "first batch s": first,
           "embed s": total, "chunks/s": len(chunks) / total,
           "chunks/s after the first batch": rest / (end - clock.first) if steady and clock.first and rest else "",
           "min cosine to in-process": ("" if reference is None
                                        else f"{np.sum(vectors * reference, axis=1).min():.6f}")}
    print(row, flush=True)
    return row, vectors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=64)
    ap.add_argument("--actors", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--address", default="local", help="local (a private Ray on this machine), auto, host:port")
    args = ap.parse_args(argv)

    import torch

    from config import Settings
    from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache
    from index.cluster import EmbedSpec, RayChunkEmbedder, ray_session, resolve_dtype
    from index.model import resolve_model
    from wiring import build_embedder, model_cache_dir

    settings = Settings()
    load_before = os.getloadavg()[0]
    chunks = real_chunks(args.chunks)
    t0 = time.perf_counter()
    embedder = build_embedder(settings)
    load_s = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    rows = []
    cache = EmbeddingCache(work / "in-process" / CACHE_FILE)
    row, reference = run_row(f"in-process (torch threads {torch.get_num_threads()})",
                             CachedEmbedder(embedder, cache), chunks, None, load_s)
    rows.append(row)
    cache.close()

    model = resolve_model(settings.embed_model, model_cache_dir(settings))
    spec = EmbedSpec(model, embedder.name, embedder.dim, resolve_dtype(settings.embed_dtype), settings.embed_dim,
                     settings.embed_batch_size, local=Path(model).is_dir())
    t0 = time.perf_counter()
    with ray_session(args.address):
        init_s = time.perf_counter() - t0
        for actors in args.actors:
            cache = EmbeddingCache(work / f"ray-{actors}" / CACHE_FILE)
            with RayChunkEmbedder(spec, cache, args.address, actors=actors,
                                  format_documents=embedder.format_documents) as on_ray:
                row, _ = run_row(f"Ray {args.address}, {actors} actor(s)", on_ray, chunks, reference,
                                 init_s if actors == args.actors[0] else None, steady=actors == 1)
                rows.append(row)
            cache.close()
    cache = EmbeddingCache(work / "in-process-again" / CACHE_FILE)
    rows.append(run_row("in-process, again", CachedEmbedder(embedder, cache), chunks, reference, None)[0])
    cache.close()
    lengths = [len(c.title) + len(c.text) for c in chunks]
    print(f"in-process vs Ray Data embedding · {len(chunks)} real chunks ({np.mean(lengths):.0f} characters "
          f"with title, mean) · batch {settings.embed_batch_size} · {spec.dtype} · load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after · {machine_line()}")
    print("start s: model load in-process; ray.init for Ray. Ray rows include starting the actors and "
          "loading the model in each.")
    shutil.rmtree(work, ignore_errors=True)
    print(table(rows, ["how", "start s", "first batch s", "embed s", "chunks/s", "chunks/s after the first batch",
                       "min cosine to in-process"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
