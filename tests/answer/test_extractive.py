"""Extractive answers over the real seed pages: cited sentences, true offsets, honest declines."""

from __future__ import annotations

import pytest

from answer.extractive import NOT_FOUND


@pytest.mark.parametrize("question,fact,lead", [
    ("충북 지역혁신클러스터 2기 사업에는 얼마가 투입되나?", "400억원", "충청북도는 2023년 지역혁신클러스터육성사업"),
    ("제주테크노파크는 언제 설립됐나?", "2010년", "한국제약바이오협회는 11일"),
    ("바이오 클러스터 협의체 위원장은 누구인가?", "박민수", "민관이 함께 바이오 클러스터 간"),
])
def test_answer_contains_the_fact_and_cites_its_article(seed_engine, question, fact, lead):
    a = seed_engine.ask(question)
    assert a.answerable and a.backend == "extractive"
    assert any(fact in c.quote for c in a.citations), a.text
    cited = seed_engine.articles([c.article_id for c in a.citations])
    assert any(lead in art.body for art in cited.values())
    for i, c in enumerate(a.citations, start=1):
        assert c.n == i and f"[{i}]" in a.text
        assert cited[c.article_id].body[c.start:c.end] == c.quote  # offsets point at the quote


@pytest.mark.parametrize("question", [
    "부산 해양수산 클러스터의 2030년 예산은 얼마인가?",
    "프로야구 한국시리즈 우승팀은 어디인가?",
])
def test_unanswerable_questions_are_declined(seed_engine, question):
    a = seed_engine.ask(question)
    assert not a.answerable and a.text == NOT_FOUND and a.citations == ()
    assert a.hits  # the closest articles are still offered


def test_teasers_are_not_used_for_answers_by_default(seed_engine):
    a = seed_engine.ask("KOTRA 무역구조 혁신 TF는 언제 첫 회의를 열었나?")
    assert all(h.chunk.kind == "main" for h in a.hits)
