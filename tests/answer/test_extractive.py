"""Extractive answers over the bundled sample corpus: cited sentences, true offsets, honest declines.

The questions and their facts are bench/questions_sample.jsonl (written with data/sample/): every
answerable one must quote its fact from its gold article, every unanswerable one must be declined.
"""

from __future__ import annotations

import json

import pytest

from answer.extractive import NOT_FOUND
from tests.conftest import REPO

QUESTIONS = [json.loads(line) for line in (REPO / "bench" / "questions_sample.jsonl")
             .read_text(encoding="utf-8").splitlines() if line.strip()]


def fact_of(q: dict) -> str:
    """The part of the gold answer a cited sentence must contain: "총 400억원(국비 …)" -> "400억원"."""
    return q["answer"].split("(")[0].removeprefix("총 ").removeprefix("총사업비 ").strip()


ANSWERABLE = [pytest.param(q, id=q["id"]) for q in QUESTIONS if q["answer"]]
UNANSWERABLE = [pytest.param(q, id=q["id"]) for q in QUESTIONS if not q["answer"]]


def test_the_question_set_covers_both_kinds():
    assert len(ANSWERABLE) == 12 and len(UNANSWERABLE) == 3


@pytest.mark.parametrize("q", ANSWERABLE)
def test_answer_quotes_the_fact_from_its_gold_article(sample_engine, q):
    a = sample_engine.ask(q["question"])
    assert a.answerable and a.backend == "extractive", a.text
    assert any(fact_of(q) in c.quote and c.title == q["gold_title"] for c in a.citations), a.text
    # Every sample question asks for a value: the answer opens with it (the total, not a part),
    # taken from the first quote.
    assert a.short_answer and a.short_answer in fact_of(q) and a.short_answer in a.citations[0].quote
    cited = sample_engine.articles([c.article_id for c in a.citations])
    for i, c in enumerate(a.citations, start=1):
        assert c.n == i and f"[{i}]" in a.text
        assert cited[c.article_id].body[c.start:c.end] == c.quote  # offsets point at the quote


@pytest.mark.parametrize("q", UNANSWERABLE)
def test_unanswerable_questions_are_declined(sample_engine, q):
    a = sample_engine.ask(q["question"])
    assert not a.answerable and a.text == NOT_FOUND and a.citations == ()
    assert a.hits  # the closest articles are still offered


def test_teasers_are_not_used_for_answers_by_default(sample_engine):
    # Only a teaser (a headline and one sentence under another story) says this.
    a = sample_engine.ask("익산 국가식품클러스터 입주 기업의 분양률은?")
    assert a.hits and all(h.chunk.kind == "main" for h in a.hits)
    assert "85%" not in a.text
