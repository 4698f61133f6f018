"""Tests of cutting handwritten text and HTML pages into ParsedArticle records."""

from __future__ import annotations

import textwrap

from ingest.page import derive_title, parse_html_page, parse_text_page
from schema import ParsedArticle
from tests.conftest import TEST_DATA

TEASER_LEAD = ("서울시가 여름철 폭염과 국지성 집중호우 등 기후재난에 대비해 도시 내 "
               "가스시설 1,346개소에 대한 대대적인 안전점검에 나선다고 11일 밝혔다. "
               "점검은 오는 7월까지")

TEXT_PAGE = f"""본문 바로가기
전체메뉴
2024.06.01 (토)
맑음서울 21.3℃
기상청 제공
경제
정부, 지역 바이오 클러스터 10곳 육성
정부, 지역 바이오 클러스터 10곳 육성
2030년까지 5000억원 투입
  • 홍길동 기자
  • 입력 2024.05.31 09:30
  • 수정 2024.05.31 11:00
  • 댓글 0
이 기사를 공유합니다
(서울=테스트뉴스) 홍길동 기자 = 정부가 2030년까지 지역 바이오 클러스터 10곳을 \
육성한다고 31일 밝혔다.
▲ 31일 정부세종청사에서 열린 브리핑 모습.
산업통상자원부는 이날 충청북도 청주시와 강원 원주에서 설명회를 열었다.
지원 대상은 다음과 같다.
▲바이오 소재 ▲의료기기 ▲디지털 헬스케어
세부 계획은 하반기에 나온다.
홍길동 기자 hong@test.co.kr
저작권자 © 테스트뉴스 무단전재 및 재배포 금지
많이 본 뉴스
  • 다른 기사 제목 하나
  • 다른 기사 제목 둘
주요뉴스
-
서울시, 여름철 폭염 대비 안전점검
{TEASER_LEAD}
-
서울시, 여름철 폭염 대비 안전점검
{TEASER_LEAD}
"""

HTML_PAGE = """<!DOCTYPE html>
<html lang="ko"><head>
<meta charset="utf-8">
<title>정부, 지역 바이오 클러스터 10곳 육성 - 테스트뉴스</title>
<meta property="og:title" content="정부, 지역 바이오 클러스터 10곳 육성 | 테스트뉴스">
<meta property="og:site_name" content="테스트뉴스">
<meta property="og:url" content="https://news.example.com/article/123">
<meta property="article:published_time" content="2024-05-31T00:30:00Z">
<meta name="author" content="홍길동 기자">
<script>window.dataLayer = []; function track(){ document.write("광고"); }</script>
<style>.share{display:flex}</style>
</head><body>
<nav><ul><li><a href="/">홈</a></li><li><a href="/eco">경제</a></li>
<li>주요 메뉴 바로가기</li></ul></nav>
<header><div class="today">2025.12.30 (화)</div><div class="weather">맑음서울 -0.1℃</div></header>
<article>
<h1>정부, 지역 바이오 클러스터 10곳 육성</h1>
<h2>2030년까지 5000억원 투입</h2>
<div class="byline">홍길동 기자 | 입력 2024.05.31 09:30</div>
<div class="share">이 기사를 공유합니다</div>
<p>[테스트뉴스] 정부가 2030년까지 지역 바이오 클러스터 10곳을 육성한다고 31일 밝혔다.</p>
<figure><img src="a.jpg"><figcaption>▲ 31일 정부세종청사에서 열린 브리핑 모습.</figcaption></figure>
<p>산업통상자원부와 복지부는 이날 충청북도 청주시와 강원 원주에서 설명회를 열었다. 두 부처는 지역
기업의 수요를 조사해 지원 방향을 정한다.</p>
<p>세부 계획은 하반기에 나온다.</p>
<p>홍길동 기자 hong@test.co.kr</p>
</article>
<section class="comments"><h3>댓글 0</h3><p>댓글쓰기</p>
<p>삭제한 댓글은 다시 복구할 수 없습니다.</p></section>
<aside><h3>많이 본 뉴스</h3><ul><li><a href="/1">다른 기사 제목 하나</a></li>
<li><a href="/2">다른 기사 제목 둘</a></li></ul></aside>
<footer><p>대표전화 : 02-123-4567</p>
<p>Copyright © 2024 테스트뉴스. All rights reserved.</p></footer>
<!-- //php echo do_shortcode('[yarpp]'); ?> -->
</body></html>
"""

