"""Fusion of dense and BM25 rankings, and shaping of the fused list into results."""

from __future__ import annotations

from collections.abc import Sequence


def rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None,
        k: int = 60) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion; ties keep the order rows were first seen in."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, row in enumerate(ranking):
            scores[row] = scores.get(row, 0.0) + w / (k + rank + 1)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


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
