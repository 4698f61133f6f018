"""Rendering helpers for app.py: safe Markdown from untrusted article text, cards and reports.

Article text is untrusted: everything taken from an article goes through escape_md() and is shown
with st.markdown/st.caption without unsafe_allow_html, so it can never become HTML or a link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone

import streamlit as st

from errors import IngestError
from ingest.fetch_state import SavedFeed
from ingest.pipeline import IngestReport
from ingest.remote import OUTCOMES, PROBLEMS, FetchReport
from schema import (
    Answer,
    Article,
    ArticleUpdate,
    Briefing,
    BriefingChanges,
    BriefItem,
    Citation,
    FigureConflict,
    Hit,
)

NOT_FOUND = "제공된 기사에서 답을 찾지 못했습니다."

# Backslash-escapes every character Streamlit's Markdown gives a meaning to (CommonMark, GFM tables
# and strikethrough, $ math, :emoji: and :color[...] directives); <, > and & become entities.
_ESCAPED = frozenset("\\`*_{}[]()#+-.!|~$:=^")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MARKER = re.compile(r"\\\[(\d{1,3})\\\]")


def escape_md(text: str) -> str:
    """Untrusted text as Markdown that renders literally; line breaks become paragraph breaks."""
    out = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _ESCAPED:
            out.append("\\" + ch)
        elif ch == "\t":
            out.append(" ")
        elif ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\u200d":
            out.append(ch)
    # Leading spaces would start an indented code block; single newlines would vanish.
    paras = (" ".join(p.split()) for p in "".join(out).split("\n"))
    return "\n\n".join(p for p in paras if p)


def escape_inline(text: str) -> str:
    """escape_md for one line (titles, names): all whitespace collapsed to single spaces."""
    return escape_md(" ".join(text.split()))


def mark(text: str) -> str:
    """Escaped text highlighted; stays on one line so the directive cannot be broken."""
    inner = escape_inline(text)
    return f":orange-background[{inner}]" if inner else ""


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escaped Markdown of text with the given character spans highlighted."""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if e <= s:
            continue
        if merged and (s <= merged[-1][1] or not text[merged[-1][1]:s].strip()):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts, pos = [], 0
    for s, e in merged:
        parts += [_keep_edges(text[pos:s]), mark(text[s:e])]
        pos = e
    parts.append(_keep_edges(text[pos:]))
    return "".join(parts).strip()


def _keep_edges(text: str) -> str:
    """Escape a piece between highlights without eating the spaces around it."""
    if not text.strip():
        return " " if text else ""
    lead = ("\n\n" if text[0] == "\n" else " ") if text[0].isspace() else ""
    trail = ("\n\n" if text[-1] == "\n" else " ") if text[-1].isspace() else ""
    return lead + escape_md(text) + trail


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Where the query terms occur in text (case-insensitive, terms of 2+ characters)."""
    low = text.lower()
    spans = []
    for term in {t.lower() for t in terms if len(t) >= 2}:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(term), low)]
    return spans


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = 220) -> str:
    """A window of text around the first matched term, matches highlighted."""
    first = min((s for s, _ in spans), default=0)
    start = max(0, min(first - width // 4, len(text) - width))
    end = min(len(text), start + width)
    window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    body = highlight(text[start:end], window).replace("\n\n", " ")
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


def day(published_at: str) -> str:
    """The date part of an ISO timestamp, escaped: it comes from the article too."""
    return escape_inline(published_at[:10]) or "날짜 미상"


def byline(outlet: str, published_at: str, extra: str = "") -> str:
    parts = [escape_inline(outlet or "출처 미상"), day(published_at)] + ([extra] if extra else [])
    return " · ".join(parts)


def answer_md(text: str, short: str | None = None) -> str:
    """The answer text escaped, its [n] markers turned into numbered badges and the short answer,
    where the first sentence states it, highlighted."""
    at = text.find(short) if short else -1
    body = highlight(text, [(at, at + len(short))]) if short and at >= 0 else escape_md(text)
    return _MARKER.sub(lambda m: f" :blue-badge[{m.group(1)}]", body)


def chunk_quote_spans(hit: Hit, cites: Sequence[Citation]) -> list[tuple[int, int]]:
    """Each citation's quote located inside its chunk text."""
    text, spans = hit.chunk.text, []
    for c in cites:
        s, e = c.start - hit.chunk.start, c.end - hit.chunk.start
        if not (0 <= s < e <= len(text) and text[s:e] == c.quote):
            s = text.find(c.quote)
            e = s + len(c.quote)
        if s >= 0:
            spans.append((s, e))
    return spans


