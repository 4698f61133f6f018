"""Shared bench helpers: build an index in-process from JSONL records and time it."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
SEEDS = REPO.parent / "shared" / "seeds"
WORK = REPO / "bench" / "work"  # git-ignored scratch space


def machine_line() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{date.today().isoformat()} · {os.cpu_count()} cores · {mem_gib:.0f} GiB · "
            f"{platform.processor() or platform.machine()} · Python {platform.python_version()}")


def write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def build_index(index_dir: Path, sources: list[Path], settings, *, progress: bool = True):
    """Ingest sources into index_dir (incremental: an existing index is reused). Returns (report, s)."""
    from index.build import ingest_sources
    from index.store import WriteLock
    from ingest.__main__ import TqdmProgress
    from wiring import build_embedder, build_tokenizer, open_writer

    with WriteLock(index_dir):
        tokenizer, embedder = build_tokenizer(settings), build_embedder(settings)
        writer = open_writer(settings, index_dir, tokenizer, embedder)
        bar = TqdmProgress(enabled=progress)
        t0 = time.perf_counter()
        try:
            report = ingest_sources(writer, sources, max_file_bytes=2**30, batch_articles=4096,
                                    progress=bar)
        finally:
            bar.close()
            writer.close()
    return report, time.perf_counter() - t0


def table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table; floats get 3 decimals."""
    def fmt(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
