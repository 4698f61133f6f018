"""Briefing exports: Markdown, .docx (python-docx) and JSON; every line keeps its citation."""

from __future__ import annotations

import io
import json
from dataclasses import asdict

from schema import Briefing, BriefItem, Citation

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


def to_markdown(b: Briefing) -> str:
    out = [f"# 브리핑: {b.topic}", "", f"기간: {_period(b)} · 출처 기사 {len(b.sources)}건", "",
           "## 핵심 요약"]
    out += [f"- {_line(i)}" for i in b.summary] or ["- 관련 기사를 찾지 못했습니다."]
    out += ["", "## 주요 수치"]
    out += [f"- **{i.figure}** — {_line(i)}" for i in b.figures] or ["- 수치가 담긴 문장이 없습니다."]
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
    sections = (("핵심 요약", [_line(i) for i in b.summary]),
                ("주요 수치", [f"{i.figure} — {_line(i)}" for i in b.figures]),
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
