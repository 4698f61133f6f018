"""Recognise a government press release (보도자료) in extracted text: title, ministry, release date,
담당 부서 and contacts, with the contact block, page numbers and 붙임 lists kept out of the body.

The PDF, HWP and HWPX readers extract lines of text and hand them here. The layout it expects:

    보도자료 / 과학기술정보통신부                       boilerplate and the issuing body
    보도시점 2025. 3. 14.(금) 12:00  배포 2025. 3. 13.   release (embargo) and distribution dates
    정부, 지역 인공지능 반도체 거점 …                   title (the first other line)
    - 충북 오송·광주 선정 … -                            subtitle lines
    □ … / ○ … / ※ …                                      body
    붙임 1. … 1부.  끝.                                  attachment list (dropped)
    담당 부서 … 책임자 과장 … (044-…) 담당자 …           contact block (anywhere; also "문의: …"
                                                           and "…에게 연락주시기 바랍니다.")

A document without these parts still reads: its first line is the title and the rest the body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from errors import IngestError
from ingest.clean import check_line_count, normalize_line
from ingest.meta import parse_datetime_ko
from schema import ParsedArticle

HEADER_LINES = 12  # the date/ministry block is at the top of the first page
TITLE_MAX = 120
SQUEEZE_MAX = 200
DATE_TEXT_MAX = 2000  # of the header zone, searched for release dates
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # Hangul's logo and bullet glyphs (e.g. U+F53A)
_SPACED_LETTERS = re.compile(r"(?<![가-힣])[가-힣](?:\s+[가-힣])+(?![가-힣])")  # "보 도 자 료", "과  장"
_BOILERPLATE = frozenset({"보도자료", "보도참고자료", "보도설명자료", "설명자료", "해명자료", "참고자료",
                          "pressrelease"})
_ORG = re.compile(r"[가-힣]{2,20}(?:부|처|청|원|위원회|실|본부|특별시|광역시|특별자치시|특별자치도|도|시|군|구"
                  r"|공사|공단|재단|센터)")
_ORG_IN_TEXT = re.compile(r"([가-힣]{2,20}(?:부|처|청|위원회))\s*\(\s*(?:장관|처장|청장|위원장)")
_DATE = re.compile(r"(?<![0-9])20[0-9]{2}\s*[.\-/년]\s*[0-9]{1,2}\s*[.\-/월]\s*[0-9]{1,2}")
_DATE_KEY = re.compile(r"보\s*도|엠바고|배\s*포|게\s*재")
_HEADER_WORDS = re.compile(r"^(?:보도\s*(?:시점|일시|시간)|배포\s*(?:일시|일자|시점)?|엠바고|즉시\s*보도)\s*[:：]?$")
_TIMING = re.compile(r"조간|석간|즉시|이후|부터|보도|배포|엠바고")
_BULLET = re.compile(r"^(?:[□■○◦●◎▶▷▪◇◆△▲※*•·-]|[0-9]{1,2}[.)]\s|[가-하][.)]\s|[①-⑳])")
_SENTENCE_END = re.compile(r"(?:[.!?。]|다)[\"'”’)\]」』]*$")
_SUBTITLE = re.compile(r"^[-–—―<〈《]\s*(.+?)\s*[-–—―>〉》]?$")
_PAGE_NUMBER = re.compile(r"^[-–—―]\s*[0-9]{1,4}\s*[-–—―]$|^[0-9]{1,4}\s*/\s*[0-9]{1,4}$")
_END_MARK = re.compile(r"^[<〈(\[]?\s*끝\s*[>〉)\]]?\.?$|^[-–—]\s*끝\s*[-–—]$")
_ATTACHMENT = re.compile(r"^[<〈(\[［]?\s*붙\s*임\s*[0-9]*\s*[>〉)\]］]?")
_ATTACHMENT_ITEM = re.compile(r"^[0-9]{1,2}\.\s*\S.{0,80}\s[0-9]{1,2}\s*부\.?(?:\s*끝\.?)?$")
_PHONE = re.compile(r"0[0-9]{1,2}\)?[-.\s][0-9]{3,4}[-.\s][0-9]{4}")
_ROLE = (r"(?:사무관|주무관|서기관|부이사관|이사관|연구관|연구사|전문관|행정관|담당관|과장|팀장|국장|실장|단장|"
         r"센터장|본부장|차장|부장|원장|책임자|담당자)")
_ROLE_LINE = re.compile(rf"^{_ROLE}$")
_DEPT = r"[가-힣A-Za-z0-9·]{2,30}(?:과|팀|담당관|정책관|센터|단|실|국|본부|TF)"
_DEPT_LINE = re.compile(rf"^{_DEPT}(?:\s+{_DEPT})*$")
_NAME_LINE = re.compile(r"^[가-힣]{2,4}$")
# "문의: …", "<문의>", "문의처 …", "보도 관련 문의 …"; not a body sentence that starts "문의가 늘었다".
_CONTACT_START = re.compile(r"^(?:\(?\s*담당\s*부서|[<\[〈(]?\s*"
                            r"(?:보도\s*관련\s*문의|문의처|문의\s*(?=[:：>\]〉)]|$)))")
_CONTACT_SENTENCE = re.compile(r"(?:연락|문의)\s*(?:하여|해)?\s*주시기\s*바랍니다")
_CONTACT_KEY = re.compile(r"담당\s*부서|책임자|담당자|(?:보도\s*관련\s*)?문의(?:처)?")
_PERSON = re.compile(rf"(?P<dept>{_DEPT})\s+(?P<who>[가-힣]{{2,4}}\s*{_ROLE}\s*\(\s*(?:☎|전화|TEL|Tel)?[.:\s]*"
                     r"0[0-9]{1,2}[-.\s][0-9]{3,4}[-.\s][0-9]{4}\s*\))")


@dataclass(slots=True)
class Contacts:
    departments: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)


def parse_release(lines: Sequence[str], name: str, wrapped: bool = False) -> ParsedArticle:
    """A ParsedArticle from a document's lines; raise IngestError (naming `name`) when it has no text.

    Args:
        wrapped: the lines are a PDF's visual lines: a sentence runs on over several lines (joined
            again in the body) and bare numbers are page numbers.
    """
    check_line_count("\n".join(lines), name)
    kept = [line for line in (_normalize(raw) for raw in lines) if line and not _is_noise(line, wrapped)]
    if not kept:
        raise IngestError(name, "문서에서 글자를 찾지 못했습니다. 텍스트가 들어 있는 문서인지 확인하세요.")
    contacts, kept = _split_contacts(kept)
    zone, rest = _header_zone(kept)
    title, subtitle, body = _title_subtitle_body(rest, wrapped)
    body = _take_contact_sentences(body, contacts)  # after PDF lines are joined into sentences
    if not body:
        raise IngestError(name, "문서에서 본문을 찾지 못했습니다. 제목 아래에 본문이 있는 보도자료인지 확인하세요.")
    return ParsedArticle(
        title=title, subtitle="\n".join(subtitle), body="\n\n".join(body),
        outlet=_ministry(zone) or _ministry_in_text(body), published_at=_release_date(zone),
        department=", ".join(contacts.departments), contact="; ".join(contacts.people))


def _normalize(line: str) -> str:
    return normalize_line(_PRIVATE_USE.sub("", line))


def _is_noise(line: str, wrapped: bool) -> bool:
    """Page numbers, end marks and the 붙임 (attachment) list: never body text."""
    if _PAGE_NUMBER.match(line) or _END_MARK.match(line) or (wrapped and line.isdigit() and len(line) <= 4):
        return True
    return len(line) <= 100 and bool(_ATTACHMENT.match(line) or _ATTACHMENT_ITEM.match(line))


def _squeeze(line: str) -> str:
    """"보 도 자 료" -> "보도자료", "과  장" -> "과장": table cells spread letters apart.

    Header and contact lines are short; a long line is left alone (the pattern backtracks over a
    long run of spread letters)."""
    if len(line) > SQUEEZE_MAX:
        return line
    return _SPACED_LETTERS.sub(lambda m: re.sub(r"\s+", "", m.group()), line)


# --- contacts ----------------------------------------------------------------------------------------

def _split_contacts(lines: list[str]) -> tuple[Contacts, list[str]]:
    """Take the contact blocks (담당 부서 tables, 문의 lines) out of the lines."""
    contacts, rest, i = Contacts(), [], 0
    while i < len(lines):
        line = _squeeze(lines[i])
        if not _CONTACT_START.match(line):
            rest.append(lines[i])
            i += 1
            continue
        block = [line]
        i += 1
        while i < len(lines) and _is_contact_line(_squeeze(lines[i]), block[-1]):
            block.append(_squeeze(lines[i]))
            i += 1
        _read_block(" ".join(block), contacts)
    return contacts, rest


def _take_contact_sentences(paragraphs: list[str], contacts: Contacts) -> list[str]:
    """Drop "…과 홍길동 사무관(044-…)에게 연락주시기 바랍니다." paragraphs, keeping who they name."""
    kept = []
    for text in paragraphs:
        if _CONTACT_SENTENCE.search(text) and (m := _PERSON.search(text)):
            contacts.departments.append(m["dept"])
            contacts.people.append(m["who"])
        else:
            kept.append(text)
    return kept


def _is_contact_line(line: str, previous: str) -> bool:
    """A line of a contact table read cell by cell; a bare name only right after its role."""
    if _NAME_LINE.match(line) and not _ROLE_LINE.match(line):
        return bool(_ROLE_LINE.match(previous))
    return bool(_PHONE.search(line) or _ROLE_LINE.match(line) or _DEPT_LINE.match(line)
                or _CONTACT_START.match(line) or "@" in line)


def _read_block(text: str, contacts: Contacts) -> None:
    """"담당 부서 X 책임자 과장 A (044-…) 담당자 …" or "문의: X과 A 사무관(044-…)" into contacts."""
    keys = list(_CONTACT_KEY.finditer(text))
    for k, key in enumerate(keys):
        end = keys[k + 1].start() if k + 1 < len(keys) else len(text)
        value = text[key.end():end].lstrip(" :：>]〉)").rstrip(" (<[〈")
        if not value:
            continue
        word = re.sub(r"\s+", "", key.group())
        if word == "담당부서":
            contacts.departments.append(value)
        elif word in ("책임자", "담당자"):
            contacts.people.append(f"{word} {value}")
        elif m := _PERSON.search(value):
            contacts.departments.append(m["dept"])
            contacts.people.append(m["who"])
        else:
            contacts.people.append(value)


# --- header, title, body -----------------------------------------------------------------------------

def _header_zone(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines up to the last header line (boilerplate, ministry, dates) near the top, and the rest."""
    last = -1
    for i, line in enumerate(lines[:HEADER_LINES]):
        if _BULLET.match(line):
            break
        if _is_header_line(line):
            last = i
    return lines[:last + 1], lines[last + 1:]


