"""Embedding throughput of the default model: chunks/s by dtype and batch size, on real chunks.

Run: .venv/bin/python -m bench.embed [--chunks 64] [--batches 4 8 16 32 64] [--int8]

The chunks are the real ones ingest makes: the first articles of the fnnews and soynlp corpora
(../shared/corpora) cleaned and chunked by ingest/chunk.py, a seeded sample of --chunks of them,
so the sequence lengths are those of the real chunks (printed in tokens). Each (dtype, batch)
pair encodes the same chunks once after one warm-up batch, through the project's own embedder
(length-sorted batches, title in the prompt). --int8 adds torch dynamic int8 quantization of the
float32 model's Linear layers and its mean cosine to the float32 vectors.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from bench.common import CORPORA, machine_line, table


def real_chunks(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """(titles, texts) of n real chunks, sampled from the chunked news corpora."""
    from config import Settings
    from ingest.chunk import chunk_articles
    from ingest.load import make_articles, parse_file
    from wiring import build_tokenizer

    settings = Settings()
    kiwi = build_tokenizer(settings).kiwi
    articles = []
    for name in ("news_fnnews_2021_leads.jsonl", "news_soynlp_20161020.jsonl"):
        path = CORPORA / name
        parsed = parse_file(path, path.read_bytes()).articles[:300]
        articles += make_articles(parsed, str(path))[0]
    chunks = chunk_articles(kiwi, articles, settings.chunk_max_chars)
    pick = np.random.default_rng(seed).choice(len(chunks), size=min(n, len(chunks)), replace=False)
    return [chunks[i].title for i in pick], [chunks[i].text for i in pick]


def time_encode(embedder, titles, texts, batch: int) -> tuple[float, np.ndarray]:
    embedder.encode_documents(titles[:batch], texts[:batch], batch_size=batch)  # warm-up
    t0 = time.perf_counter()
    vecs = embedder.encode_documents(titles, texts, batch_size=batch)
    return len(texts) / (time.perf_counter() - t0), vecs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=64)
    ap.add_argument("--batches", type=int, nargs="+", default=[4, 8, 16, 32, 64])
    ap.add_argument("--dtypes", nargs="+", default=["bfloat16", "float32"])
    ap.add_argument("--int8", action="store_true", help="also time torch dynamic int8 quantization")
    args = ap.parse_args(argv)

    import torch

    from config import Settings
    from index.embed import cpu_has_native_bf16, load_embedder
    from index.model import resolve_model
    from wiring import model_cache_dir

    settings = Settings()
    path = resolve_model(settings.embed_model, model_cache_dir(settings))
    titles, texts = real_chunks(args.chunks)
    rows, vectors = [], {}
    lengths = None
    for dtype in args.dtypes:
        embedder = load_embedder(path, dtype=dtype)
        if lengths is None:
            inputs, prompt = embedder.format_documents(titles, texts)
            tok = embedder._model.tokenizer([prompt + x for x in inputs])["input_ids"]
            lengths = np.array([len(t) for t in tok])
        for batch in args.batches:
            rate, vecs = time_encode(embedder, titles, texts, batch)
            vectors.setdefault(dtype, vecs)
            rows.append({"dtype": dtype, "batch": batch, "chunks/s": rate, "ms/chunk": 1000 / rate})
            print(json.dumps(rows[-1]), flush=True)
        if dtype == "float32" and args.int8:
            # In place: the module's Linear layers become dynamically quantized int8 ones.
            torch.ao.quantization.quantize_dynamic(embedder._model[0].auto_model, {torch.nn.Linear},
                                                   dtype=torch.qint8, inplace=True)
            linear = type(next(m for m in embedder._model.modules() if "Linear" in type(m).__name__))
            print(f"int8: first Linear layer is now {linear.__module__}.{linear.__name__}", flush=True)
            for batch in args.batches:
                rate, vecs = time_encode(embedder, titles, texts, batch)
                vectors.setdefault("int8", vecs)
                rows.append({"dtype": "int8 (dynamic)", "batch": batch, "chunks/s": rate, "ms/chunk": 1000 / rate})
                print(json.dumps(rows[-1]), flush=True)
        del embedder
    ref = vectors.get("float32")
    for r in rows:
        key = "int8" if r["dtype"].startswith("int8") else r["dtype"]
        r["cosine to float32"] = (f"{np.mean(np.sum(vectors[key] * ref, axis=1)):.4f}"
                                  if ref is not None else "")
    print(f"embedding throughput · {len(texts)} real chunks, {lengths.mean():.0f} tokens mean "
          f"(p95 {np.percentile(lengths, 95):.0f}) · native bf16: {cpu_has_native_bf16()} · "
          f"torch threads {torch.get_num_threads()} · {machine_line()}")
    print(table(rows, ["dtype", "batch", "chunks/s", "ms/chunk", "cosine to float32"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