def render_article(a: Article) -> None:
    """The whole cleaned article, escaped."""
    if a.subtitle:
        st.markdown(f"*{escape_inline(a.subtitle)}*")
    who = f"{escape_inline(a.reporter)} 기자" if a.reporter else ""
    st.caption(byline(a.outlet, a.published_at, who))
    if a.url.startswith(("https://", "http://")):
        st.caption(f"원문 주소: {escape_inline(a.url)}")
    st.markdown(escape_md(a.body))


def render_source_card(cites: Sequence[Citation], hit: Hit | None, article: Article | None) -> None:
    """One cited passage: numbers, title, outlet and date, the quotes highlighted in their chunk."""
    c0 = cites[0]
    with st.container(border=True):
        badges = " ".join(f":blue-badge[{c.n}]" for c in cites)
        st.markdown(f"{badges} **{escape_inline(c0.title or '제목 없음')}**")
        st.caption(byline(c0.outlet, c0.published_at))
        spans = chunk_quote_spans(hit, cites) if hit else []
        if hit and spans:
            st.markdown(highlight(hit.chunk.text, spans))
        else:
            st.markdown(" … ".join(mark(c.quote) for c in cites))
        if article is not None:
            with st.expander("기사 전체 보기"):
                render_article(article)


def cited_groups(answer: Answer) -> list[tuple[list[Citation], Hit | None]]:
    """Citations grouped by the chunk they quote, in the order of their first number."""
    groups: dict[str, list[Citation]] = {}
    for c in sorted(answer.citations, key=lambda c: c.n):
        groups.setdefault(c.chunk_id, []).append(c)
    by_chunk = {h.chunk.chunk_id: h for h in answer.hits}
    return [(cs, by_chunk.get(cid)) for cid, cs in groups.items()]


def render_answer(answer: Answer, articles: dict[str, Article]) -> None:
    """An answer with its footnotes and source cards, or the not-found message and closest articles."""
    if answer.notice:
        st.info(escape_inline(answer.notice))
    if not answer.answerable:
        st.warning(NOT_FOUND)
        render_closest(answer.hits)
        return
    if answer.short_answer:
        st.markdown(f"**{escape_inline(answer.short_answer)}**")
    st.markdown(answer_md(answer.text, answer.short_answer))
    st.caption("  \n".join(f"[{c.n}] 「{escape_inline(c.title)}」 {byline(c.outlet, c.published_at)}"
                           for c in sorted(answer.citations, key=lambda c: c.n)))
    for cites, hit in cited_groups(answer):
        render_source_card(cites, hit, articles.get(cites[0].article_id))
    if answer.backend != "extractive":
        st.caption(f"답변: {escape_inline(answer.backend)}")


def render_closest(hits: Sequence[Hit], limit: int = 5) -> None:
    seen: dict[str, Hit] = {}
    for h in hits:
        seen.setdefault(h.chunk.article_id, h)
    if not seen:
        st.caption("가까운 기사도 없습니다. 자료 추가 탭에서 기사를 더 넣어 보세요.")
        return
    st.markdown("**가장 가까운 기사**")
    for h in list(seen.values())[:limit]:
        with st.container(border=True):
            st.markdown(f"**{escape_inline(h.chunk.title)}**")
            st.caption(byline(h.chunk.outlet, h.chunk.published_at))
            st.markdown(escape_inline(h.chunk.text[:160] + ("…" if len(h.chunk.text) > 160 else "")))


def _cite_refs(cs: Sequence[Citation]) -> str:
    return "; ".join(f"{escape_inline(c.outlet or '출처 미상')}, {day(c.published_at)}, "
                     f"「{escape_inline(c.title)}」" for c in cs)


def _item_lines(items: Sequence[BriefItem], head: Callable[[BriefItem], str]) -> str:
    return "\n".join(f"- {head(i)}{escape_inline(i.text)} :gray[({_cite_refs(i.citations)})]"
                     for i in items)


