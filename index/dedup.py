"""Near-duplicate detection with MinHash over character shingles, plus LSH band keys."""

from __future__ import annotations

import re
import zlib

import numpy as np

SHINGLE = 5
PERMS = 128
BANDS = 32  # 32 bands x 4 rows: pairs above ~0.45 Jaccard share a band with high probability
ROWS = PERMS // BANDS
THRESHOLD = 0.7  # estimated Jaccard at or above this makes two articles copies of one story

# Universal hashing (a*h + b) mod p with p < 2**32: every product fits in uint64.
_PRIME = np.uint64(4294967291)  # the largest prime below 2**32
_rng = np.random.default_rng(20240601)  # fixed: signatures are stored in the catalog
_A = _rng.integers(1, int(_PRIME), size=PERMS, dtype=np.uint64)
_B = _rng.integers(0, int(_PRIME), size=PERMS, dtype=np.uint64)
_SPACE = re.compile(r"\s+")
_EMPTY = np.full(PERMS, np.iinfo(np.uint32).max, dtype=np.uint32)
_PASS = 20_000  # shingles hashed per pass: PERMS x _PASS uint64 is 20 MB


def minhash(text: str) -> np.ndarray:
    """MinHash signature (uint32[PERMS]) of the text's whitespace-free character shingles."""
    s = _SPACE.sub("", text)
    if not s:
        return _EMPTY.copy()
    n = max(1, len(s) - SHINGLE + 1)
    sig = np.full(PERMS, np.iinfo(np.uint64).max, dtype=np.uint64)
    # The minimum over all shingles is the minimum over any cover of them: a pass at a time keeps
    # the PERMS x shingles product bounded (a 10 MB body would otherwise need gigabytes).
    for start in range(0, n, _PASS):
        grams = {s[i:i + SHINGLE] for i in range(start, min(n, start + _PASS))}
        h = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64,
                        count=len(grams)) % _PRIME
        vals = (_A[:, None] * h[None, :] + _B[:, None]) % _PRIME
        np.minimum(sig, vals.min(axis=1), out=sig)
    return sig.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One integer key per LSH band; equal keys in a band mark a candidate pair."""
    return [zlib.crc32(sig[b * ROWS:(b + 1) * ROWS].tobytes()) for b in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))
