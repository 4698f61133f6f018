"""Tests of line normalization, boilerplate and caption detection, and clean_body."""

from __future__ import annotations

import pytest

from ingest.clean import (
    Line,
    clean_body,
    collapse_repeats,
    drop_noise,
    ends_prose,
    is_boilerplate,
    is_caption,
    is_list_heading,
    normalize_line,
    page_lines,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("  정부는\xa0\xa0 발표했다.  ", "정부는 발표했다."),
    ("정부는&nbsp;발표&nbsp했다.", "정부는 발표 했다."),
    ("제로\u200b폭\ufeff문자", "제로폭문자"),
    ("R&amp;D 예산 &lt;확대&gt;", "R&D 예산 <확대>"),
    ("R&D와 AT&T", "R&D와 AT&T"),
    ("대대적인 안전점검에 나선다.&nb", "대대적인 안전점검에 나선다."),
    ("\t탭과\u3000전각 공백", "탭과 전각 공백"),
])
def test_normalize_line(raw, expected):
    assert normalize_line(raw) == expected


def test_page_lines_drop_blanks_and_mark_bullets():
    text = "제목\r\n\r\n  • 김예진 기자\n- 목록 항목\n  · 입력 2024.11.12\n-\n본문이다."
    assert page_lines(text) == [Line("제목"), Line("김예진 기자", True), Line("목록 항목", True),
                                Line("입력 2024.11.12", True), Line("-"), Line("본문이다.")]


@pytest.mark.parametrize("line", [
    "주요 메뉴 바로가기 (상단) 본문 컨텐츠 바로가기 주요 메뉴 바로가기 (하단)",
    "맑음서울 -0.1℃", "박무대전 1.5℃", "기상청 제공", "2025.12.30 (화)", "검색창 열기", "더보기",
    "이 기사를 공유합니다", "IT조선 조회수", "조회수 1,234", "댓글", "댓글0", "댓글 0", "댓글쓰기",
    "댓글삭제", "삭제한 댓글은 다시 복구할 수 없습니다.", "그래도 삭제하시겠습니까?",
    "계정을 선택하시면 로그인·계정인증을 통해", "댓글을 남기실 수 있습니다.", "300", "-",
    "변동휘 기자 jena@chosunbiz.com", "content@www.newsbell.co.kr",
    "07238 서울 영등포구 국회대로 70길 15-1 RA542 (여의도동14-9, 극동 VIP빌딩 5층) 월간인물",
    "대표전화 : 02-2038-4470", "팩스 : 070-8260-0200", "청소년보호책임자 : 문채영",
    "사업자등록번호 : 227-08-61739", "등록번호 : 서울 아 03717", "발행인 : 박성래",
    "편집인 : 박성래, 남윤실", "고충처리인 박성래 02-2038-4470 psr@monthlypeople.com",
    "월간인물 모든 콘텐츠(영상,기사, 사진)는 저작권법의 보호를 받은바, 무단 전재와 복사, 배포 등을 "
    "금합니다. | Copyright © 2024 월간인물. All rights reserved.",
    "「열린보도원칙」 당 매체는 독자와 취재원 등 뉴스이용자의 권리 보장을 위해 반론이나 정정보도, "
    "추후보도를 요청할 수 있는 창구를 열어두고 있음을 알려드립니다.",
    "저작권자 © 어웨이크뉴스 무단전재 및 재배포 금지", "//php echo do_shortcode('[yarpp]'); ?>",
    "2025.12.30(화) 청주 구름많음 0.8℃", "2025년 12월 2일 화요일 | 강릉 맑음 5.3℃",
    "주요 메뉴 바로가기 | 본문 바로가기 | 전체기사 | 로그인 | 회원가입", "홈 > 과학·R&D",
    "경제 > 산업일반", "전체기사 정치 경제 산업 바이오 지역 오피니언 포토", "[바이오·제약]",
    "글자크기 가 가",
])
def test_boilerplate_lines(line):
    assert is_boilerplate(normalize_line(line))


@pytest.mark.parametrize("line", [
    "유튜브 조회수가 100만 회를 넘었다.",
    "온라인 댓글 조작 의혹에 대해 경찰이 수사에 착수했다.",
    "뉴스 기사를 무단 전재한 업체가 적발됐다.",
    "주소 이전 신고는 온라인으로도 할 수 있다고 행정안전부가 밝혔다.",
    "대표이사는 이날 주주총회에서 신규 사업 계획을 설명했다.",
    "본사 이전 추진", "상호 협력 강화 방안 논의", "전화 한 통으로 끝내는 민원",
    "매출은 100억 원 --> 200억 원으로 늘었다고 회사는 설명했다.",
    "기온은 영하 5℃까지 떨어질 것으로 예상돼 한파 대비가 필요하다고 기상청은 설명했다.",
    "충북지역혁신클러스터 활성화를 위한‘허브 네트워크’개최",
    "14일(월)",
    "정부 정책 경제 산업 전반에 걸친 개편안이 나왔다.",
    "서울 낮 기온이 33℃까지 오르며 올여름 첫 폭염경보가 내려졌다.",
])
def test_body_lines_are_not_boilerplate(line):
    assert not is_boilerplate(line)