def _is_header_line(line: str) -> bool:
    bare = re.sub(r"\s+", "", _squeeze(line)).lower()
    if bare in _BOILERPLATE or _HEADER_WORDS.match(line) or _org_line(line):
        return True
    if _DATE.search(line):  # a date with a release word, or a short line that is little but a date
        return bool(_DATE_KEY.search(line)) or (len(line) <= 30 and bool(_TIMING.search(line) or
                                                                          len(_DATE.sub("", line)) <= 12))
    return False


def _org_line(line: str) -> str:
    """The issuing body a header line names ("과학기술정보통신부", "산업통상자원부 보도자료"), or ""."""
    words = [w for w in _squeeze(line).split() if w.lower() not in _BOILERPLATE]
    text = " ".join(words)
    return text if len(words) == 1 and _ORG.fullmatch(text) else ""


def _ministry(zone: list[str]) -> str:
    return next((org for line in zone if (org := _org_line(line))), "")


def _ministry_in_text(body: list[str]) -> str:
    """"과학기술정보통신부(장관 …)는" in the first paragraphs, for releases without a ministry line."""
    m = _ORG_IN_TEXT.search(" ".join(body[:3]))
    return m.group(1) if m else ""


def _release_date(zone: list[str]) -> str:
    """The 보도시점 (embargo) date, else the 엠바고 or 배포 date, else the first date in the header."""
    text = " ".join(zone)[:DATE_TEXT_MAX]
    found: dict[str, str] = {}
    for m in _DATE.finditer(text):
        keys = [k.group() for k in _DATE_KEY.finditer(text, 0, m.start())]
        kind = re.sub(r"\s+", "", keys[-1])[:1] if keys else ""
        value = parse_datetime_ko(text[m.start():m.start() + 40])
        if value:
            found.setdefault(kind, value)
    return next((found[k] for k in ("보", "엠", "게", "배", "") if k in found), "")


def _title_subtitle_body(lines: list[str], wrapped: bool) -> tuple[str, list[str], list[str]]:
    if not lines:
        return "", [], []
    title, i = lines[0], 1
    if wrapped and i < len(lines) and _continues(title, lines[i]) and len(title) + len(lines[i]) < TITLE_MAX:
        title, i = f"{title} {lines[i]}", i + 1
    subtitle: list[str] = []
    while i < len(lines) and (m := _SUBTITLE.match(lines[i])):
        subtitle.append(m.group(1).strip(" -–—―"))
        i += 1
    body = _join_wrapped(lines[i:]) if wrapped else lines[i:]
    return title, subtitle, body


def _continues(line: str, nxt: str) -> bool:
    """Whether nxt carries on line's sentence (a PDF line break, not a paragraph break)."""
    return not _SENTENCE_END.search(line) and not _BULLET.match(nxt) and not _SUBTITLE.match(nxt)


def _join_wrapped(lines: list[str]) -> list[str]:
    paragraphs: list[list[str]] = []  # pieces, joined once at the end (no quadratic string growth)
    for line in lines:
        if paragraphs and _continues(paragraphs[-1][-1], line):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return [" ".join(pieces) for pieces in paragraphs]
