"""Article metadata from Korean page text: dates, bylines, outlets, and region/organization tags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from ingest.places import (
    AMBIGUOUS,
    CITIES,
    COUNTIES,
    GYEONGGI_SUFFIXES,
    MINISTRIES,
    ORG_STOP_PREFIXES,
    PLACE_SUFFIXES,
    PROPER_PREFIXES,
    PROVINCES,
    SAFE_COUNTIES,
    STRONG_ORG_SUFFIXES,
    WEAK_ORG_SUFFIXES,
)

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
    r"(일시|일자|일|시간)?\s*[:：]?\s*(?=\d{4})")

_REPORTER_WORDS = r"(?:선임기자|객원기자|인턴기자|수습기자|전문기자|기자|특파원|통신원)"
_NAME = r"[가-힣]{2,4}(?:\s?[·,ㆍ]\s?[가-힣]{2,4})*"
# "어웨이크뉴스 오경하 기자 | ", "▲경기도청 어웨이크뉴스 오경하 기자 | ", "홍길동 기자 = "
_BYLINE_PREFIX = re.compile(
    rf"^(?:▲\S*\s+)?(?:(?P<outlet>[^\s|=\[\]()]{{2,15}})\s+)?(?P<name>{_NAME})\s*"
    rf"{_REPORTER_WORDS}\s*[|｜=]\s*")
# "(서울=연합뉴스) 홍길동 기자 = "
_WIRE_PREFIX = re.compile(
    rf"^\((?:[^=()]{{1,10}})=(?P<outlet>[^()]{{2,15}})\)\s*(?:(?P<name>{_NAME})\s*"
    rf"{_REPORTER_WORDS}\s*=?\s*)?")
_BRACKET_PREFIX = re.compile(r"^\[(?P<outlet>[^\]\s]{2,15})\]\s*")
_BYLINE_LINE = re.compile(
    rf"^(?P<name>{_NAME})\s*{_REPORTER_WORDS}(?:\s*[(\[<]?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"\s*[)\]>]?)?$")
_NOT_OUTLET = frozenset("단독 속보 사진 종합 포토 인터뷰 기획 르포 칼럼 사설 영상 카드뉴스 이슈 "
                        "특집 기고 해설 팩트체크 공지 알림 보도자료 오피니언 기자수첩".split())
PLACEHOLDER_NAMES = frozenset("관리자 최고관리자 운영자 편집부 편집국 취재팀 뉴스팀 온라인팀 "
                              "디지털팀 admin 홍보팀 보도자료".split())
_OUTLET_LINES = (
    re.compile(r"^제호\s*[:：]\s*(?P<outlet>\S+)"),
    re.compile(r"(?:ⓒ|©|\([cC]\))\s*(?:\d{4}(?:\s*[-~]\s*\d{4})?\s*)?(?P<outlet>[^\s.,|]{2,20})"),
    re.compile(r"^(?P<outlet>\S{2,15})\s+조회수\s*[:：]?\s*[\d,]*$"),
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
    zone = KST
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:])))
    elif tz == "Z":
        zone = timezone.utc
    try:
        dt = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss or 0), tzinfo=zone)
    except ValueError:
        return ""
    return dt.astimezone(KST).isoformat()


def is_date_line(line: str) -> bool:
    """A byline-area date line ("승인 2023.10.12 14:51"), not a page-header or footer date."""
    m = _DATE_LINE.match(line)
    if not m or len(line) > 80:
        return False
    # Footer "등록일 : 2015년 04월 30일" is the outlet's registration, not the article's date.
    if m.group(1) in ("등록", "발행") and m.group(2) == "일":
        return bool(re.search(r"\d{1,2}:\d{2}", line))
    return True


def find_published_at(lines: Sequence[str]) -> str:
    """The first 입력/승인/등록… date in the lines; 수정/업데이트 dates only as a fallback."""
    first, revised = "", ""
    for line in lines:
        if not is_date_line(line):
            continue
        for part in re.split(r"\s*[|｜]\s*|\s{2,}|(?=\s(?:수정|업데이트|최종\s?수정)\b)", line):
            m = _DATE_LINE.match(part.strip())
            value = parse_datetime_ko(part) if m else ""
            if not value:
                continue
            if m and m.group(1) in ("수정", "업데이트") or (m and "최종" in m.group(1)):
                revised = revised or value
            else:
                first = first or value
    return first or revised


def clean_reporter(name: str) -> str:
    """A reporter name, or "" for CMS placeholders such as "최고 관리자"."""
    name = name.strip()
    if name.replace(" ", "") in PLACEHOLDER_NAMES or not re.fullmatch(_NAME, name):
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
    m = _BYLINE_LINE.match(line)
    return clean_reporter(m.group("name")) if m else None


def outlet_from_line(line: str) -> str:
    """An outlet named by a footer or header line ("제호 : 월간인물", "Copyright © 2024 X")."""
    for pattern in _OUTLET_LINES:
        m = pattern.search(line)
        if m and m.group("outlet") not in ("All", "무단", "저작권자"):
            return m.group("outlet").rstrip(".")
    return ""


# ---------------------------------------------------------------- region tagging


def _place_forms() -> dict[str, tuple[str, str, bool]]:
    """Written form -> (tag, 시·도, ambiguous); a 시/군 tag also adds its 시·도."""
    forms: dict[str, tuple[str, str, bool]] = {}
    for prov, names in PROVINCES.items():
        for name in names:
            forms[name] = (prov, prov, name in AMBIGUOUS and name != "광주")
    for table, unit in ((CITIES, "시"), (COUNTIES, "군")):
        for prov, names in table.items():
            for short in names.split():
                tag = short + unit
                owner = "" if tag in forms and forms[tag][1] != prov else prov
                forms[tag] = (tag, owner, False)
                if unit == "시":
                    forms[short + "특례시"] = (tag, prov, False)
                if short in PROVINCES:
                    continue
                risky = short in AMBIGUOUS or (unit == "군" and short not in SAFE_COUNTIES)
                owner = "" if short in forms and forms[short][1] != prov else prov
                forms[short] = (tag, owner, risky)
    return forms


_FORMS = _place_forms()
_ALT = "|".join(sorted(map(re.escape, _FORMS), key=len, reverse=True))
_SUFFIX_ALT = "|".join(map(re.escape, PLACE_SUFFIXES))
_PLACE_RE = re.compile(rf"(?:{_ALT})(?=(?:{_SUFFIX_ALT}|{_ALT})|[^가-힣]|$)")
_LIST_GAP = re.compile(r"\s?(?:[,·ㆍ/]\s?)?")
_HANGUL = re.compile(r"[가-힣]")


def tag_regions(text: str) -> tuple[str, ...]:
    """시·도 short names plus named 시/군 (each also adding its 시·도), sorted and de-duplicated.

    Bare names that are also common words ("경기" = economy, "용인" = tolerate) count only
    beside another place ("서울·경기", "경기 화성", "진천, 음성"). Institution names such as
    서울대학교/서울대병원 do not imply 서울: their campuses and hospitals sit elsewhere too.
    """
    cands = []
    for m in _PLACE_RE.finditer(text):
        start, form = m.start(), m.group()
        glued = start > 0 and _HANGUL.match(text[start - 1])
        if glued and not (text[:start].endswith("정부") or (cands and cands[-1][1] == start)):
            continue
        cands.append([start, m.end(), form, not _FORMS[form][2]])
    _accept_neighbours(text, cands)
    tags: set[str] = set()
    for i, (start, _end, form, ok) in enumerate(cands):
        if ok:
            tag, prov, _ = _FORMS[form]
            if form in ("광주", "광주시") and _gyeonggi_context(text, cands, i):
                tag, prov = "광주시", "경기"
            elif form == "광주시":
                tag, prov = "광주", "광주"
            tags.update(t for t in (tag, prov) if t)
    return tuple(sorted(tags))


def _accept_neighbours(text: str, cands: list[list]) -> None:
    """Accept risky names written next to an accepted place or to their own 시·도."""
    for cand in cands:
        after = text[cand[1]:cand[1] + 2]
        if cand[2] == "경기" and text.startswith(GYEONGGI_SUFFIXES, cand[1]) and after != "도중":
            cand[3] = True
    changed = True
    while changed:
        changed = False
        for a, b in zip(cands, cands[1:], strict=False):
            if (a[3] and b[3]) or not _LIST_GAP.fullmatch(text[a[1]:b[0]]):
                continue
            related = _FORMS[b[2]][1] == _FORMS[a[2]][0] or _FORMS[a[2]][1] == _FORMS[b[2]][0]
            if a[3] or b[3] or related:
                a[3] = b[3] = changed = True


def _gyeonggi_context(text: str, cands: list[list], i: int) -> bool:
    """경기 광주시: 광주 right after 경기, or 광주시 with 경기 named within 40 characters."""
    start, form = cands[i][0], cands[i][2]
    prev = cands[i - 1] if i else None
    if prev and prev[3] and prev[2] in ("경기", "경기도") and _LIST_GAP.fullmatch(
            text[prev[1]:start]):
        return True
    return form == "광주시" and any(
        c[3] and c[2] != "광주시" and _FORMS[c[2]][1] == "경기" and abs(c[0] - start) <= 40
        for c in cands)


# ---------------------------------------------------------------- organization tagging

_ALIASES = {alias: name for name, aliases in MINISTRIES.items() for alias in (name, *aliases)}
_ORG_PARTICLES = ("으로", "에서", "에게", "와의", "과의", "장관", "차관", "청장", "처장", "위원장",
                  "산하", "주관", "주최", "소관", "은", "는", "이", "가", "을", "를", "의", "에",
                  "와", "과", "도", "로", "만", "인", "장", "측", "등", "및")
_PART_ALT = "|".join(_ORG_PARTICLES)
_MINISTRY_RE = re.compile(
    r"(?<![가-힣A-Za-z0-9])(" + "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True))
    + rf")(?=(?:{_PART_ALT})?(?:[^가-힣A-Za-z0-9]|$))")
_ORG_SUFFIX_ALT = "|".join(STRONG_ORG_SUFFIXES + WEAK_ORG_SUFFIXES)
_SUFFIX_ORG_RE = re.compile(
    rf"(?<![가-힣A-Za-z0-9])([가-힣A-Za-z0-9]{{2,30}}?(?:{_ORG_SUFFIX_ALT}))"
    rf"(?=(?:{_PART_ALT})?(?:[^가-힣]|$))")
_PLACE_PREFIXES = tuple(sorted({f for f in _FORMS if len(f) >= 2}, key=len, reverse=True))


def tag_organizations(text: str) -> tuple[str, ...]:
    """Ministries (abbreviations -> full names) and named institutions, sorted and de-duplicated."""
    found = {_ALIASES[m.group(1)] for m in _MINISTRY_RE.finditer(text)}
    for m in _SUFFIX_ORG_RE.finditer(text):
        name = m.group(1)
        if name in _ALIASES:
            found.add(_ALIASES[name])
        elif _is_institution(name):
            found.add(name)
    return tuple(sorted(found))


def _is_institution(name: str) -> bool:
    suffix = next(s for s in STRONG_ORG_SUFFIXES + WEAK_ORG_SUFFIXES if name.endswith(s))
    prefix = name[: -len(suffix)]
    if len(prefix) < 2 or prefix in ORG_STOP_PREFIXES or prefix[-2:] in ORG_STOP_PREFIXES:
        return False
    if suffix == "위원회":
        return len(prefix) >= 4
    if suffix in WEAK_ORG_SUFFIXES:
        return prefix.startswith(PROPER_PREFIXES + _PLACE_PREFIXES) or bool(
            re.match(r"[A-Z]{2,}", prefix))
    return True
