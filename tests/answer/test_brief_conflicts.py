"""Conflicting figures (answer/claims.py, answer/conflicts.py): claims read from sentences, and two
articles giving different budgets and completion dates for the same programme shown side by side
(tests/data/briefing/conflict.jsonl)."""

from __future__ import annotations

import io
import json

import pytest

from answer.claims import Claim, find_claims, parse_amount
from answer.conflicts import contexts_of, same_thing
from answer.export import to_docx, to_json, to_markdown
from tests.conftest import TEST_DATA

CONFLICT = TEST_DATA / "briefing" / "conflict.jsonl"
TOPIC = "오송 첨단재생의료 실증센터"
CF1 = ("충청북도는 청주 오송생명과학단지에 첨단재생의료 실증센터를 세우는 데 2027년까지 총 350억원을 투입한다고 "
       "10일 밝혔다.")
CF2 = "충청북도가 청주 오송생명과학단지에 짓는 첨단재생의료 실증센터에는 2027년까지 총 420억원이 들어간다."
CF1_DATE = "오송 실증센터는 2027년 6월 준공될 예정이며, 세포치료제 위탁생산 기업 15곳의 임상 시료 생산을 돕는다."
CF2_DATE = "충북도는 오송 실증센터가 2027년 12월 준공되면 세포치료제 기업 15곳이 입주할 것으로 내다봤다."
CF1_SOURCE = "청람일보, 2025-04-10, 「오송 첨단재생의료 실증센터에 2027년까지 350억원 투입」"
BUDGETS = "충청북도 오송생명과학단지 첨단재생의료 실증센터 · 총액"
CF3 = "대구시는 동구 첨단의료복합단지에 첨단재생의료 실증센터를 짓는 데 2028년까지 총 280억원을 투입한다고 12일 밝혔다."


def test_korean_amounts_parse_to_won():
    assert [parse_amount(t) for t in ("400억원", "2조1천억원", "2천900억 원", "1억5,000만원", "3,000만원",
                                      "2조 1,000억원", "6천억원", "120만 달러")] == [
        4e10, 2.1e12, 2.9e11, 1.5e8, 3e7, 2.1e12, 6e11, 1.2e6]


def test_a_sentence_claims_its_total_its_parts_and_a_dated_event():
    assert find_claims("2기 사업은 2023년부터 2027년까지 5년간 총 400억원(국비 240억원, 도비 160억원)을 투입한다.") == [
        Claim("amount", "원", "총액", 4e10, "400억원", period="5년간"),
        Claim("amount", "원", "국비", 2.4e10, "240억원"),
        Claim("amount", "원", "도비", 1.6e10, "160억원"),
    ]
    assert find_claims(CF1_DATE) == [Claim("count", "곳", "기업", 15.0, "15곳"),
                                     Claim("date", "", "준공", "2027-06", "2027년 6월")]
    assert find_claims("매출은 1,840억원, 부담은 연간 약 420억원 줄어든다.") == [
        Claim("amount", "원", "매출", 1.84e11, "1,840억원"),
        Claim("amount", "원", "부담", 4.2e10, "420억원", approx=True, period="연간")]


def test_history_comparisons_and_unclear_values_claim_nothing():
    assert find_claims("지역 자율 편성 비중이 기존 30%에서 50%로 확대된다.") == []  # 30% is history, 50% of what?
    assert find_claims("예산은 지난해 6,980억원보다 5.3% 늘었다.") == []
    assert find_claims("정부는 1인당 25만원을 지급한다.") == []
    assert find_claims("음원 차트 1위 5개월 만에 기록을 세웠다.") == []
    assert find_claims("센터 건립에 480억원, 장비 구입에 120억원을 쓴다.") == []  # two unlabelled totals: ambiguous


