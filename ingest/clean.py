"""Line-level cleaning of scraped Korean news text: whitespace, boilerplate, captions and repeats."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ingest.meta import is_date_line, reporter_from_line

_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,6}|#x[0-9a-f]{1,5});?", re.I)
_CUT_ENTITY = re.compile(r"&n(?:b(?:s(?:p)?)?)?$")  # "&nb" left where a lead was truncated
_SPACES = re.compile(r"[ \t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_BULLET = re.compile(r"^(?:[•◦‣∙]|-(?=\s))\s*")  # trafilatura writes list items as "- …"
_SHORT = 80  # whole-line boilerplate rules that contain ".*" only apply to lines this short

_NAV = re.compile(
    r"^(?:.*바로\s?가기(?:\s*\([^)]*\))?|검색창?\s?(?:열기|닫기)?|전체\s?메뉴.*|메뉴\s?(?:열기|닫기)"
    r"|로그인|로그아웃|회원\s?가입|마이\s?페이지|더\s?보기\s?[+>]?|맨\s?위로|top|home|홈|뉴스\s?홈"
    r"|이전\s?기사|다음\s?기사|기사\s?목록|목록(?:\s?보기)?|구독(?:하기|신청)?|닫기|인쇄(?:하기)?"
    r"|스크랩|(?:url|링크|주소)\s?복사|(?:기사\s?)?공유(?:하기)?|이 기사를 공유합니다"
    r"|글[씨자]\s?(?:크기|크게|작게).*|가+\s*가+|좋아요\s?\d*|싫어요\s?\d*|카카오톡|카카오스토리"
    r"|페이스북|트위터|x|네이버\s?블로그|밴드|기사\s?제보|광고\s?문의|제휴\s?문의|기상청\s?제공"
    r"|기자\s?구독|기자의\s?다른\s?기사.*|관련\s?태그|태그|#\S+(?:\s+#\S+)*|저작권자.*)$",
    re.I)
_COMMENT = re.compile(
    r"^(?:댓글\s*\d*\s*개?|댓글\s*(?:쓰기|삭제|보기|달기|닫기|수정|작성|등록|접기|펼치기|정렬|신고"
    r"|운영\s?원칙)\s*\d*|.*삭제한\s?댓글은.*|그래도\s?삭제하시겠습니까\s?\??|계정을\s?선택하시면.*"
    r"|댓글을\s?남기실\s?수\s?있습니다\.?|.*로그인\s?후.*(?:댓글|이용).*|최신순|추천순|과거순|공감순"
    r"|비밀번호|등록|취소|확인|\d+\s*/\s*\d+|[\d,]{1,7})$")
_VIEWS = re.compile(r"^(?:\S{1,15}\s+)?조회(?:수)?\s*[:：]?\s*[\d,]*\s*회?$")
_WEATHER = re.compile(r"^[가-힣 ]{0,12}-?\d{1,2}(?:\.\d+)?\s*(?:℃|°C)$")
_HEADER_DATE = re.compile(
    r"^\d{4}\s?[.\-/년]\s?\d{1,2}\s?[.\-/월]\s?\d{1,2}\s?[.일]?\s*(?:\(?[월화수목금토일](?:요일)?\)?)?$")
_FOOTER_KEY = re.compile(
    r"^(?:주소|본사|대표\s?전화|전화(?:번호)?|tel|팩스|fax|이메일|e-?mail|청소년\s?보호\s?책임자"
    r"|법인명|상호|대표자|대표이사|제호|사업자\s?등록\s?번호|통신판매업\s?신고(?:번호)?|등록\s?번호"
    r"|등록\s?일(?:자)?|발행\s?일(?:자)?|창간\s?일|발행인|편집인|발행\s?[·ㆍ]?\s?편집인|편집국장"
    r"|인터넷\s?신문\s?등록\s?번호|개인정보\s?(?:관리|보호)\s?책임자|고충\s?처리인|편집\s?책임자)",
    re.I)
_POSTAL = re.compile(r"^\(?\d{5}\)?\s*(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충청|충북"
                     r"|충남|전라|전북|전남|경상|경북|경남|제주)")
_FOOTER_MARK = re.compile(
    r"copyright|ⓒ|©|all\s?rights\s?reserved|무단\s?전재\s?(?:및|와|[-,·ㆍ/])?\s?(?:복사|재배포|배포|ai)"
    r"|재배포\s?금지|열린\s?보도\s?원칙|인터넷신문위원회|청소년\s?보호\s?정책|개인정보\s?처리\s?방침"
    r"|이용\s?약관|nd소프트", re.I)
_TEMPLATE = re.compile(
    r"<\?php|\?>\s*$|do_shortcode|^//\s*\w|^\{\{.*\}\}$|^\{%|document\.write|window\.\w+|googletag"
    r"|adsbygoogle|function\s*\(|^var\s+\w+\s*=|\]\]>|<!--|-->")
_EMAIL_LINE = re.compile(
    r"^(?:[가-힣]{2,4}\s*(?:기자|특파원)\s*)?[(<\[]?[\w.+-]+@[\w-]+(?:\.[\w-]+)+[)>\]]?$")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_CREDIT_CAPTION = re.compile(r"^[^/]{2,80}\s/\s?[가-힣A-Za-z][가-힣A-Za-z0-9·]{1,20}$")
_PHOTO_CAPTION = re.compile(
    r"^[\[(<]?\s*(?:사진|그래픽|자료|이미지)\s*(?:제공)?\s*[=:]"
    r"|[\[(<]\s*(?:사진|그래픽|자료)\s*(?:제공)?\s*[=:][^\])>]*[\])>]$")
_LIST_HEADING = re.compile(
    r"^(?:\[[^\]]{1,15}\]\s*)?(?:(?:랭킹|추천|헤드라인|인기|공감|많이\s?본|주요|최신|실시간|지금\s?뜨는"
    r"|함께\s?보면\s?좋은|관련|포토|오늘의|핫|화제의|많이\s?읽은|에디터\s?추천|이\s?시각\s?주요)\s?"
    r"(?:뉴스|기사|포토|소식)|당신을\s?위한\s?인기\s?글|hot\s?news|best\s?news)(?:\s?더\s?보기)?"
    r"\s?[+>]?$", re.I)
_PROSE_END = re.compile(r"[.!?。](?:[\"'”’)\]」』]*)$")
_KEY_DROP = re.compile(r"\([^()]*\)|[\W_]+")


@dataclass(frozen=True, slots=True)
class Line:
    """One non-empty page line; `bullet` marks a list item ("• …") of the scraped page."""

    text: str
    bullet: bool = False


def normalize_line(line: str) -> str:
    """Decode stray entities, drop invisible characters, and collapse runs of spaces."""
    line = _ENTITY.sub(lambda m: html.unescape(m.group() if m.group().endswith(";")
                                               else m.group() + ";"), line)
    line = _CUT_ENTITY.sub("", _INVISIBLE.sub("", line))
    return _SPACES.sub(" ", line).strip()


def page_lines(text: str) -> list[Line]:
    """Split a page into its non-empty, normalized lines, noting which were list bullets."""
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = normalize_line(raw)
        bullet = bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        if line:
            out.append(Line(line, bullet))
    return out


def ends_prose(line: str, min_len: int = 25) -> bool:
    """A sentence-final line long enough to be body text (titles rarely end with a period)."""
    return len(line) >= min_len and bool(_PROSE_END.search(line))


def is_list_heading(line: str) -> bool:
    """A "랭킹 뉴스" / "헤드라인 뉴스" / "최신기사"-style heading of a list of other articles."""
    return bool(_LIST_HEADING.match(line))


def is_boilerplate(line: str) -> bool:
    """Navigation, weather, comment widgets, share/view counters, footers and template code."""
    short = len(line) <= _SHORT
    if short and (_NAV.match(line) or _COMMENT.match(line) or _VIEWS.match(line)):
        return True
    if _PUNCT_ONLY.match(line) or _HEADER_DATE.match(line) or _EMAIL_LINE.match(line):
        return True
    if (len(line) <= 25 and _WEATHER.match(line)) or _TEMPLATE.search(line):
        return True
    if len(line) <= 250 and (_FOOTER_MARK.search(line) or _POSTAL.match(line)):
        return True
    return _is_footer_field(line)


def _is_footer_field(line: str) -> bool:
    """"대표전화 : 02-…", "고충처리인 박성래 02-…"; not "대표이사는 …" or a sentence."""
    m = _FOOTER_KEY.match(line)
    if not m:
        return False
    rest = line[m.end():]
    if rest[:1] not in ("", " ", ":", "：", "|"):
        return False
    return rest.lstrip()[:1] in (":", "：", "|") or (len(line) <= 60 and not _PROSE_END.search(line))


def is_caption(line: str, prev: str = "", nxt: str = "") -> bool:
    """A photo caption: "로고. /과학기술정보통신부", "(사진=…)", or a lone "▲…" line."""
    if len(line) <= 150 and (_CREDIT_CAPTION.match(line) or _PHOTO_CAPTION.search(line)):
        return True
    return (line.startswith("▲") and line.count("▲") == 1 and len(line) <= 150
            and not prev.startswith("▲") and not nxt.startswith("▲"))


def line_key(line: str) -> str:
    """What two copies of a line share: no parentheses, spaces or punctuation."""
    return _KEY_DROP.sub("", line)


def collapse_repeats(lines: list[str]) -> list[str]:
    """Keep the first of lines repeated in the page (a title twice, a lead printed again)."""
    seen: set[str] = set()
    out = []
    for line in lines:
        key = line_key(line) or line
        if key in seen:
            continue
        seen.add(key)
        out.append(line)
    return out


def is_meta_line(line: str, nxt: str = "") -> bool:
    """A byline or date line ("김예진 기자", "승인 2023.10.12 14:51", "최고 관리자" + "기자")."""
    if is_date_line(line) or reporter_from_line(line) is not None:
        return True
    return nxt == "기자" and len(line) <= 10 or line == "기자"


def drop_noise(lines: list[str]) -> list[str]:
    """Remove boilerplate, captions and byline/date lines, then collapse repeats."""
    kept = []
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i else ""
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not (is_boilerplate(line) or is_caption(line, prev, nxt) or is_meta_line(line, nxt)):
            kept.append(line)
    return collapse_repeats(kept)


def clean_body(text: str) -> str:
    """A JSONL/CSV body with boilerplate lines dropped, whitespace normalized, repeats collapsed.

    Paragraphs are joined with a blank line. Only lines that cannot be body sentences are
    dropped: a body sentence lost is worse than a footer line kept.
    """
    lines = [line.text for line in page_lines(text)]
    kept = [line for i, line in enumerate(lines)
            if not _is_record_noise(line, lines[i + 1] if i + 1 < len(lines) else "")]
    return "\n\n".join(collapse_repeats(kept))


def _is_record_noise(line: str, nxt: str) -> bool:
    if ends_prose(line, min_len=40) and not _FOOTER_MARK.search(line):
        return False
    return is_boilerplate(line) or is_meta_line(line, nxt) or is_caption(line)
