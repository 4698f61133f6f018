"""What kind of value a Korean question asks for, and that value's span in an answering sentence.

Kinds: amount (money), share (%), quantity (a measure with its unit: 1.2t, 40MW, 1만2,000㎡), date,
count, person, place, organization. `asked_kind` reads
the question's wording ("얼마나 잡혀", "언제부터", "몇 곳", "누가 맡", "어디서", "어느 기관");
`find_values` lists the spans of one kind in a sentence; `short_answer` picks the one the question
is after (the total, or the part the question names: 국비, 도비…; a start date for 언제부터).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("amount", "share", "quantity", "date", "count", "person", "place", "organization")

# Question wording, most specific first: "몇 %" before "몇", "몇 년에" (a date) before "몇 곳" (a count).
_ASKS = (
    ("share", re.compile(r"몇\s*(?:%|퍼센트|프로)|비율|비중|증가율|감소율|상승률|점유율|"
                         r"[가-힣]+률(?:은|이|는)")),
    ("date", re.compile(r"언제|며칠|몇\s*(?:년|월|일)(?:에|부터|까지|도)?|날짜|시기|연도|몇\s*년도|"
                        r"개최일|출범일|착공일|준공일")),
    ("quantity", re.compile(r"[가-힣]*(?:생산|발전|처리|저장|공급|사용|소비|배출|감축|충전)량|용량|면적|넓이|길이|거리|"
                            r"무게|중량|몇\s*(?:톤|t|㎞|km|㎡|MW|kW|GW|MWh|kWh|리터|ℓ|L)(?![a-zA-Z])")),
    ("amount", re.compile(r"얼마|금액|예산|비용|사업비|국비|도비|시비|투자액|투입액|매출액?|수출액|기술료|"
                          r"규모(?:는|가|로)?\s*(?:얼마|어느|어떻)|돈이|액수|몇\s*(?:억|조|만)\s*원")),
    ("count", re.compile(r"몇\s*(?:개|명|곳|건|개사|개소|차례|번|팀|대|가지|종)|"
                         r"(?:수|인원)(?:는|가|은)\s*(?:몇|얼마)|몇이나")),
    ("person", re.compile(r"누구|누가|(?:위원장|원장|대표|장관|차관|지사|시장|청장|단장|회장|이사장|센터장|총장)"
                          r"(?:은|는|이|가|을|를)?\s*(?:누구|누가|맡)")),
    ("organization", re.compile(r"어느\s*(?:기관|기업|업체|회사|단체|대학|부처|곳이\s*맡)|"
                                r"어떤\s*(?:기관|기업|업체|회사|단체)|"
                                r"(?:기관|기업|업체|회사|대학|학교|병원|단체|연구소|연구원)(?:은|는|이|가)\s*(?:어디|무엇)|어디가\s*맡|어디에서\s*맡")),
    ("place", re.compile(r"어디|어느\s*(?:곳|지역|도시|장소|나라)|장소")),
)

_NUM = r"\d[\d,]*(?:\.\d+)?"
# "400억원", "1조2천억 원", "2조1,000억원", "6천억원", "3,000만원", "120만 달러", "약 5억 달러"
AMOUNT = re.compile(
    rf"{_NUM}\s*(?:조\s*(?:{_NUM}\s*천\s*)?(?:{_NUM}\s*)?억?|천\s*억|억|천\s*만|백\s*만|만|천)?\s*(?:{_NUM}\s*(?:천\s*)?만\s*)?"
    r"(?:원|달러|유로|엔)(?![가-힣])|"
    rf"{_NUM}\s*(?:조|억|만)\s*(?:{_NUM}\s*(?:천\s*)?(?:억|만)\s*)?(?:원|달러)")
# A measure: a number and a unit of weight, length, area, volume, power or energy.
QUANTITY = re.compile(rf"{_NUM}\s*(?:만\s*)?(?:{_NUM}\s*)?(?:톤|t|㎏|kg|㎞|km|㎢|km2|㎡|m2|㎥|MW|kW|GW|MWh|kWh|GWh|TWh|"
                      r"리터|ℓ|L|m)(?![a-zA-Z²³])")
SHARE = re.compile(rf"{_NUM}\s*(?:%|퍼센트)(?:\s*포인트|p)?")
DATE = re.compile(r"(?:(?:19|20)\d{2}\s*년(?:\s*\d{1,2}\s*월(?:\s*\d{1,2}\s*일)?)?|\d{1,2}\s*월(?:\s*\d{1,2}\s*일)?|"
                  r"(?:19|20)\d{2}[.-]\d{1,2}(?:[.-]\d{1,2})?)(?:\s*(?:부터|까지))?")
_DAY = re.compile(r"(?<![\d년월])\d{1,2}\s*일(?![가-힣]*(?:간|동안))")
COUNT = re.compile(rf"{_NUM}\s*(?:여\s*)?(?:개사|개소|개국|개|명|곳|건|차례|번째|번|팀|대|가지|종)"
                   r"(?![가-힣]*(?:원|달러))")
_TITLES = ("장관|차관|원장|부원장|위원장|대표|대표이사|지사|시장|군수|구청장|청장|단장|회장|이사장|센터장|총장|"
           "교수|본부장|실장|국장|과장|팀장|소장|의원|사무총장|처장|관장|이사")
# A name (2-4 Hangul syllables) just before a title, with up to two words (an organisation) between.
PERSON = re.compile(rf"(?<![가-힣])([가-힣]{{2,4}})\s+(?:[가-힣A-Za-z0-9·]+\s+){{0,2}}?"
                    rf"(?:[가-힣A-Za-z0-9·]*?)(?:{_TITLES})"
                    r"(?=[은는이가을를의과와도]|\s|$|[^가-힣])")
_NOT_NAME_ENDINGS = ("체", "회", "단", "청", "부", "국", "처", "소", "관", "실", "팀")  # 협의체, 위원회 …
_NOT_NAMES = {"이번", "올해", "지난", "관계", "정부", "지역", "산업", "사업", "센터", "기관", "기업", "한국", "국가",
              "특별", "공동", "초대", "신임", "전임", "현", "전", "해당", "이날", "당시", "각각", "모두", "그는"}
_PARTICLE_AFTER = r"(?=[은는이가을를의과와도에로]|\s|$|[^가-힣])"
# "㈜메디스캔랩", "(주)한빛소재": a company named by its legal form.
COMPANY = re.compile(r"(?:㈜|\(주\))\s*[가-힣A-Za-z0-9]{2,20}?"
                     r"(?=[은는이가을를의과와도에로]?(?:\s|$|[^가-힣A-Za-z0-9]))")
ORG_SUFFIX = re.compile(r"[가-힣A-Za-z0-9·]{1,20}?(?:진흥원|연구원|진흥재단|재단|공사|공단|협회|조합|센터|테크노파크|"
                        r"위원회|협의체|대학교|대학|병원|연구소|본부|청|처|부|원|TP|㈜)" + _PARTICLE_AFTER)
PLACE = re.compile(r"([가-힣A-Za-z0-9·]+(?:\s+[가-힣A-Za-z0-9·]+){0,3})에서(?![가-힣])")
_ENDS_IN_PARTICLE = re.compile(r"(?:은|는|이|가|을|를|도|와|과|로|의|에|께서|했다|하고|했으며|밝혔다)$")

_PATTERNS = {"amount": AMOUNT, "share": SHARE, "quantity": QUANTITY, "date": DATE, "count": COUNT}


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    start: int
    end: int


def asked_kind(question: str) -> str | None:
    """The kind of value a question asks for, or None (a "what/why/how" question)."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def find_values(kind: str, sentence: str) -> list[Span]:
    """Every span of the kind in the sentence, in order."""
    if kind in _PATTERNS:
        spans = [Span(m.group(0).strip(), m.start(), m.start() + len(m.group(0).strip()))
                 for m in _PATTERNS[kind].finditer(sentence)]
        if kind == "date" and not spans:
            spans = [Span(m.group(0), m.start(), m.end()) for m in _DAY.finditer(sentence)]
        return [s for s in spans if s.text]
    if kind == "person":
        return [Span(m.group(1), m.start(1), m.end(1)) for m in PERSON.finditer(sentence)
                if m.group(1) not in _NOT_NAMES and not m.group(1).endswith(_NOT_NAME_ENDINGS)]
    if kind == "organization":
        companies = [Span(m.group(0), m.start(), m.end()) for m in COMPANY.finditer(sentence)]
        taken = [(c.start, c.end) for c in companies]
        named = [Span(m.group(0), m.start(), m.end()) for m in ORG_SUFFIX.finditer(sentence)
                 if len(m.group(0)) >= 3 and not any(s <= m.start() < e for s, e in taken)]
        return sorted(companies + named, key=lambda x: x.start)
    if kind == "place":
        return [span for m in PLACE.finditer(sentence) if (span := _place(m))]
    return []


