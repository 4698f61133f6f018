"""Article metadata in Korean page text: publication dates, bylines, outlets, region/org tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

# The taggers live beside their dictionaries; they are part of this module's public API.
from ingest.places import tag_organizations, tag_regions

__all__ = [
    "clean_reporter", "find_published_at", "is_date_line", "line_parts", "outlet_from_line",
    "parse_datetime_ko", "reporter_from_line", "split_byline", "tag_organizations", "tag_regions",
]

KST = timezone(timedelta(hours=9))

_ISO_TZ = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
_KO_DATE = re.compile(
    r"(?<!\d)(\d{4})\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})(?!\d)\s*(?:일|\.)?\s*"
    r"(?:\(?[월화수목금토일](?:요일)?\)\s*)?(?:(오전|오후|AM|PM|am|pm)\s*)?"
    r"(?:(\d{1,2}):(\d{2})(?::(\d{2}))?|(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?)?")

# "승인 2023.10.12 14:51", "기사입력 : 2025-03-14", "등록 2024.05.03 09:00"; 수정 is a fallback.
_DATE_LINE = re.compile(
    r"^(?:기사\s?)?(입력|승인|등록|발행|작성|게재|송고|수정|업데이트|최종\s?수정)"
    r"(일시|일자|일|시간)?\s*(?:[:：]\s*)?(?=\d{4})")

_CLOCK = re.compile(r"\d{1,2}:\d{2}")
# Split at the bar alone: line_parts strips the parts, and "\s*[|｜]\s*" backtracks
# quadratically over a long run of spaces without a bar.
_PARTS = re.compile(r"[|｜]|(?=\s(?:수정|업데이트|최종\s?수정)\s*(?:[:：]\s*)?\d)")
_PART_MARKS = ("|", "｜", "수정", "업데이트")  # every _PARTS match contains one of these

_REPORTER_WORDS = r"(?:선임기자|객원기자|인턴기자|수습기자|전문기자|기자|특파원|통신원)"
_NAME = r"[가-힣]{2,4}(?:\s?[·,ㆍ]\s?[가-힣]{2,4})*"
_NAME_RE = re.compile(_NAME)
# "어웨이크뉴스 오경하 기자 | ", "▲경기도청 어웨이크뉴스 오경하 기자 | ", "홍길동 기자 = "
_BYLINE_PREFIX = re.compile(
    rf"^(?:▲\S*\s+)?(?:(?P<outlet>[^\s|=\[\]()]{{2,15}})\s+)?(?P<name>{_NAME})\s*"
    rf"{_REPORTER_WORDS}\s*[|｜=]\s*")
# "(서울=연합뉴스) 홍길동 기자 = "
_WIRE_PREFIX = re.compile(
    rf"^\((?:[^=()]{{1,10}})=(?P<outlet>[^()]{{2,15}})\)\s*(?:(?P<name>{_NAME})\s*"
    rf"{_REPORTER_WORDS}\s*=?\s*)?")
_BRACKET_PREFIX = re.compile(r"^\[(?P<outlet>[^\]\s]{2,15})\]\s*")
# "김예진 기자", "변동휘 기자 jena@…", "경기테크리뷰 서도현 기자"
_BYLINE_LINE = re.compile(
    rf"^(?:(?P<outlet>[^\s|=]{{2,15}})\s+)?(?P<name>{_NAME})\s*{_REPORTER_WORDS}"
    rf"(?:\s*[(\[<]?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*[)\]>]?)?$")
_NOT_OUTLET = frozenset("단독 속보 사진 종합 포토 인터뷰 기획 르포 칼럼 사설 영상 카드뉴스 이슈 "
                        "특집 기고 해설 팩트체크 공지 알림 보도자료 오피니언 기자수첩".split())
PLACEHOLDER_NAMES = frozenset("관리자 최고관리자 운영자 편집부 편집국 취재팀 뉴스팀 온라인팀 "
                              "디지털팀 admin 홍보팀 보도자료".split())
_OUTLET_LINES = (
    re.compile(r"^제호\s*[:：]\s*(?P<outlet>\S+)"),
    re.compile(r"(?:ⓒ|©|\([cC]\))\s*(?:\d{4}(?:\s*[-~]\s*\d{4})?\s*)?(?P<outlet>[^\s.,|]{2,20})"),
    re.compile(r"^(?P<outlet>\S{2,15})\s+조회수\s*(?:[:：]\s*)?[\d,]*$"),
)


def parse_datetime_ko(text: str) -> str:
    """"승인 2023.10.12 14:51" -> "2023-10-12T14:51:00+09:00"; "" when no full date with year."""
    if m := _ISO_TZ.search(text):
        return _iso_with_zone(m)
    m = _KO_DATE.search(text)
    if not m:
        return ""
    year, month, day, ampm, hh, mm, ss, hh_ko, mm_ko = m.groups()
    hour, minute = int(hh or hh_ko or 0), int(mm or mm_ko or 0)
    if ampm in ("오후", "PM", "pm") and hour < 12:
        hour += 12
    elif ampm in ("오전", "AM", "am") and hour == 12:
        hour = 0
    try:
        dt = datetime(int(year), int(month), int(day), hour, minute, int(ss or 0), tzinfo=KST)
    except ValueError:
        return ""
    return dt.isoformat() if 1900 < dt.year < 2100 else ""


def _iso_with_zone(m: re.Match[str]) -> str:
    year, month, day, hh, mm, ss, tz = m.groups()
    # An offset past ±24 h ("+99:99") and a time that leaves the calendar when moved to Korean time
    # ("9999-12-31T23:59-12:00") are no dates: "" rather than an error escaping the reader.
    try:
        zone = KST
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            zone = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:])))
        elif tz == "Z":
            zone = UTC
        dt = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss or 0), tzinfo=zone)
        return dt.astimezone(KST).isoformat()
    except (ValueError, OverflowError):
        return ""


def is_date_line(line: str) -> bool:
    """A byline-area date line ("승인 2023.10.12 14:51"), not a page-header or footer date."""
    m = _DATE_LINE.match(line) if len(line) <= 80 else None
    if not m:
        return False
    # Footer "등록일 : 2015년 04월 30일" is the outlet's registration, not the article's date.
    if m.group(1) in ("등록", "발행") and m.group(2) == "일":
        return bool(_CLOCK.search(line))
    return True


def line_parts(line: str) -> list[str]:
    """A header line's "|"-separated fields ("홍길동 기자 | 입력 2024.05.31 09:30")."""
    if not any(mark in line for mark in _PART_MARKS):  # most lines: skip the position-by-position split
        return [line.strip()] if line.strip() else []
    return [p.strip() for p in _PARTS.split(line) if p.strip()]