HTML_WITHOUT_META = """<html><head><title>광주서 AI 포럼 열려 - 남도일보</title></head><body>
<div id="top">2025.12.30 (화) | 맑음광주 3.1℃ | 로그인 | 회원가입</div>
<div id="article">
<h3 class="title">광주서 AI 포럼 열려</h3>
<ul class="info"><li>김민수 기자</li><li>입력 2024.11.05 14:20</li><li>댓글 0</li></ul>
<div id="article-body">광주광역시는 5일 김대중컨벤션센터에서 인공지능 산업 포럼을 열었다고
밝혔다.<br><br>
포럼에는 과기정통부와 광주테크노파크, 지역 기업 관계자 200여 명이 참석했다.<br><br>
시는 내년 상반기까지 AI 실증 단지를 확대할 계획이다.</div>
</div>
<div class="copyright">저작권자 © 남도일보 무단전재 및 재배포 금지</div>
</body></html>
"""


def test_text_page_main_article_and_one_teaser():
    assert parse_text_page(TEXT_PAGE) == [
        ParsedArticle(
            title="정부, 지역 바이오 클러스터 10곳 육성",
            subtitle="2030년까지 5000억원 투입",
            body="정부가 2030년까지 지역 바이오 클러스터 10곳을 육성한다고 31일 밝혔다.\n\n"
                 "산업통상자원부는 이날 충청북도 청주시와 강원 원주에서 설명회를 열었다.\n\n"
                 "지원 대상은 다음과 같다.\n\n"
                 "▲바이오 소재 ▲의료기기 ▲디지털 헬스케어\n\n"
                 "세부 계획은 하반기에 나온다.",
            outlet="테스트뉴스", reporter="홍길동", published_at="2024-05-31T09:30:00+09:00"),
        ParsedArticle(title="서울시, 여름철 폭염 대비 안전점검", body=TEASER_LEAD, kind="teaser"),
    ]


def test_headline_only_lists_are_dropped_not_teasers():
    body = "충북도는 12일 청주에서 지역혁신 포럼을 열고 산업단지 공단과 협력 방안을 논의했다."
    page = (f"{body}\n[경제] 랭킹 뉴스\n  • 다른 기사 제목 하나\n  • 다른 기사 제목 둘\n"
            "함께 보면 좋은 뉴스\n  • 1\n    세 번째 다른 기사의 제목이 여기에 있다\n\n    연예\n")
    articles = parse_text_page(page)
    assert [(a.kind, a.body) for a in articles] == [("main", body)]


def test_short_teasers_need_a_headline_and_a_full_sentence():
    body = "전북특별자치도는 탄소 클러스터 참여 기업의 매출이 1,214억원으로 집계됐다고 27일 밝혔다."
    page = (f"{body}\n최고 관리자\n기자\n헤드라인 뉴스\n-\n"
            "군산 새만금 수상태양광 1단계 착공…2026년 준공 목표\n"
            "군산시는 새만금 수상태양광 1단계 발전단지를 이달 말 착공한다고 밝혔다.\n-\n"
            "  • 3\n    연비 좋은 하이브리드 나온다, 가격은?\n")
    assert parse_text_page(page) == [
        ParsedArticle(title=derive_title(body), body=body),
        ParsedArticle(title="군산 새만금 수상태양광 1단계 착공…2026년 준공 목표",
                      body="군산시는 새만금 수상태양광 1단계 발전단지를 이달 말 착공한다고 밝혔다.",
                      kind="teaser")]


def _lead(first: str, second: str, size: int) -> str:
    """A lead cut mid-word at `size` characters, as news digests truncate them."""
    text = f"{first}\n{second}"
    if len(text) <= size:
        raise ValueError("lead text too short for the test")
    return text[:size].rstrip(" .,")


