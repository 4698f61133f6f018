"""Project exceptions; every message is user-facing Korean and says what to do next."""

from __future__ import annotations


class NewsRagError(Exception):
    """Base class for errors shown to users as they are."""


class IngestError(NewsRagError):
    """A file or record that cannot be ingested; names the file and line."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = path, reason, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


class IndexMissingError(NewsRagError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"인덱스가 없습니다: {index_dir}. "
            f"먼저 `python -m ingest data/sample --index {index_dir}`를 실행하세요."
        )


class IndexMismatchError(NewsRagError):
    """The index was built with settings that differ from the current ones."""


class IndexCorruptError(NewsRagError):
    """An index file is damaged or missing."""


class IndexWriteError(NewsRagError):
    """Writing a new index generation failed (disk full, I/O error); the previous one is intact."""


class IndexLockedError(NewsRagError):
    """Another process is writing to the index."""


class ModelError(NewsRagError):
    """The embedding model cannot be fetched, verified or loaded."""


class CitationError(NewsRagError):
    """A generated answer cites a passage that was not provided."""


class LLMError(NewsRagError):
    """The configured chat model cannot be reached or failed."""
