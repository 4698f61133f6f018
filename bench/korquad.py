"""KorQuAD 1.0 dev as a retrieval benchmark: question -> its paragraph; dense, BM25 and hybrid.

Run: .venv/bin/python -m bench.korquad [--limit N] [--tune]
Each paragraph is ingested as one article (id kq-<doc>-<para>); the first build embeds ~1,900
chunks (minutes on 2 cores; cached afterwards in bench/work/korquad).
"""

from __future__ import annotations

import argparse
import json
import time

from bench.common import CORPORA, WORK, build_index, machine_line, table, write_jsonl
from index import catalog as cat
from index.dense import search_dense
from index.evaluate import evaluate
from index.hybrid import rrf
from index.sparse import search_sparse

POOL = 100


def load_korquad(limit: int | None):
    data = json.loads((CORPORA / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))["data"]
    articles, queries, qrels = [], [], {}
    for d, doc in enumerate(data):
        for p, para in enumerate(doc["paragraphs"]):
            aid = f"kq-{d:03d}-{p:02d}"
            articles.append({"id": aid, "title": doc["title"], "body": para["context"]})
            for qa in para["qas"]:
                queries.append((qa["id"], qa["question"]))
                qrels[qa["id"]] = {aid: 1.0}
    if limit:
        queries = queries[:limit]
    return articles, queries, qrels


def rankings(searcher, queries, batch: int = 64):
    """Dense and BM25 row rankings for every query (query vectors embedded in batches)."""
    gen = searcher.generation
    dense, sparse, t_embed = [], [], 0.0
    for i in range(0, len(queries), batch):
        texts = [q for _, q in queries[i:i + batch]]
        t0 = time.perf_counter()
        vecs = searcher.embedder.encode_queries(texts)
        t_embed += time.perf_counter() - t0
        toks = searcher.tokenizer(texts)
        for v, t in zip(vecs, toks, strict=True):
            dense.append(search_dense(gen.dense, v, POOL)[0].tolist())
            sparse.append(search_sparse(gen.sparse, t, POOL)[0].tolist())
    return dense, sparse, t_embed / max(1, len(queries))


def to_articles(conn, ranked_rows: list[list[int]]) -> list[list[str]]:
    every = {r for rows in ranked_rows for r in rows}
    owner = {r: g[0] for r, g in cat.row_groups(conn, every).items()}
    return [list(dict.fromkeys(owner[r] for r in rows if r in owner)) for rows in ranked_rows]


def fuse(dense, sparse, wd: float, wb: float, k: int):
    return [[r for r, _ in rrf([d, s], [wd, wb], k=k)] for d, s in zip(dense, sparse, strict=True)]


def main(argv: list[str] | None = None) -> int:
    from bench.common import open_searcher
    from config import Settings
    from wiring import build_embedder, build_tokenizer

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, help="first N questions only")
    ap.add_argument("--tune", action="store_true", help="grid-search fusion weights on half the questions")
    ap.add_argument("--answers", type=int, default=0,
                    help="also check extractive answers on every Nth question (e.g. 10)")
    args = ap.parse_args(argv)
    settings = Settings()
    articles, queries, qrels = load_korquad(args.limit)
    idx = WORK / "korquad"
    report, secs = build_index(idx, [write_jsonl(WORK / "korquad.jsonl", articles)], settings)
    print(f"build: {report.totals.added} articles, {report.totals.chunks} chunks, "
          f"{report.totals.embedded} embedded in {secs:.1f}s")
    searcher = open_searcher(settings, idx, build_tokenizer(settings), build_embedder(settings))
    dense, sparse, embed_s = rankings(searcher, queries)
    runs = {"dense": dense, "bm25": sparse,
            "hybrid": fuse(dense, sparse, settings.dense_weight, settings.bm25_weight, settings.rrf_k)}
    rows = []
    for name, ranked in runs.items():
        metrics = evaluate(dict(zip((q for q, _ in queries), to_articles(searcher.conn, ranked),
                                    strict=True)), qrels_for(queries, qrels))
        rows.append({"method": name} | metrics)
    print(f"\nKorQuAD 1.0 dev retrieval · {len(queries)} questions · {len(articles)} paragraphs · "
          f"{machine_line()} · query embedding {1000 * embed_s:.1f} ms/query (batched)")
    print(table(rows, ["method", "nDCG@10", "Recall@1", "Recall@5", "Recall@10", "Recall@100", "MRR@10"]))
    if args.tune:
        tune(searcher, queries, qrels, dense, sparse)
    if args.answers:
        check_answers(settings, idx, load_answers(), queries[::args.answers])
    return 0


def load_answers() -> dict[str, list[str]]:
    data = json.loads((CORPORA / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))["data"]
    return {qa["id"]: [a["text"] for a in qa["answers"]]
            for doc in data for para in doc["paragraphs"] for qa in para["qas"]}


def check_answers(settings, idx, golds: dict[str, list[str]], queries) -> None:
    """Share of questions whose gold answer string is inside the answer's cited sentences."""
    from engine import Engine

    engine = Engine.load(settings, idx)
    found = answered = 0
    times = []
    for qid, text in queries:
        t0 = time.perf_counter()
        a = engine.ask(text)
        times.append(time.perf_counter() - t0)
        answered += a.answerable
        found += any(g in c.quote for g in golds[qid] for c in a.citations)
    n = len(queries)
    times.sort()
    print(f"\nExtractive answers on {n} KorQuAD dev questions (every question of the sample has an answer):")
    print(table([{"questions": n, "gold string in cited sentences": found / n, "answered": answered / n,
                  "ask p50 ms": 1000 * times[n // 2]}],
                ["questions", "gold string in cited sentences", "answered", "ask p50 ms"]))


def qrels_for(queries, qrels):
    return {q: qrels[q] for q, _ in queries}


def tune(searcher, queries, qrels, dense, sparse) -> None:
    """Fusion weights chosen on even-numbered questions, reported on odd-numbered ones."""
    half = [i for i in range(len(queries)) if i % 2 == 0]
    held = [i for i in range(len(queries)) if i % 2 == 1]
    rows = []
    for k in (10, 30, 60):
        for wd, wb in ((1, 1), (1, 0.5), (1, 0.75), (0.75, 1), (0.5, 1), (1, 1.5)):
            fused = to_articles(searcher.conn, fuse(dense, sparse, wd, wb, k))
            score = {}
            for name, ids in (("tune", half), ("held-out", held)):
                sub = [queries[i] for i in ids]
                m = evaluate({q: fused[i] for q, i in zip((q for q, _ in sub), ids, strict=True)},
                             qrels_for(sub, qrels))
                score[name] = m
            rows.append({"rrf_k": k, "w_dense": wd, "w_bm25": wb,
                         "tune nDCG@10": score["tune"]["nDCG@10"], "tune R@1": score["tune"]["Recall@1"],
                         "held-out nDCG@10": score["held-out"]["nDCG@10"],
                         "held-out R@1": score["held-out"]["Recall@1"]})
    rows.sort(key=lambda r: -r["tune nDCG@10"])
    print("\nFusion grid (RRF), chosen on the tuning half:")
    print(table(rows, list(rows[0])))



if __name__ == "__main__":
    raise SystemExit(main())
