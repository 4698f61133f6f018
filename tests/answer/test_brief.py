"""Briefings on the seed pages: dated timeline, attributed figures, exports that open."""

from __future__ import annotations

import io
import json

import pytest

from answer.brief import sentence_date
from answer.export import to_docx, to_json, to_markdown


@pytest.fixture(scope="module")
def briefing(seed_engine):
    return seed_engine.brief("지역혁신클러스터 육성 사업")


def test_figure_is_attributed_to_the_right_article(briefing, seed_engine):
    fig = next(f for f in briefing.figures if "400억원" in f.figure or "400억원" in f.text)
    (c,) = fig.citations
    article = seed_engine.articles([c.article_id])[c.article_id]
    assert article.title == "충북지역혁신클러스터 활성화를 위한‘허브 네트워크’개최"
    assert article.body[c.start:c.end] == c.quote and "400억원" in c.quote


def test_timeline_entry_carries_the_right_date(briefing):
    dates = [e.date for e in briefing.timeline if e.date]
    assert dates == sorted(dates)
    entry = next(e for e in briefing.timeline if e.citations[0].title.startswith("충북지역혁신클러스터"))
    assert entry.date.startswith(("2023-10-12", "2018", "2017", "2022", "2027"))


def test_sentence_date_rules():
    assert sentence_date("2018년 11월 14개 시도의 클러스터가 지정됐다.", "2023-10-12T14:51:00+09:00") == "2018-11"
    assert sentence_date("12일 그랜드플라자 청주호텔에서 개최했다.", "2023-10-12T14:51:00+09:00") == "2023-10-12"
    assert sentence_date("14일 협약을 맺었다.", "") == ""


def test_every_line_is_cited_and_exports_open(briefing):
    assert briefing.summary and briefing.figures and briefing.timeline and briefing.sources
    for item in (*briefing.summary, *briefing.figures, *briefing.timeline):
        assert item.citations and item.citations[0].quote == item.text
    md = to_markdown(briefing)
    assert md.startswith("# 브리핑: 지역혁신클러스터 육성 사업") and "## 일지" in md and "400억원" in md
    from docx import Document

    doc = Document(io.BytesIO(to_docx(briefing)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "핵심 요약" in text and "400억원" in text
    assert json.loads(to_json(briefing))["topic"] == "지역혁신클러스터 육성 사업"
    assert dict(briefing.regions).get("충북", 0) >= 1


def test_briefing_with_a_configured_llm_keeps_every_line_cited(seed_engine, llm_server):
    """The real local server: generated bullets pass the citation check, or the extractive ones stay."""
    from answer.chain import LLMAnswerer, build_chat_model
    from engine import Engine
    from prompts import load_prompt

    llm = build_chat_model("openai", llm_server, "gemma3-270m", None, 60.0)
    engine = Engine(seed_engine.settings, seed_engine.index_dir, seed_engine.tokenizer, seed_engine.embedder,
                    LLMAnswerer(llm, load_prompt("answer.ko", {"question", "context"})))
    b = engine.brief("바이오 클러스터")
    assert b.summary
    for item in b.summary:
        assert item.citations
        for c in item.citations:
            body = engine.articles([c.article_id])[c.article_id].body
            assert body[c.start:c.end] == c.quote
    assert b.backend == "extractive" or b.backend.startswith("llm:")
