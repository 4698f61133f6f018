"""Briefings over the bundled sample corpus: dated timeline, attributed figures, exports that open."""

from __future__ import annotations

import io
import json

import pytest

from answer.brief import sentence_date
from answer.export import to_docx, to_json, to_markdown

CHUNGBUK = "충북 지역혁신클러스터 2기 본격화…2027년까지 400억원 투입"  # data/sample, 2025-03-14


@pytest.fixture(scope="module")
def briefing(sample_engine):
    return sample_engine.brief("충북 지역혁신클러스터")


def test_the_most_relevant_article_leads_the_figures_with_its_budget(briefing, sample_engine):
    first = briefing.figures[0]
    assert first.figure == "400억원" and first.citations[0].title == CHUNGBUK
    (c,) = first.citations
    article = sample_engine.articles([c.article_id])[c.article_id]
    assert article.body[c.start:c.end] == c.quote
    assert c.quote.startswith("2기 사업은 2023년부터 2027년까지 5년간 총 400억원")


def test_timeline_is_dated_and_keeps_the_most_relevant_articles(briefing):
    dates = [e.date for e in briefing.timeline]
    assert dates == sorted(dates) and all(dates)
    entry = next(e for e in briefing.timeline if e.citations[0].title == CHUNGBUK)
    assert entry.date == "2025-03-14"  # "14일" in an article of 2025-03-14


def test_sentence_date_rules():
    assert sentence_date("2018년 11월 14개 시도의 클러스터가 지정됐다.", "2023-10-12T14:51:00+09:00") == "2018-11"
    assert sentence_date("12일 그랜드플라자 청주호텔에서 개최했다.", "2023-10-12T14:51:00+09:00") == "2023-10-12"
    assert sentence_date("14일 협약을 맺었다.", "") == ""


def test_every_line_is_cited_and_exports_open(briefing):
    assert briefing.summary and briefing.figures and briefing.timeline and briefing.sources
    for item in (*briefing.summary, *briefing.figures, *briefing.timeline):
        assert item.citations and item.citations[0].quote == item.text
    md = to_markdown(briefing)
    assert md.startswith("# 브리핑: 충북 지역혁신클러스터") and "## 일지" in md and "400억원" in md
    from docx import Document

    doc = Document(io.BytesIO(to_docx(briefing)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "핵심 요약" in text and "400억원" in text
    assert json.loads(to_json(briefing))["topic"] == "충북 지역혁신클러스터"
    assert dict(briefing.regions)["충북"] >= 2


def test_briefing_with_a_configured_llm_keeps_every_line_cited(sample_engine, llm_server):
    """The real local server, its reply forced by a grammar: cited bullets replace the summary, [99] is dropped."""
    from answer.chain import LLMAnswerer
    from engine import Engine
    from prompts import load_prompt
    from tests.answer.llm_server import forced_chat_model

    reply = ("- 바이오 클러스터 공동 장비 예약 플랫폼이 개통된다 [1]\n- 출처 없는 주장 [99]\n"
             "- 오송에 바이오의약품 실증센터가 들어선다 [2]")
    engine = Engine(sample_engine.settings, sample_engine.index_dir, sample_engine.tokenizer,
                    sample_engine.embedder,
                    LLMAnswerer(forced_chat_model(llm_server, reply),
                                load_prompt("answer.ko", {"question", "context"})))
    b = engine.brief("바이오 클러스터")
    assert b.backend == "llm:gemma3-270m"
    assert [(i.text, [(c.n, c.article_id) for c in i.citations]) for i in b.summary] == [
        ("바이오 클러스터 공동 장비 예약 플랫폼이 개통된다 [1]", [(1, "exp-002")]),
        ("오송에 바이오의약품 실증센터가 들어선다 [2]", [(2, "csv-001")]),
    ]
    assert b.summary[1].citations[0].quote == ("충청북도는 청주 오송생명과학단지에 총 480억원(국비 290억원, "
                                               "도비 130억원, 시비 60억원)을 들여 '첨단 바이오의약품 실증센터'를 "
                                               "건립한다고 3일 밝혔다.")
    for item in b.summary:
        for c in item.citations:
            body = engine.articles([c.article_id])[c.article_id].body
            assert body[c.start:c.end] == c.quote
