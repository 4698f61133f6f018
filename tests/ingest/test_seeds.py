"""Golden tests of page parsing and tagging on the five real seed pages in ../shared/seeds."""

from __future__ import annotations

import time

import pytest

from ingest.clean import normalize_line
from ingest.meta import tag_organizations, tag_regions
from ingest.page import parse_text_page

# (main articles, teasers) per page. The brief expected 11 teasers on page 003, but the page
# has 12 "-" / headline / lead blocks after "헤드라인 뉴스" (lines 14-49: 연료비, KOTRA,
# AI 사랑방, 오토바이, 부천시, 서초책, 아이돌봄비, 수출, 부정수급, 가스시설, 경기IT새일센터,
# 소아정신과), none repeated, so 12 is the count asserted here.
COUNTS = {"000": (18, 0), "001": (1, 0), "002": (1, 0), "003": (1, 12), "004": (1, 1)}

# Seed 000: 18 leads glued together, as 1-based inclusive line ranges of the file. All but
# lines 10-11 end mid-word; that lead ends on a full sentence and is split from 12-13 because
# the two together are longer than the leads' common truncation length (~200 characters).
LEADS_000 = [(1, 3), (4, 5), (6, 9), (10, 11), (12, 13), (14, 16), (17, 20), (21, 29), (30, 31),
             (32, 33), (34, 36), (37, 39), (40, 42), (43, 44), (45, 47), (48, 50), (51, 52),
             (53, 55)]
TITLES_000 = [
    "한국제약바이오협회는 11일 제주테크노파크와 ‘K-제약바이오 "
    "발전을 위한 상호협력’ 업무협약을 체결했다고",
    "2020년은 대한민국 역사상 주민등록 인구가 감소한 최초의 해라고 한다",
    "중소기업연구원인 세종테크노파크와 중소기업 중심의 경제 성장동력을 마련하고자 힘을 모았다",
    "정부가 지역경제 활력을 높이기 위해 내년 6700억 원의 예산을 투입한다",
    "강원테크노파크가 디지털헬스케어 산업 생태계 조성에 박차를 가하고 있다",
    "자율주행 분야 투자에 박차를 가하는 에스모가 문재인 정부의 "
    "자율주행차 사업 조기 상용화 추진 소식에 강세다",
    "울산시와 세종시와 자율주행차 개발ㆍ실증을 위해 손을 잡았다",
    "기획재정부",
    "국가혁신클러스터의 활성화 방안을 모색하는 포럼이 "
    "‘4차산업혁명 시대의 지역산업성장 뉴딜-국가혁신클러스터의",
    "강원테크노파크가 강원국가혁신클러스터 대표산업인 "
    "디지털헬스케어산업의 글로벌 거점육성을 위한 기업 지원사업을",
    "정부가 올해 지역 경제에 이바지할 7개 대표 중견기업을 선정해 집중 육성한다",
    "강원도가 디지털 헬스케어 산업 구축을 위해 첫발을 내딛었다",
    "산업통상자원부와 중소벤처기업부가 중소ㆍ중견기업의 경쟁력 "
    "회복을 위해 정책 공조를 강화하기로 했다",
    "국책과제로 받은 연구개발비 일부를 부정 집행한 바디텍메드가 "
    "한국산업기술관리평가원으로부터 정부지원금 환수",
    "올해 지역활력회복과 제조업 혁신을 위해 총 3조8500억 원의 정부 예산이 투입된다",
    "테라젠이텍스 바이오연구소는 산업통상자원부가 주관하는 "
    "‘빅데이터를 활용한 개인 맞춤형 화장품 기반 기술 개발",
    "혈당측정기 전문기업 아이센스가 16억 원 규모의 국책과제 "
    "수주 협약을 완료하고 클라우드 연계 정보통신기술",
    "“혁신도시와 국가혁신클러스터에 인재, 투자, 일자리가 선순환할 수 있도록 하겠다.”",
]

# Body paragraphs of each main article as 1-based line numbers of the file, in order.
# 002 line 11 and 004 line 30 lose their "[월간인물] " / "어웨이크뉴스 오경하 기자 | " prefix;
# 003 line 2 repeats line 1 without "(시장 임병택)" and is collapsed into it.
BODY_LINES = {
    "001": [7, 12, 14, 16, 18, 20, 22, 24],
    "002": [11, 13, 15, 17, 19, 21, 23, 25, 27],
    "003": [1, 3, 4, 5, 6, 7, 8, 9, 10],
    "004": [30, 34, 38, 42, 46, 50, 54, 58],
}
PREFIXES = {"002": "[월간인물] ", "004": "어웨이크뉴스 오경하 기자 | "}

