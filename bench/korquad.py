"""KorQuAD 1.0 dev as a retrieval benchmark: question -> its paragraph; dense, BM25 and hybrid.

Run: .venv/bin/python -m bench.korquad [--limit N] [--tune] [--backend embedded postgres]
                                       [--answers 10 [--answers-start 0 5]]
Each paragraph is ingested as one article (id kq-<doc>-<para>); the first build embeds ~1,900
chunks (minutes on 2 cores; cached afterwards in bench/work/korquad). With --backend postgres the
same JSONL goes through the pipeline into PostgreSQL (NEWSRAG_DATABASE_URL, or a local server in
bench/work/pg), its vectors copied from the embedded index's cache: the model embeds nothing again.
Both backends are ranked with the same query vectors and Kiwi tokens. --answers N checks the
extractive answers on every Nth question; the sample from question 0 is the one the answerer's
rules were developed on, the one from question 5 (--answers-start 0 5) is held out.
"""

from __future__ import annotations

import argparse
import json
import time
from contextlib import contextmanager, nullcontext

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


def query_inputs(embedder, tokenizer, queries, batch: int = 64):
    """Every query's vector (embedded in batches) and Kiwi tokens, and the embedding time per query."""
    vecs, toks, t_embed = [], [], 0.0
    for i in range(0, len(queries), batch):
        texts = [q for _, q in queries[i:i + batch]]
        t0 = time.perf_counter()
        vecs.extend(embedder.encode_queries(texts))
        t_embed += time.perf_counter() - t0
        toks.extend(tokenizer(texts))
    return vecs, toks, t_embed / max(1, len(queries))


def rankings(searcher, vecs, toks):
    """Dense and BM25 row rankings of the embedded backend."""
    gen = searcher.generation
    return ([search_dense(gen.dense, v, POOL)[0].tolist() for v in vecs],
            [search_sparse(gen.sparse, t, POOL)[0].tolist() for t in toks])


def pg_rankings(retriever, vecs, toks):
    """The same rankings from the PostgreSQL backend (HNSW, BM25 in SQL)."""
    return ([[r for r, _ in retriever.dense_ranking(v, POOL)] for v in vecs],
            [[r for r, _ in retriever.bm25_ranking(t, POOL)] for t in toks])


def to_articles(owners, ranked_rows: list[list[int]]) -> list[list[str]]:
    """Rankings of rows as rankings of articles; owners(rows) -> {row: article id}."""
    every = {r for rows in ranked_rows for r in rows}
    owner = owners(every)
    return [list(dict.fromkeys(owner[r] for r in rows if r in owner)) for rows in ranked_rows]


def embedded_owners(conn):
    return lambda rows: {r: g[0] for r, g in cat.row_groups(conn, rows).items()}


def pg_owners(retriever):
    return lambda rows: {r: c.article_id for r, c in retriever.chunks(sorted(rows)).items()}


@contextmanager
def postgres_index(settings, idx, sources, tokenizer, embedder):
    """The same sources in PostgreSQL through the pipeline; vectors from the embedded index's cache."""
    from pydantic import SecretStr

    from bench.synth import postgres_database
    from index.cache import CACHE_FILE, EmbeddingCache
    from index.pg_retriever import PgRetriever
    from index.pg_schema import PgEmbeddingCache
    from wiring import search_params

    with postgres_database(settings, "korquad") as dsn:
        local, shared = EmbeddingCache(idx / CACHE_FILE), PgEmbeddingCache(dsn)
        keys = [k for (k,) in local._conn.execute("SELECT key FROM vec")]
        found = local.get_many(keys, embedder.dim)
        shared.put_many(list(found), [found[k] for k in found])
        local.close()
        shared.close()
        # model_copy does not validate: the URL goes in as the SecretStr Settings would make of it
        pg_settings = settings.model_copy(update={"backend": "postgres", "database_url": SecretStr(dsn)})
        report, secs = build_index(idx, sources, pg_settings, tokenizer=tokenizer, embedder=embedder)
        print(f"postgres build: {report.totals.added} articles, {report.totals.chunks} chunks, "
              f"{report.totals.embedded} embedded in {secs:.1f}s")
        retriever = PgRetriever(dsn, embedder, tokenizer, search_params(settings))
        try:
            yield retriever
        finally:
            retriever.close()


def fuse(dense, sparse, wd: float, wb: float, k: int):
    return [[r for r, _ in rrf([d, s], [wd, wb], k=k)] for d, s in zip(dense, sparse, strict=True)]


