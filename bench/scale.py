"""Search and answer latency, memory and disk per chunk on SYNTHETIC indexes of 10k to 1M chunks.

Run: .venv/bin/python -m bench.scale --sizes 10000 100000 1000000 [--queries 100] [--profile]
     .venv/bin/python -m bench.scale --backend embedded postgres --sizes 100000

Each size is built once by bench/synth.py into bench/work/scale/<size> (reused afterwards) and
measured in its own child process, so memory figures do not mix. Queries are real Korean
questions (bench/questions_seeds.jsonl, then KorQuAD 1.0 dev), each used once and timed one at
a time with its query embedding: the searcher's query-vector memo is cleared before every timed
call. Where the dense index is approximate (IVF-SQ8), recall@10 against exact inner-product
search over the same vectors is measured for several nprobe values.

With --backend postgres the same synthetic index is copied into PostgreSQL (bench/synth.py
load_into_postgres: catalog rows, Kiwi tokens, FAISS vectors as halfvec; HNSW and GIN built once)
on NEWSRAG_DATABASE_URL's server or a local one kept in bench/work/pg, and the same questions are
timed through Engine with NEWSRAG_BACKEND=postgres; the tables then put both backends side by side.

The corpus is SYNTHETIC (see bench/synth.py): real sentences recombined, real Kiwi tokens, and
chunk vectors that are means of real sentence vectors, not the model's vectors of each chunk.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import CORPORA, REPO, WORK, machine_line, table

RECALL_NPROBES = (16, 32, 64, 128, 256)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_questions(n: int) -> list[str]:
    """Distinct real questions: the seed questions first (bench/questions_seeds.jsonl), then every
    5th KorQuAD dev question."""
    seeds = [json.loads(x)["question"] for x in
             (REPO / "bench" / "questions_seeds.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    data = json.loads((CORPORA / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))["data"]
    korquad = [qa["question"] for d in data for p in d["paragraphs"] for qa in p["qas"]][::5]
    return list(dict.fromkeys(seeds + korquad))[:n]


def disk_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def measure(index_dir: Path, n_queries: int, profile_dir: Path | None) -> dict:
    """Load the index in this process and time search and ask; returns the figures."""
    from bench.synth import read_marker
    from config import Settings
    from engine import Engine
    from index import catalog as cat
    from index.store import gen_path

    settings = Settings()
    if settings.backend == "postgres":
        return measure_pg(settings, index_dir, n_queries)
    engine = Engine.load(settings, index_dir)
    engine.embedder.encode_queries(["모델 예열"])
    rss_model = rss_mib()
    t0 = time.perf_counter()
    searcher = engine.retriever
    open_s = time.perf_counter() - t0
    rss_index = rss_mib()
    questions = load_questions(n_queries + 3)
    for q in questions[:3]:  # warm-up: first-use costs (default filter, caches) are not per query
        engine.ask(q)
    questions = questions[3:]
    figures = _time_queries(engine, questions, profile_dir, index_dir.name)
    figures["filtered"] = _time_filtered(engine, questions[:max(10, len(questions) // 4)])
    gen = searcher.generation
    base = gen_path(index_dir, gen.number)
    n = gen.sparse.size
    marker = read_marker(index_dir)
    dense = gen.dense
    figures |= {
        "chunks": n, "articles": marker["info"]["articles"], "dense_type": gen.manifest["dense_type"],
        "nlist": getattr(dense, "nlist", 0), "nprobe": getattr(dense, "nprobe", 0),
        "open_s": open_s, "rss_model_mib": rss_model, "rss_index_mib": rss_index - rss_model,
        "disk": {"dense": disk_mib(base / "dense.faiss"), "bm25": disk_mib(base / "bm25"),
                 "catalog": sum(disk_mib(p) for p in index_dir.glob(cat.CATALOG_FILE + "*"))},
        "build": marker["info"], "queries": len(questions),
    }
    if figures["dense_type"] != "flat":
        figures["recall"] = recall_vs_exact(index_dir, engine, questions)
    figures["rss_peak_mib"] = _peak_rss_mib()
    return figures


def measure_pg(settings, index_dir: Path, n_queries: int) -> dict:
    """The same timings through Engine on the PostgreSQL copy of the index (NEWSRAG_DATABASE_URL)."""
    import psycopg

    from bench.synth import read_marker
    from engine import Engine

    engine = Engine.load(settings, index_dir)
    engine.embedder.encode_queries(["모델 예열"])
    t0 = time.perf_counter()
    retriever = engine.retriever
    open_s = time.perf_counter() - t0
    questions = load_questions(n_queries + 3)
    for q in questions[:3]:
        engine.ask(q)
    questions = questions[3:]
    figures = _time_queries(engine, questions, None, index_dir.name)
    figures["filtered"] = _time_filtered(engine, questions[:max(10, len(questions) // 4)])
    with psycopg.connect(settings.database_url.get_secret_value()) as conn:
        sizes = conn.execute("SELECT pg_database_size(current_database()), pg_relation_size('chunks_embedding'), "
                             "pg_relation_size('chunks_tsv'), pg_total_relation_size('chunks')").fetchone()
    return figures | {"chunks": retriever.stats()["chunks"], "articles": read_marker(index_dir)["info"]["articles"],
                      "dense_type": retriever.stats()["dense_type"], "open_s": open_s, "queries": len(questions),
                      "disk": {"database": sizes[0] / 2**20, "hnsw": sizes[1] / 2**20, "gin": sizes[2] / 2**20,
                               "chunks_table": sizes[3] / 2**20},
                      "rss_client_mib": rss_mib(), "rss_peak_mib": _peak_rss_mib()}


def _time_queries(engine, questions: list[str], profile_dir: Path | None, label: str) -> dict:
    searcher = engine.retriever
    profiler = _profiler(profile_dir)
    search, ask, extra = [], [], []
    parts = {"embed": [], "dense": [], "bm25": []}
    for q in questions:
        searcher.clear_query_vectors()
        t0 = time.perf_counter()
        engine.search(q)
        t1 = time.perf_counter()
        searcher.clear_query_vectors()  # the answer path is timed as a fresh question too
        t2 = time.perf_counter()
        engine.ask(q)
        t3 = time.perf_counter()
        search.append(1000 * (t1 - t0))
        ask.append(1000 * (t3 - t2))
        extra.append(ask[-1] - search[-1])
    # The first pass reads catalog pages from disk the first time (the 1M catalog is 3.5 GB); the
    # second pass, same questions with the query embedding redone, is what a warm server sees.
    warm = []
    for q in questions:
        searcher.clear_query_vectors()
        t0 = time.perf_counter()
        engine.search(q)
        warm.append(1000 * (time.perf_counter() - t0))
    if profiler is not None:
        _profile(profiler, profile_dir, f"{label}-search", lambda: [
            (searcher.clear_query_vectors(), engine.search(q)) for q in questions[:30]])
        _profile(_profiler(profile_dir), profile_dir, f"{label}-ask", lambda: [
            (searcher.clear_query_vectors(), engine.ask(q)) for q in questions[:30]])
    components = _pg_components if engine.settings.backend == "postgres" else _components
    for q in questions[:50]:
        for name, ms in components(searcher, q).items():
            parts[name].append(ms)
    return {"search_p50": statistics.median(search), "search_p95": percentile(search, 0.95),
            "search_warm_p50": statistics.median(warm), "search_warm_p95": percentile(warm, 0.95),
            "ask_p50": statistics.median(ask), "ask_p95": percentile(ask, 0.95),
            "answer_extra_p50": statistics.median(extra),
            **{f"{k}_p50": statistics.median(v) for k, v in parts.items()}}


def _components(searcher, q: str) -> dict[str, float]:
    """One query's embedding, dense search and BM25 search (tokenizing included), in ms."""
    from index.dense import search_dense
    from index.sparse import search_sparse
    from schema import Filters

    gen = searcher.generation
    with searcher_snapshot(searcher):
        allowed = searcher._allowed(gen, Filters())
    pool = max(searcher.params.min_pool, 5 * 8)
    t0 = time.perf_counter()
    qv = searcher.embedder.encode_queries([q])[0]
    t1 = time.perf_counter()
    search_dense(gen.dense, qv, pool, allowed.dense)
    t2 = time.perf_counter()
    search_sparse(gen.sparse, searcher.tokenizer([q])[0], pool, allowed.sparse)
    t3 = time.perf_counter()
    return {"embed": 1000 * (t1 - t0), "dense": 1000 * (t2 - t1), "bm25": 1000 * (t3 - t2)}


