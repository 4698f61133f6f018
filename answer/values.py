"""What kind of value a Korean question asks for, and that value's span in an answering sentence.

Kinds: amount (money), share (%), quantity (a measure with its unit: 1.2t, 40MW, 1만2,000㎡), date,
count, number (any figure, for a bare "얼마"), person, place, organization. `asked_kind` reads
the question's wording ("얼마나 잡혀", "언제부터", "몇 곳", "누가 맡", "어디서", "어느 기관");
`find_values` lists the spans of one kind in a sentence (people by their titles); `stated_values`
keeps those that could answer this question (not a name it already gives, a person with the title it
asks about, a body of the kind it names, a year for "몇 년에"); `short_answer` picks the one the
question is after (the total, or the part the question names: 국비, 도비…; a start date for 언제부터;
of several people, the one whose title the question names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

KINDS = ("amount", "share", "quantity", "date", "count", "number", "person", "place", "organization")

# Question wording, most specific first: "몇 %" before "몇", "몇 년에" (a date) before "몇 곳" (a count).
_ASKS = (
    ("share", re.compile(r"몇\s*(?:%|퍼센트|프로)|비율|비중|증가율|감소율|상승률|점유율|"
                         r"[가-힣]+률(?:은|이|는)")),
    ("date", re.compile(r"언제|며칠|몇\s*(?:년|월|일)(?:에|부터|까지|도)?|날짜|시기|연도|몇\s*년도|"
                        r"개최일|출범일|착공일|준공일")),
    ("quantity", re.compile(r"[가-힣]*(?:생산|발전|처리|저장|공급|사용|소비|배출|감축|충전)량|용량|면적|넓이|길이|거리|"
                            r"무게|중량|몇\s*(?:톤|t|㎞|km|㎡|MW|kW|GW|MWh|kWh|리터|ℓ|L)(?![a-zA-Z])")),
    ("amount", re.compile(r"금액|예산|비용|사업비|국비|도비|시비|투자액|투입액|매출액?|수출액|기술료|"
                          r"가격|주가|시세|요금|이용료|연봉|임금|급여|출고가|값은|값이|규모(?:는|가|로)?\s*(?:얼마|어느|어떻)|돈이|돈을|액수|"
                          r"몇\s*(?:억|조|만)\s*원|얼마(?:를|에|어치)\s*(?:받|벌|내|냈|들|투자|지원|지급|주고|썼|쓴|팔|샀|사)")),
    ("count", re.compile(r"몇\s*(?:개|명|곳|건|개사|개소|차례|번|팀|대|가지|종)|"
                         r"(?:수|인원)(?:는|가|은)\s*(?:몇|얼마)|몇이나")),
    # "얼마" with no word of money: any figure ("84위", "9만 명", "약 100년" all answer "얼마나").
    ("number", re.compile(r"얼마|몇\s*(?:위|배|세|살|등)")),
    ("person", re.compile(r"누구|누가|(?:위원장|원장|대표|장관|차관|지사|시장|청장|단장|회장|이사장|센터장|총장)"
                          r"(?:은|는|이|가|을|를)?\s*(?:누구|누가|맡)")),
    ("organization", re.compile(r"어느\s*(?:기관|기업|업체|회사|단체|대학|부처|곳이\s*맡)|"
                                r"어떤\s*(?:기관|기업|업체|회사|단체)|"
                                r"(?:기관|기업|업체|회사|대학|학교|병원|단체|연구소|연구원|위원회|재단|협회|부처)"
                                r"(?:은|는|이|가)\s*(?:어디|무엇)|어디가\s*맡|어디에서\s*맡")),
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
                      r"mAh|Ah|Wh|㎜|mm|㎝|cm|리터|ℓ|L|m)(?![a-zA-Z²³])")
SHARE = re.compile(rf"{_NUM}\s*(?:%|퍼센트)(?:\s*포인트|p)?")
DATE = re.compile(r"(?:(?:19|20)\d{2}\s*년(?:\s*\d{1,2}\s*월(?:\s*\d{1,2}\s*일)?)?|\d{1,2}\s*월(?:\s*\d{1,2}\s*일)?|"
                  r"(?:19|20)\d{2}[.-]\d{1,2}(?:[.-]\d{1,2})?)(?:\s*(?:부터|까지))?")
_DAY = re.compile(r"(?<![\d년월])\d{1,2}\s*일(?![가-힣]*(?:간|동안))")
COUNT = re.compile(rf"{_NUM}\s*(?:(?:만|천|억)\s*(?:{_NUM}\s*천?\s*)?)?(?:여\s*)?"
                   r"(?:개사|개소|개국|개|명|곳|건|차례|번째|번|팀|대|가지|종)(?![가-힣]*(?:원|달러))")
# Other figures a bare "얼마" may ask for: a rank, a multiple, an age, a span of time.
FIGURE = re.compile(rf"{_NUM}\s*(?:만|천|억)?\s*(?:여\s*)?(?:위|배|세|살|개월|주년|년간|년|시간|분|초)"
                    r"(?=[은는이가을를의에도로만까부]|[^가-힣]|$)")
_TITLES = ("장관|차관|원장|부원장|위원장|대표|대표이사|지사|부지사|시장|부시장|군수|부군수|구청장|청장|단장|회장|"
           "이사장|센터장|총장|교수|본부장|실장|국장|과장|팀장|소장|의원|사무총장|처장|관장|이사|사장|부사장|"
           "담당관|비서관|대변인|주무관|사무관|연구위원|책임연구원|선임연구원|부장|차장|상무|전무|위원")
# A title at the end of a word ("원장은", "미래전략담당관,", "제2차관을"), and "(시장 임병택)".
_AFTER_TITLE = re.compile(r"(?:[은는이가을를의과와도께]|에게|으로|로|께서)?[,.)」』”’\"']*$")
_TITLE_WORD = re.compile(rf"(?:{_TITLES}){_AFTER_TITLE.pattern}")
_TITLES_LONGEST = "|".join(sorted(_TITLES.split("|"), key=len, reverse=True))
# "세종TP 원장은 누구", "산업부 차관은 누구였나", "누가 위원장을 맡고": the title asked about and up to
# two words before it.
_ASKED_ROLE = re.compile(rf"((?:[가-힣A-Za-z0-9·]+\s+){{0,2}}?)[가-힣A-Za-z0-9·]*?({_TITLES_LONGEST})"
                         r"(?:은|는|이|가|을|를|으로|로)?\s*(?:누구|누가|맡|이름)")
_TITLE_THEN_NAME = re.compile(rf"\((?:[가-힣A-Za-z0-9·]+\s+)?(?:{_TITLES})\s+([가-힣]{{2,4}})\)")
# Korean surnames (one syllable, then the two-syllable ones): a person's name starts with one.
_SURNAMES = set("김이박최정강조윤장임한오서신권황안송류유홍전고문양손배백허남심노하곽성차주우구민진나지엄채원천방"
                "공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉부")
_DOUBLE_SURNAMES = ("황보", "남궁", "제갈", "선우", "독고", "사공", "서문")
_NOT_NAME_ENDINGS = ("체", "회", "단", "청", "부", "국", "처", "소", "관", "실", "팀")  # 협의체, 위원회 …
_NOT_NAMES = {"이번", "올해", "지난", "관계", "정부", "지역", "산업", "사업", "센터", "기관", "기업", "한국", "국가",
              "특별", "공동", "초대", "신임", "전임", "현", "전", "해당", "이날", "당시", "각각", "모두", "그는",
              "국내", "국외", "국민", "국회", "전국", "전체", "전문", "현재", "현장", "현지", "최근", "최고", "신규",
              "기존", "공공", "한편", "연구", "오늘", "안전", "주요", "주관", "주민", "조사", "남부", "성과", "지방",
              "민간", "대표", "우리", "서울", "부산", "인천", "광주", "울산", "세종", "경기", "강원", "충북", "충남",
              "전북", "전남", "경북", "경남", "제주", "경기도", "강원도", "제주도", "도내", "시내", "구내", "이사",
              "위원", "부장", "차장", "원장", "사장", "지사", "시장", "의원", "교수"}
_PARTICLE_AFTER = r"(?=[은는이가을를의과와도에로]|\s|$|[^가-힣])"
# "㈜메디스캔랩", "(주)한빛소재": a company named by its legal form.
COMPANY = re.compile(r"(?:㈜|\(주\))\s*[가-힣A-Za-z0-9]{2,20}?"
                     r"(?=[은는이가을를의과와도에로]?(?:\s|$|[^가-힣A-Za-z0-9]))")
ORG_SUFFIX = re.compile(r"[가-힣A-Za-z0-9·]{1,20}?(?:진흥원|연구원|진흥재단|재단|공사|공단|협회|조합|센터|테크노파크|"
                        r"위원회|협의체|대학교|대학|병원|연구소|본부|청|처|부|원|TP|㈜)" + _PARTICLE_AFTER)
PLACE = re.compile(r"([가-힣A-Za-z0-9·]+(?:\s+[가-힣A-Za-z0-9·]+){0,3})에서(?![가-힣])")
# "배곧·정왕·시흥스마트허브 등 산학연 네트워크 거점", "천안·아산 등 충남 지역": places listed as such.
PLACE_LIST = re.compile(r"(?<![가-힣A-Za-z0-9·])([가-힣A-Za-z0-9]+(?:·[가-힣A-Za-z0-9]+)+)\s*등\s*"
                        r"(?:[가-힣A-Za-z0-9]+\s+){0,3}?[가-힣]*(?:거점|지역|지구|단지|도시|권역|일대)")
# "연구소기업인 나르마를": a company named right after what it is.
ORG_APPOSITION = re.compile(r"(?:기업|업체|회사|스타트업|벤처)(?:인|이자)\s+([가-힣A-Za-z0-9]{2,15}?)"
                            r"(?=[을를이가은는의와과에도]|\s|,|$)")
_ENDS_IN_PARTICLE = re.compile(r"(?:은|는|이|가|을|를|도|와|과|로|의|에|께서|했다|하고|했으며|밝혔다)$")

_PATTERNS = {"amount": AMOUNT, "share": SHARE, "quantity": QUANTITY, "date": DATE, "count": COUNT}
_FIGURES = (AMOUNT, SHARE, QUANTITY, COUNT, FIGURE)  # "number": the first that covers a place wins


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
    if kind == "number":
        return _figures(sentence)
    if kind == "person":
        return _persons(sentence)
    if kind == "organization":
        companies = [Span(m.group(0), m.start(), m.end()) for m in COMPANY.finditer(sentence)]
        taken = [(c.start, c.end) for c in companies]
        named = [Span(m.group(0), m.start(), m.end()) for m in ORG_SUFFIX.finditer(sentence)
                 if len(m.group(0)) >= 3 and not any(s <= m.start() < e for s, e in taken)]
        taken += [(n.start, n.end) for n in named]
        apposed = [Span(m.group(1), m.start(1), m.end(1)) for m in ORG_APPOSITION.finditer(sentence)
                   if not any(s <= m.start(1) < e for s, e in taken)]
        return sorted(companies + named + apposed, key=lambda x: x.start)
    if kind == "place":
        listed = [Span(m.group(1), m.start(1), m.end(1)) for m in PLACE_LIST.finditer(sentence)]
        return sorted(listed + [span for m in PLACE.finditer(sentence) if (span := _place(m))],
                      key=lambda x: x.start)
    return []


def _figures(sentence: str) -> list[Span]:
    """Every figure in the sentence, each stretch of text read once, money first ("3,000만원" is no
    count of 만)."""
    taken: list[Span] = []
    for pattern in _FIGURES:
        for m in pattern.finditer(sentence):
            text = m.group(0).strip()
            span = Span(text, m.start(), m.start() + len(text))
            if text and not any(t.start < span.end and span.start < t.end for t in taken):
                taken.append(span)
    return sorted(taken, key=lambda x: x.start)


def _persons(sentence: str) -> list[Span]:
    return [span for span, _ in _titled_persons(sentence)]


def _titled_persons(sentence: str) -> list[tuple[Span, str]]:
    """People named with a title, each with the phrase that titles them: the name-like word nearest
    before a word ending in a title ("성창 주식회사 이재진 대표" → 이재진, "이재진 대표"; "김현태
    세종테크노파크 원장" → 김현태, "김현태 세종테크노파크 원장"), at most three words back and never past
    another title or a comma; and "(시장 임병택)" → 임병택, "시장 임병택"."""
    words = [(m.group(0), m.start()) for m in re.finditer(r"[^\s‘“「『]+", sentence)]
    found: dict[int, tuple[Span, str]] = {}
    for i, (w, at_title) in enumerate(words):
        if not _TITLE_WORD.search(w):
            continue
        for j in range(i - 1, max(-1, i - 4), -1):
            word, at = words[j]
            if word.endswith((",", "，", "、")) or (j < i - 1 and _TITLE_WORD.search(word)):
                break
            name = word.strip("\"'“”‘’(「『")
            if _is_name(name):
                start = at + word.index(name)
                title_end = at_title + len(_AFTER_TITLE.sub("", w))
                found.setdefault(start, (Span(name, start, start + len(name)), sentence[start:title_end]))
                break
    for m in _TITLE_THEN_NAME.finditer(sentence):
        if _is_name(m.group(1)):
            found.setdefault(m.start(1), (Span(m.group(1), m.start(1), m.end(1)), m.group(0).strip("()")))
    return [found[k] for k in sorted(found)]


def asked_role(question: str) -> tuple[str, list[str]] | None:
    """The title a person question asks about and the words naming it ("세종TP 원장은 누구" →
    ("원장", ["세종TP"])), or None."""
    m = _ASKED_ROLE.search(question)
    if not m:
        return None
    before = [w.rstrip("의은는이가") for w in m.group(1).split() if w not in ("누가", "누구")]
    return m.group(2), [w for w in before if len(w) >= 2]


def _is_name(word: str) -> bool:
    """A Korean personal name: 2-4 Hangul syllables starting with a surname, not a common word."""
    if not re.fullmatch(r"[가-힣]{2,4}", word) or word in _NOT_NAMES or word.endswith(_NOT_NAME_ENDINGS):
        return False
    if word.endswith(("시", "군")) and len(word) == 3:  # 시흥시, 강릉시, 울주군: places
        return False
    return word[0] in _SURNAMES or (len(word) >= 3 and word[:2] in _DOUBLE_SURNAMES)


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


# The kind of body an organisation question names: the answer is one ("어느 위원회", "재단은 어디").
_ORG_NOUNS = "위원회|재단|협회|대학교|대학|병원|연구소|연구원|테크노파크|공사|공단|진흥원"
_ASKED_ORG_NOUN = re.compile(rf"({_ORG_NOUNS})(?:은|는|이|가)\s*(?:어디|무엇|어느)|어느\s*({_ORG_NOUNS})")
_ASKS_YEAR = re.compile(r"몇\s*년(?!\s*(?:간|동안|째|차))|연도|몇\s*년도|어느\s*해")


class Stated(NamedTuple):
    spans: list[Span]
    by_proper_noun: bool  # no pattern found a value: the spans are proper nouns standing in


def stated_values(question: str, kind: str, sentence: str, forms: Sequence[Sequence[str]] = (),
                  proper_nouns: Sequence[Span] = ()) -> list[Span]:
    """The spans of the kind in the sentence that could answer the question (see `stated`)."""
    return stated(question, kind, sentence, forms, proper_nouns).spans


def stated(question: str, kind: str, sentence: str, forms: Sequence[Sequence[str]] = (),
           proper_nouns: Sequence[Span] = ()) -> Stated:
    """The spans of the kind in the sentence that could answer the question: not a value the
    question itself states (nor any form of a short-form group it uses: `forms`, each group's forms,
    so 과학기술정보통신부 when it says 과기정통부), a person holding the title it asks about, a body of
    the kind it names, and a year when it asks for a year ("몇 년에 설립": "19일" is no answer).

    proper_nouns (Kiwi's NNP spans of the sentence) stand in for a person, place or organization
    the patterns do not catch ("…연구소기업은 메디스캔랩이다", "노아", "교토"), under the same checks,
    and only when the patterns find nothing the question does not name itself; `by_proper_noun`
    says so (one pass of the patterns either way).
    """
    named = [question, *(f for group in forms for f in group)]
    spans = [s for s in find_values(kind, sentence) if not any(_named_in(s.text, n) for n in named)]
    by_proper_noun = not spans and kind in ("person", "place", "organization")
    if by_proper_noun:
        spans = [s for s in proper_nouns if not any(_named_in(s.text, n) for n in named)]
    role = asked_role(question) if kind == "person" else None
    if role:  # "진흥원 원장은 누구?": a 시장 is no answer, unless the sentence makes them one ("…을 위원장으로")
        titled = {span.start: phrase for span, phrase in _titled_persons(sentence)}
        spans = [s for s in spans if titled.get(s.start, "").endswith(role[0])
                 or role[0] in sentence[max(0, s.start - 12):s.end + 25]]  # "센터장에는 김민호 …"
    head = _ASKED_ORG_NOUN.search(question) if kind == "organization" else None
    if head:  # "참석한 정부 위원회는 어디인가?": 컨텍 is no 위원회
        noun = head.group(1) or head.group(2)
        spans = [s for s in spans if s.text.endswith(noun)]
    if kind == "date" and _ASKS_YEAR.search(question):
        spans = [s for s in spans if "년" in s.text or re.match(r"(?:19|20)\d{2}[.-]", s.text)]
    elif kind == "date" and not spans:  # "2023년 행사는 언제?": "12일" when the year is the question's
        spans = [Span(m.group(0), m.start(), m.end()) for m in _DAY.finditer(sentence)]
    return Stated(spans, by_proper_noun)


def short_answer(question: str, kind: str | None, sentence: str,
                 proper_nouns: list[Span] | None = None, forms: Sequence[Sequence[str]] = ()) -> Span | None:
    """The span of the asked-for kind the question is after, or None.

    proper_nouns (Kiwi's NNP spans of the sentence) stand in for a person, place or organization
    the patterns do not catch ("…연구소기업은 메디스캔랩이다"): of those that pass the checks of
    `stated_values`, the one the question's words lead up to (`_pick_named`).
    """
    if kind is None:
        return None
    spans = stated_values(question, kind, sentence, forms, proper_nouns or ())
    if not spans:
        return None
    if kind in ("amount", "share", "quantity", "count", "number"):
        return _pick_quantity(question, sentence, spans)
    if kind == "date":
        return _pick_date(question, spans)
    if kind == "person" and (role := asked_role(question)) and role[1] and len(spans) > 1:
        return _pick_person(role[1], sentence, spans, forms)
    return _pick_named(question, sentence, spans)


def _pick_person(role_words: list[str], sentence: str, spans: list[Span],
                 forms: Sequence[Sequence[str]]) -> Span:
    """Of several people, the one whose title phrase has the words the question puts before the
    title ("산업부 차관은" → "정승일 산업부 차관", not "김학도 중기부 차관"); a short form counts as its
    group's other forms (중기연 → 중소기업연구원). The first on a tie."""
    titled = {span.start: phrase for span, phrase in _titled_persons(sentence)}
    # each word the question puts before the title, with the forms of the group it contains
    alternatives = [{w, w[:2]} | {f for g in forms if any(x in w for x in g) for f in g} for w in role_words]

    def score(s: Span) -> int:
        phrase = titled.get(s.start, "")
        return sum(any(x in phrase for x in alts) for alts in alternatives)

    return max(spans, key=lambda s: (score(s), -s.start))


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
    """The total ("총 400억원") when the question asks for a total, else the value carrying the
    question's "까지"/"로" ("얼마까지 올랐나" → "3위까지"), else the part the question names just before a
    value (국비, 도비, 수출액이 …), else what a change came to ("58.2%에서 71.6%로" → 71.6%), else the
    total, else the first."""
    totals = [s for s in spans
              if re.search(r"(?:총|모두|전체|합계|누적)\s*(?:사업비\s*)?$", sentence[max(0, s.start - 8):s.start])]
    if totals and re.search(r"총|전체|합계|규모|모두", question):
        return totals[0]  # "총사업비와 국비·시비 분담은?": the total first, its parts are in the quote
    asked = re.search(r"(?:얼마|몇\s*[가-힣%]{0,2}?)(까지|로)", question)
    if asked:  # "얼마까지 올랐나" → "3위까지", "몇 %로" → "71.6%로"
        marked = [s for s in spans if sentence[s.end:s.end + len(asked.group(1)) + 1].lstrip()
                  .startswith(asked.group(1))]
        if marked:
            return marked[-1]
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