MAIN_META = {
    "001": dict(title="과기정통부, 과학기술 기반 지역 혁신 방향 발표", subtitle="", outlet="IT조선",
                reporter="변동휘", published_at=""),
    "002": dict(title="충북지역혁신클러스터 활성화를 위한‘허브 네트워크’개최",
                subtitle="사업 참여기업 및 클러스터 입주기업 성장발판 마련", outlet="월간인물",
                reporter="김예진", published_at="2023-10-12T14:51:00+09:00"),
    # No headline, outlet or date on the page; "최고 관리자 / 기자" is a CMS placeholder.
    "003": dict(title="시흥시가 시흥산업진흥원과 함께 '시흥시 바이오산업 생태계 기반조성 사업'을 "
                      "본격 추진한다",
                subtitle="", outlet="", reporter="", published_at=""),
    # "2025.12.30 (화)" is the page header's date, not the article's: no date is stated.
    "004": dict(title="보건복지부, 바이오 클러스터 활성화 위한 민관 협의체 본격 가동",
                subtitle="'바이오 클러스터 협의체' 출범 및 제1차 회의 개최", outlet="어웨이크뉴스",
                reporter="오경하", published_at=""),
}

BOILERPLATE = {
    "000": ["\n\n\n"],  # no boilerplate on the page: no empty paragraph may appear either
    "001": ["주요 메뉴", "바로가기", "조회수", "로고. /과학기술정보통신부", "jena@", "변동휘 기자",
            "content@", "IT조선", "댓글", "300", "랭킹 뉴스", "공감 뉴스", "인기 뉴스", "추천 뉴스",
            "지금 뜨는 뉴스", "함께 보면 좋은 뉴스", "당신을 위한 인기글", "넥슨", "엘르",
            "do_shortcode", "php", "&nbsp", "•"],
    "002": ["이 기사를 공유합니다", "김예진 기자", "승인 2023", "댓글", "삭제하시겠습니까",
            "계정을 선택하시면", "07238", "대표전화", "팩스", "청소년보호책임자", "법인명", "제호",
            "사업자등록번호", "등록번호", "발행인", "편집인", "무단 전재", "Copyright",
            "All rights reserved", "열린보도원칙", "고충처리인", "우수콘텐츠", "ND소프트",
            "[월간인물]", "허브 네트워크’\n"],
    "003": ["최고 관리자", "\n\n기자", "헤드라인 뉴스", "&nb", "\n-\n"],
    "004": ["2025.12.30", "℃", "맑음", "기상청 제공", "검색창 열기", "산업일반", "최신기사",
            "더보기", "정치·경제", "라이프·문화", "▲", "오경하 기자 |", "광교테크노밸리"],
}


def _line(seed_lines: dict[str, list[str]], page: str, n: int) -> str:
    return normalize_line(seed_lines[page][n - 1])


@pytest.mark.parametrize("page", sorted(COUNTS))
def test_seed_article_counts(seed_articles, page):
    kinds = [a.kind for a in seed_articles[page]]
    assert (kinds.count("main"), kinds.count("teaser")) == COUNTS[page]
    assert kinds == sorted(kinds)  # main articles first, then teasers


def test_seed_000_splits_glued_leads_whole(seed_articles, seed_lines):
    articles = seed_articles["000"]
    expected = ["\n\n".join(seed_lines["000"][a - 1:b]) for a, b in LEADS_000]
    assert [a.body for a in articles] == expected
    assert [a.title for a in articles] == TITLES_000
    assert all(len(a.title) <= 60 for a in articles)
    assert {(a.kind, a.outlet, a.reporter, a.published_at) for a in articles} == {
        ("main", "", "", "")}


@pytest.mark.parametrize("page", sorted(MAIN_META))
def test_seed_main_metadata(seed_articles, page):
    main = seed_articles[page][0]
    got = {k: getattr(main, k) for k in MAIN_META[page]}
    assert got == MAIN_META[page]
    assert main.kind == "main" and main.url == ""


