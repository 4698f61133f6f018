"""Test helper: ingest files through the real pipeline into an EmbeddedWriter (no Engine, no model load)."""

from __future__ import annotations

from pathlib import Path

from ingest.load import sources_from_paths
from ingest.pipeline import IngestParams, IngestProgress, IngestReport, ingest_sources


def ingest_paths(writer, paths: list[Path], *, max_file_bytes: int = 2**20, batch_articles: int = 256,
                 progress: IngestProgress | None = None) -> IngestReport:
    """What `python -m ingest` does, with the writer's own tokenizer, chunk size and embedding cache."""
    params = IngestParams(chunk_max_chars=writer.chunk_max_chars, max_file_bytes=max_file_bytes,
                          batch_articles=batch_articles)
    return ingest_sources(sources_from_paths(paths), writer, writer.embedder, writer.tokenizer.kiwi,
                          params, progress)
