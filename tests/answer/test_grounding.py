"""The answerer's evidence check: what a question names, found in the article a sentence comes from."""

from __future__ import annotations

import pytest

from answer.extractive import Evidence, Question, _compact, _coverage, _grounded, _numbers


def question(entities: set[str], groups: set[str] = frozenset()) -> Question:
    return Question("", {}, None, set(entities), set(groups))


@pytest.mark.parametrize(("entities", "text", "found"), [
    ({"서울", "경기"}, "수도권 인구는 늘어나 2019년 처음으로 비수도권을 앞질렀다.", True),  # a wider area
    ({"서울", "경기"}, "충청권 인구는 줄었다.", False),
    ({"시흥시의"}, "시흥시(시장 구도윤)가 바이오 사업을 추진한다.", True),  # Kiwi kept the particle
    ({"시흥시의"}, "천안시가 바이오 사업을 추진한다.", False),
])
def test_named_places_are_found_in_the_article(entities, text, found):
    ev = Evidence(text=text)
    assert (_coverage(question(entities), ev) == 1.0) is found
    assert _grounded(question(entities), ev) is found


@pytest.mark.parametrize(("entity", "text", "found"), [
    ("테드번디", "테드 번디는 1972년 워싱턴 대학교를 졸업했다.", True),  # spacing differs
    ("구리야마 히데키", "구리야마_히데키\n드래프트 번외로 입단했다.", True),  # a title joined by "_"
    ("구리야마 히데키", "구리야마 다카시가 입단했다.", False),
])
def test_names_are_found_whatever_their_spacing(entity, text, found):
    ev = Evidence(text=text, compact=_compact(text))
    assert _grounded(question({entity}), ev) is found


@pytest.mark.parametrize(("q", "text", "grounded"), [
    ("충북 지역혁신클러스터 3기 사업 예산은?", "충북 지역혁신클러스터 2기 사업은 400억원 규모다.", False),
    ("충북 지역혁신클러스터 3기 사업 예산은?", "충북 지역혁신클러스터 3기 사업은 500억원 규모다.", True),
    ("제5회 박람회는 어디서 열렸나?", "제4회 박람회는 대전에서 열렸다.", False),
    # a measure or a count is a fact the article may word otherwise, not what names the thing asked about
    ("금강산에 있는 40미터 암벽의 마애불 이름은?", "금강산 마애불은 높이 40m의 암벽에 새겨져 있다.", True),
    ("400여명이 모였던 나라는?", "탈북자 400여 명은 베트남에 머물렀다.", True),
])
def test_numbered_things_must_match_measures_need_not(kiwi, q, text, grounded):
    counted, years = _numbers(kiwi.tokenize(q))
    ev = Evidence(text=text, compact=_compact(text))
    assert _grounded(Question(q, {}, None, years, set(), (), counted), ev) is grounded