def main(argv: list[str] | None = None) -> int:
    from bench.common import open_searcher
    from config import Settings
    from wiring import build_embedder, build_tokenizer

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, help="first N questions only")
    ap.add_argument("--tune", action="store_true", help="grid-search fusion weights on half the questions")
    ap.add_argument("--backend", nargs="+", choices=("embedded", "postgres"), default=["embedded"],
                    help="index backends to rank with (the same query vectors for all)")
    ap.add_argument("--answers", type=int, default=0,
                    help="also check extractive answers on every Nth question (e.g. 10)")
    ap.add_argument("--answers-start", type=int, nargs="+", default=[0], metavar="K",
                    help="answer samples starting at question K (default 0; e.g. 0 5: the sample the "
                         "answerer was developed on and a held-out one)")
    args = ap.parse_args(argv)
    settings = Settings()
    articles, queries, qrels = load_korquad(args.limit)
    idx = WORK / "korquad"
    sources = [write_jsonl(WORK / "korquad.jsonl", articles)]
    report, secs = build_index(idx, sources, settings)
    print(f"build: {report.totals.added} articles, {report.totals.chunks} chunks, "
          f"{report.totals.embedded} embedded in {secs:.1f}s")
    tokenizer, embedder = build_tokenizer(settings), build_embedder(settings)
    searcher = open_searcher(settings, idx, tokenizer, embedder)
    vecs, toks, embed_s = query_inputs(embedder, tokenizer, queries)
    rows, embedded_runs = [], None
    for backend in args.backend:
        with (postgres_index(settings, idx, sources, tokenizer, embedder) if backend == "postgres"
              else nullcontext(searcher)) as index:
            if backend == "postgres":
                dense, sparse = pg_rankings(index, vecs, toks)
                owners = pg_owners(index)
            else:
                dense, sparse = rankings(index, vecs, toks)
                owners, embedded_runs = embedded_owners(searcher.conn), (dense, sparse)
            runs = {"dense": dense, "bm25": sparse,
                    "hybrid": fuse(dense, sparse, settings.dense_weight, settings.bm25_weight, settings.rrf_k)}
            for name, ranked in runs.items():
                metrics = evaluate(dict(zip((q for q, _ in queries), to_articles(owners, ranked), strict=True)),
                                   qrels_for(queries, qrels))
                rows.append({"backend": backend, "method": name} | metrics)
    print(f"\nKorQuAD 1.0 dev retrieval · {len(queries)} questions · {len(articles)} paragraphs · "
          f"{machine_line()} · query embedding {1000 * embed_s:.1f} ms/query (batched)")
    print(table(rows, ["backend", "method", "nDCG@10", "Recall@1", "Recall@5", "Recall@10", "Recall@100",
                       "MRR@10"]))
    if args.tune and embedded_runs:
        tune(searcher, queries, qrels, *embedded_runs)
    if args.answers:
        check_answers(settings, idx, load_answers(), {k: queries[k::args.answers] for k in args.answers_start})
    return 0


def load_answers() -> dict[str, list[str]]:
    data = json.loads((CORPORA / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))["data"]
    return {qa["id"]: [a["text"] for a in qa["answers"]]
            for doc in data for para in doc["paragraphs"] for qa in para["qas"]}


def check_answers(settings, idx, golds: dict[str, list[str]], samples: dict[int, list]) -> None:
    """Share of questions whose gold answer string is inside the answer's short answer or cited
    sentences, per sample (questions K, K+N, K+2N …)."""
    from engine import Engine

    engine = Engine.load(settings, idx)
    rows = []
    cols = ["sample", "questions", "gold in the short answer or the cited sentences", "answered",
            "with a short answer", "short answer overlaps the gold", "ask p50 ms"]
    for start, queries in samples.items():
        found = answered = short = short_hit = 0
        times = []
        for qid, text in queries:
            t0 = time.perf_counter()
            a = engine.ask(text)
            times.append(time.perf_counter() - t0)
            answered += a.answerable
            in_short = bool(a.short_answer) and any(g in a.short_answer or a.short_answer in g for g in golds[qid])
            found += in_short or any(g in c.quote for g in golds[qid] for c in a.citations)
            short += bool(a.short_answer)
            short_hit += in_short
        n = len(queries)
        times.sort()
        rows.append(dict(zip(cols, [f"from question {start}", n, found / n, answered / n, short / n,
                                    short_hit / max(1, short), 1000 * times[n // 2]], strict=True)))
    print("\nExtractive answers on KorQuAD dev questions (every question of a sample has an answer):")
    print(table(rows, cols))


def qrels_for(queries, qrels):
    return {q: qrels[q] for q, _ in queries}


def tune(searcher, queries, qrels, dense, sparse) -> None:
    """Fusion weights chosen on even-numbered questions, reported on odd-numbered ones."""
    half = [i for i in range(len(queries)) if i % 2 == 0]
    held = [i for i in range(len(queries)) if i % 2 == 1]
    rows = []
    for k in (10, 30, 60):
        for wd, wb in ((1, 1), (1, 0.5), (1, 0.75), (0.75, 1), (0.5, 1), (1, 1.5)):
            fused = to_articles(embedded_owners(searcher.conn), fuse(dense, sparse, wd, wb, k))
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
