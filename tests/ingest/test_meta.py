"""Tests of Korean date parsing, byline/outlet extraction and region/organization tagging."""

from __future__ import annotations

import pytest

from ingest.meta import (
    clean_reporter,
    find_published_at,
    is_date_line,
    outlet_from_line,
    parse_datetime_ko,
    reporter_from_line,
    split_byline,
    tag_organizations,
    tag_regions,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("승인 2023.10.12 14:51", "2023-10-12T14:51:00+09:00"),
    ("입력 2025-03-14 10:20", "2025-03-14T10:20:00+09:00"),
    ("2024년 5월 3일", "2024-05-03T00:00:00+09:00"),
    ("기사입력 : 2024년 05월 03일 14시 20분", "2024-05-03T14:20:00+09:00"),
    ("등록 2025.03.14. 오후 2:30", "2025-03-14T14:30:00+09:00"),
    ("2025.03.14. 오전 12:05", "2025-03-14T00:05:00+09:00"),
    ("수정 2024/01/02 09:03:07", "2024-01-02T09:03:07+09:00"),
    ("2024.05.03 (금) 09:30", "2024-05-03T09:30:00+09:00"),
    ("2023-10-12T05:51:00Z", "2023-10-12T14:51:00+09:00"),
    ("2023-10-12T14:51:00+09:00", "2023-10-12T14:51:00+09:00"),
    ("2023-10-12T00:30:00-05:00", "2023-10-12T14:30:00+09:00"),
])
def test_parse_datetime_ko_reads_korean_and_iso_dates(text, expected):
    assert parse_datetime_ko(text) == expected


@pytest.mark.parametrize("text", [
    "5월 3일", "지난 26일 밝혔다", "14일(월)", "2023.13.45 10:00", "2023년 2월 30일", "",
    "조회수 2023", "입력 2025-01-01T10:00+99:99", "입력 9999-12-31T23:59-12:00",
])
def test_parse_datetime_ko_refuses_dates_without_a_full_valid_date(text):
    assert parse_datetime_ko(text) == ""


def test_date_lines_are_byline_dates_not_footer_or_header_dates():
    assert is_date_line("승인 2023.10.12 14:51")
    assert is_date_line("기사입력 2024-05-03")
    assert not is_date_line("등록일 : 2015년 04월 30일")  # the outlet's registration
    assert not is_date_line("발행일 : 2015년 04월 14일")
    assert not is_date_line("2025.12.30 (화)")  # a page header's today
    assert not is_date_line("정부는 2023.10.12 승인된 계획을 발표했다.")


def test_find_published_at_prefers_the_first_input_date_over_revisions():
    lines = ["2025.12.30 (화)", "수정 2024.05.04 08:00", "입력 2024.05.03 09:30",
             "발행일 : 2015년 04월 14일"]
    assert find_published_at(lines) == "2024-05-03T09:30:00+09:00"
    assert find_published_at(["입력 2024.05.03 09:30 수정 2024.05.04 08:00"]) == (
        "2024-05-03T09:30:00+09:00")
    assert find_published_at(["수정 2024.05.04 08:00"]) == "2024-05-04T08:00:00+09:00"
    assert find_published_at(["2025.12.30 (화)", "5월 29일 오후 3시"]) == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("[월간인물] 충청북도는 12일 밝혔다.", ("월간인물", "", "충청북도는 12일 밝혔다.")),
    ("어웨이크뉴스 오경하 기자 | 민관이 나선다.", ("어웨이크뉴스", "오경하", "민관이 나선다.")),
    ("▲경기도청 어웨이크뉴스 오경하 기자 | 광교 개발.", ("어웨이크뉴스", "오경하", "광교 개발.")),
    ("(서울=연합뉴스) 홍길동 기자 = 정부가 발표했다.", ("연합뉴스", "홍길동", "정부가 발표했다.")),
    ("홍길동 기자 = 정부가 발표했다.", ("", "홍길동", "정부가 발표했다.")),
    ("[단독] 정부가 발표했다.", ("", "", "[단독] 정부가 발표했다.")),
    ("정부가 발표했다.", ("", "", "정부가 발표했다.")),
])
def test_split_byline_strips_dateline_prefixes(text, expected):
    assert split_byline(text) == expected


