"""Fusion of dense and BM25 rankings, and shaping of the fused list into results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class SearchParams:
    """How both backends rank; config.Settings takes its defaults from here."""

    rrf_k: int = 5  # bench/fusion.py: chosen on the dev halves of KorQuAD and the long pages
    dense_weight: float = 1.0
    bm25_weight: float = 6.0
    max_per_article: int = 3  # chunks per article (or near-duplicate group) unless a call asks otherwise
    min_pool: int = 50
    fusion: Literal["rrf", "minmax"] = "rrf"  # or "minmax": scores scaled to [0, 1] per ranking, then weighted
    article_second: float = 0.0  # article-level aggregation: weight of an article's second-best chunk


def rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None,
        k: int = 60) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion; ties keep the order rows were first seen in."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


FUSION_METHODS = ("rrf", "minmax")


def fuse(ranked: Sequence[tuple[Sequence[int], Sequence[float]]], weights: Sequence[float],
         method: str = "rrf", k: int = 60) -> list[tuple[int, float]]:
    """Fuse (rows, scores) lists, best first: weighted RRF on ranks, or "minmax": each list's scores
    scaled to [0, 1] over its pool (best 1, worst 0; a row a list did not return gets 0), then the
    weighted sum. Ties keep the order rows were first seen in."""
    if method == "rrf":
        return rrf([list(rows) for rows, _ in ranked], weights, k=k)
    if method != "minmax":
        raise ValueError(f"unknown fusion method {method!r}: one of {FUSION_METHODS}")
    out: dict[int, float] = {}
    for (rows, scores), w in zip(ranked, weights, strict=True):
        if not len(rows):
            continue
        hi, lo = float(max(scores)), float(min(scores))
        span = hi - lo
        for row, sc in zip(rows, scores, strict=True):
            out[int(row)] = out.get(int(row), 0.0) + w * ((float(sc) - lo) / span if span > 0 else 1.0)
    return sorted(out.items(), key=lambda kv: kv[1], reverse=True)


def by_article(fused: Sequence[tuple[int, float]], owner: dict[int, str], second: float) -> list[tuple[int, float]]:
    """Article-level aggregation: each article scores its best chunk plus `second` times its second
    best, so a long page with two relevant passages outranks one with a single stray match; rows come
    back grouped by article (best article first, its chunks best first). second=0 keeps the order."""
    if second <= 0:
        return list(fused)
    chunks: dict[str, list[tuple[int, float]]] = {}
    for row, sc in fused:
        a = owner.get(row)
        if a is not None:
            chunks.setdefault(a, []).append((row, sc))
    score = {a: c[0][1] + (second * c[1][1] if len(c) > 1 else 0.0) for a, c in chunks.items()}
    order = sorted(chunks, key=lambda a: score[a], reverse=True)  # stable: ties keep first-seen order
    return [(row, score[a]) for a in order for row, _ in chunks[a]]


def rank_of(ranking: Sequence[int]) -> dict[int, int]:
    """1-based rank of each row in a ranking."""
    return {row: i + 1 for i, row in enumerate(ranking)}


def cap_per_group(rows: Sequence[int], group_of: dict[int, str], member_of: dict[int, str],
                  max_per_group: int, k: int) -> list[tuple[int, str]]:
    """Keep at most max_per_group rows per near-duplicate group, all from its best member.

    Args:
        rows: fused ranking, best first.
        group_of: row -> canonical article id of its near-duplicate group.
        member_of: row -> the article the row belongs to.
    """
    chosen: dict[str, str] = {}
    counts: dict[str, int] = {}
    out: list[tuple[int, str]] = []
    for row in rows:
        group = group_of.get(row)
        if group is None:
            continue  # deleted since the ranking was made
        member = chosen.setdefault(group, member_of[row])
        if member != member_of[row] or counts.get(group, 0) >= max_per_group:
            continue
        counts[group] = counts.get(group, 0) + 1
        out.append((row, group))
        if len(out) == k:
            break
    return out
