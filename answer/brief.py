"""One-page briefings: cited summary, key figures, dated timeline, who is involved, sources."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from answer.extractive import Candidate, ExtractiveAnswerer, text_similarity
from schema import Article, Briefing, BriefItem, Citation, Hit, SourceRef

FIGURE = re.compile(
    r"\d[\d,.]*\s*(?:조|억|천만|백만|만)?\s*(?:\d[\d,.]*\s*(?:억|만)\s*)?(?:원|달러)"
    r"|\d[\d,.]*\s*(?:%|퍼센트|㎢|㎡)"
    r"|\d[\d,]*\s*(?:개사|개소|개|명|곳|건)")
FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*년\s*(?:(\d{1,2})\s*월(?:\s*(\d{1,2})\s*일)?)?")
DAY_ONLY = re.compile(r"(?<![\d년월])(\d{1,2})\s*일")


def cite(n: int, hit: Hit, c: Candidate) -> Citation:
    ch = hit.chunk
    return Citation(n=n, article_id=ch.article_id, chunk_id=ch.chunk_id, title=ch.title,
                    outlet=ch.outlet, published_at=ch.published_at, quote=c.text, start=c.start,
                    end=c.end, url=ch.url)


def sentence_date(text: str, published_at: str) -> str:
    """The date a sentence names when its year is known, else its article's publication date."""
    m = FULL_DATE.search(text)
    if m:
        y, mo, d = m.groups()
        return "-".join([y] + ([f"{int(mo):02d}"] if mo else []) + ([f"{int(d):02d}"] if d else []))
    day = DAY_ONLY.search(text)
    if day and published_at and 1 <= int(day.group(1)) <= 31 and int(day.group(1)) <= int(published_at[8:10]):
        return f"{published_at[:7]}-{int(day.group(1)):02d}"  # "12일" in an article of that month
    return published_at[:10]


def build_briefing(topic: str, hits: Sequence[Hit], articles: dict[str, Article],
                   answerer: ExtractiveAnswerer, date_from: str = "", date_to: str = "",
                   max_items: int = 6) -> Briefing:
    """Everything extractive: each line is a sentence quoted from an article, with its citation."""
    every = answerer.rank(topic, hits)
    ranked = [c for c in every if c.lexical > 0 or c.dense > 0.3]
    summary = _diverse(ranked, hits, max_items=4, per_article=1)
    # A figure in a relevant article counts even when its sentence repeats none of the topic's
    # words ("2기 사업은 … 총 400억원을 투입해 …"): articles are ordered by relevance already.
    figures = _figures(every, hits)[:max_items + 2]
    timeline = _timeline(ranked, hits, max_items + 4)
    involved = [articles[a] for a in dict.fromkeys(h.chunk.article_id for h in hits) if a in articles]
    orgs = Counter(o for a in involved for o in a.organizations)
    regions = Counter(r for a in involved for r in a.regions)
    sources = tuple(SourceRef(a.article_id, a.title, a.outlet, a.published_at, a.url,
                              next((h.copies for h in hits if h.chunk.article_id == a.article_id), 0))
                    for a in involved)
    return Briefing(topic, date_from, date_to, tuple(summary), tuple(figures), tuple(timeline),
                    tuple(orgs.most_common()), tuple(regions.most_common()), sources)


def _diverse(ranked: list[Candidate], hits: Sequence[Hit], max_items: int,
             per_article: int) -> list[BriefItem]:
    out: list[BriefItem] = []
    used: Counter[str] = Counter()
    for c in ranked:
        aid = hits[c.hit_index].chunk.article_id
        if used[aid] >= per_article or any(text_similarity(c.text, o.text) > 0.6 for o in out):
            continue
        used[aid] += 1
        out.append(BriefItem(c.text, (cite(1, hits[c.hit_index], c),)))
        if len(out) == max_items:
            break
    return out


def _figures(ranked: list[Candidate], hits: Sequence[Hit], per_article: int = 2) -> list[BriefItem]:
    """Sentences stating an amount, share or count: the most relevant articles first (search
    order), each article's best sentences first, at most per_article from one article."""
    article_rank = {h.chunk.article_id: i for i, h in reversed(list(enumerate(hits)))}
    found: list[tuple[int, int, int, BriefItem]] = []
    for order, c in enumerate(ranked):
        figures = list(FIGURE.finditer(c.text))
        if not figures:
            continue
        # A budget says more in a briefing than a share, and a share more than a head count.
        m = min(figures, key=_figure_kind)
        found.append((article_rank[hits[c.hit_index].chunk.article_id], _figure_kind(m), order,
                      BriefItem(c.text, (cite(1, hits[c.hit_index], c),), figure=m.group(0).strip())))
    used: Counter[int] = Counter()
    items = []
    for rank, _, _, item in sorted(found, key=lambda x: x[:3]):
        if used[rank] < per_article:
            used[rank] += 1
            items.append(item)
    return _dedupe(items)


def _figure_kind(m: re.Match) -> int:
    text = m.group(0)
    return 0 if text.endswith(("원", "달러")) else 1 if text.endswith(("%", "퍼센트")) else 2


def _dedupe(items: list[BriefItem]) -> list[BriefItem]:
    out: list[BriefItem] = []
    for it in items:
        if not any(text_similarity(it.text, o.text) > 0.6 for o in out):
            out.append(it)
    return out


def _timeline(ranked: list[Candidate], hits: Sequence[Hit], max_events: int) -> list[BriefItem]:
    """One event per article (its most relevant sentence) for the max_events most relevant
    articles (search order), then ordered by date; undated last."""
    best: dict[str, Candidate] = {}
    for c in ranked:
        best.setdefault(hits[c.hit_index].chunk.article_id, c)
    chosen = [best[aid] for aid in dict.fromkeys(h.chunk.article_id for h in hits) if aid in best]
    events = []
    for c in chosen[:max_events]:
        chunk = hits[c.hit_index].chunk
        date = sentence_date(c.text, chunk.published_at)
        events.append(BriefItem(c.text, (cite(1, hits[c.hit_index], c),), date=date))
    return sorted(events, key=lambda e: (e.date == "", e.date))
