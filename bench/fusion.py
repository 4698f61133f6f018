"""Choosing the fusion of dense and BM25 on two collections: KorQuAD paragraphs and long pages.

Run: .venv/bin/python -m bench.fusion [--limit N]
Builds (or reuses) bench/work/korquad (5,774 KorQuAD 1.0 dev questions over 964 paragraphs) and
bench/work/longdocs (bench/questions_longdocs.jsonl: 152 hand-written questions over 80 pages of ~6
soynlp news articles each; bench.longdocs writes the pages). Every fusion setting (weighted RRF and
min-max score fusion, with and without article-level aggregation) is scored on the even-numbered
questions of both sets (the development halves); the one whose worst margin over the better single
ranking is highest is then reported on the odd-numbered (held-out) halves beside dense, BM25 and
today's setting. Exits 2 when ../shared/corpora is missing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass

from bench.common import CORPORA, REPO, WORK, build_index, machine_line, table, write_jsonl
from index import catalog as cat
from index.dense import search_dense
from index.evaluate import evaluate
from index.hybrid import by_article, fuse
from index.sparse import search_sparse

POOL = 100


@dataclass(frozen=True)
class Setting:
    method: str  # "rrf" or "minmax"
    dense_weight: float
    bm25_weight: float
    rrf_k: int
    second: float  # article aggregation: weight of an article's second-best chunk (0: best chunk only)

    def label(self) -> str:
        k = f", k={self.rrf_k}" if self.method == "rrf" else ""
        agg = f", +{self.second:g}×2nd" if self.second else ""
        return f"{self.method} {self.dense_weight:g}:{self.bm25_weight:g}{k}{agg}"


def grid() -> list[Setting]:
    out = []
    for second in (0.0, 0.3, 0.6):
        for k, (wd, wb) in itertools.product((5, 10, 60), ((1, 0.5), (1, 1), (1, 1.5), (1, 2), (1, 3), (1, 4),
                                                          (1, 6))):
            out.append(Setting("rrf", wd, wb, k, second))
        for a in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            out.append(Setting("minmax", a, round(1 - a, 2), 0, second))
    return out


@dataclass
class Collection:
    name: str
    questions: list[tuple[str, str]]  # (id, question)
    qrels: dict[str, dict[str, float]]
    dense: list[tuple[list[int], list[float]]]
    bm25: list[tuple[list[int], list[float]]]
    owner: dict[int, str]  # row -> article id

    def articles(self, fused_rows: list[list[int]]) -> list[list[str]]:
        return [list(dict.fromkeys(self.owner[r] for r in rows if r in self.owner)) for rows in fused_rows]

    def ndcg(self, ranked_rows: list[list[int]], idx: list[int]) -> float:
        run = {self.questions[i][0]: arts for i, arts in zip(idx, self.articles(ranked_rows), strict=True)}
        return evaluate(run, {self.questions[i][0]: self.qrels[self.questions[i][0]] for i in idx})["nDCG@10"]

    def single(self, which: str, idx: list[int]) -> float:
        lists = self.dense if which == "dense" else self.bm25
        return self.ndcg([lists[i][0] for i in idx], idx)

    def fused(self, s: Setting, idx: list[int]) -> float:
        rows = []
        for i in idx:
            f = fuse([self.dense[i], self.bm25[i]], [s.dense_weight, s.bm25_weight], s.method, s.rrf_k)
            rows.append([r for r, _ in by_article(f, self.owner, s.second)])
        return self.ndcg(rows, idx)


def rank_all(name, idx, queries, qrels, settings) -> Collection:
    from bench.common import open_searcher
    from wiring import build_embedder, build_tokenizer

    tokenizer, embedder = build_tokenizer(settings), build_embedder(settings)
    searcher = open_searcher(settings, idx, tokenizer, embedder)
    gen = searcher.generation
    texts = [q for _, q in queries]
    vecs = [v for i in range(0, len(texts), 64) for v in embedder.encode_queries(texts[i:i + 64])]
    toks = tokenizer(texts)
    dense = [tuple(x.tolist() for x in search_dense(gen.dense, v, POOL)) for v in vecs]
    bm25 = [tuple(x.tolist() for x in search_sparse(gen.sparse, t, POOL)) for t in toks]
    every = {r for rows, _ in dense + bm25 for r in rows}
    owner = {r: g[0] for r, g in cat.row_groups(searcher.conn, every).items()}
    searcher.close()
    return Collection(name, queries, qrels, dense, bm25, owner)


def korquad(settings, limit: int | None) -> Collection:
    from bench.korquad import load_korquad

    articles, queries, qrels = load_korquad(limit)
    idx = WORK / "korquad"
    build_index(idx, [write_jsonl(WORK / "korquad.jsonl", articles)], settings)
    return rank_all("KorQuAD", idx, queries, qrels, settings)


def longdocs(settings) -> Collection:
    from bench.longdocs import OUT, build_pages, gold_page

    write_jsonl(OUT, build_pages())
    idx = WORK / "longdocs" / "index"
    build_index(idx, [OUT], settings)
    rows = [json.loads(line) for line in (REPO / "bench" / "questions_longdocs.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [r for r in rows if r.get("article_id")]
    queries = [(r["id"], r["question"]) for r in answerable]
    qrels = {r["id"]: {gold_page(r["article_id"]): 1.0} for r in answerable}
    return rank_all("long pages", idx, queries, qrels, settings)


def main(argv: list[str] | None = None) -> int:
    from config import Settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="first N KorQuAD questions only")
    args = ap.parse_args(argv)
    if not (CORPORA / "KorQuAD_v1.0_dev.json").is_file():
        print(f"../shared/corpora not found (looked in {CORPORA.resolve()}): this bench needs the shared "
              "corpora beside the clone", file=sys.stderr)
        return 2
    settings = Settings()
    sets = [korquad(settings, args.limit), longdocs(settings)]
    today = Setting("rrf", settings.dense_weight, settings.bm25_weight, settings.rrf_k, 0.0)
    halves = {c.name: ([i for i in range(len(c.questions)) if i % 2 == 0],
                       [i for i in range(len(c.questions)) if i % 2 == 1]) for c in sets}

    def margin(s: Setting, half: int) -> float:
        worst = 1.0
        for c in sets:
            idx = halves[c.name][half]
            worst = min(worst, c.fused(s, idx) - max(c.single("dense", idx), c.single("bm25", idx)))
        return worst

    scored = sorted(((margin(s, 0), s) for s in grid()), key=lambda x: x[0], reverse=True)
    best = scored[0][1]
    print(machine_line())
    print("\nDevelopment halves (even-numbered questions): the five settings with the best worst-case margin")
    print(table([{"setting": s.label(), "worst margin over the better single ranking": m} for m, s in scored[:5]],
                ["setting", "worst margin over the better single ranking"]))
    rows = []
    for c in sets:
        idx = halves[c.name][1]
        rows.append({"set": f"{c.name} (held-out {len(idx)})", "dense": c.single("dense", idx),
                     "bm25": c.single("bm25", idx), f"today: {today.label()}": c.fused(today, idx),
                     f"chosen: {best.label()}": c.fused(best, idx)})
    print("\nHeld-out halves, nDCG@10 of the gold article")
    print(table(rows, list(rows[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