def test_same_thing_needs_its_programme_region_year_and_day(kiwi):
    def ctx(text: str, regions: tuple[str, ...] = ("충북",), published: str = "2025-04-10"):
        return contexts_of([text], [published], [regions], kiwi)[0]

    total = find_claims(CF1)[0]
    assert same_thing(total, ctx(CF1), find_claims(CF2)[0], ctx(CF2, published="2025-04-11"))
    assert not same_thing(total, ctx(CF1), find_claims(CF3)[0], ctx(CF3, ("대구",)))  # another region
    assert not same_thing(total, ctx(CF1), find_claims(CF3)[0], ctx(CF3, ()))  # another year (2028)
    other = "충청북도는 청주 오송생명과학단지 바이오 인력 양성에 2027년까지 총 120억원을 투입한다."
    assert not same_thing(total, ctx(CF1), find_claims(other)[0], ctx(other))  # another programme
    a, b = "울산에서 14일 코로나19 확진자 5명이 추가 발생했다.", "울산에서 22일 코로나19 확진자 11명이 발생했다."
    assert not same_thing(find_claims(a)[0], ctx(a, ("울산",), "2021-01-14"),
                          find_claims(b)[0], ctx(b, ("울산",), "2021-01-22"))  # counts of different days


@pytest.fixture(scope="module")
def conflict_briefing(tmp_path_factory, tokenizer, embedder):
    """A briefing over an index of the three articles of conflict.jsonl, with the real model."""
    from config import Settings
    from engine import Engine

    idx = tmp_path_factory.mktemp("conflict") / "index"
    engine = Engine(Settings(index_dir=idx, llm_provider="none", _env_file=None), idx, tokenizer, embedder)
    assert engine.ingest([CONFLICT]).totals.added == 3
    try:
        yield engine.brief(TOPIC)
    finally:
        engine.close()


def values(conflict) -> list[tuple[str, list[str], str]]:
    return [(v.figure, [c.article_id for c in v.citations], v.text) for v in conflict.values]


def test_two_articles_giving_different_budgets_and_dates_are_both_shown(conflict_briefing):
    b = conflict_briefing
    assert [(c.subject, c.kind, c.role) for c in b.conflicts] == [
        ("오송 실증센터 · 준공 시기", "date", "준공"),
        (BUDGETS, "amount", "총액"),
    ]
    dates, budgets = b.conflicts
    assert values(dates) == [("2027년 6월", ["cf-1"], CF1_DATE), ("2027년 12월", ["cf-2"], CF2_DATE)]
    assert values(budgets) == [("420억원", ["cf-2"], CF2), ("350억원", ["cf-1"], CF1)]
    # 국비 200억원 and 기업 15곳 agree; the 대구 centre's 280억원 and 2028년 3월 are another programme's.
    cited = {c.article_id for x in b.conflicts for v in x.values for c in v.citations}
    assert cited == {"cf-1", "cf-2"}
    for x in b.conflicts:
        for v in x.values:
            (c,) = v.citations
            assert (c.quote, c.outlet) == (v.text, {"cf-1": "청람일보", "cf-2": "중원경제신문"}[c.article_id])
    # Both budgets stay among the key figures: neither wins silently.
    assert {"350억원", "420억원"} <= {f.figure for f in b.figures}


def test_conflicts_are_in_the_markdown_docx_and_json(conflict_briefing):
    md = to_markdown(conflict_briefing)
    section = md[md.index("## 엇갈리는 수치"):md.index("## 일지")]
    assert section.splitlines()[:5] == [
        "## 엇갈리는 수치", "기사마다 값이 다릅니다. 어느 쪽도 고르지 않고 함께 싣습니다.", "",
        "- 오송 실증센터 · 준공 시기: **2027년 6월** ↔ **2027년 12월**",
        f"  - **2027년 6월** — {CF1_DATE} ({CF1_SOURCE})",
    ]
    assert f"- **350억원** — {CF1} ({CF1_SOURCE}) ⚠ 다른 기사와 수치가 엇갈림" in md
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(to_docx(conflict_briefing))).paragraphs)
    assert "엇갈리는 수치" in text and f"{BUDGETS}: 420억원 ↔ 350억원" in text
    data = json.loads(to_json(conflict_briefing))
    assert [(c["role"], [v["figure"] for v in c["values"]]) for c in data["conflicts"]] == [
        ("준공", ["2027년 6월", "2027년 12월"]), ("총액", ["420억원", "350억원"])]
    assert data["conflicts"][1]["values"][1]["citations"][0]["quote"] == CF1
