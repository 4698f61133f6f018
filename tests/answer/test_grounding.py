"""The answerer's evidence check: what a question names, found in the article a sentence comes from."""

from __future__ import annotations

import pytest

from answer.extractive import Evidence, Question, _coverage, _grounded


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
