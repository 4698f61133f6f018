"""Page lines of scraped Korean news (text or HTML) and their boilerplate, captions and repeats."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from errors import IngestError
from ingest.meta import is_date_line, line_parts, reporter_from_line

_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,6}|#x[0-9a-f]{1,5});?", re.I)
_CUT_ENTITY = re.compile(r"&n(?:b(?:s(?:p)?)?)?$")  # "&nb" left where a lead was truncated
# Every Unicode space, including vertical tab, form feed and the separators that splitlines()
# already cut at: inside a line they are only spaces, and one space keeps every "\s*" below linear.
# A single " " is left alone (replacing each by itself made this the slowest step), and the
# pattern starts with "\s" so the regex engine can skip ahead to the next space.
_SPACES = re.compile(r"\s(?:\s+|(?<! ))")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_BULLET = re.compile(r"^(?:[•◦‣∙]|[-·](?=\s))\s*")  # trafilatura writes list items as "- …"
_SHORT = 80  # whole-line boilerplate rules that contain ".*" only apply to lines this short
# Longer raw lines (a page saved without line breaks) are cut into several, so that every
# per-line step below works on bounded strings; ~5,000 characters is several long paragraphs.
LINE_MAX = 5000
# A page is one article and its teasers: past this many lines it is a dump of many articles, and
# every line costs a dozen regexes; refusing it before splitting bounds time and memory.
PAGE_LINES_MAX = 100_000
_LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_TEXT_LINE = re.compile(r"\S[^\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*")  # one non-empty line
_SENTENCE_BREAK = re.compile(r"[.!?。][\"'”’)\]」』]*(?=\s)")

_NAV = re.compile(
    r"^(?:.*바로\s?가기(?:\s*\([^)]*\))?|검색창?\s?(?:열기|닫기)?|전체\s?메뉴.*|메뉴\s?(?:열기|닫기)"
    r"|로그인|로그아웃|회원\s?가입|마이\s?페이지|더\s?보기\s?[+>]?|맨\s?위로|top|home|홈|뉴스\s?홈"
    r"|이전\s?기사|다음\s?기사|기사\s?목록|목록(?:\s?보기)?|구독(?:하기|신청)?|닫기|인쇄(?:하기)?"
    r"|스크랩|(?:url|링크|주소)\s?복사|(?:기사\s?)?공유(?:하기)?|이 기사를 공유합니다"
    r"|글[씨자]\s?(?:크기|크게|작게).*|가+\s*가+|좋아요\s?\d*|싫어요\s?\d*|카카오톡|카카오스토리"
    r"|페이스북|트위터|x|네이버\s?블로그|밴드|기사\s?제보|광고\s?문의|제휴\s?문의|기상청\s?제공"
    r"|전체\s?기사|\[[^\]]{1,15}\]|(?:홈|home)\s?[>›»].*"
    r"|기자\s?구독|기자의\s?다른\s?기사.*|관련\s?태그|태그|#\S+(?:\s+#\S+)*|저작권자.*)$",
    re.I)
_COMMENT = re.compile(
    r"^(?:댓글\s*\d*\s*개?|댓글\s*(?:쓰기|삭제|보기|달기|닫기|수정|작성|등록|접기|펼치기|정렬|신고"
    r"|운영\s?원칙)\s*\d*|.*삭제한\s?댓글은.*|그래도\s?삭제하시겠습니까\s?\??|계정을\s?선택하시면.*"
    r"|댓글을\s?남기실\s?수\s?있습니다\.?|.*로그인\s?후.*(?:댓글|이용).*|최신순|추천순|과거순|공감순"
    r"|비밀번호|등록|취소|확인|\d+\s*/\s*\d+|[\d,]{1,7})$")
_VIEWS = re.compile(r"^(?:\S{1,15}\s+)?조회(?:수)?\s*[:：]?\s*[\d,]*\s*회?$")
_WEATHER = re.compile(r"-?\d{1,2}(?:\.\d+)?\s*(?:℃|°C)")
# Crumbs may not contain the separator: "[^.!?]" crumbs made "가 > 가 > …" backtrack exponentially.
_BREADCRUMB = re.compile(r"^[^.!?>›»]{1,20}(?:\s[>›»]\s[^.!?>›»]{1,20})+$")
# Section menus ("전체기사 정치 경제 산업 바이오 지역 오피니언 포토"): short words, mostly these.
_SECTIONS = frozenset(
    "전체기사 정치 경제 사회 산업 바이오 지역 오피니언 포토 문화 스포츠 연예 국제 과학 IT "
    "라이프 생활 교육 건강 영상 기획 인물 피플 칼럼 사설 뉴스 금융 부동산 정책 전국 세계 "
    "북한 환경 의료 테크 자동차 여행 기업 증권 유통 종합".split())
_MENU_WORD = re.compile(r"^[가-힣A-Za-z·&]{1,6}$")
_HEADER_DATE = re.compile(
    r"^\d{4}\s?[.\-/년]\s?\d{1,2}\s?[.\-/월]\s?\d{1,2}\s?[.일]?\s*(?:\(?[월화수목금토일](?:요일)?\)?)?$")
# Footer field names; the ones that also start headlines ("본사 이전…") need a colon.
_FOOTER_KEY = re.compile(
    r"^(?:(대표\s?전화|tel|팩스|fax|청소년\s?보호\s?책임자|법인명|제호|사업자\s?등록\s?번호"
    r"|통신판매업\s?신고(?:번호)?|등록\s?번호|발행인|편집인|발행\s?[·ㆍ]?\s?편집인|편집국장"
    r"|인터넷\s?신문\s?등록\s?번호|개인정보\s?(?:관리|보호)\s?책임자|고충\s?처리인|편집\s?책임자)"
    r"|주소|본사|전화(?:번호)?|이메일|e-?mail|상호|대표자|대표이사|등록\s?일(?:자)?|발행\s?일(?:자)?"
    r"|창간\s?일)", re.I)
_POSTAL = re.compile(r"^\(?\d{5}\)?\s*(?:서울|부산|대구|인천|광주|대전|울산|세종|경기|강원"
                     r"|충청|충북|충남|전라|전북|전남|경상|경북|경남|제주)")
_FOOTER_MARK = re.compile(
    r"copyright|ⓒ|©|all\s?rights\s?reserved|무단\s?전재\s?(?:및|와|[-,·ㆍ/])?\s?(?:복사|재배포|배포|ai)"
    r"|재배포\s?금지|열린\s?보도\s?원칙|인터넷신문위원회|청소년\s?보호\s?정책|개인정보\s?처리\s?방침"
    r"|이용\s?약관|nd소프트", re.I)
_TEMPLATE = re.compile(
    r"<\?php|^\S.*\?>$|do_shortcode|^//\s*\w|^\{\{.*\}\}$|^\{%|document\.write|window\.\w+"
    r"|googletag|adsbygoogle|function\s*\(|^var\s+\w+\s*=|\]\]>|^<!--|-->$")
_EMAIL_LINE = re.compile(
    r"^(?:[가-힣]{2,4}\s*(?:기자|특파원)\s*)?[(<\[]?[\w.+-]+@[\w-]+(?:\.[\w-]+)+[)>\]]?$")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
# "과학기술정보통신부 로고. /과학기술정보통신부", "… 출발 장면. /대회 조직위원회 제공"
_CREDIT_CAPTION = re.compile(r"^[^/]{2,120}[.)]?\s/\s?[가-힣A-Za-z][가-힣A-Za-z0-9· ]{1,25}$")
_PHOTO_CAPTION = re.compile(
    r"^[\[(<]?\s*(?:사진|그래픽|자료|이미지)\s*(?:제공)?\s*[=:]"
    r"|[\[(<]\s*(?:사진|그래픽|자료)\s*(?:제공)?\s*[=:][^\])>]*[\])>]$")
_LIST_HEADING = re.compile(
    r"^(?:[▶►▷■□●○◆◇※]\s*)?(?:\[[^\]]{1,15}\]\s*)?(?:(?:랭킹|추천|헤드라인|인기|공감|많이\s?본|주요|최신|실시간|지금\s?뜨는"
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


def check_line_count(text: str, source: str) -> None:
    """Raise IngestError (naming `source`) for a page of more than PAGE_LINES_MAX non-empty lines."""
    if sum(text.count(b) for b in _LINE_BREAKS) < PAGE_LINES_MAX:
        return  # the common case, counted at C speed
    for n, _ in enumerate(_TEXT_LINE.finditer(text), start=1):
        if n > PAGE_LINES_MAX:
            raise IngestError(source or "페이지", f"줄이 너무 많습니다({PAGE_LINES_MAX:,}줄 넘음). 기사 한 건의 "
                                                "페이지가 아니라면 기사마다 파일을 나누거나 JSONL·CSV로 바꿔 넣으세요.")


def page_lines(text: str) -> list[Line]:
    """Split a page into its non-empty, normalized lines, noting which were list bullets.

    A line longer than LINE_MAX continues as several lines (see split_long_line).
    """
    out = []
    for raw in text.splitlines():
        pieces = split_long_line(raw) if len(raw) > LINE_MAX else (raw,)
        for i, piece in enumerate(pieces):
            line = normalize_line(piece)
            bullet = i == 0 and bool(_BULLET.match(line))
            line = _BULLET.sub("", line) if bullet else line
            if line:
                out.append(Line(line, bullet))
    return out


def split_long_line(line: str, limit: int = LINE_MAX) -> list[str]:
    """Cut a line into pieces of at most `limit` characters (see break_point)."""
    pieces, start = [], 0
    while len(line) - start > limit:
        cut = break_point(line[start:start + limit])
        pieces.append(line[start:start + cut])
        start += cut
    pieces.append(line[start:])
    return pieces


def break_point(window: str) -> int:
    """Where to cut a window of text that must end early: after its last sentence end in its
    second half, else at its last space there, else (one unbroken run) at its very end."""
    half = len(window) // 2
    ends = [m.end() for m in _SENTENCE_BREAK.finditer(window, half)]
    if ends:
        return ends[-1]
    space = max(window.rfind(" ", half), window.rfind("\t", half))
    return space + 1 if space > 0 else len(window)


def unwrap_lines(lines: list[Line]) -> list[Line]:
    """Rejoin text hard-wrapped at a fixed width: when most lines run to the same width without
    ending a sentence, each such line continues on the next one."""
    texts = [line.text for line in lines if not line.bullet]
    width = max(map(len, texts), default=0)
    full = [t for t in texts if len(t) >= 0.85 * width and not _PROSE_END.search(t)]
    if len(texts) < 4 or not 20 <= width <= 200 or len(full) < 0.5 * len(texts):
        return lines
    groups: list[tuple[list[str], bool]] = []  # joined in one go: repeated "+=" is quadratic
    joining, size = False, 0
    for line in lines:
        if joining and not line.bullet and size + 1 + len(line.text) <= LINE_MAX:
            groups[-1][0].append(line.text)
            size += len(line.text) + 1
        else:
            groups.append(([line.text], line.bullet))
            size = len(line.text)
        joining = len(line.text) >= 0.85 * width and not _PROSE_END.search(line.text)
    return [Line(" ".join(texts), bullet) for texts, bullet in groups]


def ends_prose(line: str, min_len: int = 25) -> bool:
    """A sentence-final line long enough to be body text (titles rarely end with a period)."""
    return len(line) >= min_len and bool(_PROSE_END.search(line))


def is_list_heading(line: str) -> bool:
    """A "랭킹 뉴스" / "헤드라인 뉴스" / "최신기사"-style heading of a list of other articles."""
    return bool(_LIST_HEADING.match(line))


def is_boilerplate(line: str) -> bool:
    """Navigation, weather, comment widgets, share/view counters, footers and template code;
    also a bar of such items ("2025.12.30 (화) | 맑음서울 -0.1℃ | 로그인")."""
    if _is_boilerplate_item(line):
        return True
    parts = [p.strip() for p in line.split("|") if p.strip()]
    return len(parts) > 1 and all(_is_boilerplate_item(p) or is_date_line(p) for p in parts)


def _is_boilerplate_item(line: str) -> bool:
    short = len(line) <= _SHORT
    if short and (_NAV.match(line) or _COMMENT.match(line) or _VIEWS.match(line)):
        return True
    if _PUNCT_ONLY.match(line) or _HEADER_DATE.match(line) or _EMAIL_LINE.match(line):
        return True
    if short and (_TEMPLATE.search(line) or _is_bar(line)):
        return True
    if len(line) <= 250 and (_FOOTER_MARK.search(line) or _POSTAL.match(line)):
        return True
    return _is_footer_field(line)


def _is_bar(line: str) -> bool:
    """A weather/date bar ("2025.12.30(화) 청주 구름많음 0.8℃"), a breadcrumb ("경제 > 산업")
    or a section menu."""
    if _PROSE_END.search(line):
        return False
    if (len(line) <= 60 and _WEATHER.search(line)) or _BREADCRUMB.match(line):
        return True
    words = line.split()
    return (len(words) >= 4 and all(_MENU_WORD.match(w) for w in words)
            and sum(w in _SECTIONS for w in words) * 2 >= len(words))


def _is_footer_field(line: str) -> bool:
    """"대표전화 : 02-…", "고충처리인 박성래 02-…"; not "대표이사는 …" or a sentence."""
    m = _FOOTER_KEY.match(line)
    if not m:
        return False
    rest = line[m.end():]
    if rest[:1] not in ("", " ", ":", "：", "|"):
        return False
    if rest.lstrip()[:1] in (":", "：", "|"):
        return True
    return bool(m.group(1)) and len(line) <= 60 and not _PROSE_END.search(line)


def is_photo_credit(line: str) -> bool:
    """A caption that names its source: "로고. /과학기술정보통신부", "(사진=시흥시 제공)"."""
    return len(line) <= 150 and bool(_CREDIT_CAPTION.match(line) or _PHOTO_CAPTION.search(line))


def is_caption(line: str, prev: str = "", nxt: str = "") -> bool:
    """A photo caption: a credited one, or a lone "▲…" line (▲ on consecutive lines is a list)."""
    if is_photo_credit(line):
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
    """A byline/date line ("김예진 기자", "승인 2023.10.12 14:51", "홍길동 기자 | 입력 …",
    "최고 관리자" + "기자")."""
    parts = line_parts(line)
    if parts and all(is_date_line(p) or reporter_from_line(p) is not None for p in parts):
        return True
    return line == "기자" or (nxt == "기자" and len(line) <= 10)


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
    if not kept:  # a record is one article: never clean it away entirely
        kept = lines
    return "\n\n".join(collapse_repeats(kept))


# A line this long is a paragraph even when it starts with a photo credit or "기자 =" dateline.
_PARAGRAPH_LEN = 150


def _is_record_noise(line: str, nxt: str) -> bool:
    if len(line) >= _PARAGRAPH_LEN:
        return False
    if ends_prose(line, min_len=40) and not _FOOTER_MARK.search(line):
        return False
    # "▲" lines stay: without the page around them a list item looks like a caption.
    return is_boilerplate(line) or is_meta_line(line, nxt) or is_photo_credit(line)
