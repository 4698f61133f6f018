"""FAISS inner-product index keyed by stable chunk rows: exact while small, IVF-SQ8 past a size."""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

DENSE_FILE = "dense.faiss"


def new_exact_index(dim: int) -> faiss.Index:
    # Inner product equals cosine similarity on normalised vectors.
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def new_approximate_index(vectors: np.ndarray, seed: int = 1234) -> faiss.Index:
    """IVF with 8-bit scalar quantisation (1 byte a dimension), trained on the given vectors."""
    n, dim = vectors.shape
    nlist = max(16, int(4 * math.sqrt(n)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.nprobe = default_nprobe(nlist)
    return index


def default_nprobe(nlist: int) -> int:
    return max(8, nlist // 32)


def is_approximate(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIVF)


def add_vectors(index: faiss.Index, rows: np.ndarray, vectors: np.ndarray) -> None:
    if len(rows):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                           np.ascontiguousarray(rows, dtype=np.int64))


def remove_rows(index: faiss.Index, rows: np.ndarray) -> None:
    if len(rows):
        index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(rows, dtype=np.int64)))


def search_dense(index: faiss.Index, query: np.ndarray, k: int,
                 allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (rows, scores) for one query vector, restricted to allowed rows when given."""
    if index.ntotal == 0 or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    k = min(k, index.ntotal if allowed is None else len(allowed))
    if k == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    params = _search_params(index, allowed)
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    scores, rows = index.search(q, k, params=params)
    keep = rows[0] >= 0
    return rows[0][keep].astype(np.int64), scores[0][keep]


def _search_params(index: faiss.Index, allowed: np.ndarray | None):
    if allowed is None:
        return None
    sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
    if is_approximate(index):
        # A selective filter must not lose results to unprobed lists: scan them all.
        selective = len(allowed) < index.ntotal // 10
        nprobe = index.nlist if selective else index.nprobe
        return faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
    return faiss.SearchParameters(sel=sel)


def save_dense(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_dense(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if is_approximate(index):
        index.nprobe = max(index.nprobe, default_nprobe(index.nlist))
    return index