def _place(m: re.Match) -> Span | None:
    """The words just before "에서" that name a place: back to the first word carrying a particle."""
    words = m.group(1).split(" ")
    keep: list[str] = []
    for w in reversed(words):
        if keep and (_ENDS_IN_PARTICLE.search(w) or re.match(r"\d", w)):  # "11일 울주군": not the date
            break
        keep.insert(0, w)
    text = " ".join(keep)
    return Span(text, m.end(1) - len(text), m.end(1)) if text else None


def has_value(kind: str | None, sentence: str) -> bool:
    return kind is None or bool(find_values(kind, sentence))


def short_answer(question: str, kind: str | None, sentence: str,
                 proper_nouns: list[Span] | None = None) -> Span | None:
    """The span of the asked-for kind the question is after, or None.

    proper_nouns (Kiwi's NNP spans of the sentence) stand in for a person, place or organization
    the patterns do not catch ("…연구소기업은 메디스캔랩이다"): the last one the question does not name.
    """
    if kind is None:
        return None
    spans = [s for s in find_values(kind, sentence) if not _named_in(s.text, question)]
    if not spans and kind in ("person", "place", "organization") and proper_nouns:
        spans = [s for s in proper_nouns if not _named_in(s.text, question)][-1:]
    if not spans:
        return None
    if kind in ("amount", "share", "quantity", "count"):
        return _pick_quantity(question, sentence, spans)
    if kind == "date":
        return _pick_date(question, spans)
    return _pick_named(question, sentence, spans)