def render_briefing(b: Briefing) -> None:
    period = f"{b.date_from or '처음'} ~ {b.date_to or '현재'}" if b.date_from or b.date_to else "전체 기간"
    st.subheader(f"브리핑: {escape_inline(b.topic)}")
    st.caption(f"기간: {period} · 출처 기사 {len(b.sources)}건")
    if not b.sources:
        st.info("이 주제와 기간에 맞는 기사를 찾지 못했습니다. 주제어나 기간을 바꿔 보세요.")
        return
    sections = (("핵심 요약", b.summary, lambda i: ""),
                ("주요 수치", b.figures, lambda i: f"**{escape_inline(i.figure)}** — "),
                ("일지", b.timeline, lambda i: f"**{escape_inline(i.date) or '날짜 미상'}** "))
    for title, items, head in sections:
        st.markdown(f"#### {title}")
        st.markdown(_item_lines(items, head) if items else "- 없음")
        if title == "주요 수치" and b.conflicts:
            render_conflicts(b.conflicts)
    st.markdown("#### 관련 기관·지역")
    left, right = st.columns(2)
    left.markdown("**기관** " + (", ".join(f"{escape_inline(o)} ({n})" for o, n in b.organizations[:15])
                                or "없음"))
    right.markdown("**지역** " + (", ".join(f"{escape_inline(r)} ({n})" for r, n in b.regions[:15])
                                 or "없음"))
    st.markdown("#### 출처")
    st.markdown("\n".join(
        f"- {day(s.published_at)} {escape_inline(s.outlet or '출처 미상')} 「{escape_inline(s.title)}」"
        + (f" :orange-badge[+{s.copies}건 유사 기사]" if s.copies else "") for s in b.sources))


def render_conflicts(conflicts: Sequence[FigureConflict]) -> None:
    """Each thing the articles disagree on, its values side by side with the sentences stating them."""
    st.markdown("#### 엇갈리는 수치")
    st.caption("기사마다 값이 다릅니다. 어느 한쪽을 고르지 않고 나란히 보여 줍니다.")
    for x in conflicts:
        st.markdown(f"**{escape_inline(x.subject)}** :orange-badge[값이 엇갈림]")
        for col, v in zip(st.columns(len(x.values)), x.values, strict=True):
            with col.container(border=True):
                st.markdown(f"**:orange[{escape_inline(v.figure)}]** · 기사 {len(v.citations)}건")
                st.markdown(escape_inline(v.text))
                st.caption(_cite_refs(v.citations))


KST = timezone(timedelta(hours=9))


def kst(iso: str) -> str:
    """An ISO 8601 time as Korean local time, "YYYY-MM-DD HH:MM"."""
    try:
        return datetime.fromisoformat(iso).astimezone(KST).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return escape_inline(iso) or "시각 미상"


def _update_lines(updates: Sequence[ArticleUpdate]) -> str:
    return "\n".join(f"- **「{escape_inline(u.citation.title)}」** "
                      f":gray[{byline(u.citation.outlet, u.citation.published_at)}]  \n"
                      f"  {escape_inline(u.citation.quote)}" for u in updates)


def render_changes(ch: BriefingChanges) -> None:
    """What changed on a topic since its saved briefing: new and changed articles, the figures and
    timeline entries they add and any figure they contradict, each with its source."""
    period = f"{ch.date_from or '처음'} ~ {ch.date_to or '현재'}" if ch.date_from or ch.date_to else "전체 기간"
    st.subheader(f"지난 브리핑 이후: {escape_inline(ch.topic)}")
    st.caption(f"저장한 브리핑: {kst(ch.saved_at)} (인덱스 버전 {ch.saved_generation}) → 지금: 인덱스 버전 "
               f"{ch.generation} · 기간: {period}")
    if ch.empty:
        st.info("지난 브리핑 이후 이 주제로 새로 들어오거나 바뀐 기사가 없습니다.")
        return
    counts = (("새 기사", f"{len(ch.new_articles)}건"), ("바뀐 기사", f"{len(ch.changed_articles)}건"),
              ("새 수치", f"{len(ch.figures)}개"), ("엇갈리는 수치", f"{len(ch.conflicts)}건"))
    for col, (label, value) in zip(st.columns(4), counts, strict=True):
        col.metric(label, value)
    for title, updates in (("새 기사", ch.new_articles), ("바뀐 기사", ch.changed_articles)):
        st.markdown(f"#### {title}")
        st.markdown(_update_lines(updates) if updates else "- 없음")
    st.markdown("#### 새 수치")
    st.markdown(_item_lines(ch.figures, lambda i: f"**{escape_inline(i.figure)}** — ") if ch.figures else "- 없음")
    st.markdown("#### 일지에 더해진 항목")
    st.markdown(_item_lines(ch.timeline, lambda i: f"**{escape_inline(i.date) or '날짜 미상'}** ")
                if ch.timeline else "- 없음")
    if ch.conflicts:
        render_conflicts(ch.conflicts)


