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


def search_sparse(index: SparseIndex, tokens: Sequence[str], k: int,
                  allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (rows, scores) with a positive score, restricted to allowed rows when given."""
    if index.bm25 is None or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    vocab = index.bm25.vocab_dict
    known = [t for t in tokens if t in vocab]
    if not known:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    scores = index.bm25.get_scores(known)
    if allowed is not None:
        mask = np.isin(index.rows, allowed, assume_unique=True)
        scores = np.where(mask, scores, 0.0)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[scores[top] > 0]
    return index.rows[top], scores[top].astype(np.float32)


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
