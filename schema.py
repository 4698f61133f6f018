"""Typed records passed between stages, plus JSONL helpers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

KINDS = ("main", "teaser")


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """One article cut out of a page or a record, before it gets an id."""

    title: str
    body: str
    subtitle: str = ""
    outlet: str = ""
    reporter: str = ""
    published_at: str = ""  # ISO 8601 with +09:00, or "" when the page does not say
    url: str = ""
    kind: str = "main"  # "main" | "teaser"
    record_id: str = ""  # the source's own id (JSONL/CSV), kept verbatim
    line: int = 0  # 1-based line of the record in its file, 0 for pages


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    source_path: str
    kind: str
    title: str
    subtitle: str
    outlet: str
    reporter: str
    published_at: str
    url: str
    body: str
    regions: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    chunk_id: str  # f"{article_id}#{seq:03d}"
    article_id: str
    seq: int
    text: str
    start: int  # char offsets into the cleaned Article.body
    end: int
    title: str  # copied from Article so a Hit can be cited without a lookup
    outlet: str
    published_at: str
    url: str
    kind: str = "main"


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    score: float
    row: int  # stable integer id shared by the catalog, FAISS and BM25
    dense_rank: int | None = None  # kept for the UI's "why this result" and for eval
    bm25_rank: int | None = None
    copies: int = 0  # near-duplicate articles collapsed into this hit


@dataclass(frozen=True, slots=True)
class Citation:
    n: int
    article_id: str
    chunk_id: str
    title: str
    outlet: str
    published_at: str
    quote: str
    start: int  # offsets of the quote in the article body
    end: int
    url: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str
    answerable: bool
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    backend: str = "extractive"
    notice: str = ""


R = TypeVar("R")

_TUPLE_FIELDS = {"regions", "organizations"}


def record_from_dict(cls: type[R], data: dict[str, Any]) -> R:
    """Build a record from a JSON object, ignoring unknown keys and restoring tuples."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: (tuple(v) if k in _TUPLE_FIELDS else v) for k, v in data.items() if k in names}
    return cls(**kwargs)


def read_jsonl(path: Path, cls: type[R]) -> list[R]:
    with path.open(encoding="utf-8") as f:
        return [record_from_dict(cls, json.loads(line)) for line in f if line.strip()]


def write_jsonl(path: Path, records: Iterable[Any]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


@dataclass(frozen=True, slots=True)
class BriefItem:
    """One cited line of a briefing: a bullet, a figure or a timeline event."""

    text: str
    citations: tuple[Citation, ...]
    date: str = ""  # timeline: YYYY, YYYY-MM or YYYY-MM-DD
    figure: str = ""  # key figures: the amount, share or count itself


@dataclass(frozen=True, slots=True)
class SourceRef:
    article_id: str
    title: str
    outlet: str
    published_at: str
    url: str
    copies: int = 0


@dataclass(frozen=True, slots=True)
class Briefing:
    topic: str
    date_from: str
    date_to: str
    summary: tuple[BriefItem, ...]
    figures: tuple[BriefItem, ...]
    timeline: tuple[BriefItem, ...]
    organizations: tuple[tuple[str, int], ...]
    regions: tuple[tuple[str, int], ...]
    sources: tuple[SourceRef, ...]
    backend: str = "extractive"
