"""Golden tests of page parsing and tagging on the fictional scraped pages in tests/data/pages.

The pages were written for the project (see data/README.md) and copy the structure of real
scraped news pages; the same checks on the real seed pages live in bench/seed_pages.py.
Line numbers below are 1-based lines of the page files.
"""

from __future__ import annotations

import pytest

from ingest.meta import tag_organizations, tag_regions
from ingest.page import parse_html_page, parse_text_page
from schema import ParsedArticle
from tests.conftest import TEST_DATA

PAGES = TEST_DATA / "pages"

DIGEST = "digest_leads.txt"
MENU = "menu_lists.txt"
FOOTER = "bracket_outlet_footer.txt"
HEADLINES = "headline_teasers.txt"
WEATHER = "weather_teaser_twice.txt"
SCRAPE = "text_scrape.html"

# (main articles, teasers) per page.
COUNTS = {DIGEST: (16, 0), MENU: (1, 0), FOOTER: (1, 0), HEADLINES: (1, 5), WEATHER: (1, 1),
          SCRAPE: (1, 0)}

# digest_leads.txt: 16 leads glued together, as inclusive line ranges. All but lines 8-9 are cut
# mid-word; that lead ends on a full sentence and is split from 10-11 only because the two
# together are longer than the leads' common truncation length (~135 characters). Lines 18-24 are
# a schedule whose "△" items end mid-phrase without ending the lead.
LEADS = [(1, 2), (3, 4), (5, 7), (8, 9), (10, 11), (12, 14), (15, 17), (18, 24), (25, 26),
         (27, 28), (29, 31), (32, 34), (35, 36), (37, 39), (40, 41), (42, 44)]
LEAD_TITLES = [
    "충북테크노파크는 12일 청주시 오송읍에서 ‘바이오헬스 기업 성장 포럼’을 열고 올해 참여기업 "
    "지원 방향을",
    "지역 소멸이라는 말이 더는 낯설지 않다",
    "한빛중소기업연구소가 세종테크노파크와 지역 중소기업의 디지털 전환을 돕기 위해 손을 잡았다",
    "정부가 지역 주력산업의 체질 개선을 위해 내년 5200억 원을 투입한다",
    "강원테크노파크가 의료기기 기업의 해외 인증 획득을 돕는 지원사업에 속도를 내고 있다",
    "스마트 물류 로봇을 만드는 누리로보틱스가 자율주행 배송 실증 확대 소식에 강세다",
    "청주시와 수원시가 스마트시티 기술 실증을 위해 손을 잡았다",
    "과학기술정보통신부",
    "지역 혁신클러스터의 다음 10년을 논의하는 토론회가 ‘지방시대의 산업 전략-혁신클러스터의 "
    "성과와 과제’를",
    "강원테크노파크가 원주 의료기기 산업의 수출 거점 육성을 위한 기업 지원사업을 본격 추진한다고 "
    "15일 밝혔다",
    "정부가 올해 지역 경제를 이끌 중견기업 8곳을 선정해 집중 지원한다",
    "산업통상자원부와 중소벤처기업부가 지역 중소기업의 수출 회복을 위해 정책 공조를 강화한다",
    "국책과제 연구비 일부를 목적과 다르게 쓴 의료기기 업체 하람메디텍이 정부출연금 환수 조치를 "
    "받을 전망이다",
    "올해 지역 제조업 혁신과 산업단지 활력 회복에 모두 2조9400억 원의 정부 예산이 투입된다",
    "다온바이오 연구소는 과학기술정보통신부가 주관하는 ‘지역 특화 바이오 소재 실증 기술 개발 "
    "사업’의",
    "“지역에서 배우고 일하고 정착하는 선순환 구조를 만들겠습니다.”",
]

# Body paragraphs of each main article, in order. Several of menu_lists.txt's and
# headline_teasers.txt's paragraphs are cut mid-word, yet each page is one article, not a digest.
# headline_teasers.txt line 2 repeats line 1 without "(시장 한도현)" and is collapsed into it.
BODY_LINES = {
    MENU: [7, 12, 14, 16, 18, 20, 22],
    FOOTER: [11, 13, 15, 17, 19, 21, 23],
    HEADLINES: [1, 3, 4, 5, 6, 7, 8],
    WEATHER: [22, 26, 30, 34, 38, 42],
    SCRAPE: [6, 8, 9, 10],
}
# Dateline/byline prefixes the first paragraph loses.
PREFIXES = {FOOTER: "[충청인사이트] ", WEATHER: "바이오나루뉴스 한지민 기자 | "}

