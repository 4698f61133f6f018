"""BM25 over Kiwi morphemes (bm25s), with a row map so BM25 documents share the chunk row ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

BM25_DIR = "bm25"
ROWS_FILE = "rows.npy"


@dataclass
class SparseIndex:
    bm25: bm25s.BM25 | None  # None when there are no documents yet
    rows: np.ndarray  # rows[i] = chunk row of BM25 document i, ascending

    @property
    def size(self) -> int:
        return len(self.rows)


def build_sparse(rows: np.ndarray, tokens: Sequence[Sequence[str]]) -> SparseIndex:
    if len(rows) == 0:
        return SparseIndex(None, np.empty(0, np.int64))
    bm25 = bm25s.BM25()
    # An empty token list is still a document: keep the row map aligned.
    bm25.index([list(t) for t in tokens], show_progress=False)
    return SparseIndex(bm25, np.asarray(rows, dtype=np.int64))


@dataclass(frozen=True)
class SparseFilter:
    """Allowed rows as a mask over BM25 documents, prepared once and shared by every query."""

    mask: np.ndarray  # mask[i]: BM25 document i (chunk row rows[i]) is allowed

    @classmethod
    def of(cls, index: SparseIndex, allowed: np.ndarray) -> SparseFilter:
        # Both arrays are sorted and unique: one binary search per BM25 row, no hashing.
        allowed = np.asarray(allowed, dtype=np.int64)
        pos = np.searchsorted(allowed, index.rows)
        mask = allowed[np.minimum(pos, len(allowed) - 1)] == index.rows if len(allowed) else \
            np.zeros(index.size, dtype=bool)
        mask.setflags(write=False)
        return cls(mask)


def search_sparse(index: SparseIndex, tokens: Sequence[str], k: int,
                  allowed: np.ndarray | SparseFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (rows, scores) with a positive score, restricted to allowed rows when given.

    allowed is a sorted array of rows, or a SparseFilter prepared from one (cheaper when reused).
    """
    if index.bm25 is None or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    vocab = index.bm25.vocab_dict
    ids = np.asarray([vocab[t] for t in tokens if t in vocab], dtype=np.int64)
    if not len(ids):
        return np.empty(0, np.int64), np.empty(0, np.float32)
    if allowed is not None and not isinstance(allowed, SparseFilter):
        allowed = SparseFilter.of(index, allowed)
    docs, scores = _scores(index.bm25, ids)
    if allowed is not None:
        keep = allowed.mask[docs]
        docs, scores = docs[keep], scores[keep]
    k = min(k, len(docs))
    if k == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    top = np.argpartition(-scores, k - 1)[:k] if k < len(docs) else np.arange(len(docs))
    # Ties go to the lower row, as a stable sort over all documents would order them.
    top = top[np.lexsort((docs[top], -scores[top]))]
    top = top[scores[top] > 0]
    return index.rows[docs[top]], scores[top].astype(np.float32)


def _scores(bm25: bm25s.BM25, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BM25 score of every document holding a query token: (documents ascending, scores).

    bm25s.get_scores fills a dense array with np.add.at for every query; only documents on the
    query tokens' posting lists can score above zero, so only their postings are summed.
    """
    if bm25.nonoccurrence_array is not None:  # BM25L/BM25+ give every document a score
        scores = bm25.get_scores(ids.tolist())
        return np.arange(len(scores)), scores
    indptr, indices, data = bm25.scores["indptr"], bm25.scores["indices"], bm25.scores["data"]
    spans = [(int(indptr[i]), int(indptr[i + 1])) for i in ids]
    postings = np.concatenate([indices[a:b] for a, b in spans])
    weights = np.concatenate([data[a:b] for a, b in spans])
    n_docs = int(bm25.scores["num_docs"])
    if 8 * len(postings) < n_docs:  # short posting lists: sort them rather than scan all documents
        docs, inverse = np.unique(postings, return_inverse=True)
        return docs.astype(np.int64), np.bincount(inverse, weights=weights, minlength=len(docs))
    dense = np.bincount(postings, weights=weights, minlength=n_docs)
    docs = np.flatnonzero(dense)
    return docs, dense[docs]


def save_sparse(index: SparseIndex, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / ROWS_FILE, index.rows, allow_pickle=False)
    if index.bm25 is not None:
        index.bm25.save(str(directory), allow_pickle=False)


def load_sparse(directory: Path) -> SparseIndex:
    rows = np.load(directory / ROWS_FILE, allow_pickle=False)
    if len(rows) == 0:
        return SparseIndex(None, rows)
    return SparseIndex(bm25s.BM25.load(str(directory), allow_pickle=False), rows)


def idf(index: SparseIndex, tokens: Sequence[str]) -> list[float]:
    """BM25 inverse document frequency of each token (unknown tokens get the rarest weight)."""
    n = index.size
    if index.bm25 is None:
        return [0.0] * len(tokens)
    indptr = index.bm25.scores["indptr"]
    vocab = index.bm25.vocab_dict
    out = []
    for t in tokens:
        df = int(indptr[vocab[t] + 1] - indptr[vocab[t]]) if t in vocab else 0
        out.append(float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))))
    return out
