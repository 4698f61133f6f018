"""Briefing exports: Markdown, .docx (python-docx) and JSON; every line keeps its citation.

Conflicting figures are listed value by value, each with the articles that state it; the changes
since a saved briefing have their own Markdown and JSON.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict

from schema import ArticleUpdate, Briefing, BriefingChanges, BriefItem, Citation, FigureConflict

TOP = 15  # organizations and regions shown, by article count


def _ref(c: Citation) -> str:
    return f"{c.outlet or '출처 미상'}, {c.published_at[:10] or '날짜 미상'}, 「{c.title or '제목 없음'}」"


def _period(b: Briefing) -> str:
    if not (b.date_from or b.date_to):
        return "전체 기간"
    return f"{b.date_from or '처음'} ~ {b.date_to or '현재'}"


def _line(item: BriefItem) -> str:
    refs = "; ".join(_ref(c) for c in item.citations)
    return f"{item.text} ({refs})"


def _conflicting(conflicts: tuple[FigureConflict, ...]) -> set[tuple[str, str]]:
    """(article id, sentence) of every value a conflict lists."""
    return {(c.article_id, c.quote) for x in conflicts for v in x.values for c in v.citations}


def _figure_line(item: BriefItem, disputed: set[tuple[str, str]]) -> str:
    c = item.citations[0]
    flag = " ⚠ 다른 기사와 수치가 엇갈림" if (c.article_id, c.quote) in disputed else ""
    return f"**{item.figure}** — {_line(item)}{flag}"


def conflict_lines(conflicts: tuple[FigureConflict, ...]) -> list[str]:
    """Each conflict as a bullet naming the values, then one sub-bullet per value with its sources."""
    out = []
    for x in conflicts:
        out.append(f"- {x.subject}: " + " ↔ ".join(f"**{v.figure}**" for v in x.values))
        out += [f"  - **{v.figure}** — {_line(v)}" for v in x.values]
    return out


def to_markdown(b: Briefing) -> str:
    out = [f"# 브리핑: {b.topic}", "", f"기간: {_period(b)} · 출처 기사 {len(b.sources)}건", "",
           "## 핵심 요약"]
    out += [f"- {_line(i)}" for i in b.summary] or ["- 관련 기사를 찾지 못했습니다."]
    out += ["", "## 주요 수치"]
    disputed = _conflicting(b.conflicts)
    out += [f"- {_figure_line(i, disputed)}" for i in b.figures] or ["- 수치가 담긴 문장이 없습니다."]
    if b.conflicts:
        out += ["", "## 엇갈리는 수치", "기사마다 값이 다릅니다. 어느 쪽도 고르지 않고 함께 싣습니다.", ""]
        out += conflict_lines(b.conflicts)
    out += ["", "## 일지"]
    out += [f"- {i.date or '날짜 미상'}: {_line(i)}" for i in b.timeline] or ["- 없음"]
    out += ["", "## 관련 기관·지역"]
    out.append("- 기관: " + (", ".join(f"{o} ({n})" for o, n in b.organizations[:TOP]) or "없음"))
    out.append("- 지역: " + (", ".join(f"{r} ({n})" for r, n in b.regions[:TOP]) or "없음"))
    out += ["", "## 출처"]
    for s in b.sources:
        copies = f" · 유사 기사 {s.copies}건" if s.copies else ""
        out.append(f"- {s.published_at[:10] or '날짜 미상'} {s.outlet or '출처 미상'} 「{s.title}」{copies}")
    return "\n".join(out) + "\n"


def to_docx(b: Briefing) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(f"브리핑: {b.topic}", level=1)
    doc.add_paragraph(f"기간: {_period(b)} · 출처 기사 {len(b.sources)}건")
    disputed = _conflicting(b.conflicts)
    sections = (("핵심 요약", [_line(i) for i in b.summary]),
                ("주요 수치", [_figure_line(i, disputed).replace("**", "") for i in b.figures]),
                *((("엇갈리는 수치", [line.strip().removeprefix("- ").replace("**", "")
                                      for line in conflict_lines(b.conflicts)]),) if b.conflicts else ()),
                ("일지", [f"{i.date or '날짜 미상'}: {_line(i)}" for i in b.timeline]),
                ("관련 기관·지역", ["기관: " + ", ".join(f"{o} ({n})" for o, n in b.organizations[:TOP]),
                                 "지역: " + ", ".join(f"{r} ({n})" for r, n in b.regions[:TOP])]),
                ("출처", [f"{s.published_at[:10] or '날짜 미상'} {s.outlet} 「{s.title}」"
                         + (f" · 유사 기사 {s.copies}건" if s.copies else "") for s in b.sources]))
    for heading, lines in sections:
        doc.add_heading(heading, level=2)
        for line in lines or ["없음"]:
            doc.add_paragraph(line, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_json(b: Briefing) -> str:
    return json.dumps(asdict(b), ensure_ascii=False, indent=1)


def _update_line(u: ArticleUpdate) -> str:
    c = u.citation
    return f"{c.published_at[:10] or '날짜 미상'} {c.outlet or '출처 미상'} 「{c.title or '제목 없음'}」: {c.quote}"


def changes_to_markdown(ch: BriefingChanges) -> str:
    """What changed on a topic since its saved briefing, every line with its source."""
    period = f"{ch.date_from or '처음'} ~ {ch.date_to or '현재'}" if ch.date_from or ch.date_to else "전체 기간"
    out = [f"# 지난 브리핑 이후: {ch.topic}", "",
           f"저장한 브리핑: {_when(ch.saved_at)} (인덱스 버전 {ch.saved_generation}) → 지금: 인덱스 버전 "
           f"{ch.generation} · 기간: {period}", ""]
    if ch.empty:
        return "\n".join(out + ["지난 브리핑 이후 이 주제로 새로 들어오거나 바뀐 기사가 없습니다."]) + "\n"
    sections = ((f"새 기사 ({len(ch.new_articles)}건)", [_update_line(u) for u in ch.new_articles]),
                (f"바뀐 기사 ({len(ch.changed_articles)}건)", [_update_line(u) for u in ch.changed_articles]),
                ("새 수치", [f"**{i.figure}** — {_line(i)}" for i in ch.figures]),
                ("일지에 더해진 항목", [f"{i.date or '날짜 미상'}: {_line(i)}" for i in ch.timeline]))
    for heading, lines in sections:
        out += [f"## {heading}", *(f"- {line}" for line in lines or ["없음"]), ""]
    if ch.conflicts:
        out += ["## 엇갈리는 수치", *conflict_lines(ch.conflicts), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _when(iso: str) -> str:
    """An ISO 8601 UTC time as "YYYY-MM-DD HH:MM UTC"."""
    return f"{iso[:16].replace('T', ' ')} UTC" if iso else "시각 미상"


def changes_to_json(ch: BriefingChanges) -> str:
    return json.dumps(asdict(ch) | {"empty": ch.empty}, ensure_ascii=False, indent=1)