MAIN_META = {
    # The outlet comes from the "테크온뉴스 조회수" line; the page states no date.
    MENU: dict(title="과기정통부, 충북·강원에 ‘지역 과학기술 혁신 거점’ 3곳 지정", subtitle="",
               outlet="테크온뉴스", reporter="김하늘", published_at=""),
    # Line 9 repeats the headline without "청주서 개최" (a caption): it is no subtitle.
    FOOTER: dict(title="충북 혁신클러스터 ‘기업 성장 교류회’ 청주서 개최",
                 subtitle="참여기업 120곳 성과 공유…2기 사업 협력 방안 논의", outlet="충청인사이트",
                 reporter="박서윤", published_at="2024-11-07T15:32:00+09:00"),
    # No headline, outlet or date on the page; "최고 관리자 / 기자" is a CMS placeholder.
    HEADLINES: dict(title="수원시가 수원산업진흥원과 함께 '수원 디지털헬스 산업 생태계 조성 사업'을 "
                          "본격 추진한다",
                    subtitle="", outlet="", reporter="", published_at=""),
    # "2025.12.30 (화)" is the page header's date (the day the page was saved): no date is stated.
    WEATHER: dict(title="과기정통부·복지부, 지역 바이오 클러스터 협의체 첫 회의",
                  subtitle="'지역 바이오 클러스터 협의체' 출범…6개 클러스터 현안 논의",
                  outlet="바이오나루뉴스", reporter="한지민", published_at=""),
    # 입력 wins over 수정; the outlet comes from the "저작권자 ©" line.
    SCRAPE: dict(title="세종테크노파크, 지역 제조기업 30곳에 AI 전환 바우처",
                 subtitle="AI 솔루션 도입비 최대 5000만원…6월 13일까지 접수", outlet="세종한빛뉴스",
                 reporter="정하은", published_at="2025-05-20T09:40:00+09:00"),
}

BOILERPLATE = {
    DIGEST: ["\n\n\n"],  # no boilerplate on the page: no empty paragraph may appear either
    MENU: ["주요 메뉴", "바로가기", "조회수", "로고. /과학기술정보통신부", "skyk@", "김하늘 기자",
           "content@", "테크온뉴스", "댓글", "300", "랭킹 뉴스", "공감 뉴스", "인기글",
           "함께 보면 좋은 뉴스", "지금 뜨는 뉴스", "배터리 재활용", "칼국수", "do_shortcode", "php",
           "&nbsp", "•", "\u00a0"],
    FOOTER: ["이 기사를 공유합니다", "박서윤 기자", "승인 2024", "댓글", "삭제하시겠습니까",
             "계정을 선택하시면", "28100", "대표전화", "팩스", "청소년보호책임자", "법인명", "제호",
             "사업자등록번호", "등록번호", "발행인", "편집인", "무단 전재", "Copyright",
             "All rights reserved", "열린보도원칙", "고충처리인", "우수콘텐츠", "ND소프트",
             "[충청인사이트]", "교류회’\n"],
    HEADLINES: ["최고 관리자", "\n\n기자", "헤드라인 뉴스", "&nb", "\n-\n", "오송", "창업기업"],
    WEATHER: ["2025.12.30", "℃", "맑음", "기상청 제공", "검색창 열기", "산업일반", "최신기사",
              "더보기", "정치·경제", "라이프·문화", "▲", "한지민 기자 |", "광교", "\u00a0"],
    SCRAPE: ["홈 >", "로그인", "회원가입", "입력 2025", "수정 2025", "사진=", "haeun@", "저작권자",
             "무단 전재", "많이 본 뉴스", "조치원", "주소", "대표전화", "등록번호"],
}


def _lines(page: str) -> list[str]:
    """The page's raw lines (index 0 is line 1)."""
    return (PAGES / page).read_text(encoding="utf-8").split("\n")


def _line(page: str, n: int) -> str:
    return _lines(page)[n - 1].strip()


def _parse(page: str) -> list[ParsedArticle]:
    text = (PAGES / page).read_text(encoding="utf-8")
    return parse_html_page(text) if page.endswith(".html") else parse_text_page(text)


def _tags(article: ParsedArticle) -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = f"{article.title}\n{article.subtitle}\n{article.body}"
    return tag_regions(text), tag_organizations(text)


def test_every_page_is_covered():
    assert sorted(p.name for p in PAGES.iterdir()) == sorted(COUNTS)


@pytest.mark.parametrize("page", sorted(COUNTS))
def test_article_counts(page):
    kinds = [a.kind for a in _parse(page)]
    assert (kinds.count("main"), kinds.count("teaser")) == COUNTS[page]
    assert kinds == sorted(kinds)  # main articles first, then teasers


def test_glued_leads_are_split_whole():
    articles = _parse(DIGEST)
    lines = _lines(DIGEST)
    assert [a.body for a in articles] == ["\n\n".join(lines[a - 1:b]) for a, b in LEADS]
    assert [a.title for a in articles] == LEAD_TITLES
    assert all(len(a.title) <= 60 for a in articles)
    assert {(a.kind, a.outlet, a.reporter, a.published_at) for a in articles} == {("main", "", "", "")}


def test_the_leads_are_truncated_as_a_digest_truncates():
    # The fixture itself: near-equal lengths, all cut mid-sentence except lines 8-9.
    lines = _lines(DIGEST)
    leads = ["\n".join(lines[a - 1:b]) for a, b in LEADS]
    assert all(120 <= len(lead) <= 140 for lead in leads)
    assert [lead.endswith(".") for lead in leads].count(True) == 1
    assert leads[3].endswith("중심이다.")


