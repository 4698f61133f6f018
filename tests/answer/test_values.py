"""The asked-for kind of a question and the short answer span, on sentences from the sample corpus."""

from __future__ import annotations

import pytest

from answer.values import Span, asked_kind, find_values, short_answer, stated, stated_values

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
    pytest.param("성장지원센터 입주 기업 수는 전국에서 얼마까지 올랐나?", "number",
                 "입주 기업 수는 2년 만에 9만 명 규모의 고용을 거느린 1,200개사로 늘어 전국 3위까지 올랐다.",
                 "3위", id="number-bare-eolma"),
    pytest.param("시제품 부품의 두께는 얼마인가?", "number",
                 "시제품 부품은 두께 35cm, 무게 1.2t으로 기존 제품보다 가볍다.", "35cm", id="number-measure"),
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


@pytest.mark.parametrize(("sentence", "people"), [
    # the name nearest the title, not a company's name further back
    ("1부에서는 한빛 주식회사 오세진 대표가 실증 성과를 발표했다.", ["오세진"]),
    # an organisation between the name and the title; two people in one sentence
    ("협약식에는 박지훈 충남테크노파크 원장, 윤서연 중소기업연구원 원장 등 9명이 참석했다.", ["박지훈", "윤서연"]),
    # a long title, and a city that is not a name (3 syllables ending in 시)
    ("함지우 천안시 미래전략담당관은 \"사업을 차질 없이 추진하겠다\"고 말했다.", ["함지우"]),
    # the title before the name, in parentheses
    ("천안시(시장 구도윤)가 충남테크노파크와 함께 바이오 사업을 추진한다.", ["구도윤"]),
    ("해외시장은 커지고 있다.", []),
])
def test_people_are_read_by_their_titles(sentence, people):
    assert [s.text for s in find_values("person", sentence)] == people


def test_an_organisation_question_naming_its_kind_of_body_wants_one():
    q = "정책 공유회에 특구재단과 함께 참석한 정부 위원회는 어디인가?"
    assert asked_kind(q) == "organization"
    with_committee = "과기정통부, 지방시대위원회, 특구재단, 연구소기업 등이 모였다."
    only_companies = "행사에서는 기술기반 기업인 누리텍과 한솔바이오의 우수사례를 공유했다."
    forms = [("연구개발특구진흥재단", "특구재단")]
    assert [s.text for s in stated_values(q, "organization", with_committee, forms)] == ["지방시대위원회"]
    assert stated_values(q, "organization", only_companies) == []


def test_a_company_named_after_what_it_is():
    q = "과기정통부가 찾아간 대덕특구 연구소기업은 어디인가?"
    span = short_answer(q, asked_kind(q), "대덕특구 내 연구소기업인 하늘드론을 방문해 기술개발 현황을 확인했다.")
    assert span is not None and span.text == "하늘드론"


def test_places_listed_as_a_network_of_hubs():
    q = "천안시가 산학연 거점으로 키우려는 지역은 어디어디인가?"
    span = short_answer(q, asked_kind(q), "시는 불당·성성·천안스마트밸리 등 산학연 네트워크 거점 육성을 추진한다.")
    assert span is not None and span.text == "불당·성성·천안스마트밸리"


def test_a_year_question_is_not_answered_by_a_day():
    q = "충남테크노파크는 몇 년에 설립됐나?"
    assert stated_values(q, "date", "충남테크노파크와 업무협약을 체결했다고 19일 밝혔다.") == []
    assert [s.text for s in stated_values(q, "date", "충남테크노파크는 1999년 설립됐다.")] == ["1999년"]
    # a question that states the year: the day is the answer
    q2 = "2023년 허브 네트워크 행사는 언제 열렸나?"
    assert [s.text for s in stated_values(q2, "date", "2023년 허브 네트워크 행사가 12일 열렸다.")] == ["12일"]


def test_a_name_the_question_gives_in_another_form_is_not_the_answer():
    q = "과기정통부와 함께 행사를 연 기관은 어디인가?"
    sentence = "과학기술정보통신부는 연구개발특구진흥재단과 정책 공유회를 열었다."
    assert short_answer(q, "organization", sentence).text == "과학기술정보통신부"  # without the table's forms
    span = short_answer(q, "organization", sentence, forms=[("과학기술정보통신부", "과기정통부", "과기부")])
    assert span is not None and span.text == "연구개발특구진흥재단"