def _pick_named(question: str, sentence: str, spans: list[Span]) -> Span:
    """The name the sentence introduces with the question's own words ("100번째 연구소기업인
    ㈜메디스캔랩"): most question words in the 20 characters before it; the first on a tie."""
    words = {w for w in re.findall(r"[가-힣A-Za-z0-9]{2,}", question)}

    def before(s: Span) -> int:
        window = sentence[max(0, s.start - 20):s.start]
        return sum(any(w[:k] in window for k in (len(w), 2) if len(w) >= k) for w in words)

    best = max(spans, key=lambda s: (before(s), -s.start))
    text = best.text.removeprefix("㈜").removeprefix("(주)").strip()
    return Span(text, best.end - len(text), best.end)


def _named_in(value: str, question: str) -> bool:
    """The question itself states the value ("2018년부터 … 예산은?"): that is not the answer."""
    compact = re.sub(r"\s+", "", value)
    return len(compact) >= 2 and compact in re.sub(r"\s+", "", question)


def _pick_quantity(question: str, sentence: str, spans: list[Span]) -> Span:
    """The total ("총 400억원") when the question asks for a total, else the part the question names
    just before a value (국비, 도비, 수출액이 …), else what a change came to ("58.2%에서 71.6%로" →
    71.6%), else the total, else the first."""
    totals = [s for s in spans
              if re.search(r"(?:총|모두|전체|합계|누적)\s*(?:사업비\s*)?$", sentence[max(0, s.start - 8):s.start])]
    if totals and re.search(r"총|전체|합계|규모|모두", question):
        return totals[0]  # "총사업비와 국비·시비 분담은?": the total first, its parts are in the quote
    for s in spans:
        label = re.search(r"([가-힣]{2,}?)(?:이|가|은|는|을|를|도|의|만|으로|로)?\s*$",
                          sentence[max(0, s.start - 8):s.start])
        if label and label.group(1) in question and label.group(1) not in ("올해", "지난해", "모두", "이번"):
            return s
    for s in spans:
        if sentence[s.end:s.end + 2].startswith(("로", "으로")) and "에서" in sentence[max(0, s.start - 25):s.start]:
            return s
    return totals[0] if totals else spans[0]


def _pick_date(question: str, spans: list[Span]) -> Span:
    """언제부터 → a start ("…부터"), 언제까지 → an end ("…까지"); a full date beats a bare month or day."""
    for suffix in ("부터", "까지"):
        if suffix in question:
            marked = [s for s in spans if s.text.endswith(suffix)]
            if marked:
                return Span(marked[0].text.removesuffix(suffix).strip(), marked[0].start,
                            marked[0].start + len(marked[0].text.removesuffix(suffix).strip()))
    best = max(spans, key=lambda s: ("년" in s.text, "월" in s.text, "일" in s.text))
    text = best.text.removesuffix("부터").removesuffix("까지").strip()
    return Span(text, best.start, best.start + len(text))
