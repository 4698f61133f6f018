"""Ingestion driver: files in, batches committed through the writer, a report out."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from errors import IngestError
from index.writer import BatchReport, IndexWriter, SourceBatch
from ingest.load import check_file, iter_source_files, parse_file


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


def ingest_sources(writer: IndexWriter, sources: Sequence[Path], *, max_file_bytes: int,
                   batch_articles: int = 256, progress: IngestProgress | None = None,
                   source_names: dict[Path, str] | None = None) -> IngestReport:
    """Read every file under sources and commit them in batches of about batch_articles.

    A bad file is reported and skipped; batches already committed stay committed whatever
    happens later. source_names maps a path to the name stored for it (uploads use this).
    """
    progress = progress or NoProgress()
    report = IngestReport()
    files = list(iter_source_files(sources))
    pending: list[SourceBatch] = []
    n_pending = 0
    for done, path in enumerate(files, start=1):
        progress.on_files(done - 1, len(files), path.name)
        report.files_seen += 1
        name = (source_names or {}).get(path, str(path.resolve()))
        shown = (source_names or {}).get(path, str(path))  # what messages call the file
        try:
            batch = _read_one(writer, path, name, max_file_bytes, report, shown)
        except IngestError as e:
            report.skipped.append(IngestError(shown, e.reason, e.line))
            continue
        except OSError as e:
            report.skipped.append(IngestError(shown, f"파일을 읽을 수 없습니다({e.strerror})."))
            continue
        if batch is None:
            continue
        pending.append(batch)
        n_pending += len(batch.articles)
        if n_pending >= batch_articles:
            report.totals.merge(writer.commit(pending, progress.on_chunks))
            pending, n_pending = [], 0
    if pending:
        report.totals.merge(writer.commit(pending, progress.on_chunks))
    progress.on_files(len(files), len(files), "")
    return report


def _read_one(writer: IndexWriter, path: Path, name: str, max_file_bytes: int,
              report: IngestReport, shown: str) -> SourceBatch | None:
    check_file(path, max_file_bytes)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    unchanged = writer.is_unchanged(name, sha)
    if unchanged is not None:
        report.files_unchanged += 1
        report.totals.unchanged += unchanged
        return None
    result = parse_file(path, data)
    report.files_read += 1
    report.totals.problems.extend(IngestError(shown, p.reason, p.line) for p in result.problems)
    return SourceBatch(name, sha, result.articles)