def _pg_components(retriever, q: str) -> dict[str, float]:
    """The same parts on PostgreSQL: the HNSW query and the BM25 query (tokenizing included)."""
    from schema import Filters

    pool = max(retriever.params.min_pool, 5 * 8)
    t0 = time.perf_counter()
    qv = retriever.embedder.encode_queries([q])[0]
    t1 = time.perf_counter()
    retriever.dense_ranking(qv, pool, Filters())
    t2 = time.perf_counter()
    retriever.bm25_ranking(retriever.tokenizer([q])[0], pool, Filters())
    t3 = time.perf_counter()
    return {"embed": 1000 * (t1 - t0), "dense": 1000 * (t2 - t1), "bm25": 1000 * (t3 - t2)}


def searcher_snapshot(searcher):
    from index import catalog as cat

    return cat.transaction(searcher.conn)


def _time_filtered(engine, questions: list[str]) -> dict:
    """Search p50 with a selective filter (one region, one year) and with teasers included."""
    from schema import Filters

    out = {}
    for name, f in (("region+year", Filters(regions=("서울",), date_from="2024-01-01", date_to="2024-12-31")),
                    ("main+teaser", Filters(kinds=("main", "teaser")))):
        engine.search(questions[0], filters=f)  # the filter's first use prepares it
        times = []
        for q in questions:
            engine.retriever.clear_query_vectors()
            t0 = time.perf_counter()
            engine.search(q, filters=f)
            times.append(1000 * (time.perf_counter() - t0))
        out[name] = statistics.median(times)
    return out