LEADS = [
    _lead("충북도는 12일 청주에서 지역혁신 포럼을 열었다고 밝혔다.",
          "이날 포럼에는 기업과 대학, 연구기관 관계자 150여 명이 참석해 산업단지 간 협력 방안과 "
          "기업 지원 확대 방안을 논의했다.", 90),
    _lead("산업통상자원부는 16일 울산에서 산업정책 지역순회 설명회를 개최했다.",
          "이번 설명회는 지역 기업 지원제도를 소개하고 현장의 건의사항을 듣기 위해 마련됐으며 "
          "지자체 담당자들도 참석했다.", 88),
    # This lead ends on a full sentence: only its length tells it from the next one.
    "강원테크노파크가 디지털헬스케어 기업 지원사업을 본격 추진한다.\n"
    "올해 지원 규모는 지난해보다 두 배 늘어난 40억 원으로 도내 기업 30곳이 혜택을 받는다.",
    _lead("제주테크노파크는 11일 한국제약바이오협회와 업무협약을 체결했다.",
          "양 기관은 제약바이오 기업의 제주 투자 유치와 공동 연구개발을 함께 추진하고 "
          "인력 양성에도 협력하기로 했다.", 89),
    _lead("중소벤처기업부는 지역 혁신 중소기업 100곳을 선정해 집중 지원한다고 3일 밝혔다.",
          "선정된 기업은 3년간 연구개발 자금과 판로 개척 비용, 전문가 컨설팅을 함께 받는다.", 87),
    _lead("세종시와 울산시가 자율주행차 실증을 위해 손을 잡았다.",
          "두 도시는 14일 울산시청에서 상호협력 협약을 맺고 실증 구간과 관제 시스템, "
          "데이터 플랫폼을 함께 운영하기로 했다.", 90),
]


def test_glued_leads_are_split_at_cuts_and_at_the_common_length():
    assert [len(lead) for lead in LEADS] == [89, 88, 86, 89, 86, 90]
    articles = parse_text_page("\n".join(LEADS))
    assert [a.body for a in articles] == [lead.replace("\n", "\n\n") for lead in LEADS]
    assert [a.title for a in articles] == [
        "충북도는 12일 청주에서 지역혁신 포럼을 열었다고 밝혔다",
        "산업통상자원부는 16일 울산에서 산업정책 지역순회 설명회를 개최했다",
        "강원테크노파크가 디지털헬스케어 기업 지원사업을 본격 추진한다",
        "제주테크노파크는 11일 한국제약바이오협회와 업무협약을 체결했다",
        "중소벤처기업부는 지역 혁신 중소기업 100곳을 선정해 집중 지원한다고 3일 밝혔다",
        "세종시와 울산시가 자율주행차 실증을 위해 손을 잡았다"]
    assert {a.kind for a in articles} == {"main"}


def test_hard_wrapped_article_is_one_article_not_glued_leads():
    text = ("정부가 2030년까지 지역 바이오 클러스터 10곳을 육성한다고 31일 밝혔다. "
            "산업통상자원부는 이날 충청북도 청주시와 강원 원주에서 설명회를 열었다. "
            "지원 대상은 바이오 소재와 "
            "의료기기, 디지털 헬스케어 기업이다. 세부 계획은 하반기에 나온다. 정부는 관계 부처 "
            "협의를 거쳐 최종안을 확정할 예정이다. 지자체들은 유치 경쟁에 나섰다.")
    wrapped = textwrap.wrap(text, width=40)
    assert len(wrapped) == 5
    # A wrap that falls right after a sentence cannot be told from a paragraph end.
    assert parse_text_page("\n".join(wrapped)) == [ParsedArticle(
        title="정부가 2030년까지 지역 바이오 클러스터 10곳을 육성한다고 31일 밝혔다",
        body=text.replace("기업이다. ", "기업이다.\n\n"))]


def test_derive_title():
    long = ("국가혁신클러스터의 활성화 방안을 모색하는 포럼이 ‘4차산업혁명 시대의 "
            "지역산업성장 뉴딜’을 주제로 5일 서울에서 열린다.")
    assert derive_title(long) == ("국가혁신클러스터의 활성화 방안을 모색하는 포럼이 "
                                  "‘4차산업혁명 시대의 지역산업성장 뉴딜’을 주제로 5일")
    assert derive_title("강원테크노파크(강원TP)가 박차를 가하고 있다. 둘째 문장.") == (
        "강원테크노파크가 박차를 가하고 있다")
    assert derive_title("◇기획재정부") == "기획재정부"
    assert derive_title("“선순환하도록 하겠다.” 대통령은 말했다.") == "“선순환하도록 하겠다.”"
    assert derive_title("성장률이 3.5%를 기록했다. 다음.") == "성장률이 3.5%를 기록했다"


