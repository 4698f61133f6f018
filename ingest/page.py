"""Cut one scraped news page (plain text or HTML) into clean ParsedArticle records."""

from __future__ import annotations

import re
import statistics

import trafilatura

from ingest.clean import (
    Line,
    check_line_count,
    drop_noise,
    ends_prose,
    is_boilerplate,
    is_list_heading,
    line_key,
    page_lines,
    unwrap_lines,
)
from ingest.markup import PageHints, html_hints, html_text, markup_text, parse_tree, restore_blocks
from ingest.meta import (
    clean_reporter,
    find_published_at,
    outlet_from_line,
    reporter_from_line,
    split_byline,
)
from schema import ParsedArticle

TITLE_MAX = 60  # derived titles (pages without a headline) are cut at a word boundary
TEASER_MIN = 80  # a teaser has a lead line this long; headline-only lists have none
BODY_MIN = 40  # a non-sentence line this long still counts as body (a lead cut mid-word)
SENTENCE_MIN = 8  # "세부 계획은 하반기에 나온다." closing a body is a sentence, not a footer
_LIST_MARKS = "△▲◇◆■□●○▶►▷*※·ㆍ-"
_CUT_END = re.compile(r"[가-힣A-Za-z0-9,·ㆍ]$")
_SENTENCE_END = re.compile(r"[.!?。][\"'”’)\]」』]*$")
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?][\"'”’)\]」』]*)(?=\s|$)")
_DECLARATIVE_END = re.compile(r"[다요]\.[\"'”’]*$")
_PARENS = re.compile(r"\s?\([^()]*\)")
_MARKUP = re.compile(r"<(?:!doctype|html|head|body|div|p|br|span|table|article|section|a|h[1-6])\b",
                     re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Characters lxml refuses in text it is given ("All strings must be XML compatible"): control
# characters that are spaces become spaces, the others go.
_XML_SPACES = re.compile(r"[\x0b\x0c\x1c-\x1f]")
_XML_INVALID = re.compile(r"[\x00-\x08\x0e-\x1b\ud800-\udfff\ufffe\uffff]")
# Past this many tags trafilatura takes minutes; the page is read by the linear tag scan instead.
HTML_TAGS_MAX = 50_000


def parse_text_page(text: str, source: str = "") -> list[ParsedArticle]:
    """A plain-text scrape (like the seeds) -> its articles: main article(s) first, then teasers.

    Raises IngestError (naming `source`) for a "page" of more than PAGE_LINES_MAX lines.
    """
    check_line_count(text, source)
    return _parse_lines(unwrap_lines(page_lines(text)), PageHints())


def _parse_lines(lines: list[Line], hints: PageHints) -> list[ParsedArticle]:
    main, trailer = _split_trailer(lines)
    articles = _parse_main(main, hints)
    bodies = {a.body for a in articles}
    return articles + [t for t in _parse_teasers(trailer) if t.body not in bodies]


def _split_trailer(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Split at the first "랭킹 뉴스"-style heading that follows body text."""
    seen_prose = False
    for i, line in enumerate(lines):
        if seen_prose and is_list_heading(line.text):
            return lines[:i], lines[i:]
        seen_prose = seen_prose or (not line.bullet and ends_prose(line.text))
    return lines, []


def _skip_header_lists(lines: list[Line]) -> list[str]:
    """Drop list headings met before the body together with the bullet items under them."""
    out, in_list = [], False
    for line in lines:
        if is_list_heading(line.text):
            in_list = True
            continue
        in_list = in_list and line.bullet
        if not in_list:
            out.append(line.text)
    return out


def _parse_main(lines: list[Line], hints: PageHints) -> list[ParsedArticle]:
    raw = _skip_header_lists(lines)
    kept = drop_noise(raw)
    if _is_digest(kept):
        return _split_digest(kept)
    start = next((i for i, t in enumerate(kept) if ends_prose(t)), None)
    if start is None:
        start = next((i for i, t in enumerate(kept) if len(t) >= BODY_MIN), None)
    if start is None:
        return []
    end = max(i for i in range(start, len(kept)) if _is_body_line(kept[i]))
    title, subtitle = _title_and_subtitle(kept[:start], hints.title)
    dateline_outlet, byline_reporter, first = split_byline(kept[start])
    body = ([first] if first else []) + kept[start + 1:end + 1]
    if not body:
        return []
    outlet = next((o for o in map(outlet_from_line, raw) if o), "")
    return [ParsedArticle(
        title=title or derive_title(body[0]), body="\n\n".join(body), subtitle=subtitle,
        outlet=hints.outlet or dateline_outlet or outlet,
        reporter=byline_reporter or _find_reporter(raw) or hints.reporter,
        published_at=hints.published_at or find_published_at(raw) or hints.fallback_date,
        url=hints.url)]


def _is_body_line(line: str) -> bool:
    """After the lede, any sentence (however short) or long line is still body."""
    return ends_prose(line, min_len=SENTENCE_MIN) or len(line) >= BODY_MIN


def _find_reporter(lines: list[str]) -> str:
    """The name on the page's first byline line; "" for none or a CMS placeholder."""
    for i, line in enumerate(lines):
        name = reporter_from_line(line)
        if name is not None:
            return name
        if line == "기자" and i and len(lines[i - 1]) <= 10:  # "최고 관리자" / "기자"
            return clean_reporter(lines[i - 1])
    return ""


def _same_text(a: str, b: str) -> bool:
    ka, kb = line_key(a), line_key(b)
    return bool(ka and kb) and (ka in kb or kb in ka)


def _title_and_subtitle(header: list[str], hint: str) -> tuple[str, str]:
    """The headline and the subtitle lines above the body; section names and captions are not."""
    named = [t for t in header if len(t) >= 8 and (" " in t or len(t) >= 12)]
    title = hint or (named[0] if named else "")
    subtitles = [t for t in named if not _same_text(t, title)]
    return title, "\n".join(subtitles)


def derive_title(text: str) -> str:
    """A title for a page without a headline: its first sentence, cut at a word boundary."""
    text = text.lstrip(_LIST_MARKS + " ")
    m = _FIRST_SENTENCE.match(text)
    title = _PARENS.sub("", m.group(1) if m else text).strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    if len(title) > TITLE_MAX:
        cut = title.rfind(" ", 0, TITLE_MAX + 1)
        title = title[: cut if cut > 0 else TITLE_MAX]
    return title.rstrip(" ,·")


def _is_cut(line: str) -> bool:
    """A prose line that stops mid-word, as leads truncated at a fixed length do."""
    return not line.startswith(tuple(_LIST_MARKS)) and bool(_CUT_END.search(line))


def _cut_segments(lines: list[str]) -> list[list[str]]:
    segments, current = [], []
    for line in lines:
        current.append(line)
        if _is_cut(line):
            segments.append(current)
            current = []
    return segments + ([current] if current else [])


def _segment_chars(segment: list[str]) -> int:
    return len("\n".join(segment))


def _is_digest(lines: list[str]) -> bool:
    """Many leads glued together: sentence lines closed by a line cut mid-word, in stretches
    of near-equal length (every lead truncated at the same character count)."""
    cuts = sum(1 for prev, line in zip(lines, lines[1:], strict=False)
               if _is_cut(line) and _SENTENCE_END.search(prev))
    if cuts < 3:
        return False
    leads = [s for s in _cut_segments(lines) if _is_cut(s[-1])]
    median = statistics.median(map(_segment_chars, leads))
    uniform = sum(0.75 * median <= _segment_chars(s) <= 1.1 * median for s in leads)
    # Text hard-wrapped at a fixed width also has even, cut lines, but one line per stretch.
    multiline = sum(len(s) > 1 for s in leads)
    return min(uniform, multiline) >= 0.75 * len(leads)


def _split_digest(lines: list[str]) -> list[ParsedArticle]:
    """One article per lead: a lead ends where a line is cut, or where adding the next line
    would exceed the common truncation length (a lead that happened to end on a sentence)."""
    cap = 1.1 * statistics.median(
        _segment_chars(s) for s in _cut_segments(lines) if _is_cut(s[-1]))
    leads, current = [], []
    for line in lines:
        if current and _segment_chars([*current, line]) > cap:
            leads.append(current)
            current = []
        current.append(line)
        if _is_cut(line):
            leads.append(current)
            current = []
    leads += [current] if current else []
    return [ParsedArticle(title=derive_title(lead[0]), body="\n\n".join(lead)) for lead in leads]


def _parse_teasers(trailer: list[Line]) -> list[ParsedArticle]:
    """Teasers after a list heading: a headline line followed by a lead line. A lead is long,
    or is a full declarative sentence under a headline; headline-only lists give none."""
    out, seen = [], set()
    for i, line in enumerate(trailer):
        prev = trailer[i - 1] if i else Line("", True)
        named = _is_teaser_title(prev)
        if not (_is_teaser_lead(line) and (named or len(line.text) >= TEASER_MIN)):
            continue
        outlet, reporter, body = split_byline(line.text)
        title = prev.text if named else derive_title(body)
        if body and (title, body) not in seen:
            seen.add((title, body))
            out.append(ParsedArticle(title=title, body=body, outlet=outlet, reporter=reporter,
                                     kind="teaser"))
    return out


def _is_teaser_lead(line: Line) -> bool:
    text = line.text
    if line.bullet or is_boilerplate(text) or is_list_heading(text):
        return False
    return len(text) >= TEASER_MIN or (ends_prose(text) and _DECLARATIVE_END.search(text))


def _is_teaser_title(line: Line) -> bool:
    text = line.text
    return (not line.bullet and 5 <= len(text) < TEASER_MIN and not _DECLARATIVE_END.search(text)
            and not (is_boilerplate(text) or is_list_heading(text)))


def parse_html_page(html: str, url: str = "", source: str = "") -> list[ParsedArticle]:
    """An HTML page -> its articles: trafilatura finds the main text and metadata, then the
    text gets the same Korean cleaning as text pages; lxml text is the fallback.

    A page lxml cannot hold whole (nesting past 256 levels, a text node past its buffer) or with
    more than HTML_TAGS_MAX tags is read by a linear tag scan, without trafilatura.
    """
    html = _XML_DECLARATION.sub("", html)  # lxml refuses str input that declares an encoding
    html = _XML_INVALID.sub("", _XML_SPACES.sub(" ", html))
    if not _MARKUP.search(html):  # a plain-text scrape saved as .html: its lines are its blocks
        return parse_text_page(html, source)
    tree = parse_tree(html) if html.count("<") <= HTML_TAGS_MAX else None
    if tree is None:
        text = markup_text(html)
        check_line_count(text, source)
        return _parse_lines(page_lines(text), PageHints())
    page_text = html_text(tree)
    check_line_count(page_text, source)
    doc = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False,
        include_tables=False, include_images=False,
        date_extraction_params={"extensive_search": False, "original_date": True})
    hints = html_hints(tree, url, doc)
    blocks = page_lines(page_text)
    text = (doc.text or "") if doc else ""
    lines = restore_blocks(page_lines(text), [b.text for b in blocks])
    articles = _parse_lines(lines, hints) if lines else []
    return articles or _parse_lines(blocks, hints)