def recall_vs_exact(index_dir: Path, engine, questions: list[str], k: int = 10,
                    block: int = 100_000) -> dict:
    """recall@k of the IVF-SQ8 index against exact search (faiss IndexFlatIP, in blocks)."""
    import faiss

    from bench.synth import Recipe, load_pool, read_marker
    from index.dense import search_dense

    pool = load_pool()
    tw = read_marker(index_dir)["params"]["pool"]["title_weight"]
    recipe = Recipe.load(index_dir / "synthetic")
    queries = engine.embedder.encode_queries(questions).astype(np.float32)
    best_s = np.full((len(queries), k), -np.inf, np.float32)
    best_r = np.full((len(queries), k), -1, np.int64)
    for start in range(0, len(recipe.rows), block):  # never more than one block of vectors in memory
        stop = min(len(recipe.rows), start + block)
        flat = faiss.IndexFlatIP(queries.shape[1])
        flat.add(recipe.vectors(pool, start, stop, tw))
        s, i = flat.search(queries, k)
        del flat
        s_all = np.concatenate([best_s, s], axis=1)
        r_all = np.concatenate([best_r, recipe.rows[start + i]], axis=1)
        order = np.argsort(-s_all, axis=1, kind="stable")[:, :k]
        best_s, best_r = np.take_along_axis(s_all, order, 1), np.take_along_axis(r_all, order, 1)
    dense = engine.retriever.generation.dense
    default = dense.nprobe
    out = {}
    for nprobe in sorted({*RECALL_NPROBES, default}):
        dense.nprobe = nprobe
        found, tie_ok, times = [], [], []
        for q, exact_rows, exact_s in zip(queries, best_r, best_s, strict=True):
            t0 = time.perf_counter()
            rows, _ = search_dense(dense, q, k)
            times.append(1000 * (time.perf_counter() - t0))
            found.append(len(set(rows.tolist()) & set(exact_rows.tolist())) / k)
            # Near-duplicate copies share vectors: a tied row is as right as the one exact search kept.
            pos = np.searchsorted(recipe.rows, rows)
            scores = np.array([float(recipe.vectors(pool, int(p), int(p) + 1, tw)[0] @ q) for p in pos])
            tie_ok.append(float(np.sum(scores >= exact_s[-1] - 1e-5)) / k)
        out[nprobe] = {"recall": float(np.mean(found)), "recall_ties": float(np.mean(tie_ok)),
                       "dense_p50_ms": statistics.median(times), "default": nprobe == default}
    dense.nprobe = default
    return out


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _profiler(profile_dir: Path | None):
    if profile_dir is None:
        return None
    from pyinstrument import Profiler

    return Profiler(interval=0.001)


