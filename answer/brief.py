"""One-page briefings: cited summary, key figures (conflicting ones side by side), dated timeline,
who is involved, sources; and what changed on a topic since its saved briefing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from answer.claims import find_claims, same_value
from answer.conflicts import cited, contexts_of, find_conflicts
from answer.extractive import Candidate, ExtractiveAnswerer, text_similarity
from schema import (
    Article,
    ArticleUpdate,
    Briefing,
    BriefingChanges,
    BriefItem,
    Change,
    Citation,
    FigureConflict,
    Hit,
    SavedBriefing,
    SourceRef,
)

FIGURE = re.compile(
    r"\d[\d,.]*\s*(?:조|억|천만|백만|만)?\s*(?:\d[\d,.]*\s*(?:억|만)\s*)?(?:원|달러)"
    r"|\d[\d,.]*\s*(?:%|퍼센트|㎢|㎡)"
    r"|\d[\d,]*\s*(?:개사|개소|개|명|곳|건)")
FULL_DATE = re.compile(r"((?:19|20)\d{2})\s*년\s*(?:(\d{1,2})\s*월(?:\s*(\d{1,2})\s*일)?)?")
TOTAL_BEFORE = re.compile(r"(?:총|모두|전체|합계|총사업비)\s*$")
DAY_ONLY = re.compile(r"(?<![\d년월])(\d{1,2})\s*일")


def cite(n: int, hit: Hit, c: Candidate) -> Citation:
    ch = hit.chunk
    return Citation(n=n, article_id=ch.article_id, chunk_id=ch.chunk_id, title=ch.title,
                    outlet=ch.outlet, published_at=ch.published_at, quote=c.text, start=c.start,
                    end=c.end, url=ch.url)


def sentence_date(text: str, published_at: str) -> str:
    """The date a sentence names when its year is known, else its article's publication date.

    A bare year that bounds a plan ("2027년까지 400억원", "2025년부터 3년간") dates no event: the
    sentence then falls back to its day or its article's date.
    """
    m = next((m for m in FULL_DATE.finditer(text)
              if m.group(2) or not re.match(r"\s*(?:까지|부터)", text[m.end():m.end() + 3])), None)
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
    conflicts = conflicting_figures(every, hits, articles, answerer)[:max_items]
    return Briefing(topic, date_from, date_to, tuple(summary), tuple(figures), tuple(timeline),
                    tuple(orgs.most_common()), tuple(regions.most_common()), sources,
                    conflicts=tuple(conflicts))


def conflicting_figures(cands: Sequence[Candidate], hits: Sequence[Hit], articles: dict[str, Article],
                        answerer: ExtractiveAnswerer) -> list[FigureConflict]:
    """Things the articles give different values for (answer/conflicts.py), most relevant first."""
    stating = [c for c in cands if find_claims(c.text)]
    if not stating:
        return []
    aids = [hits[c.hit_index].chunk.article_id for c in stating]
    contexts = contexts_of([c.text for c in stating], [hits[c.hit_index].chunk.published_at for c in stating],
                           [articles[a].regions if a in articles else () for a in aids],
                           answerer.tokenizer.kiwi, answerer.tokenizer.shortforms)
    return find_conflicts(stating, hits, contexts, lambda hit, c: cite(1, hit, c))


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
        # A budget says more in a briefing than a share, and a share more than a head count; the
        # total ("총 480억원") more than its parts ("국비 240억원").
        m = min(figures, key=lambda m, t=c.text: (_figure_kind(m), not _is_total(t, m)))
        found.append((article_rank[hits[c.hit_index].chunk.article_id], _figure_kind(m), order,
                      BriefItem(c.text, (cite(1, hits[c.hit_index], c),), figure=m.group(0).strip())))
    used: Counter[int] = Counter()
    items = []
    for rank, _, _, item in sorted(found, key=lambda x: x[:3]):
        if used[rank] < per_article:
            used[rank] += 1
            items.append(item)
    return _dedupe(items)


def _is_total(text: str, m: re.Match) -> bool:
    return TOTAL_BEFORE.search(text[max(0, m.start() - 8):m.start()]) is not None


def _figure_kind(m: re.Match) -> int:
    text = m.group(0)
    return 0 if text.endswith(("원", "달러")) else 1 if text.endswith(("%", "퍼센트")) else 2


def _dedupe(items: list[BriefItem]) -> list[BriefItem]:
    """Drop near-repeats of a sentence already kept, unless they state a different figure: two
    articles disagreeing in near-identical words both stay."""
    out: list[BriefItem] = []
    for it in items:
        if not any(text_similarity(it.text, o.text) > 0.6 and _same_figure(it, o) for o in out):
            out.append(it)
    return out


def _same_figure(a: BriefItem, b: BriefItem) -> bool:
    x, y = find_claims(a.text), find_claims(b.text)
    ours = [c for c in x if c.text == a.figure] or x
    theirs = [c for c in y if c.text == b.figure] or y
    if not ours or not theirs:
        return a.figure == b.figure
    return any(c.kind == d.kind and c.role == d.role and same_value(c, d) for c in ours for d in theirs) \
        or a.figure == b.figure


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


def build_changes(saved: SavedBriefing, changes: Sequence[Change], hits: Sequence[Hit],
                  articles: dict[str, Article], answerer: ExtractiveAnswerer, generation: int,
                  made_at: str, min_share: float = 0.5) -> BriefingChanges:
    """What the articles new or changed since a saved briefing add to its topic, each line cited.

    hits: the topic's search restricted to the changed articles, then the whole briefing's search
    (conflicts are looked for between the two). An article counts for the topic when its title or
    one of its sentences carries at least min_share of the topic's IDF-weighted words.
    """
    topic, changed = saved.topic, {c.article.article_id: c for c in changes}
    every = answerer.rank(topic, hits)
    weights = answerer.read_question(topic, None).weights
    best: dict[str, Candidate] = {}
    for c in every:
        aid = hits[c.hit_index].chunk.article_id
        if aid in changed and (aid not in best or c.lexical > best[aid].lexical):
            best[aid] = c
    titles = _shares([changed[a].article.title for a in best], weights, answerer)
    on_topic = [a for a, title_share in zip(best, titles, strict=True)
                if max(best[a].lexical, title_share) >= min_share]
    order = {a: i for i, a in enumerate(dict.fromkeys(c.article.article_id for c in changes))}
    on_topic.sort(key=order.__getitem__)  # the most recently changed first, as the index lists them
    updates = {status: tuple(ArticleUpdate(status, cite(1, hits[best[a].hit_index], best[a]),
                                           changed[a].article.first_seen, changed[a].article.last_changed)
                             for a in on_topic if changed[a].status == status) for status in ("new", "changed")}
    mine = [c for c in every if hits[c.hit_index].chunk.article_id in set(on_topic)]
    conflicts = cited(conflicting_figures(every, hits, articles, answerer), set(on_topic))
    return BriefingChanges(topic, saved.saved_at, saved.generation, generation, made_at, saved.filters.date_from,
                           saved.filters.date_to, updates["new"], updates["changed"], tuple(_figures(mine, hits)),
                           tuple(_timeline(mine, hits, len(on_topic))), tuple(conflicts))


def _shares(texts: list[str], weights: dict[str, float], answerer: ExtractiveAnswerer) -> list[float]:
    """The share of the topic's weighted words each text contains."""
    total = sum(weights.values())
    if not texts or not total:
        return [0.0] * len(texts)
    return [sum(weights[t] for t in set(toks) & weights.keys()) / total for toks in answerer.tokenizer(texts)]