def test_captions():
    assert is_caption("과학기술정보통신부 로고. /과학기술정보통신부")
    assert is_caption("(사진=시흥시 제공)")
    assert is_caption("28일 세종호수공원 일대에서 열린 하프마라톤 출발 장면. /대회 조직위원회 제공")
    assert is_caption("▲ 12일 열린 협약식에서 관계자들이 기념촬영을 하고 있다.")
    # ▲ items on consecutive lines are a list in the body, not captions.
    assert not is_caption("▲디지털콘텐츠 이모티콘 크리에이터", nxt="▲쇼핑몰을 위한 퍼블리싱")
    assert not is_caption("정부는 1/4분기 실적을 발표했다.")


def test_list_headings():
    for heading in ("[차·테크] 랭킹 뉴스", "헤드라인 뉴스", "최신기사", "당신을 위한 인기글",
                    "함께 보면 좋은 뉴스", "지금 뜨는 뉴스", "많이 본 뉴스", "관련기사",
                    "▶ 많이 본 뉴스"):
        assert is_list_heading(heading), heading
    assert not is_list_heading("주요 뉴스를 정리하면 다음과 같다.")


def test_ends_prose_needs_a_sentence_end():
    assert ends_prose("충청북도는 12일 그랜드플라자 청주호텔에서 개최했다.")
    assert ends_prose("“지역 혁신을 위한 투자를 확대하겠다고 밝혔다.”")
    assert not ends_prose("경기도, 31개 시군 합동점검 나선다")
    assert not ends_prose("짧은 문장.")


def test_collapse_repeats_keeps_first_copy():
    lines = ["제목이다", "시흥시(시장 임병택)가 사업을 추진한다.", "제목이다",
             "시흥시가 사업을 추진한다.", "다른 문장이다."]
    assert collapse_repeats(lines) == ["제목이다", "시흥시(시장 임병택)가 사업을 추진한다.",
                                       "다른 문장이다."]


def test_drop_noise_removes_bylines_dates_and_placeholders():
    lines = ["제목", "김예진 기자", "승인 2023.10.12 14:51", "댓글 0", "본문 문장이다.",
             "최고 관리자", "기자"]
    assert drop_noise(lines) == ["제목", "본문 문장이다."]


def test_clean_body_drops_boilerplate_and_keeps_every_sentence():
    body = ("정부는 12일\xa0지역 혁신 전략을 발표했다.\n"
            "정부는 12일 지역 혁신 전략을 발표했다.\n"
            "\n"
            "이번 전략은 조회수 경쟁이 아닌 성과 중심으로 짜였다.\n"
            "이 기사를 공유합니다\n"
            "댓글 0\n"
            "홍길동 기자 hong@example.com\n"
            "저작권자 © 테스트일보 무단전재 및 재배포 금지\n"
            "(사진=연합뉴스)\n"
            "\u200b관계자는 “무단 전재를 막겠다”고 말했다.")
    assert clean_body(body) == (
        "정부는 12일 지역 혁신 전략을 발표했다.\n\n"
        "이번 전략은 조회수 경쟁이 아닌 성과 중심으로 짜였다.\n\n"
        "관계자는 “무단 전재를 막겠다”고 말했다.")


def test_clean_body_keeps_arrow_list_items():
    body = "지원 분야는 다음과 같다.\n▲바이오 소재\n▲의료기기\n사진=연합뉴스"
    assert clean_body(body) == "지원 분야는 다음과 같다.\n\n▲바이오 소재\n\n▲의료기기"


def test_clean_body_of_clean_text_is_the_paragraphs():
    assert clean_body("첫 문단이다.\n\n\n둘째   문단이다.") == "첫 문단이다.\n\n둘째 문단이다."
    assert clean_body("") == ""


def test_clean_body_keeps_a_one_line_lead_that_starts_with_a_photo_credit():
    lead = ("치과의사 이수진 인스타그램 갈무리 © 뉴스1 /사진=뉴스1 [파이낸셜뉴스] 나이를 잊은 동안 외모로 "
            "주목받고 있는 치과의사 이수진이 배우 김태희에게 사과의 말을 전했다. 이수진은 자신의 SNS에 글을 올려..")
    assert clean_body(lead) == lead
    assert clean_body("© 뉴스1") == "© 뉴스1"  # never cleaned away entirely