def _profile(profiler, profile_dir: Path, name: str, fn) -> None:
    profile_dir.mkdir(parents=True, exist_ok=True)
    profiler.start()
    fn()
    profiler.stop()
    (profile_dir / f"{name}.txt").write_text(profiler.output_text(unicode=False, color=False),
                                             encoding="utf-8")


def run_child(size: int, args, dsn: str | None = None) -> dict:
    """Measure one size in a fresh interpreter, so RSS holds one index and the model only; with dsn,
    through the PostgreSQL backend on that database."""
    out = WORK / "scale" / f"result-{size}{'-postgres' if dsn else ''}.json"
    cmd = [sys.executable, "-m", "bench.scale", "--child", str(size), "--queries", str(args.queries),
           "--out", str(out)] + (["--profile"] if args.profile and not dsn else [])
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    if dsn:
        env |= {"NEWSRAG_BACKEND": "postgres", "NEWSRAG_DATABASE_URL": dsn}
    subprocess.run(cmd, check=True, cwd=REPO, env=env)
    return json.loads(out.read_text(encoding="utf-8"))


def side_by_side(results: dict[tuple[int, str], dict]) -> str:
    """Search and ask latency of each backend at each size, and what PostgreSQL stores."""
    lat, store = [], []
    for (n, backend), r in results.items():
        lat.append({"chunks": f"{n:,}", "backend": backend, "dense": r["dense_type"],
                    "search p50 ms": r["search_p50"], "search p95 ms": r["search_p95"],
                    "2nd pass p50 / p95 ms": f"{r['search_warm_p50']:.0f} / {r['search_warm_p95']:.0f}",
                    "ask p50 ms": r["ask_p50"],
                    "embed / dense / bm25 p50 ms": f"{r['embed_p50']:.0f} / {r['dense_p50']:.1f} / {r['bm25_p50']:.1f}",
                    "filtered p50 ms (region+year / +teasers)":
                        f"{r['filtered']['region+year']:.0f} / {r['filtered']['main+teaser']:.0f}",
                    "open s": r["open_s"]})
        if backend == "postgres":
            d, load = r["disk"], r["load"]
            store.append({"chunks": f"{n:,}", "database MiB": round(d["database"]),
                          "database B/chunk": round(2**20 * d["database"] / n),
                          "HNSW B/chunk": round(2**20 * d["hnsw"] / n), "GIN B/chunk": round(2**20 * d["gin"] / n),
                          "copy s": load["copy_seconds"], "HNSW + GIN build s": load["index_seconds"]})
    lines = [f"scale, both backends · {next(iter(results.values()))['queries']} real questions a size, one at a "
             f"time · {machine_line()}", "", table(lat, list(lat[0]))]
    if store:
        lines += ["", table(store, list(store[0]))]
    return "\n".join(lines)


