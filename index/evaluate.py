"""Retrieval metrics over labelled queries: nDCG@10, Recall@k and MRR@10."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from errors import NewsRagError

RECALL_AT = (1, 5, 10, 100)


def read_qrels(path: Path) -> dict[str, dict[str, float]]:
    """query_id<TAB>doc_id<TAB>score with a header line -> {query_id: {doc_id: score}}."""
    qrels: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t")
        next(reader, None)
        for n, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < 3:
                raise NewsRagError(
                    f"{path}:{n}: qrels 줄은 'query_id<TAB>doc_id<TAB>score' 형식이어야 합니다.")
            try:
                score = float(row[2])
            except ValueError as e:
                raise NewsRagError(f"{path}:{n}: score가 숫자가 아닙니다: {row[2]!r}") from e
            if score > 0:
                qrels.setdefault(row[0], {})[row[1]] = score
    return qrels


def ndcg_at(ranked: Sequence[str], gold: dict[str, float], k: int = 10) -> float:
    dcg = sum(gold.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(gold.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], gold: dict[str, float], k: int) -> float:
    return len(set(ranked[:k]) & gold.keys()) / len(gold) if gold else 0.0


def mrr_at(ranked: Sequence[str], gold: dict[str, float], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if d in gold:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(runs: dict[str, Sequence[str]], qrels: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean metrics over the queries that have judgements (a query with no run scores 0)."""
    names = ["nDCG@10", *(f"Recall@{k}" for k in RECALL_AT), "MRR@10"]
    totals = dict.fromkeys(names, 0.0)
    for qid, gold in qrels.items():
        ranked = runs.get(qid, [])
        totals["nDCG@10"] += ndcg_at(ranked, gold)
        for k in RECALL_AT:
            totals[f"Recall@{k}"] += recall_at(ranked, gold, k)
        totals["MRR@10"] += mrr_at(ranked, gold)
    n = max(1, len(qrels))
    return {name: v / n for name, v in totals.items()} | {"queries": float(len(qrels))}