def where(e: IngestError, names: dict[str, str]) -> str:
    """An ingest error's file as the user knows it (upload name, or path under the folder)."""
    shown = names.get(e.path, e.path)
    return f"{shown}:{e.line}" if e.line else shown


def render_report(report: IngestReport, refused: Sequence[tuple[str, str]] = (),
                  names: dict[str, str] | None = None) -> None:
    """What an ingest run did: counts, then every refused or skipped file and line with its reason."""
    names, t = names or {}, report.totals
    cols = st.columns(4)
    for col, (label, value) in zip(cols, (("추가", t.added), ("갱신", t.updated),
                                          ("변경 없음", t.unchanged), ("삭제", t.deleted)), strict=True):
        col.metric(label, f"{value}건")
    st.caption(f"파일 {report.files_seen}개 중 새로 읽음 {report.files_read}개, 변경 없음 "
               f"{report.files_unchanged}개 · 중복 기사 {t.duplicates}건 · 티저 {t.teasers}건 · "
               f"청크 {t.chunks}개")
    skipped = [(name, reason) for name, reason in refused]
    skipped += [(where(e, names), e.reason) for e in report.skipped]
    if skipped:
        st.warning("건너뛴 파일 {}개:\n\n{}".format(len(skipped), "\n".join(
            f"- **{escape_inline(n)}**: {escape_inline(r)}" for n, r in skipped)))
    if t.problems:
        with st.expander(f"건너뛴 줄 {len(t.problems)}개"):
            st.markdown("\n".join(f"- **{escape_inline(where(e, names))}**: {escape_inline(e.reason)}"
                                  for e in t.problems[:200]))
    if not skipped and not t.problems:
        st.success("모든 파일을 읽었습니다.")


class StreamlitProgress:
    """IngestProgress on a st.progress bar and a status line."""

    def __init__(self) -> None:
        self.bar = st.progress(0.0, text="파일 목록을 읽는 중…")
        self.status = st.empty()

    def on_files(self, done: int, total: int, name: str) -> None:
        shown = f" · {escape_inline(name)}" if name else ""
        self.bar.progress(done / total if total else 1.0, text=f"파일 {done}/{total}{shown}")

    def on_chunks(self, done: int, batch_total: int) -> None:
        self.status.caption(f"청크 임베딩 {done}/{batch_total}")


class FetchProgressView(StreamlitProgress):
    """StreamlitProgress that also shows the address being fetched."""

    def on_fetch(self, done: int, total: int, url: str) -> None:
        self.bar.progress(done / total if total else 1.0, text=f"주소 {done}/{total} · {escape_inline(url)}")


def render_fetch_report(report: FetchReport) -> None:
    """What fetching pages or feeds did: counts, the addresses that failed and why, then every address."""
    cols = st.columns(4)
    counts = (("가져옴", report.count("fetched")),
              ("변경 없음", report.count("not_modified", "unchanged", "skipped")),
              ("피드 요약으로 대체", report.count("fallback")), ("실패", report.count(*PROBLEMS)))
    for col, (label, value) in zip(cols, counts, strict=True):
        col.metric(label, f"{value}개")
    if report.ingest is not None:
        t = report.ingest.totals
        st.caption(f"기사 추가 {t.added}건 · 갱신 {t.updated}건 · 변경 없음 {t.unchanged}건 · 청크 {t.chunks}개")
    failed = [i for i in report.items if i.outcome in PROBLEMS]
    if failed:
        st.warning("가져오지 못한 주소 {}개:\n\n{}".format(len(failed), "\n".join(
            f"- **{escape_inline(i.url)}** ({i.label}): {escape_inline(i.message)}" for i in failed)))
    elif report.items:
        st.success("모든 주소를 처리했습니다.")
    with st.expander(f"주소별 결과 {len(report.items)}개"):
        st.markdown("\n".join(
            f"- {'└ ' if i.feed else ''}{OUTCOMES[i.outcome]} · {escape_inline(i.url)}"
            + (f" — {escape_inline(i.message)}" if i.message else "") for i in report.items))


def feed_list_md(feeds: Sequence[SavedFeed]) -> str:
    """The saved feeds as a Markdown list: title, address and when a refresh last read them."""
    lines = []
    for f in feeds:
        when = f"{f.refreshed_at[:16].replace('T', ' ')} UTC" if f.refreshed_at else "아직 없음"
        lines.append(f"- **{escape_inline(f.title or '(제목 없음)')}** · {escape_inline(f.url)} "
                     f":gray[(마지막 새로 고침 {escape_inline(when)})]")
    return "\n".join(lines)
