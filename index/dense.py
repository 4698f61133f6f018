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


def new_approximate_index(vectors: np.ndarray, seed: int = 1234, n_total: int | None = None) -> faiss.Index:
    """IVF with 8-bit scalar quantisation (1 byte a dimension), trained on the given vectors.

    Args:
        vectors: all the vectors, or a random sample of them when n_total is given.
        n_total: how many vectors the index will hold (sizes the number of lists).
    """
    n, dim = vectors.shape
    nlist = nlist_for(n_total or n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    # k-means cost is sample x nlist x dim x niter: 40 points a list and 20 iterations keep a
    # 1M-vector build to minutes on 2 cores, with centroids as good as FAISS's defaults here.
    index.cp.niter = 20
    index.cp.seed = seed
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(n, size=min(n, nlist * 40), replace=False))]
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.nprobe = default_nprobe(nlist)
    return index


def nlist_for(n: int) -> int:
    return max(16, int(4 * math.sqrt(n)))


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


class DenseFilter:
    """Allowed rows prepared once for one index (a bitmap selector) and shared by every query.

    Building a faiss.IDSelectorBatch hashes every allowed row: at a million rows that alone
    costs more than the search, so the searcher keeps one of these per (generation, filters).
    FAISS only reads the selector and parameters while searching, so threads may share them.
    """

    def __init__(self, index: faiss.Index, allowed: np.ndarray) -> None:
        allowed = np.asarray(allowed, dtype=np.int64)
        self.count = len(allowed)
        size = int(allowed.max()) + 1 if len(allowed) else 0
        bits = np.zeros(size, dtype=bool)
        bits[allowed] = True
        self._bitmap = np.packbits(bits, bitorder="little")  # bit (row & 7) of byte row >> 3
        self._selector = faiss.IDSelectorBitmap(self._bitmap)
        if is_approximate(index):
            # Probe as many lists as it takes to meet about nprobe lists' worth of allowed rows, and
            # all of them for a selective filter: fewer results than asked is worse than a slow query.
            share = self.count / max(1, index.ntotal)
            nprobe = index.nlist if share < 0.1 else min(index.nlist, math.ceil(index.nprobe / max(share, 1e-9)))
            self.params = faiss.SearchParametersIVF(sel=self._selector, nprobe=nprobe)
        else:
            self.params = faiss.SearchParameters(sel=self._selector)


def search_dense(index: faiss.Index, query: np.ndarray, k: int,
                 allowed: np.ndarray | DenseFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (rows, scores) for one query vector, restricted to allowed rows when given.

    allowed is an array of rows, or a DenseFilter prepared from one (cheaper when reused).
    """
    if index.ntotal == 0 or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    if allowed is not None and not isinstance(allowed, DenseFilter):
        allowed = DenseFilter(index, allowed)
    k = min(k, index.ntotal if allowed is None else allowed.count)
    if k == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    scores, rows = index.search(q, k, params=None if allowed is None else allowed.params)
    keep = rows[0] >= 0
    return rows[0][keep].astype(np.int64), scores[0][keep]


def save_dense(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_dense(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if is_approximate(index):
        index.nprobe = max(index.nprobe, default_nprobe(index.nlist))
    return index