def report(results: dict[int, dict], pool_meta: dict) -> str:
    lat, mem, rec = [], [], []
    for n, r in results.items():
        lat.append({"chunks": f"{n:,}", "dense": r["dense_type"], "search p50 ms": r["search_p50"],
                    "search p95 ms": r["search_p95"],
                    "2nd pass p50 / p95 ms": f"{r['search_warm_p50']:.0f} / {r['search_warm_p95']:.0f}",
                    "ask p50 ms": r["ask_p50"],
                    "answer extra p50 ms": r["answer_extra_p50"],
                    "extra / search": r["answer_extra_p50"] / r["search_p50"],
                    "embed / dense / bm25 p50 ms": f"{r['embed_p50']:.0f} / {r['dense_p50']:.1f} / {r['bm25_p50']:.1f}",
                    "filtered p50 ms (region+year / +teasers)":
                        f"{r['filtered']['region+year']:.0f} / {r['filtered']['main+teaser']:.0f}"})
        d = r["disk"]
        mem.append({"chunks": f"{n:,}", "articles": f"{r['articles']:,}", "dense": r["dense_type"],
                    "RSS index MiB": round(r["rss_index_mib"]), "RSS B/chunk": round(2**20 * r["rss_index_mib"] / n),
                    "dense B/chunk": round(2**20 * d["dense"] / n), "BM25 B/chunk": round(2**20 * d["bm25"] / n),
                    "catalog B/chunk": round(2**20 * d["catalog"] / n), "open s": r["open_s"],
                    "build s": r["build"]["build_seconds"]})
        for nprobe, x in r.get("recall", {}).items():
            rec.append({"chunks": f"{n:,}", "nlist": r["nlist"],
                        "nprobe": f"{nprobe}{' (default)' if x['default'] else ''}",
                        "recall@10": x["recall"], "recall@10, ties counted": x["recall_ties"],
                        "dense search p50 ms": x["dense_p50_ms"]})
    r0 = next(iter(results.values()))
    lines = [f"scale · {r0['queries']} real questions a size, one at a time · {machine_line()}",
             f"SYNTHETIC corpus: {pool_meta['sentences']:,} real sentences and {pool_meta['titles']:,} real "
             "titles recombined (bench/synth.py); BM25 tokens are real Kiwi tokens; chunk vectors are the "
             "normalised mean of the real model's sentence vectors plus a title vector (mean cosine "
             f"{pool_meta.get('approx_cosine_mean', float('nan')):.3f} to the model's own chunk vector on "
             f"{pool_meta.get('calibration_chunks', 0)} chunks)", "",
             table(lat, list(lat[0])), "", table(mem, list(mem[0]))]
    if rec:
        lines += ["", table(rec, list(rec[0]))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--profile", action="store_true", help="write pyinstrument profiles to bench/work/scale/profiles")
    ap.add_argument("--backend", nargs="+", choices=("embedded", "postgres"), default=["embedded"],
                    help="backends to time (postgres: a copy of the synthetic index on PostgreSQL)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from bench.synth import build_scale_index, load_pool, scale_dir

    if args.child:
        figures = measure(scale_dir(args.child), args.queries,
                          WORK / "scale" / "profiles" if args.profile else None)
        args.out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
        return 0
    for n in args.sizes:
        build_scale_index(scale_dir(n), n)
    if args.backend == ["embedded"]:
        results = {n: run_child(n, args) for n in args.sizes}
        print(report(results, load_pool().meta))
        return 0
    from bench.synth import load_into_postgres, postgres_database
    from config import Settings

    both: dict[tuple[int, str], dict] = {}
    for n in args.sizes:
        for backend in args.backend:
            if backend == "embedded":
                both[(n, backend)] = run_child(n, args)
                continue
            with postgres_database(Settings(), f"scale_{n}", fresh=False) as dsn:
                load = load_into_postgres(scale_dir(n), dsn)
                both[(n, backend)] = run_child(n, args, dsn) | {"load": load}
    print(side_by_side(both))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
