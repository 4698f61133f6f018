"""Pure fusion and shaping functions, BM25 and FAISS wrappers on tiny inputs."""

from __future__ import annotations

import numpy as np
import pytest

from index.dense import (
    DenseFilter,
    add_vectors,
    load_dense,
    new_approximate_index,
    new_exact_index,
    remove_rows,
    save_dense,
    search_dense,
)
from index.hybrid import by_article, cap_per_group, fuse, rrf
from index.sparse import SparseFilter, build_sparse, load_sparse, save_sparse, search_sparse


def test_rrf_golden():
    fused = rrf([[10, 20, 30], [30, 10]], weights=[1.0, 2.0], k=60)
    assert [r for r, _ in fused] == [30, 10, 20]  # 1/63 + 2/61 edges out 1/61 + 2/62
    assert abs(dict(fused)[30] - (1 / 63 + 2 / 61)) < 1e-12


def test_cap_per_group_keeps_best_member_only():
    rows = [1, 2, 3, 4, 5, 6]
    member = {1: "a", 2: "b", 3: "a", 4: "a", 5: "c", 6: "b"}
    group = {1: "a", 2: "a", 3: "a", 4: "a", 5: "c", 6: "a"}  # b is a copy of a
    assert cap_per_group(rows, group, member, 2, k=10) == [(1, "a"), (3, "a"), (5, "c")]
    assert cap_per_group(rows, group, member, 2, k=2) == [(1, "a"), (3, "a")]


def test_sparse_roundtrip_filter_and_unknown_terms(tmp_path):
    idx = build_sparse(np.array([5, 9, 12]), [["충북", "바이오"], ["야구"], ["충북", "예산", "예산"]])
    save_sparse(idx, tmp_path / "bm25")
    idx = load_sparse(tmp_path / "bm25")
    rows, scores = search_sparse(idx, ["충북", "예산"], k=10)
    assert rows.tolist() == [12, 5] and scores[0] > scores[1] > 0
    assert search_sparse(idx, ["충북"], k=10, allowed=np.array([5]))[0].tolist() == [5]
    assert search_sparse(idx, ["없는말"], k=10)[0].tolist() == []


def test_dense_exact_roundtrip_remove_and_filter(tmp_path):
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(50, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = new_exact_index(16)
    add_vectors(index, np.arange(100, 150), vecs)
    save_dense(index, tmp_path / "d.faiss")
    index = load_dense(tmp_path / "d.faiss")
    rows, scores = search_dense(index, vecs[7], k=3)
    assert rows[0] == 107 and abs(scores[0] - 1.0) < 1e-5
    remove_rows(index, np.array([107]))
    assert 107 not in search_dense(index, vecs[7], k=5)[0]
    allowed = np.array([120, 121])
    assert sorted(search_dense(index, vecs[7], k=10, allowed=allowed)[0].tolist()) == [120, 121]


def test_dense_approximate_finds_itself_and_respects_selective_filter():
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(3000, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = new_approximate_index(vecs)
    add_vectors(index, np.arange(3000), vecs)
    hits = sum(search_dense(index, vecs[i], k=1)[0][0] == i for i in range(0, 3000, 100))
    assert hits >= 28
    allowed = np.array([5, 1500, 2999])
    assert sorted(search_dense(index, vecs[0], k=10, allowed=allowed)[0].tolist()) == [5, 1500, 2999]


def _unit(rng, n: int, dim: int) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_prepared_dense_filter_gives_the_same_results_as_a_row_array():
    rng = np.random.default_rng(2)
    vecs = _unit(rng, 400, 16)
    rows = np.arange(1000, 1400)
    for index in (new_exact_index(16), new_approximate_index(vecs)):
        add_vectors(index, rows, vecs)
        for allowed in (rows[::3], rows[rows % 7 == 0], rows[:2], rows):
            prepared = DenseFilter(index, allowed)
            for q in vecs[:5]:
                got, _ = search_dense(index, q, 10, prepared)
                want, _ = search_dense(index, q, 10, allowed)
                assert got.tolist() == want.tolist() and set(got.tolist()) <= set(allowed.tolist())
        assert search_dense(index, vecs[0], 10, DenseFilter(index, np.array([], np.int64)))[0].size == 0


def test_sparse_search_matches_bm25s_scores_with_and_without_a_filter():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    docs = [list(rng.choice(words, size=int(rng.integers(1, 12)))) for _ in range(300)]
    rows = np.arange(300) * 2 + 5
    idx = build_sparse(rows, docs)
    for _ in range(30):
        query = list(rng.choice(words + ["없는말"], size=int(rng.integers(1, 5))))
        allowed = np.sort(rng.choice(rows, size=int(rng.integers(1, 300)), replace=False))
        known = [t for t in query if t in idx.bm25.vocab_dict]
        full = idx.bm25.get_scores(known) if known else np.zeros(300)
        for filt in (None, allowed, SparseFilter.of(idx, allowed)):
            mask = np.ones(300, bool) if filt is None else np.isin(rows, allowed)
            scores = np.where(mask, full, 0.0)
            order = sorted((i for i in range(300) if scores[i] > 0), key=lambda i: (-scores[i], i))[:20]
            got_rows, got_scores = search_sparse(idx, query, 20, filt)
            # The same scores in the same order; rows may swap only where scores tie (float32 sums).
            assert np.allclose(got_scores, scores[order], rtol=1e-5)
            assert np.allclose(scores[(got_rows - 5) // 2], got_scores, rtol=1e-5)
            assert len(set(got_rows.tolist())) == len(got_rows) and set(got_rows.tolist()) <= set(rows[mask].tolist())


def test_minmax_fusion_scales_each_ranking_then_weighs():

    dense = ([1, 2, 3], [0.9, 0.8, 0.5])  # scaled: 1.0, 0.75, 0.0
    bm25 = ([3, 4], [12.0, 2.0])  # scaled: 1.0, 0.0
    fused = dict(fuse([dense, bm25], [1.0, 1.0], "minmax"))
    assert fused == pytest.approx({1: 1.0, 2: 0.75, 3: 1.0, 4: 0.0})
    # BM25 weighted up: row 3 (top of BM25, bottom of dense) wins.
    assert fuse([dense, bm25], [1.0, 2.0], "minmax")[0] == (3, pytest.approx(2.0))
    assert fuse([([7], [3.0])], [1.0], "minmax") == [(7, 1.0)]  # one hit: no span, full score


def test_rrf_through_fuse_is_rrf():

    ranked = [([1, 2, 3], [0.9, 0.8, 0.5]), ([3, 1], [5.0, 1.0])]
    assert fuse(ranked, [1.0, 1.5], "rrf", k=10) == rrf([[1, 2, 3], [3, 1]], [1.0, 1.5], k=10)
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse(ranked, [1.0, 1.0], "sum")


def test_article_aggregation_lifts_a_page_with_two_good_passages():

    fused = [(10, 0.9), (20, 0.8), (21, 0.7), (11, 0.1)]
    owner = {10: "a", 11: "a", 20: "b", 21: "b"}
    assert by_article(fused, owner, 0.0) == fused  # off: unchanged
    out = by_article(fused, owner, 0.5)
    assert [r for r, _ in out] == [20, 21, 10, 11]  # b: 0.8 + 0.35 > a: 0.9 + 0.05
    assert dict(out)[20] == pytest.approx(1.15)