@pytest.mark.parametrize("page", sorted(BODY_LINES))
def test_seed_main_body_is_every_paragraph(seed_articles, seed_lines, page):
    expected = [_line(seed_lines, page, n) for n in BODY_LINES[page]]
    prefix = PREFIXES.get(page, "")
    assert expected[0].startswith(prefix)
    expected[0] = expected[0][len(prefix):]
    assert seed_articles[page][0].body.split("\n\n") == expected


@pytest.mark.parametrize("page", sorted(BOILERPLATE))
def test_seed_bodies_carry_no_boilerplate(seed_articles, page):
    main = [a for a in seed_articles[page] if a.kind == "main"]
    for article in main:
        text = "\n".join((article.title, article.subtitle, article.body))
        assert [m for m in BOILERPLATE[page] if m in text] == []


def test_seed_003_teasers_are_headline_and_lead(seed_articles, seed_lines):
    teasers = seed_articles["003"][1:]
    expected = [(_line(seed_lines, "003", n), _line(seed_lines, "003", n + 1))
                for n in range(15, 49, 3)]
    assert [(t.title, t.body) for t in teasers] == expected
    assert teasers[9].body.endswith("안전점검에 나선다.")  # the cut "&nb" entity is gone
    assert {(t.kind, t.outlet, t.reporter, t.published_at) for t in teasers} == {
        ("teaser", "", "", "")}


def test_seed_004_teaser_printed_twice_is_one(seed_articles, seed_lines):
    teaser = seed_articles["004"][1]
    lead = _line(seed_lines, "004", 70)
    assert teaser.title == _line(seed_lines, "004", 69) == _line(seed_lines, "004", 79)
    assert teaser.body == lead.removeprefix("▲경기도청 어웨이크뉴스 오경하 기자 | ")
    assert (teaser.kind, teaser.outlet, teaser.reporter) == ("teaser", "어웨이크뉴스", "오경하")


def _tags(article) -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = f"{article.title}\n{article.subtitle}\n{article.body}"
    return tag_regions(text), tag_organizations(text)


def test_seed_region_and_organization_tags(seed_articles):
    assert _tags(seed_articles["001"][0]) == (
        ("강원", "대전"),
        ("과학기술정보통신부", "연구개발특구진흥재단", "지방시대위원회", "한국전자통신연구원"))
    assert _tags(seed_articles["002"][0]) == (
        ("괴산군", "음성군", "증평군", "진천군", "청주시", "충북", "충주시"),
        ("충북산업단지공단", "한국산업기술시험원", "한국전기연구원"))
    # 서울대학교/서울대병원 are named, but they do not put the article in 서울.
    assert _tags(seed_articles["003"][0]) == (
        ("경기", "시흥시"), ("경기도경제과학진흥원", "시흥산업진흥원", "시흥시정연구원"))
    assert _tags(seed_articles["004"][0]) == (
        ("강원", "경기", "경북", "대구", "원주시", "인천"),
        ("경기도경제과학진흥원", "과학기술정보통신부", "교육부", "보건복지부", "산업통상자원부",
         "식품의약품안전처", "연구개발특구진흥재단", "오송첨단의료산업진흥재단",
         "원주의료기기테크노밸리재단", "인천경제자유구역청", "중소기업기술정보진흥원",
         "중소벤처기업부", "한국기초과학지원연구원", "한국보건산업진흥원", "한국산업기술진흥원",
         "한국생물공학연구원"))


def test_seed_000_lead_tags(seed_articles):
    leads = seed_articles["000"]
    assert _tags(leads[0]) == (("제주",), ("제주테크노파크", "한국제약바이오협회"))
    assert _tags(leads[6]) == (("세종", "울산"), ("세종테크노파크", "울산테크노파크"))
    assert _tags(leads[12]) == (("서울",), ("산업통상자원부", "중소벤처기업부"))
    assert _tags(leads[16]) == (("강원", "원주시"), ("미래창조과학부", "원주의료기기테크노밸리"))
    assert _tags(leads[17]) == (("경북", "경주시"), ("경주화백컨벤션센터",))


def test_seed_004_teaser_tags(seed_articles):
    assert _tags(seed_articles["004"][1])[0] == ("경기", "수원시")


def test_seed_pages_parse_fast(seeds_dir):
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    parse_text_page(texts[0])  # compiled patterns are warm from here on
    start = time.perf_counter()
    for _ in range(10):
        for text in texts:
            parse_text_page(text)
    per_page = (time.perf_counter() - start) / (10 * len(texts))
    assert per_page < 0.010