def test_pages_without_body_give_nothing():
    assert parse_text_page("") == []
    assert parse_text_page("주요 메뉴 바로가기\n검색창 열기\n댓글 0\n기상청 제공\n") == []
    assert parse_html_page("") == []
    assert parse_html_page("<html><body><nav>홈</nav></body></html>") == []


def test_html_page_uses_meta_tags_and_drops_boilerplate():
    assert parse_html_page(HTML_PAGE) == [ParsedArticle(
        title="정부, 지역 바이오 클러스터 10곳 육성",
        subtitle="2030년까지 5000억원 투입",
        body="정부가 2030년까지 지역 바이오 클러스터 10곳을 육성한다고 31일 밝혔다.\n\n"
             "산업통상자원부와 복지부는 이날 충청북도 청주시와 강원 원주에서 설명회를 열었다. "
             "두 부처는 지역 기업의 수요를 조사해 지원 방향을 정한다.\n\n"
             "세부 계획은 하반기에 나온다.",
        outlet="테스트뉴스", reporter="홍길동", published_at="2024-05-31T09:30:00+09:00",
        url="https://news.example.com/article/123")]


def test_html_page_url_argument_wins_over_og_url():
    [article] = parse_html_page(HTML_PAGE, url="https://example.org/a/1")
    assert article.url == "https://example.org/a/1"


def test_html_page_without_meta_reads_byline_date_and_footer():
    # The header bar's "2025.12.30 (화)" is today's date on the site, not the article's.
    assert parse_html_page(HTML_WITHOUT_META) == [ParsedArticle(
        title="광주서 AI 포럼 열려",
        body="광주광역시는 5일 김대중컨벤션센터에서 인공지능 산업 포럼을 열었다고 밝혔다.\n\n"
             "포럼에는 과기정통부와 광주테크노파크, 지역 기업 관계자 200여 명이 참석했다.\n\n"
             "시는 내년 상반기까지 AI 실증 단지를 확대할 계획이다.",
        outlet="남도일보", reporter="김민수", published_at="2024-11-05T14:20:00+09:00")]


def test_html_file_holding_a_text_scrape_is_parsed_as_text():
    # A page saved as .html whose content is a text scrape: no tags, though "홈 > 경제" has ">".
    text = (TEST_DATA / "pages" / "text_scrape.html").read_text(encoding="utf-8")
    articles = parse_html_page(text)
    assert articles == parse_text_page(text)
    assert [(a.title, a.reporter) for a in articles] == [
        ("세종테크노파크, 지역 제조기업 30곳에 AI 전환 바우처", "정하은")]


def test_html_fragment_trafilatura_rejects_falls_back_to_lxml_text():
    # trafilatura returns nothing for a lone table fragment (tables are excluded) or paragraph.
    fragment = ("<table><tr><td>광주서 AI 포럼 열려</td></tr><tr><td>광주광역시는 5일 "
                "김대중컨벤션센터에서 인공지능 산업 포럼을\n열었다고 밝혔다.</td></tr>"
                "<tr><td><script>var a = 1;</script>김민수 기자</td></tr></table>")
    assert parse_html_page(fragment) == [ParsedArticle(
        title="광주서 AI 포럼 열려",
        body="광주광역시는 5일 김대중컨벤션센터에서 인공지능 산업 포럼을 열었다고 밝혔다.",
        reporter="김민수")]
    assert parse_html_page("<p>광주광역시는 5일 인공지능 산업 포럼을 열었다고 밝혔다.</p>") == [
        ParsedArticle(title="광주광역시는 5일 인공지능 산업 포럼을 열었다고 밝혔다",
                      body="광주광역시는 5일 인공지능 산업 포럼을 열었다고 밝혔다.")]
