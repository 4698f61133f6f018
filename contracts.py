"""The protocols the stages meet at: chunk embedding, an index writer and a retriever.

Backends (the embedded FAISS + bm25s + SQLite index, PostgreSQL + pgvector) implement the writer
and the retriever; `wiring.py` picks one from the settings. Ingest, the answerers, `engine.py` and
the edges see only these protocols and the records of `schema.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

from schema import (
    NO_FILTERS,
    Article,
    BatchReport,
    Change,
    CheckReport,
    Chunk,
    Filters,
    Hit,
    IndexBatch,
    SavedBriefing,
)

# (chunks embedded so far, chunks in this batch); called with 0 first, when a batch starts.
Progress = Callable[[int, int], None]


class ChunkEmbedder(Protocol):
    """Turns chunks into vectors, reusing any vector embedded before (the embedding cache)."""

    name: str  # model id recorded in the index manifest
    dim: int

    def embed_chunks(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> np.ndarray:
        """float32 (len(chunks), dim) L2-normalised vectors, in the order of chunks."""
        ...

    def newly_embedded(self) -> int:
        """How many chunks this object has sent through the model so far (cache misses)."""
        ...


class IndexWriter(Protocol):
    """The one way into an index: whole batches published atomically, deletes, checks, repairs.

    Read-only questions (`source_sha256`, `unchanged_articles`) need no lock; `publish`, `delete_*`,
    `rebuild` and `repair` take the index's single-writer lock for as long as they write.
    """

    def source_sha256(self, name: str) -> str | None:
        """The sha256 a source had when last published, or None if it never was."""
        ...

    def source_article_count(self, name: str) -> int: ...

    def unchanged_articles(self, articles: Sequence[Article]) -> set[str]:
        """Ids of the articles the index already holds exactly as given (no need to re-chunk)."""
        ...

    def publish(self, batch: IndexBatch) -> BatchReport:
        """Apply whole sources: new and changed articles in, articles a source no longer has out."""
        ...

    def delete_articles(self, article_ids: Sequence[str]) -> int: ...

    def delete_sources(self, names: Sequence[str]) -> int:
        """Remove sources and every article they gave; returns the number of articles removed."""
        ...

    def save_briefing(self, briefing: SavedBriefing) -> None:
        """Keep a saved briefing (one per topic: a new save replaces the old one)."""
        ...

    def check(self, full: bool = True) -> CheckReport: ...

    def rebuild(self, progress: Progress | None = None) -> int:
        """Re-tokenize and re-embed (through the cache) every chunk and republish; returns the count."""
        ...

    def repair(self, progress: Progress | None = None) -> tuple[int, int]:
        """Drop orphan rows and republish from the catalog: (rows removed, chunks indexed)."""
        ...

    def close(self) -> None: ...


class Retriever(Protocol):
    """Reads one index: search with filters, related articles, articles and statistics.

    Shared by threads (app sessions); picks up what writers publish on its own.
    """

    def search(self, query: str, k: int = 10, filters: Filters = NO_FILTERS, mode: str = "hybrid",
               collapse: bool = True, per_article: int | None = None) -> list[Hit]: ...

    def related(self, article_id: str, k: int = 10, filters: Filters = NO_FILTERS) -> list[Hit]: ...

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]: ...

    def copies(self, article_ids: Sequence[str]) -> dict[str, list[Article]]:
        """For each article, the other members of its near-duplicate group (oldest first)."""
        ...

    def iter_articles(self) -> Iterator[tuple[Article, int]]:
        """Every article in ingest order with its chunk count."""
        ...

    def stats(self) -> dict: ...

    def generation_number(self) -> int:
        """The number of the index version searches now see (grows with every publish)."""
        ...

    def saved_briefing(self, topic: str) -> SavedBriefing | None: ...

    def saved_briefings(self) -> list[SavedBriefing]:
        """Every saved briefing, the most recently saved first."""
        ...

    def changes_since(self, since: str, filters: Filters = NO_FILTERS) -> list[Change]:
        """Articles first seen (new) or changed after `since` (ISO 8601 UTC) within the filters,
        the most recent first; articles stored before times were kept never count."""
        ...

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 inverse document frequency of query tokens (for sentence scoring)."""
        ...

    def query_vector(self, query: str) -> np.ndarray: ...

    def close(self) -> None: ...