def test_a_person_question_wants_someone_with_the_title_it_asks_about():
    q = "천안산업진흥원 원장은 누구인가?"
    assert stated_values(q, "person", "천안시(시장 구도윤)가 천안산업진흥원과 사업을 추진한다.") == []
    # the sentence can give the title another way
    q2 = "협의체는 누가 위원장을 맡고 있나?"
    named_by_the_sentence = "협의체는 보건복지부 문태오 제2차관을 위원장으로 구성했다."
    assert [s.text for s in stated_values(q2, "person", named_by_the_sentence)] == ["문태오"]


@pytest.mark.parametrize(("question", "forms", "who"), [
    ("중기부 차관과 정책을 논의한 산업부 차관은 누구였나?",
     [("산업통상자원부", "산업부"), ("중소벤처기업부", "중기부")], "오하람"),
    ("충남TP와 협약한 중기연의 원장은 누가 맡고 있나?", [("테크노파크", "TP"), ("중소기업연구원", "중기연")], "윤서연"),
    ("충남TP 원장은 누구였나?", [("테크노파크", "TP")], "박지훈"),
])
def test_of_several_people_the_one_whose_title_the_question_names(question, forms, who):
    sentence = ("협약식에는 박지훈 충남테크노파크 원장, 윤서연 중소기업연구원 원장이 참석했고 "
                if "원장" in question else "오하람 산업부 차관과 김도윤 중기부 차관은 22일 정책 협의회를 열었다.")
    span = short_answer(question, "person", sentence, forms=forms)
    assert span is not None and span.text == who


@pytest.mark.parametrize(("question", "kind"), [
    ("충북 3기 사업에는 예산이 얼마나 잡혀 있나?", "amount"),  # a word of money: only money answers
    ("에스모 주가는 하루 전보다 얼마나 뛰었나?", "amount"),
    ("한성숙 대표 내정자의 연봉은 얼마로 정해졌나?", "amount"),
    ("모스크바를 떠난 본대는 대략 얼마 정도인가?", "number"),  # no word of money: any figure
    ("편파성 순위는 얼마까지 떨어졌나?", "number"),
])
def test_bare_eolma_asks_for_any_figure_money_words_for_money(question, kind):
    assert asked_kind(question) == kind


def test_figures_are_each_read_once_money_before_a_count():
    text = "본대는 9만 명, 3,000만원을 들여 84위까지 약 100년 동안 142만5천명이 57 mm 600 mAh"
    assert [s.text for s in find_values("number", text)] == [
        "9만 명", "3,000만원", "84위", "100년", "142만5천명", "57 mm", "600 mAh"]
    assert [s.text for s in find_values("count", text)] == ["9만 명", "142만5천명"]
    assert [s.text for s in find_values("quantity", text)] == ["57 mm", "600 mAh"]
    assert find_values("amount", "재직자 600명을 대상으로 교육한다.") == []


def test_a_proper_noun_stands_in_for_a_person_under_the_same_checks():
    sentence = "하나님의 명령에 따라 노아는 방주를 만들었다."
    names = [Span("하나님", 0, 3), Span("노아", 13, 15)]
    q = "하나님의 명령에 배를 만든 사람은 누구인가?"
    assert stated_values(q, "person", sentence) == []  # no title: the patterns find no one
    assert [s.text for s in stated_values(q, "person", sentence, proper_nouns=names)] == ["노아"]
    span = short_answer(q, "person", sentence, names)
    assert span is not None and span.text == "노아"
    # The title asked about must be the person's: a bare proper noun is no 원장.
    assert stated_values("시흥산업진흥원 원장은 누구인가?", "person", sentence, proper_nouns=names) == []
    # The answer scorer ranks a stand-in below a value the patterns read: `stated` tells them apart.
    assert stated(q, "person", sentence, proper_nouns=names).by_proper_noun
    titled = "협의체는 보건복지부 박민수 제2차관을 위원장으로 구성했다."
    read = stated("협의체 위원장은 누구인가?", "person", titled, proper_nouns=[Span("보건복지부", 4, 9)])
    assert [s.text for s in read.spans] == ["박민수"] and not read.by_proper_noun
