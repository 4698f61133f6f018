"""Page text out of HTML: from an lxml tree, or by a linear tag scan when libxml2 cannot hold the page."""

from __future__ import annotations

import copy
import html
import re
from collections import defaultdict
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document

from ingest.clean import Line, normalize_line
from ingest.meta import clean_reporter, parse_datetime_ko

_WHITESPACE = re.compile(r"\s+")
_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section",
           "article", "dd", "dt", "blockquote", "pre", "table", "ul", "ol", "figcaption")
_DROPPED = ("script", "style", "noscript", "nav", "footer", "header", "aside", "form", "iframe",
            "svg", "button", "select", "template")
_DROP_XPATH = "|".join(f"//{tag}" for tag in _DROPPED)
# A tag, a comment opening or a declaration; "[^<>]*" stops at the next bracket, so the scan is linear.
_TAG = re.compile(r"<(!--|[!?]|/?[A-Za-z][\w:-]*)[^<>]*>?")
_CLOSERS = {tag: re.compile(rf"</{tag}\b", re.I) for tag in _DROPPED}
_AUTHOR = re.compile(r"^([가-힣]{2,4})(?:\s*(?:기자|특파원|선임기자))?$")
_EMAIL = re.compile(r"(?<!\S)\S+@\S+")  # from a word's start only: "\S+@" alone is quadratic
_OUTLET_TAIL = re.compile(r"(일보|뉴스|신문|타임스|타임즈|저널|방송|미디어|\.com|\.kr|\.net)$")


@dataclass(frozen=True, slots=True)
class PageHints:
    """Metadata an HTML page states in its markup; empty fields defer to the text."""

    title: str = ""
    outlet: str = ""
    reporter: str = ""
    published_at: str = ""
    fallback_date: str = ""  # trafilatura's markup date: used only when the text has none
    url: str = ""


def parse_tree(page: str) -> HtmlElement | None:
    """The page's lxml tree; None when libxml2 cannot parse it whole (nesting deeper than 256
    elements or a text node over its buffer limit: it would silently drop the rest)."""
    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.document_fromstring(page, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    if any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log):
        return None
    return tree


def html_text(tree: HtmlElement) -> str:
    """Page text with one line per block element and "• " before list items."""
    tree = copy.deepcopy(tree)
    for bad in tree.xpath(_DROP_XPATH):
        bad.drop_tree()
    for el in tree.iter():  # source line breaks inside a paragraph are only spaces in HTML
        if el.tag != "pre":
            el.text = el.text and _WHITESPACE.sub(" ", el.text)
        el.tail = el.tail and _WHITESPACE.sub(" ", el.tail)
    for el in tree.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = ("\n• " if el.tag == "li" else "\n") + (el.text or "")
    return tree.text_content()


def markup_text(page: str) -> str:
    """Page text by scanning the markup's tags once, for pages lxml cannot take whole: the same
    lines as html_text (blocks end lines, "• " before list items, dropped elements skipped)."""
    out, pos = [], 0
    while m := _TAG.search(page, pos):
        out.append(_WHITESPACE.sub(" ", page[pos:m.start()]))
        name = m.group(1).lower()
        pos = m.end()
        if name == "!--":
            close = page.find("-->", m.start() + 4)
            pos = len(page) if close < 0 else close + 3
        elif name in _CLOSERS and not m.group().endswith("/>"):
            close = _CLOSERS[name].search(page, pos)
            pos = len(page) if close is None else close.start()
        elif name.lstrip("/") in _BLOCKS:
            out.append("\n• " if name == "li" else "\n")
    out.append(_WHITESPACE.sub(" ", page[pos:]))
    return html.unescape("".join(out))


def restore_blocks(lines: list[Line], blocks: list[str]) -> list[Line]:
    """Split lines that trafilatura's short-page fallback glued together from several blocks
    (title, byline, paragraphs) back at the page's own block boundaries."""
    by_first_word: dict[str, list[int]] = defaultdict(list)
    for i, block in enumerate(blocks):
        by_first_word[block.split(" ", 1)[0]].append(i)
    out = []
    for line in lines:
        # Only a block whose first word is a word of the line can start at a word boundary in
        # it; looking at just those keeps a page of thousands of blocks from being quadratic.
        words = set(line.text.split(" "))
        candidates = sorted(i for w in words for i in by_first_word.get(w, ()))
        parts = _blocks_within(line.text, [blocks[i] for i in candidates])
        out.extend([Line(p) for p in parts] if len(parts) > 1 else [line])
    return out


def _blocks_within(text: str, blocks: list[str]) -> list[str]:
    """The page blocks that, in order and space-separated, make up (nearly all of) the text."""
    found, cursor = [], 0
    for block in blocks:
        i = text.find(block, cursor)
        end = i + len(block)
        if i < 0 or text[i - 1:i] not in ("", " ") or text[end:end + 1] not in ("", " "):
            continue
        found.append(block)
        cursor = end
    covered = sum(map(len, found)) + len(found) - 1
    return found if covered >= 0.9 * len(text) else []


def _meta(tree: HtmlElement, *keys: str) -> str:
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if key in keys and (content := normalize_line(el.get("content") or "")):
            return content
    return ""


def html_hints(tree: HtmlElement, url: str, doc: Document | None) -> PageHints:
    """Title, outlet, author, date and URL from meta tags, then from trafilatura's metadata."""
    site = _meta(tree, "og:site_name") or normalize_line(getattr(doc, "sitename", "") or "")
    title = _meta(tree, "og:title", "twitter:title") or getattr(doc, "title", "") or ""
    author = _meta(tree, "author", "article:author", "dable:author", "byl") or getattr(
        doc, "author", "") or ""
    published = _meta(tree, "article:published_time", "og:article:published_time",
                      "datepublished", "pubdate", "publishdate", "dc.date.issued")
    canonical = next((el.get("href", "") for el in tree.iter("link")
                      if (el.get("rel") or "").lower() == "canonical"), "")
    return PageHints(
        title=_clean_title(normalize_line(title), site), outlet=site,
        reporter=_reporter_from_author(author, site),
        published_at=parse_datetime_ko(published),
        fallback_date=parse_datetime_ko(getattr(doc, "date", "") or ""),
        url=url or _meta(tree, "og:url") or canonical)


def _clean_title(title: str, site: str) -> str:
    """og:title without its " | 사이트" / " - 사이트" / " < 섹션 < 기사본문" tail."""
    title = title.split(" < ")[0]
    for sep in (" | ", " - ", " :: ", " – ", " — "):
        head, _, tail = title.rpartition(sep)
        if head and ((site and site in tail) or _OUTLET_TAIL.search(tail)):
            title = head
    return title.strip()


def _reporter_from_author(author: str, site: str) -> str:
    author = _EMAIL.sub("", normalize_line(author)).strip()
    m = _AUTHOR.match(author)
    return clean_reporter(m.group(1)) if m and author != site else ""