@pytest.mark.parametrize("page", sorted(MAIN_META))
def test_main_metadata(page):
    main = _parse(page)[0]
    assert {k: getattr(main, k) for k in MAIN_META[page]} == MAIN_META[page]
    assert main.kind == "main" and main.url == ""


@pytest.mark.parametrize("page", sorted(BODY_LINES))
def test_main_body_is_every_paragraph(page):
    expected = [_line(page, n) for n in BODY_LINES[page]]
    prefix = PREFIXES.get(page, "")
    assert expected[0].startswith(prefix)
    expected[0] = expected[0][len(prefix):]
    assert _parse(page)[0].body.split("\n\n") == expected


@pytest.mark.parametrize("page", sorted(BOILERPLATE))
def test_bodies_carry_no_boilerplate(page):
    for article in _parse(page):
        if article.kind == "main":
            text = "\n".join((article.title, article.subtitle, article.body))
            assert [m for m in BOILERPLATE[page] if m in text] == []


def test_headline_teasers_are_headline_and_lead():
    teasers = _parse(HEADLINES)[1:]
    expected = [(_line(HEADLINES, n), _line(HEADLINES, n + 1)) for n in range(13, 26, 3)]
    expected[3] = (expected[3][0], expected[3][1].removesuffix("&nb"))  # an entity cut short
    assert [(t.title, t.body) for t in teasers] == expected
    assert teasers[3].body.endswith("안전점검에 나선다.")
    # Under a headline, one full sentence shorter than a usual lead is still a lead.
    assert teasers[2].body == "세종테크노파크는 자율주행 부품 기업 8곳의 해외 전시회 참가를 돕는다고 9일 밝혔다."
    assert {(t.kind, t.outlet, t.reporter, t.published_at) for t in teasers} == {("teaser", "", "", "")}


def test_teaser_printed_twice_is_one():
    [teaser] = _parse(WEATHER)[1:]
    assert teaser.title == _line(WEATHER, 53) == _line(WEATHER, 63)
    assert _line(WEATHER, 54) == _line(WEATHER, 64)
    assert teaser.body == _line(WEATHER, 54).removeprefix("▲경기도청 바이오나루뉴스 한지민 기자 | ")
    assert teaser.body.startswith("경기도가 수원시")
    assert (teaser.kind, teaser.outlet, teaser.reporter) == ("teaser", "바이오나루뉴스", "한지민")


def test_main_region_and_organization_tags():
    assert _tags(_parse(MENU)[0]) == (
        ("강원", "대전", "원주시", "청주시", "춘천시", "충북"),
        ("과학기술정보통신부", "연구개발특구진흥재단", "한국전자통신연구원"))
    # "(청주, 충주, 증평, 진천, 괴산, 음성)": bare names count inside a list of places.
    assert _tags(_parse(FOOTER)[0]) == (
        ("괴산군", "음성군", "증평군", "진천군", "청주시", "충북", "충주시"),
        ("충북테크노파크", "한국산업단지공단", "한국전기연구원"))
    # 서울대학교병원 is named, but it does not put the article in 서울.
    assert _tags(_parse(HEADLINES)[0]) == (
        ("경기", "수원시"), ("경기도경제과학진흥원", "수원산업진흥원"))
    # "정부세종청사" places the meeting in 세종; "충북 오송", "인천 송도" give their 시·도.
    assert _tags(_parse(WEATHER)[0]) == (
        ("강원", "대구", "세종", "원주시", "인천", "충북"),
        ("과학기술정보통신부", "보건복지부", "산업통상자원부", "식품의약품안전처",
         "오송첨단의료산업진흥재단", "중소벤처기업부", "한국보건산업진흥원"))
    assert _tags(_parse(SCRAPE)[0]) == (("세종", "충남"), ("과학기술정보통신부", "세종테크노파크"))


def test_lead_tags():
    leads = _parse(DIGEST)
    assert _tags(leads[0]) == (("청주시", "충북"), ("충북테크노파크",))
    assert _tags(leads[2]) == (("세종",), ("세종테크노파크",))
    assert _tags(leads[4]) == (("강릉시", "강원", "원주시", "춘천시"), ("강원테크노파크",))
    assert _tags(leads[6]) == (("경기", "수원시", "청주시", "충북"), ("경기테크노파크", "충북테크노파크"))
    # The schedule: "정부과천청사" is in 과천 (경기), "정부세종청사" in 세종.
    assert _tags(leads[7]) == (("경기", "과천시", "대전", "세종"), ("과학기술정보통신부",))
    assert _tags(leads[14]) == (("제주",), ("과학기술정보통신부", "제주테크노파크"))


def test_teaser_tags():
    teasers = _parse(HEADLINES)[1:]
    assert [_tags(t)[0] for t in teasers] == [
        ("청주시", "충북"), ("강원", "원주시", "춘천시"), ("세종",), ("경기",), ("경기", "수원시")]
    assert _tags(teasers[2])[1] == ("세종테크노파크",)
    assert _tags(_parse(WEATHER)[1])[0] == ("경기", "수원시")
