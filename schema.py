"""Typed records passed between stages, plus JSONL helpers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np

    from errors import IngestError

KINDS = ("main", "teaser")


@dataclass(frozen=True, slots=True)
class Source:
    """One input to ingest: a file on disk, bytes in memory (an upload, a fetched page) or a URL's body.

    `name` is the key the index keeps the source under (a resolved path, "upload/<name>" or the URL):
    ingesting the same name again replaces what it gave before.
    """

    name: str
    kind: str  # the reader to use, by file suffix: ".html", ".jsonl", ".csv", ".txt", …
    path: Path | None = None
    data: bytes | None = None
    url: str = ""  # where a fetched page came from (a page's own links resolve against it)
    label: str = ""  # what messages call it; defaults to name

    @property
    def shown(self) -> str:
        return self.label or self.name

    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]

    def read(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class Filters:
    """Search filters; every field narrows the set of chunks considered."""

    date_from: str = ""  # YYYY-MM-DD, inclusive
    date_to: str = ""
    outlets: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("main",)
    article_ids: tuple[str, ...] = ()


NO_FILTERS = Filters()


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
    record_id: str = ""  # the source's own id (JSONL/CSV/XLSX), kept verbatim
    line: int = 0  # 1-based line (or sheet row) of the record in its file, 0 for pages
    # Metadata some sources state themselves (BigKinds exports, press releases); merged into the
    # article's tags beside what ingest/meta.py finds in the text.
    people: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    category: str = ""  # the source's own classification, e.g. BigKinds 통합 분류 "경제>지역경제"
    truncated: bool = False  # the body is only the lead of a longer article (BigKinds bodies)
    department: str = ""  # press releases: the issuing 담당 부서
    contact: str = ""  # press releases: 담당자 and phone lines, kept out of the body


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
    people: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    category: str = ""
    truncated: bool = False
    department: str = ""
    contact: str = ""
    # Set by the index when it stores the article (ISO 8601, UTC): what changed since a briefing.
    first_seen: str = ""
    last_changed: str = ""


# Fields added after indexes existed: left out of an article's content hash while they hold their
# default, so an index built before them does not see every article as changed.
ARTICLE_FIELDS_V2 = {"people": (), "places": (), "category": "", "truncated": False, "department": "",
                     "contact": ""}
ARTICLE_INDEX_FIELDS = ("duplicate_of", "first_seen", "last_changed")  # kept by the index, not the source


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
    # The asked-for value itself ("400억원", "2010년", "박민수"), taken from the first cited sentence
    # when the question asks for an amount, share, date, count, person, place or organisation.
    short_answer: str | None = None


R = TypeVar("R")

_TUPLE_FIELDS = {"regions", "organizations", "people", "places", "outlets", "kinds", "article_ids"}


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
class SourceBatch:
    """One source's articles, with the sha256 of its bytes for change detection."""

    name: str
    sha256: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class IndexBatch:
    """What a writer publishes atomically: whole sources, the chunks of their new or changed
    articles and one vector per chunk (row i of vectors belongs to chunks[i])."""

    sources: tuple[SourceBatch, ...]
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray  # float32 (len(chunks), dim), L2-normalised


@dataclass(slots=True)
class BatchReport:
    """What publishing did, summed over batches; problems are skipped lines or articles."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    duplicates: int = 0
    teasers: int = 0
    chunks: int = 0
    embedded: int = 0
    problems: list[IngestError] = field(default_factory=list)

    def merge(self, other: BatchReport) -> None:
        for name in ("added", "updated", "unchanged", "deleted", "duplicates", "teasers",
                     "chunks", "embedded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)


@dataclass(slots=True)
class CheckReport:
    """What an index check found; problems are user-facing Korean lines."""

    generation: int = 0
    articles: int = 0
    chunks: int = 0
    dense_ids: int = 0
    bm25_docs: int = 0
    catalog_ok: bool = True  # False: the catalog itself is damaged; only re-ingesting helps
    problems: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # temp folders of killed writers (harmless)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class SavedBriefing:
    """A briefing a user saved: what to compare against next time ("what changed since")."""

    topic: str
    filters: Filters
    saved_at: str  # ISO 8601 UTC, on the index's clock (articles' first_seen/last_changed)
    generation: int  # the index generation the briefing was made from
    article_ids: tuple[str, ...]  # the articles it cited


@dataclass(frozen=True, slots=True)
class Change:
    """An article that is new or changed since a moment."""

    article: Article
    status: str  # "new" | "changed"


@dataclass(frozen=True, slots=True)
class BriefItem:
    """One cited line of a briefing: a bullet, a figure or a timeline event."""

    text: str
    citations: tuple[Citation, ...]
    date: str = ""  # timeline: YYYY, YYYY-MM or YYYY-MM-DD
    figure: str = ""  # key figures: the amount, share or count itself


@dataclass(frozen=True, slots=True)
class FigureConflict:
    """Articles giving different values for the same thing (an amount, a share, a count or an
    event's date for one programme): every value with the sentences that state it, none winning."""

    subject: str  # what the values are of, e.g. "지역혁신클러스터 2기 · 총액"
    kind: str  # "amount" | "share" | "count" | "date"
    role: str  # 총액, 국비, 기업, 착공 …
    values: tuple[BriefItem, ...]  # one per distinct value (figure: as written), two or more


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
    conflicts: tuple[FigureConflict, ...] = ()
    generation: int = 0  # the index generation it was made from
    made_at: str = ""  # ISO 8601 UTC, taken before its search (what a save compares against)


@dataclass(frozen=True, slots=True)
class ArticleUpdate:
    """An article on a saved topic, new or changed since the briefing was saved, cited by its
    sentence most on the topic."""

    status: str  # "new" | "changed"
    citation: Citation
    first_seen: str
    last_changed: str


@dataclass(frozen=True, slots=True)
class BriefingChanges:
    """What is new or changed on a topic since its saved briefing; every line is cited."""

    topic: str
    saved_at: str
    saved_generation: int
    generation: int  # the index generation compared against it
    made_at: str
    date_from: str
    date_to: str
    new_articles: tuple[ArticleUpdate, ...]
    changed_articles: tuple[ArticleUpdate, ...]
    figures: tuple[BriefItem, ...]  # figures the new or changed articles state
    timeline: tuple[BriefItem, ...]  # timeline entries they add
    conflicts: tuple[FigureConflict, ...]  # conflicting figures one of them is part of

    @property
    def empty(self) -> bool:
        return not (self.new_articles or self.changed_articles)