def find_published_at(lines: Sequence[str]) -> str:
    """The first 입력/승인/등록… date in the lines; 수정/업데이트 dates only as a fallback."""
    first, revised = "", ""
    for line in lines:
        for part in line_parts(line):
            value = parse_datetime_ko(part) if is_date_line(part) else ""
            if not value:
                continue
            if _DATE_LINE.match(part).group(1).startswith(("수정", "업데이트", "최종")):
                revised = revised or value
            else:
                first = first or value
    return first or revised


def clean_reporter(name: str) -> str:
    """A reporter name, or "" for CMS placeholders such as "최고 관리자"."""
    name = name.strip()
    if name.replace(" ", "") in PLACEHOLDER_NAMES or not _NAME_RE.fullmatch(name):
        return ""
    return name


def split_byline(text: str) -> tuple[str, str, str]:
    """Strip a dateline/byline prefix: "[월간인물] 충청북도는…" -> (outlet, reporter, rest)."""
    for pattern in (_WIRE_PREFIX, _BYLINE_PREFIX, _BRACKET_PREFIX):
        m = pattern.match(text)
        if not m:
            continue
        groups = m.groupdict()
        outlet = (groups.get("outlet") or "").strip()
        if outlet in _NOT_OUTLET or outlet.startswith("▲"):
            if pattern is _BRACKET_PREFIX:
                continue
            outlet = ""
        reporter = clean_reporter(groups.get("name") or "")
        return outlet, reporter, text[m.end():].strip()
    return "", "", text


def reporter_from_line(line: str) -> str | None:
    """The name on a byline line ("변동휘 기자 jena@…"), "" for a placeholder, None if no byline."""
    for part in line_parts(line):
        if m := _BYLINE_LINE.match(part):
            return clean_reporter(m.group("name"))
    return None


def outlet_from_line(line: str) -> str:
    """An outlet named by a footer or header line ("제호 : 월간인물", "Copyright © 2024 X")."""
    m = _BYLINE_LINE.match(line)
    if m and m.group("outlet") and clean_reporter(m.group("name")):
        return m.group("outlet")
    for pattern in _OUTLET_LINES:
        m = pattern.search(line)
        if m and m.group("outlet") not in ("All", "무단", "저작권자"):
            return m.group("outlet").rstrip(".")
    return ""