def test_reporter_lines_and_placeholders():
    assert reporter_from_line("변동휘 기자 jena@chosunbiz.com") == "변동휘"
    assert reporter_from_line("김예진 기자") == "김예진"
    assert reporter_from_line("김철수·이영희 기자") == "김철수·이영희"
    assert reporter_from_line("관리자 기자") == ""
    assert reporter_from_line("경기테크리뷰 서도현 기자") == "서도현"
    assert reporter_from_line("한빛통신 한지원 기자 jiwon.han@hanbitwire.example.com") == "한지원"
    assert reporter_from_line("홍길동 기자 | 입력 2024.05.31 09:30") == "홍길동"
    assert reporter_from_line("변동휘 기자는 현장을 찾았다.") is None
    assert clean_reporter("최고 관리자") == ""
    assert clean_reporter("오경하") == "오경하"


@pytest.mark.parametrize(("line", "expected"), [
    ("제호 : 월간인물", "월간인물"),
    ("월간인물 모든 콘텐츠는 보호를 받은바 | Copyright © 2024 월간인물. All rights reserved.",
     "월간인물"),
    ("저작권자 © 어웨이크뉴스 무단전재 및 재배포 금지", "어웨이크뉴스"),
    ("IT조선 조회수", "IT조선"),
    ("경기테크리뷰 서도현 기자", "경기테크리뷰"),
    ("최고 관리자 기자", ""),
    ("유튜브 조회수가 100만을 넘었다.", ""),
])
def test_outlet_from_line(line, expected):
    assert outlet_from_line(line) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("충청북도와 청주시가 손잡았다", ("청주시", "충북")),
    ("청주, 충주, 증평, 진천, 괴산, 음성",
     ("괴산군", "음성군", "증평군", "진천군", "청주시", "충북", "충주시")),
    ("시흥시가 추진한다", ("경기", "시흥시")),
    ("원주에 들어선다", ("강원", "원주시")),
    ("경상북도 경주시에서 열린", ("경북", "경주시")),
    ("강원특별자치도와 전북특별자치도, 세종특별자치시", ("강원", "세종", "전북")),
    ("제주특별자치도 서귀포시", ("서귀포시", "제주")),
    ("대전광역시와 서울시", ("대전", "서울")),
    ("대구경북·오송 재단", ("경북", "대구")),
    ("서울·경기·인천 수도권", ("경기", "서울", "인천")),
    ("경기 화성에서", ("경기", "화성시")),
    ("고양시와 용인시", ("경기", "고양시", "용인시")),
    ("광주에서 열린 행사", ("광주",)),
    ("광주광역시청", ("광주",)),
    ("경기 광주에서", ("경기", "광주시")),
    ("경기도 광주시와 이천시", ("경기", "광주시", "이천시")),
    ("강원 고성군", ("강원", "고성군")),
    ("정부세종청사에서", ("세종",)),
    ("서울대학교와 서울대병원", ()),
    ("경기 침체가 이어지며 전국 중구 주민이", ()),
    ("고양이를 용인하는 화성 탐사", ()),
    ("전주 대비 3% 올랐다", ()),
    ("디지털 대전환과 부산물, 원주민", ()),
])
def test_tag_regions(text, expected):
    assert tag_regions(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("과학기술정보통신부(이하 과기정통부)는", ("과학기술정보통신부",)),
    ("산업부 차관과 중기부 차관, 복지부와 기재부", ("기획재정부", "보건복지부", "산업통상자원부",
                                         "중소벤처기업부")),
    ("국토부, 식약처, 행안부, 고용부, 농식품부, 해수부, 문체부",
     ("고용노동부", "국토교통부", "농림축산식품부", "문화체육관광부", "식품의약품안전처",
      "해양수산부", "행정안전부")),
    ("교육부와 환경부, 지방시대위원회, 국가균형발전위원회, 국민권익위원회(위원장 유철환)",
     ("교육부", "국가균형발전위원회", "국민권익위원회", "지방시대위원회", "환경부")),
    ("제주테크노파크와 강원테크노파크(강원TP), 울산테크노파크는",
     ("강원테크노파크", "울산테크노파크", "제주테크노파크")),
    ("KOTRA(사장 강경성)는 관세청과", ("KOTRA", "관세청")),
    ("원주의료기기테크노밸리재단, 한국보건산업진흥원과 한국생물공학연구원",
     ("원주의료기기테크노밸리재단", "한국보건산업진흥원", "한국생물공학연구원")),
    ("경기도일자리재단 산하 경기IT새일센터가", ("경기IT새일센터", "경기도일자리재단")),
    ("한국도로공사와 경기주택도시공사(GH)", ("경기주택도시공사", "한국도로공사")),
    ("이번 협의체와 연구원, 선임연구원, 운영위원회, 도로공사 현장, 데이터센터, 특구재단", ()),
    ("수산업부문과 교육부문, 환경부담금", ()),
])
def test_tag_organizations(text, expected):
    assert tag_organizations(text) == expected
