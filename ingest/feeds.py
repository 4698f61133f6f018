"""RSS and Atom feeds: fetched bytes -> entries (link, title, text, date), and an entry as an article source.

feedparser reads RSS 0.9x/1.0/2.0 and Atom; it is always given bytes we fetched (never a URL, so it
makes no request of its own). A page parses with no version and no entries, and a malformed feed
still gives its entries with `bozo` set: a body is judged a feed by its version and entries.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import feedparser

from errors import IngestError
from schema import Source

KST = timezone(timedelta(hours=9))
BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    link: str  # absolute http(s) URL of the entry's page
    title: str
    text: str  # the entry's content, else its summary, as plain text ("" when it has neither)
    published_at: str  # ISO 8601 +09:00, or ""
    fingerprint: str  # sha256 of what the feed says about the entry: a change means fetch again


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    url: str
    title: str
    version: str  # feedparser's: "rss20", "atom10", …
    entries: tuple[FeedEntry, ...]
    malformed: str = ""  # why the XML was not well-formed, when entries were read all the same
    without_link: int = 0  # entries skipped for having no http(s) link


def parse_feed(url: str, data: bytes, content_type: str = "") -> ParsedFeed:
    """A fetched feed's entries, deduplicated by link; IngestError (naming url) when it is no feed."""
    headers = {"content-location": url} | ({"content-type": content_type} if content_type else {})
    d = feedparser.parse(data, response_headers=headers)
    if not d.version and not d.entries:
        head = data[:512].lstrip().lower()
        hint = (" 웹 페이지로 보입니다. 기사 페이지라면 '페이지로 추가'(--url)로 넣으세요."
                if head.startswith((b"<!doctype html", b"<html")) else " 피드 주소를 확인하세요.")
        raise IngestError(url, "RSS/Atom 피드가 아닙니다." + hint)
    entries: dict[str, FeedEntry] = {}
    without_link = 0
    for e in d.entries:
        entry = _entry(url, e)
        if entry is None:
            without_link += 1
        else:
            entries.setdefault(entry.link, entry)
    problem = d.get("bozo_exception")
    # A feed served as text/plain, or declaring another encoding than its bytes, still parses fine.
    malformed = str(problem) if d.bozo and not isinstance(problem, BENIGN) else ""
    return ParsedFeed(url, " ".join(str(d.feed.get("title", "")).split()), d.version or "",
                      tuple(entries.values()), malformed, without_link)


def _entry(feed_url: str, e: dict) -> FeedEntry | None:
    link = urljoin(feed_url, str(e.get("link") or "").strip())
    if urlsplit(link).scheme not in ("http", "https") or link == feed_url:
        guid = str(e.get("id") or "")
        if urlsplit(guid).scheme not in ("http", "https"):
            return None
        link = guid
    title = " ".join(str(e.get("title", "")).split())
    text = _entry_text(e)
    parsed = e.get("published_parsed") or e.get("updated_parsed")
    published = (datetime.fromtimestamp(calendar.timegm(parsed), UTC).astimezone(KST).isoformat()
                 if parsed else "")
    said = [link, str(e.get("id", "")), title, str(e.get("updated", "")), str(e.get("published", "")), text]
    fingerprint = hashlib.sha256(json.dumps(said, ensure_ascii=False).encode("utf-8")).hexdigest()
    return FeedEntry(link, title, text, published, fingerprint)


def _entry_text(e: dict) -> str:
    """The longest of the entry's content and summary, markup removed, one paragraph a line."""
    details = list(e.get("content") or []) + ([e["summary_detail"]] if e.get("summary_detail") else [])
    texts = [_plain(str(d.get("value", "")), str(d.get("type", ""))) for d in details]
    return max(texts, key=len, default="")


def _plain(value: str, mime: str) -> str:
    if "html" not in mime or "<" not in value:
        return value.strip()
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div")
    except ParserError:
        return value.strip()
    for el in root.iter("p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr"):
        el.tail = "\n" + (el.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def entry_source(entry: FeedEntry, feed: ParsedFeed) -> Source | None:
    """The entry's own title and text as a one-record source under its page's name (a later fetch
    of the page replaces it), or None when the entry has no text."""
    if not entry.text:
        return None
    record = {"title": entry.title, "body": entry.text, "published_at": entry.published_at,
              "url": entry.link, "source": feed.title}
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    return Source(name=entry.link, kind=".jsonl", data=data, url=entry.link, label=entry.link)
