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


def build_index(index_dir: Path, sources: list[Path], settings, *, progress: bool = True,
                tokenizer=None, embedder=None, batch_articles: int = 4096):
    """Ingest sources into index_dir (incremental: an existing index is reused). Returns (report, s).

    The model and tokenizer are built from settings unless given (a bench that wraps the model to
    time it passes its own).
    """
    from engine import Engine
    from ingest.__main__ import TqdmProgress
    from wiring import build_embedder, build_tokenizer

    settings = settings.model_copy(update={"max_file_mb": 2**10, "batch_articles": batch_articles})
    engine = Engine(settings, index_dir, tokenizer or build_tokenizer(settings),
                    embedder or build_embedder(settings))
    bar = TqdmProgress(enabled=progress)
    t0 = time.perf_counter()
    try:
        report = engine.ingest(sources, bar)
    finally:
        bar.close()
    return report, time.perf_counter() - t0


def open_searcher(settings, index_dir: Path, tokenizer, embedder):
    """The embedded backend's Searcher itself: benches that time its parts (rankings, filters) need it."""
    from index.searcher import Searcher
    from wiring import search_params

    return Searcher(index_dir, embedder, tokenizer, search_params(settings))


def table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table; floats get 3 decimals."""
    def fmt(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
