"""The ingestion driver: sources in, parsed, chunked and embedded outside any lock, published in batches.

It sees the index only through the protocols of `contracts.py`: a writer that publishes whole
batches atomically and a chunk embedder (in-process with its cache, or a Ray cluster).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kiwipiepy import Kiwi

from contracts import ChunkEmbedder, IndexWriter
from errors import IngestError
from ingest.chunk import chunk_articles
from ingest.load import check_source, make_articles, parse_source
from schema import BatchReport, IndexBatch, Source, SourceBatch


class IngestProgress(Protocol):
    """Where progress goes: a tqdm bar in the CLI, st.progress in the app."""

    def on_files(self, done: int, total: int, name: str) -> None: ...
    def on_chunks(self, done: int, batch_total: int) -> None: ...


class NoProgress:
    def on_files(self, done: int, total: int, name: str) -> None:
        pass

    def on_chunks(self, done: int, batch_total: int) -> None:
        pass


@dataclass(slots=True)
class IngestReport:
    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    skipped: list[IngestError] = field(default_factory=list)  # whole files refused
    totals: BatchReport = field(default_factory=BatchReport)  # line problems are in totals.problems


@dataclass(frozen=True, slots=True)
class IngestParams:
    chunk_max_chars: int = 500
    max_file_bytes: int = 64 * 2**20
    batch_articles: int = 256  # articles per atomic publish


def ingest_sources(sources: Sequence[Source], writer: IndexWriter, embedder: ChunkEmbedder, kiwi: Kiwi,
                   params: IngestParams = IngestParams(),
                   progress: IngestProgress | None = None) -> IngestReport:
    """Read every source and publish them in batches of about params.batch_articles articles.

    A bad source is reported and skipped; batches already published stay published whatever
    happens later. Each batch is chunked and embedded before the writer takes its lock.
    """
    progress = progress or NoProgress()
    report = IngestReport()
    pending: list[SourceBatch] = []
    pending_ids: set[str] = set()
    for done, source in enumerate(sources):
        progress.on_files(done, len(sources), source.shown)
        report.files_seen += 1
        try:
            batch = _read_source(source, writer, params.max_file_bytes, report)
        except IngestError as e:
            report.skipped.append(e)
            continue
        except OSError as e:
            report.skipped.append(IngestError(source.shown, f"파일을 읽을 수 없습니다({e.strerror or e})."))
            continue
        if batch is None:
            continue
        ids = {a.article_id for a in batch.articles}
        if ids & pending_ids:  # an article id goes once per batch: a later source giving it again waits
            _publish(pending, writer, embedder, kiwi, params, progress, report)
            pending, pending_ids = [], set()
        pending.append(batch)
        pending_ids |= ids
        if len(pending_ids) >= params.batch_articles:
            _publish(pending, writer, embedder, kiwi, params, progress, report)
            pending, pending_ids = [], set()
    if pending:
        _publish(pending, writer, embedder, kiwi, params, progress, report)
    progress.on_files(len(sources), len(sources), "")
    return report


def _read_source(source: Source, writer: IndexWriter, max_file_bytes: int,
                 report: IngestReport) -> SourceBatch | None:
    check_source(source, max_file_bytes)
    data = source.read()
    sha = hashlib.sha256(data).hexdigest()
    if writer.source_sha256(source.name) == sha:
        report.files_unchanged += 1
        report.totals.unchanged += writer.source_article_count(source.name)
        return None
    result = parse_source(source, data)
    report.files_read += 1
    articles, problems = make_articles(result.articles, source.name, label=source.shown)
    report.totals.problems.extend(result.problems + problems)
    return SourceBatch(source.name, sha, tuple(articles))


def _publish(pending: Sequence[SourceBatch], writer: IndexWriter, embedder: ChunkEmbedder, kiwi: Kiwi,
             params: IngestParams, progress: IngestProgress, report: IngestReport) -> None:
    """Chunk and embed what changed, then hand the whole batch to the writer."""
    articles = [a for sb in pending for a in sb.articles]
    unchanged = writer.unchanged_articles(articles)
    chunks = chunk_articles(kiwi, [a for a in articles if a.article_id not in unchanged],
                            params.chunk_max_chars)
    before = embedder.newly_embedded()
    vectors = embedder.embed_chunks(chunks, progress.on_chunks)
    published = writer.publish(IndexBatch(tuple(pending), tuple(chunks), vectors))
    published.embedded = embedder.newly_embedded() - before
    report.totals.merge(published)
