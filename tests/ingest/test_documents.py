"""BigKinds .xlsx downloads and press releases (PDF, HWP, HWPX) read into articles, with every refusal named.

The binary files are built at test time from the text sources in tests/data/docs/ by tests/docs/build.py.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path

import pytest

from errors import IngestError
from index.searcher import Searcher
from ingest.bigkinds import is_truncated, published_at
from ingest.hangul import read_hangul_lines
from ingest.load import check_file, parse_file
from ingest.release import parse_release
from tests.docs.build import (
    make_bigkinds_xlsx,
    make_hwp,
    make_hwpx,
    make_pdf,
    make_scanned_pdf,
    read_bigkinds,
    read_doc,
    write_zip,
)
from tests.docs.cfb import build_cfb
from tests.indexing import ingest_paths

DOCS = Path(__file__).resolve().parent.parent / "data" / "docs"
AI_CHIP, BIO_LAB, HEALTH_ZONE = (read_doc(DOCS / f"release_{n}.txt") for n in ("ai_chip", "bio_lab", "health_zone"))
MAKERS = {".pdf": make_pdf, ".hwp": make_hwp, ".hwpx": make_hwpx}

AI_CHIP_FIRST = ("□ 과학기술정보통신부는 13일 '지역 인공지능 반도체 거점 조성 사업' 공모 결과 충북 오송과 "
                 "광주 첨단3지구 2곳을 최종 거점으로 선정하고, 2027년까지 3년간 국비와 지방비 1,200억 원을 "
                 "투입한다고 밝혔다.")
AI_CHIP_LAST = "○ 광주 첨단3지구 거점: 국비 420억 원, 지방비 180억 원, 입주 목표 팹리스 30곳"
ENCRYPTED_PDF = "암호가 걸린 PDF입니다. 암호를 해제한 파일을 넣으세요."
SCANNED_PDF = ("PDF에서 글자를 찾지 못했습니다(스캔한 이미지 PDF로 보입니다). 글자 인식(OCR)은 하지 않으니, "
               "한글·워드 원본이나 글자가 들어 있는 PDF를 넣으세요.")
DAMAGED_PDF = "PDF 파일이 손상되었거나 PDF가 아닙니다. 원본 파일을 다시 내려받거나 PDF로 다시 저장해 넣으세요."
PASSWORD_HWP = "암호가 걸린 한글(HWP) 문서입니다. 한글에서 암호를 해제하고 저장한 뒤 다시 넣으세요."
DISTRIBUTION_HWP = ("배포용 한글(HWP) 문서는 본문이 암호화되어 있어 읽을 수 없습니다. "
                    "작성 기관에 일반 HWP·HWPX 파일이나 글자가 들어 있는 PDF를 받아 넣으세요.")
DAMAGED_HWP = "한글(HWP) 파일이 손상되었거나 HWP 5.0 문서가 아닙니다. 한글에서 열어 다시 저장한 뒤 넣으세요."
NOT_HWPX = ("HWPX 문서가 아닙니다(Contents/section*.xml이 든 한글 문서여야 합니다). "
            "한글에서 HWPX로 다시 저장해 넣으세요.")
DAMAGED_HWPX = "HWPX 파일이 손상되었습니다. 한글에서 열어 다시 저장한 뒤 넣으세요."
TOO_BIG = "압축을 푼 크기가 너무 큽니다(압축 폭탄으로 보입니다). 한글에서 다시 저장하거나 나누어 넣으세요."
WRONG_HEADER = ("BigKinds(빅카인즈) 엑셀 형식이 아닙니다: 첫 행에 '제목'과 '본문' 열이 있어야 합니다. "
                "BigKinds에서 내려받은 엑셀을 그대로 넣으세요. 읽는 열: 뉴스 식별자, 일자, 언론사, 기고자, 제목, "
                "통합 분류1, 인물, 위치, 기관, 본문, URL, 분석제외 여부.")
EXCLUDED = ("분석제외 여부가 '중복'(으)로 표시된 행이라 건너뛰었습니다(BigKinds가 중복·예외로 분류한 기사). "
            "넣으려면 이 칸을 비우세요.")
EMPTY_BODY = "본문 칸이 비어 있습니다. 본문이 있는 행만 넣습니다."


def parse(path: Path):
    return parse_file(path, path.read_bytes())


def refusal(path: Path) -> str:
    with pytest.raises(IngestError) as e:
        parse(path)
    assert e.value.path == str(path)
    return str(e.value)


def bigkinds_rows() -> list[list]:
    return read_bigkinds(DOCS / "bigkinds.jsonl")


# --- BigKinds ----------------------------------------------------------------------------------------

def test_bigkinds_rows_become_articles_with_their_metadata(tmp_path):
    rows = bigkinds_rows()
    result = parse(make_bigkinds_xlsx(tmp_path / "bk.xlsx", rows))
    got = [(a.line, a.record_id, a.title, a.outlet, a.reporter, a.published_at, a.url, a.people, a.places,
            a.organizations, a.category, a.truncated) for a in result.articles]
    assert got == [
        (2, "01100901.20250314093000001", "충북 오송 인공지능 반도체 거점 선정…팹리스 30곳 유치 나선다", "누리경제신문",
         "강도윤", "2025-03-14T00:00:00+09:00", "https://news.example.com/nuri/20250314/1001", (),
         ("충북", "오송", "청주"), ("과학기술정보통신부", "충북도"), "경제>반도체", True),
        (3, "02100311.20250315101500002", "광주 첨단3지구, 차량용 저전력 반도체 실증 거점으로", "동해산업일보", "",
         "2025-03-15T00:00:00+09:00", "", (), ("광주", "첨단3지구"), ("광주시",), "지역>광주", True),
        (4, "01500201.20250316140000003", "새만금 수상태양광 2단계 주민 설명회…발전 수익 어촌계와 나눈다", "청람일보",
         "서하준", "2025-03-16T00:00:00+09:00", "https://news.example.com/cheongram/3003", ("서하준",),
         ("전북", "새만금", "군산"), (), "사회>환경", False),
    ]
    body = rows[0].index("본문")
    assert [a.body for a in result.articles] == [rows[i][body] for i in (1, 2, 3)]
    assert [str(p) for p in result.problems] == [f"{tmp_path / 'bk.xlsx'}:5: {EXCLUDED}",
                                                 f"{tmp_path / 'bk.xlsx'}:6: {EMPTY_BODY}"]


def test_bigkinds_rows_keep_their_sheet_row_numbers_under_blank_rows(tmp_path):
    rows = bigkinds_rows()
    result = parse(make_bigkinds_xlsx(tmp_path / "gaps.xlsx", [rows[0], [], rows[1], [], [], rows[5]]))
    assert [a.line for a in result.articles] == [3]
    assert [(p.line, p.reason) for p in result.problems] == [(6, EMPTY_BODY)]


@pytest.mark.parametrize(("cell", "expected"), [
    ("20250314", "2025-03-14T00:00:00+09:00"), (20250315.0, "2025-03-15T00:00:00+09:00"),
    (dt.date(2025, 3, 16), "2025-03-16T00:00:00+09:00"), (dt.datetime(2025, 3, 17, 9, 30), "2025-03-17T09:30:00+09:00"),
    ("2025-03-18", "2025-03-18T00:00:00+09:00"), ("20251399", ""), ("", ""), (3.5, ""),
])
def test_bigkinds_dates(cell, expected):
    assert published_at(cell) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ("가" * 120 + " 설계 인력 양성 과정을 만들어 해마다 140명을 길러", False),  # 150 characters: shorter than the cut
    ("가" * 160 + " 설계 인력 양성 과정을 만들어 해마다 140명을 길러", True),  # 190: cut mid-sentence
    ("가" * 160 + " 설계 인력 양성 과정을 만들어 해마다 140명을 길렀다.", False),  # near the cut, but a sentence end
    ("가" * 190 + " 설계 인력 양성 과정을 만들어 해마다 140명을 길러", False),  # 220: longer than BigKinds' cut
    ("업계는 양산 협의를 시작할 것으로…", True), ("업계는 양산 협의를 시작할 것으로...", True),
])
def test_truncated_rule(body, expected):
    assert is_truncated(body) is expected


def test_a_sheet_without_title_and_body_columns_is_refused_naming_the_columns(tmp_path):
    path = make_bigkinds_xlsx(tmp_path / "wrong.xlsx", [["id", "title", "text"], ["a1", "제목", "본문입니다."]])
    assert refusal(path) == f"{path}:1: {WRONG_HEADER}"


def test_a_sheet_of_only_excluded_rows_is_refused_with_the_first_reason(tmp_path):
    rows = bigkinds_rows()
    path = make_bigkinds_xlsx(tmp_path / "dup.xlsx", [rows[0], rows[4]])
    assert refusal(path) == (f"{path}: 읽을 수 있는 기사 행이 없습니다. 첫 오류: {path}:2: {EXCLUDED} "
                             "BigKinds에서 내려받은 엑셀을 그대로 넣으세요.")


def test_files_named_xlsx_that_are_not_workbooks_are_refused(tmp_path):
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes("뉴스 식별자,제목,본문\n".encode())
    renamed = write_zip(tmp_path / "renamed.xlsx", {"news.txt": "기사"})
    assert refusal(plain) == f"{plain}: 엑셀(.xlsx) 파일이 아닙니다. 엑셀 통합 문서(.xlsx)로 저장해 넣으세요."
    assert refusal(renamed) == (f"{renamed}: 엑셀(.xlsx) 파일을 열 수 없습니다. 손상되었거나 암호가 걸린 파일입니다. "
                                "엑셀에서 열어 암호 없이 다시 저장한 뒤 넣으세요.")


def test_a_sheet_spanning_too_many_cells_is_refused_before_the_reader_allocates_them(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in bigkinds_rows()[:2]:
        wb.active.append(row)
    wb.active["XFD1048576"] = "x"  # one far cell: the sheet spans 1,048,576 rows × 16,384 columns
    path = tmp_path / "far.xlsx"
    wb.save(path)
    assert path.stat().st_size < 20_000
    assert refusal(path) == (f"{path}: 시트가 너무 큽니다(행 수 × 열 수가 10,000,000칸 넘음). "
                             "필요한 행만 남기거나 나누어 저장해 넣으세요.")


# --- press releases ----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".pdf", ".hwp", ".hwpx"])
def test_a_press_release_reads_the_same_in_every_format(tmp_path, suffix):
    result = parse(MAKERS[suffix](tmp_path / f"release{suffix}", AI_CHIP))
    assert result.problems == []
    (a,) = result.articles
    assert (a.title, a.subtitle, a.outlet, a.published_at, a.department, a.contact, a.kind) == (
        "정부, 지역 인공지능 반도체 거점 2곳에 3년간 1,200억 원 투입",
        "충북 오송·광주 첨단3지구 선정, 팹리스 기업 60곳 입주 지원", "과학기술정보통신부",
        "2025-03-14T12:00:00+09:00", "인공지능기반정책관 인공지능반도체과",
        "책임자 과장 한서윤 (044-202-6310); 담당자 사무관 오태민 (044-202-6315)", "main")
    paragraphs = a.body.split("\n\n")
    assert (len(paragraphs), paragraphs[0], paragraphs[-1]) == (8, AI_CHIP_FIRST, AI_CHIP_LAST)
    for kept_out in ("보도시점", "붙임", "1부", "끝.", "044-", "한서윤", "- 1 -", "담당"):
        assert kept_out not in a.body


def test_a_release_with_a_contact_sentence_in_two_hwpx_sections(tmp_path):
    (a,) = parse(make_hwpx(tmp_path / "bio.hwpx", BIO_LAB, sections=2)).articles
    assert (a.title, a.subtitle, a.outlet, a.published_at, a.department, a.contact) == (
        "바이오 소부장 특화단지 3곳에 입주기업 공동 실험실 연다",
        "송도·오송·안동 특화단지에 2026년까지 실험실 9곳, 국비 270억 원", "산업통상자원부",
        "2025-06-03T11:00:00+09:00", "바이오융합산업과", "문가온 서기관(☎ 044-203-4416)")
    assert a.body.split("\n\n") == [
        "□ 산업통상자원부는 2일 바이오 소재·부품·장비 특화단지 3곳에 입주기업이 함께 쓰는 공동 실험실 9곳을 "
        "2026년까지 만든다고 밝혔다.",
        "□ 실험실은 배양, 정제, 품질 분석 장비를 갖추고 입주기업에 시간 단위로 빌려준다. 국비 270억 원과 지방비 "
        "90억 원이 들어간다.",
        "○ 특화단지별로 3곳씩 짓되, 송도는 배양, 오송은 정제, 안동은 백신 원료 분석에 중점을 둔다.",
        "※ 특화단지별 실험실 위치와 장비 목록은 하반기에 공고한다.",
    ]


@pytest.mark.parametrize("suffix", [".pdf", ".hwp"])
def test_a_release_with_a_contact_line_and_a_morning_embargo(tmp_path, suffix):
    (a,) = parse(MAKERS[suffix](tmp_path / f"zone{suffix}", HEALTH_ZONE)).articles
    assert (a.title, a.subtitle, a.outlet, a.published_at, a.department, a.contact) == (
        "강원 디지털헬스케어 규제자유특구, 원격 모니터링 실증 2년 연장", "", "중소벤처기업부",
        "2025-09-22T00:00:00+09:00", "지역특구과", "은하람 사무관(044-204-7731)")
    assert a.body.endswith("혈압·혈당 원격 관리 서비스를 실증한다.") and a.body.count("\n\n") == 1


def test_hwp_bytes_named_hwpx_and_hwpx_bytes_named_hwp_are_read_by_content(tmp_path):
    as_hwpx = tmp_path / "real-hwp.hwpx"
    as_hwpx.write_bytes(make_hwp(tmp_path / "a.hwp", HEALTH_ZONE).read_bytes())
    as_hwp = tmp_path / "real-hwpx.hwp"
    as_hwp.write_bytes(make_hwpx(tmp_path / "b.hwpx", HEALTH_ZONE).read_bytes())
    assert parse(as_hwpx).articles[0].title == parse(as_hwp).articles[0].title == \
        "강원 디지털헬스케어 규제자유특구, 원격 모니터링 실증 2년 연장"


@pytest.mark.parametrize("compressed", [True, False])
def test_hwp_text_keeps_tabs_line_breaks_and_emoji_and_long_paragraphs(tmp_path, compressed):
    long = "가나다라마바사 " * 700  # a PARA_TEXT record over 4,095 bytes: its size follows the header
    blocks = ["제목\t부제", "첫 줄\n둘째 줄 😀", long, [["표 칸 1", "표 칸 2"]], "\ue000로고 뒤 글자"]
    lines = read_hangul_lines(make_hwp(tmp_path / "t.hwp", blocks, compressed=compressed).read_bytes(), "t.hwp")
    assert lines == ["제목\t부제", "첫 줄", "둘째 줄 😀", long, "", "표 칸 1", "표 칸 2", "\ue000로고 뒤 글자"]
    hwpx = read_hangul_lines(make_hwpx(tmp_path / "t.hwpx", blocks).read_bytes(), "t.hwpx")
    assert hwpx == lines


def test_release_layout_variants_from_text_lines():
    a = parse_release(["", "이 보도자료는 2025년 3월 14일(금) 조간부터 보도할 수 있습니다.",
                       "배포 2025. 3. 13.(목)", "도심 항공교통 실증 노선 3곳 확정",
                       "□ 국토교통부(장관 직무대행 차관)는 13일 실증 노선을 확정했다.", "- 12 -", "3 / 4"],
                      "x.pdf", wrapped=True)
    assert (a.title, a.outlet, a.published_at, a.body) == (
        "도심 항공교통 실증 노선 3곳 확정", "국토교통부", "2025-03-14T00:00:00+09:00",
        "□ 국토교통부(장관 직무대행 차관)는 13일 실증 노선을 확정했다.")
    plain = parse_release(["\uf53a회의 결과 메모", "참석자는 다섯 명이었다.", "문의가 지난해보다 두 배 늘었다."],
                          "memo.hwp")  # U+F53A: the private-use "한글" logo glyph real files carry
    assert (plain.title, plain.outlet, plain.published_at, plain.body, plain.contact) == (
        "회의 결과 메모", "", "", "참석자는 다섯 명이었다.\n\n문의가 지난해보다 두 배 늘었다.", "")


def test_a_contact_table_at_the_top_is_read_and_kept_out_of_the_title():
    a = parse_release(["보 도 자 료", "기획재정부", "보도시점 2025. 7. 1.(화) 10:00",
                       "담당 부서 경제정책국 지역경제정책과 책임자 과장 도해솔 (044-215-2710)",
                       "담당자 사무관 변지호 (044-215-2716)", "지역 투자 펀드 1조 원 조성",
                       "□ 정부는 1일 지역 투자 펀드를 조성한다고 밝혔다."], "top.pdf", wrapped=True)
    assert (a.title, a.outlet, a.published_at, a.department, a.contact) == (
        "지역 투자 펀드 1조 원 조성", "기획재정부", "2025-07-01T10:00:00+09:00", "경제정책국 지역경제정책과",
        "책임자 과장 도해솔 (044-215-2710); 담당자 사무관 변지호 (044-215-2716)")


# --- refused documents -------------------------------------------------------------------------------

def test_pdf_with_only_an_owner_password_is_read_but_a_user_password_is_refused(tmp_path):
    plain = parse(make_pdf(tmp_path / "plain.pdf", AI_CHIP)).articles
    assert parse(make_pdf(tmp_path / "owner-only.pdf", AI_CHIP, password="")).articles == plain
    locked = make_pdf(tmp_path / "locked.pdf", AI_CHIP, password="secret")
    assert refusal(locked) == f"{locked}: {ENCRYPTED_PDF}"


def test_scanned_and_damaged_pdfs_are_refused(tmp_path):
    scanned = make_scanned_pdf(tmp_path / "scan.pdf")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(make_pdf(tmp_path / "whole.pdf", AI_CHIP).read_bytes()[:600])
    assert refusal(scanned) == f"{scanned}: {SCANNED_PDF}"
    assert refusal(cut) == f"{cut}: {DAMAGED_PDF}"


def test_password_distribution_and_damaged_hwp_are_refused(tmp_path):
    locked = make_hwp(tmp_path / "locked.hwp", AI_CHIP, password=True)
    shared = make_hwp(tmp_path / "shared.hwp", AI_CHIP, distribution=True)
    whole = make_hwp(tmp_path / "whole.hwp", AI_CHIP).read_bytes()
    cut = tmp_path / "cut.hwp"
    cut.write_bytes(whole[:len(whole) // 2])
    header = (b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05010001, 1)).ljust(256, b"\0")
    garbled = tmp_path / "garbled.hwp"
    garbled.write_bytes(build_cfb({"FileHeader": header, "BodyText/Section0": b"\xff" * 500}))
    old = tmp_path / "old.hwp"
    old.write_bytes(b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + b"\0" * 100)
    assert refusal(locked) == f"{locked}: {PASSWORD_HWP}"
    assert refusal(shared) == f"{shared}: {DISTRIBUTION_HWP}"
    assert refusal(cut) == f"{cut}: {DAMAGED_HWP}"
    assert refusal(garbled) == f"{garbled}: {DAMAGED_HWP}"
    assert refusal(old) == (f"{old}: HWP 97(3.0) 이하의 옛 형식은 읽지 못합니다. 한글에서 열어 HWP(5.0 이상)나 "
                            "HWPX로 다시 저장해 넣으세요.")


def test_hwp_section_that_inflates_past_the_cap_is_refused(tmp_path):
    header = (b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05010001, 1)).ljust(256, b"\0")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = packer.compress(b"\0" * (65 * 2**20)) + packer.flush()  # 65 MiB of zeros in about 64 KB
    path = tmp_path / "bomb.hwp"
    path.write_bytes(build_cfb({"FileHeader": header, "BodyText/Section0": bomb}))
    assert refusal(path) == f"{path}: {TOO_BIG}"


def test_files_named_hwpx_that_are_not_hwpx_are_refused(tmp_path):
    zipped_text = write_zip(tmp_path / "notes.hwpx", {"news.txt": "기사 본문"})
    epub = write_zip(tmp_path / "book.hwpx", {"mimetype": "application/epub+zip", "Contents/section0.xml": "<a/>"})
    assert refusal(zipped_text) == f"{zipped_text}: {NOT_HWPX}"
    assert refusal(epub) == f"{epub}: {NOT_HWPX}"


def test_hwpx_with_a_dtd_or_entities_is_refused_without_reading_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("기밀 내용", encoding="utf-8")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
           'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"><hp:p><hp:run><hp:t>제목</hp:t></hp:run></hp:p>'
           '<hp:p><hp:run><hp:t>&x;</hp:t></hp:run></hp:p></hs:sec>')
    path = write_zip(tmp_path / "xxe.hwpx", {"mimetype": "application/hwp+zip", "Contents/section0.xml": xxe})
    assert refusal(path) == f"{path}: {DAMAGED_HWPX}"


def test_hwpx_member_that_unpacks_past_the_cap_is_refused(tmp_path):
    path = write_zip(tmp_path / "bomb.hwpx", {"mimetype": "application/hwp+zip",
                                              "Contents/section0.xml": b"\0" * (65 * 2**20)})
    assert path.stat().st_size < 2**20
    assert refusal(path) == f"{path}: {TOO_BIG}"


def test_check_file_lists_every_kind_it_reads(tmp_path):
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(IngestError) as e:
        check_file(doc, 10)
    assert str(e.value) == (f"{doc}: 지원하지 않는 형식(.docx)입니다. .txt .md .html .htm .jsonl .csv "
                            ".xlsx(BigKinds) .pdf .hwp .hwpx 파일만 읽습니다.")


# --- end to end --------------------------------------------------------------------------------------

def write_mixed_folder(folder: Path) -> None:
    folder.mkdir()
    make_pdf(folder / "ai_chip.pdf", AI_CHIP)
    make_hwpx(folder / "bio_lab.hwpx", BIO_LAB)
    make_hwp(folder / "health_zone.hwp", HEALTH_ZONE)
    make_bigkinds_xlsx(folder / "bigkinds.xlsx", bigkinds_rows())
    make_pdf(folder / "locked.pdf", AI_CHIP, password="secret")
    make_scanned_pdf(folder / "scan.pdf")
    make_hwp(folder / "locked.hwp", BIO_LAB, password=True)
    (folder / "broken.hwp").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    write_zip(folder / "fake.hwpx", {"news.txt": "기사"})
    make_bigkinds_xlsx(folder / "wrong.xlsx", [["id", "title", "text"], ["a1", "제목", "본문입니다."]])


def test_a_mixed_folder_ingests_the_good_files_and_names_the_bad_ones(tmp_path, make_writer, hash_embedder,
                                                                      tokenizer):
    folder, idx = tmp_path / "raw", tmp_path / "idx"
    write_mixed_folder(folder)
    report = ingest_paths(make_writer(idx, hash_embedder), [folder])
    assert (report.files_seen, report.files_read, report.totals.added) == (10, 4, 6)
    assert {Path(e.path).name: e.reason for e in report.skipped} == {
        "locked.pdf": ENCRYPTED_PDF, "scan.pdf": SCANNED_PDF, "locked.hwp": PASSWORD_HWP, "broken.hwp": DAMAGED_HWP,
        "fake.hwpx": NOT_HWPX, "wrong.xlsx": WRONG_HEADER}
    assert [(Path(p.path).name, p.line, p.reason) for p in report.totals.problems] == [
        ("bigkinds.xlsx", 5, EXCLUDED), ("bigkinds.xlsx", 6, EMPTY_BODY)]
    searcher = Searcher(idx, hash_embedder, tokenizer, verify_in_background=False)
    try:
        queries = ("바이오 공동 실험실 배양 정제", "원격 모니터링 실증 연장", "팹리스 입주 지원센터",
                   "새만금 수상태양광 어촌계")
        found = {q: searcher.search(q, k=1, mode="bm25")[0].chunk for q in queries}
        assert {q: c.title for q, c in found.items()} == {
            "바이오 공동 실험실 배양 정제": "바이오 소부장 특화단지 3곳에 입주기업 공동 실험실 연다",
            "원격 모니터링 실증 연장": "강원 디지털헬스케어 규제자유특구, 원격 모니터링 실증 2년 연장",
            "팹리스 입주 지원센터": "정부, 지역 인공지능 반도체 거점 2곳에 3년간 1,200억 원 투입",
            "새만금 수상태양광 어촌계": "새만금 수상태양광 2단계 주민 설명회…발전 수익 어촌계와 나눈다"}
        stored = searcher.articles([c.article_id for c in found.values()])
        chip = stored[found["팹리스 입주 지원센터"].article_id]
        assert (chip.outlet, chip.department, chip.published_at) == (
            "과학기술정보통신부", "인공지능기반정책관 인공지능반도체과", "2025-03-14T12:00:00+09:00")
        solar = stored["01500201.20250316140000003"]
        assert (solar.outlet, solar.people, solar.category, solar.truncated) == (
            "청람일보", ("서하준",), "사회>환경", False)
    finally:
        searcher.close()

