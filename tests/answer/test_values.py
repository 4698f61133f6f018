"""The asked-for kind of a question and the short answer span, on sentences from the sample corpus."""

from __future__ import annotations

import pytest

from answer.values import asked_kind, find_values, short_answer

# (question, the kind it asks for, an answering sentence, the short answer)
CASES = [
    pytest.param("충북 지역혁신클러스터 2기 사업에 투입되는 총 사업비와 국비·도비 구성은?", "amount",
                 "2기 사업은 2023년부터 2027년까지 5년간 총 400억원(국비 260억원, 도비 140억원)을 투입해 "
                 "스마트그리드 부품·시스템 산업의 경쟁력을 높이는 것이 핵심이다.", "400억원", id="amount-total"),
    pytest.param("충북 2기 사업에서 국비는 얼마나 잡혀 있나?", "amount",
                 "2기 사업은 2023년부터 2027년까지 5년간 총 400억원(국비 260억원, 도비 140억원)을 투입해",
                 "260억원", id="amount-part-named"),
    pytest.param("원주 의료기기 클러스터 입주 기업의 2025년 1~9월 수출액은?", "amount",
                 "강원 원주 의료기기 클러스터 입주 기업의 올해 1~9월 수출액이 8,760억원으로 집계돼 연간 수출 "
                 "1조원 돌파가 유력해졌다.", "8,760억원", id="amount-labelled-with-particle"),
    pytest.param("고혈압 환자의 혈압 조절률은 몇 %가 됐나?", "share",
                 "분석 결과 고혈압 환자의 혈압 조절률은 실증 전 58.2%에서 71.6%로 13.4%포인트 높아졌다.",
                 "71.6%", id="share-after-change"),
    pytest.param("그린수소의 하루 최대 생산량은?", "quantity",
                 "버스에 공급된 수소는 잉여 전력으로 물을 전기분해해 만든 그린수소로, 생산량은 하루 최대 1.2t이다.",
                 "1.2t", id="quantity-unit"),
    pytest.param("디지털트윈 교육을 받는 재직자는 몇 명인가?", "count",
                 "두 기관은 올해부터 2026년까지 3년간 도내 중소 제조기업 재직자 600명을 대상으로 교육을 공동 운영한다.",
                 "600명", id="count"),
    pytest.param("공동 교육은 언제부터 시작하나?", "date",
                 "두 기관은 2024년 6월부터 2026년 12월까지 교육을 운영한다.", "2024년 6월", id="date-start"),
    pytest.param("2기 사업은 몇 년에 끝나나?", "date",
                 "2기 사업은 2023년부터 2027년까지 5년간 이어진다.", "2023년", id="date-year"),
    pytest.param("대구 연구개발특구의 100번째 연구소기업은 어디인가?", "organization",
                 "연구개발특구진흥재단 대구특구본부는 8일 경북대학교 글로벌플라자에서 '연구소기업 100호 기념식'을 "
                 "열고 100번째 연구소기업인 ㈜메디스캔랩에 등록증을 전달했다.", "메디스캔랩",
                 id="organization-company"),
    pytest.param("센터장은 누가 맡았나?", "person",
                 "초대 센터장에는 김민호 울산테크노파크 수소사업단장이 임명됐다.", "김민호", id="person"),
    pytest.param("실증센터 개소식은 어디에서 열렸나?", "place",
                 "울산테크노파크는 11일 울주군 온산읍에서 '수소 모빌리티 부품 실증센터' 개소식을 열었다.",
                 "울주군 온산읍", id="place"),
]


@pytest.mark.parametrize(("question", "kind", "sentence", "short"), CASES)
def test_short_answer_is_the_asked_span(question, kind, sentence, short):
    assert asked_kind(question) == kind
    span = short_answer(question, kind, sentence)
    assert span is not None and span.text == short
    assert sentence[span.start:span.end] == span.text  # offsets point into the sentence


@pytest.mark.parametrize("question", ["충북 지역혁신클러스터 2기 사업의 목표는 무엇인가?",
                                      "규제자유특구 제도는 왜 만들었나?"])
def test_questions_that_ask_no_value_have_no_short_answer(question):
    assert asked_kind(question) is None
    assert short_answer(question, None, "총 400억원을 투입한다.") is None


def test_a_value_the_question_states_is_not_its_answer():
    q = "2023년부터 시작한 2기 사업은 언제까지인가?"
    span = short_answer(q, asked_kind(q), "2기 사업은 2023년부터 2027년까지 5년간 이어진다.")
    assert span is not None and span.text == "2027년"


def test_a_sentence_without_the_kind_gives_nothing():
    assert find_values("amount", "재직자 600명을 대상으로 교육한다.") == []
    assert short_answer("사업비는 얼마인가?", "amount", "재직자 600명을 대상으로 교육한다.") is None


@pytest.mark.parametrize(("text", "amounts"), [
    ("총 1조2천억 원을 투입", ["1조2천억 원"]),
    ("국비 2조1,000억원과 120만 달러", ["2조1,000억원", "120만 달러"]),
    ("기업당 최대 3,000만원까지", ["3,000만원"]),
    ("1,126명과 38곳", []),
])
def test_amounts_are_read_whole(text, amounts):
    assert [s.text for s in find_values("amount", text)] == amounts
