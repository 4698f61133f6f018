"""Test helpers: ingest files through the real pipeline into a writer (no Engine, no model load), and the
phase markers the killed-writer child processes print."""

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


class PrintPhases:
    """Ingest progress printed as phase markers a parent test waits for before it kills the child:
    "embedding N" when file N+1's batch starts embedding, "committed N" once the batches of the
    first N files are committed (on_files(done) runs only after that)."""

    def __init__(self) -> None:
        self.file = 0

    def on_files(self, done: int, total: int, name: str) -> None:
        self.file = done
        print(f"committed {done}", flush=True)

    def on_chunks(self, done: int, batch_total: int) -> None:
        if done == 0:
            print(f"embedding {self.file}", flush=True)
