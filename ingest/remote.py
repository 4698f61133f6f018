"""Pages and feeds on the web -> sources to ingest, with a per-URL report; state is kept only once they are in.

A `FetchRun` fetches (through a `Fetcher`, conditionally from the `FetchState`), collects the
sources, and after the caller has ingested them records what went in: validators and body hashes
of pages and feeds, and the fingerprints of feed entries. Nothing is recorded for what failed, so
the next run tries it again; a feed whose entries all went in is next asked for with its
validators (a 304 then skips it whole), one with a failed entry is read again next time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from errors import IngestError
from ingest.feeds import FeedEntry, ParsedFeed, entry_source, parse_feed
from ingest.fetch import Fetched, Fetcher
from ingest.fetch_state import EntryState, FetchState, UrlState
from ingest.pipeline import IngestProgress, IngestReport, NoProgress
from schema import Source

OUTCOMES = {
    "fetched": "가져옴",
    "unchanged": "내용 변경 없음",
    "not_modified": "변경 없음(304)",
    "skipped": "피드 항목 그대로(요청 안 함)",
    "fallback": "피드 요약으로 대체",
    "blocked": "robots.txt 차단",
    "error": "오류",
}
PROBLEMS = ("blocked", "error")


class FetchProgress(IngestProgress, Protocol):
    """IngestProgress plus one call per URL about to be fetched."""

    def on_fetch(self, done: int, total: int, url: str) -> None: ...


class NoFetchProgress(NoProgress):
    def on_fetch(self, done: int, total: int, url: str) -> None:
        pass


@dataclass(slots=True)
class FetchItem:
    """One URL's line in the report: a page, a feed, or a feed's entry (feed says which feed)."""

    url: str
    kind: str  # "page" | "feed"
    outcome: str  # a key of OUTCOMES
    message: str = ""
    feed: str = ""

    @property
    def label(self) -> str:
        return OUTCOMES[self.outcome]


@dataclass(slots=True)
class FetchReport:
    items: list[FetchItem] = field(default_factory=list)
    ingest: IngestReport | None = None  # None when nothing needed ingesting

    def count(self, *outcomes: str) -> int:
        return sum(i.outcome in outcomes for i in self.items)

    @property
    def all_failed(self) -> bool:
        """Every URL asked for failed (nothing fetched, nothing found unchanged)."""
        return bool(self.items) and all(i.outcome in PROBLEMS for i in self.items)


@dataclass(slots=True)
class _FeedRead:
    url: str
    validators: UrlState


class FetchRun:
    """One run: call add_pages/add_feeds, ingest `sources`, then finish() with the ingest report."""

    def __init__(self, fetcher: Fetcher, state: FetchState, progress: FetchProgress | None = None) -> None:
        self.fetcher, self.state = fetcher, state
        self.progress = progress or NoFetchProgress()
        self.sources: list[Source] = []
        self.items: list[FetchItem] = []
        self._urls: list[UrlState] = []
        self._entries: list[EntryState] = []
        self._feeds: list[_FeedRead] = []
        self._pages: dict[str, tuple[str, str]] = {}  # url -> (outcome, message) in this run

    def add_pages(self, urls: Sequence[str]) -> None:
        urls = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
        for done, url in enumerate(urls):
            self.progress.on_fetch(done, len(urls), url)
            outcome, message = self._page(url)
            self.items.append(FetchItem(url, "page", outcome, message))

    def add_feeds(self, urls: Sequence[str], subscribe: bool = False) -> None:
        """Read each feed and its new or changed entries; subscribe: save the feeds that parse."""
        urls = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
        for done, url in enumerate(urls):
            self.progress.on_fetch(done, len(urls), url)
            feed = self._feed(url)
            if feed is None:
                continue
            if subscribe:
                self.state.save_feed(url, feed.title)
            for n, entry in enumerate(feed.entries):
                self.progress.on_fetch(n, len(feed.entries), entry.link)
                self._entry(feed, entry)

    def _feed(self, url: str) -> ParsedFeed | None:
        got = self.fetcher.fetch(url, "feed", self.state.url_state(url, "feed"))
        if got.outcome == "not_modified":
            self.state.mark_not_modified(url, "feed")
            self.state.mark_refreshed(url)
        if not got.ok:
            self.items.append(FetchItem(url, "feed", got.outcome, got.message))
            return None
        try:
            feed = parse_feed(url, got.data, got.content_type)
        except IngestError as e:
            self.items.append(FetchItem(url, "feed", "error", e.reason))
            return None
        note = f"항목 {len(feed.entries)}개"
        if feed.without_link:
            note += f", 링크가 없어 건너뛴 항목 {feed.without_link}개"
        if feed.malformed:
            note += f" (피드 형식에 오류가 있어 읽을 수 있는 항목만 읽음: {feed.malformed})"
        self.items.append(FetchItem(url, "feed", "fetched", note))
        self._feeds.append(_FeedRead(url, _validators(got, "feed")))
        return feed

    def _entry(self, feed: ParsedFeed, entry: FeedEntry) -> None:
        seen = self.state.entry(feed.url, entry.link)
        if seen and seen.fingerprint == entry.fingerprint and seen.via == "page":
            self.items.append(FetchItem(entry.link, "page", "skipped", feed=feed.url))
            return
        outcome, message = self._page(entry.link)
        via = "page"
        if outcome in PROBLEMS and (fallback := entry_source(entry, feed)) is not None:
            self.sources.append(fallback)
            outcome, via = "fallback", "entry"
            message = f"페이지 대신 피드의 제목과 요약을 넣었습니다. 페이지: {message}"
        if outcome not in PROBLEMS:
            self._entries.append(EntryState(feed.url, entry.link, entry.fingerprint, via))
        self.items.append(FetchItem(entry.link, "page", outcome, message, feed=feed.url))

    def _page(self, url: str) -> tuple[str, str]:
        """Fetch a page once per run: its outcome and message; a fetched body becomes a source."""
        if url in self._pages:
            return self._pages[url]
        old = self.state.url_state(url, "page")
        got = self.fetcher.fetch(url, "page", old)
        outcome = got.outcome
        if got.outcome == "not_modified":
            self.state.mark_not_modified(url, "page")
        elif got.ok:
            validators = _validators(got, "page")
            outcome = "unchanged" if old and old.sha256 == validators.sha256 else "fetched"
            # Unchanged bodies go in too: the pipeline skips a source it holds by its sha256 at no cost,
            # and puts back one that was deleted from the index since.
            self.sources.append(Source(name=url, kind=".html", data=got.data, url=url, label=url))
            self._urls.append(validators)
        self._pages[url] = (outcome, got.message)
        return self._pages[url]

    def finish(self, ingest: IngestReport | None) -> FetchReport:
        """Record what went in (what the ingest refused is reported and tried again next time)."""
        refused = {e.path: e.reason for e in ingest.skipped} if ingest else {}
        for item in self.items:
            if item.url in refused and item.outcome in ("fetched", "unchanged", "fallback"):
                item.outcome, item.message = "error", refused[item.url]
        self.state.save_urls([s for s in self._urls if s.url not in refused])
        self.state.save_entries([e for e in self._entries if e.link not in refused])
        for feed in self._feeds:
            if not any(i.feed == feed.url and i.outcome in PROBLEMS for i in self.items):
                self.state.save_urls([feed.validators])
            self.state.mark_refreshed(feed.url)
        return FetchReport(self.items, ingest)


def _validators(got: Fetched, kind: str) -> UrlState:
    return UrlState(got.url, kind, got.etag, got.last_modified, hashlib.sha256(got.data).hexdigest(), status=200)
