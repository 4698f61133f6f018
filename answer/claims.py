"""Claims: the values one Korean sentence states, each with what it is a value of.

A claim is an amount (원, 달러), a share (%), a count (곳, 명, 개…) or the date of an event (착공,
준공, 개소…), with its role (the word before it: 총, 국비, 기업…, or the event) and period (연간,
5년간). Precision comes first: a sentence naming two values for one role claims nothing, a compared
value ("30%에서 50%로", "지난해 6,980억원보다") is history, and a value after a word that does not
say what it is of ("1인당", "대비", "1위") is left out. answer/conflicts.py compares claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"\d[\d,]*(?:\.\d+)?"
AMOUNT = re.compile(rf"(?:{_NUM}\s*(?:천|백)?\s*(?:조|억|만)?\s*)+(?:원|달러)")
SHARE = re.compile(rf"{_NUM}\s*(?:%|퍼센트)(?!\s*포인트|p)")
COUNT = re.compile(rf"{_NUM}\s*(?:여\s*)?(?:개사|개소|개국|명|곳|건|개)(?!월|년|[가-힣]*(?:원|달러))")
EVENT_DATE = re.compile(r"((?:19|20)\d{2})\s*년(?:\s*(\d{1,2})\s*월(?:\s*(\d{1,2})\s*일)?)?"
                        r"\s*(?:상반기|하반기|초|말|중|께)?\s*(?:에|에는|까지)?\s*"
                        r"(착공|준공|완공|개소|개관|개원|출범|개통|가동|입주|완료|문을\s*연)")
_GROUP = re.compile(rf"((?:{_NUM}\s*(?:천|백|십)?\s*)+)(조|억|만)?")  # "2천900" + 억
_TERM = re.compile(rf"({_NUM})\s*(천|백|십)?")
_SMALL = {"천": 1e3, "백": 1e2, "십": 1e1}
_MULTIPLIER = {"조": 1e12, "억": 1e8, "만": 1e4, "": 1.0}
_TOTAL = {"", "총", "모두", "전체", "합계", "총액", "사업비", "총사업비", "예산", "총예산", "규모", "총규모", "자금",
          "재원"}
_LABEL = re.compile(r"([가-힣A-Za-z]{1,8})\s*$")
# A word ending in a particle or an adnominal ending is not a label ("센터에", "제외한").
_PARTICLE_END = re.compile(r"(?:은|는|이|가|을|를|에|에서|에는|의|와|과|로|으로|도|만|께서|보다|까지|부터|마다|처럼"
                           r"|한|된|인)$")
RELATIVE_YEAR = {"올해": 0, "금년": 0, "내년": 1, "지난해": -1, "작년": -1, "전년": -1}
_PERIOD = re.compile(r"(연간|매년|해마다|\d+\s*년간|\d+\s*개월간)\s*$")
_APPROX_BEFORE = re.compile(r"(?:약|대략|최대|최소|무려)\s*$")
_WORDS = re.compile(r"[\s(\[{,·/]+")  # "400억원(국비 240억원": 국비 is a word of its own
_APPROX_WORD = re.compile(r"^(?:약|대략|최대|최소|무려)$")
# Words before a value that do not say what it is of.
_NOT_LABELS = {"대비", "이후", "이전", "연속", "오전", "오후", "기준", "등", "전국", "각각", "또", "및", "이상", "중",
               "가운데", "당", "씩", "무려", "현재", "사이", "만에", "새"}
_APPROX_AFTER = re.compile(r"^\s*(?:여|가량|안팎|이상|넘|남짓|내외|이하|미만|초과)")
APPROX_TOLERANCE = 0.15  # "약 400억원" and "430억원" are not a conflict


@dataclass(frozen=True, slots=True)
class Claim:
    """One value stated by one sentence, with what it is a value of."""

    kind: str  # "amount" | "share" | "count" | "date"
    unit: str  # 원, 달러, %, 곳, 명 … ("" for dates)
    role: str  # 총액, 국비, 기업, 착공 …
    value: float | str  # a number, or YYYY[-MM[-DD]] for dates
    text: str  # the value as written
    approx: bool = False
    period: str = ""  # 연간, 5년간 …


def find_claims(sentence: str) -> list[Claim]:
    """The unambiguous claims of one sentence (none for a role named with two values)."""
    claims = [c for c in (*_amounts(sentence), *_quantities(sentence), *_event_dates(sentence)) if c]
    keys = [(c.kind, c.unit, c.role, c.period) for c in claims]
    return [c for c, key in zip(claims, keys, strict=True) if keys.count(key) == 1]


def _amounts(sentence: str) -> list[Claim | None]:
    out: list[Claim | None] = []
    for m in AMOUNT.finditer(sentence):
        text = m.group(0).strip()
        value = parse_amount(text)
        if value is None or _is_from_value(sentence, m.end()):
            continue
        role = _label(sentence, m.start())
        if role is None:
            continue
        role = "총액" if role in _TOTAL else role
        out.append(Claim("amount", "달러" if text.endswith("달러") else "원", role, value, text,
                         _approx(sentence, m.start(), m.end()), _period(sentence, m.start())))
    return out


def _quantities(sentence: str) -> list[Claim | None]:
    out: list[Claim | None] = []
    for kind, pattern in (("share", SHARE), ("count", COUNT)):
        for m in pattern.finditer(sentence):
            text = m.group(0).strip()
            role = _label(sentence, m.start())
            if not role or _is_from_value(sentence, m.end()):  # "20곳이 입주": 20 of what is unclear
                continue
            number = float(re.match(_NUM, text).group(0).replace(",", ""))  # type: ignore[union-attr]
            unit = "%" if kind == "share" else re.sub(r"[\d,.\s여]", "", text)
            out.append(Claim(kind, unit, role, number, text, "여" in text or _approx(sentence, m.start(), m.end()),
                             _period(sentence, m.start())))
    return out


def _event_dates(sentence: str) -> list[Claim | None]:
    out: list[Claim | None] = []
    for m in EVENT_DATE.finditer(sentence):
        y, mo, d, event = m.groups()
        value = "-".join([y] + ([f"{int(mo):02d}"] if mo else []) + ([f"{int(d):02d}"] if d else []))
        text = sentence[m.start():m.start(4)].strip().removesuffix("에는").removesuffix("에").removesuffix("까지")
        out.append(Claim("date", "", re.sub(r"\s+", " ", event).replace("문을 연", "개소"), value, text.strip()))
    return out


def parse_amount(text: str) -> float | None:
    """"2조1천억원" -> 2.1e12, "2천900억 원" -> 2.9e11, "1억5,000만원" -> 1.5e8 (None: no number)."""
    total, found = 0.0, False
    for coefficient, big in _GROUP.findall(text):
        terms = _TERM.findall(coefficient)
        found = found or bool(terms)
        total += sum(float(n.replace(",", "")) * _SMALL.get(small, 1.0) for n, small in terms) * _MULTIPLIER[big]
    return total if found else None


def _label(sentence: str, start: int) -> str | None:
    """What a value is of: the word before it, past 약/최대, periods (연간) and relative years (올해).

    "국비 240억원" -> 국비; "매출은 1,840억원" -> 매출 (a subject's particle is dropped); "" when the
    word carries another particle ("센터에 400억원을": unspecified); None when it is no noun that
    says what the value is ("1인당", "대비", "오후"): the claim is left out.
    """
    for word in reversed(_WORDS.split(sentence[max(0, start - 30):start].strip())[-4:]):
        if _APPROX_WORD.match(word) or _PERIOD.match(word) or word in RELATIVE_YEAR:
            continue
        m = _LABEL.search(word)
        if not m or m.span(1) != (len(word) - len(word.lstrip("\"'“‘<")), len(word)):
            return None  # "1인당", "2025년": not a word
        w = m.group(1)
        if w in _NOT_LABELS:
            return None
        if w in _TOTAL or not _PARTICLE_END.search(w):
            return w
        bare = re.sub(r"(?:은|는|이|가)$", "", w)
        return bare if bare != w and len(bare) >= 2 and not _PARTICLE_END.search(bare) else ""
    return ""


def _is_from_value(sentence: str, end: int) -> bool:
    """A value the sentence compares against ("30%에서 50%로", "지난해 6,980억원보다"): history."""
    after = sentence[end:end + 40]
    return after.startswith(("보다", " 보다")) or (re.match(r"\s*(?:에서|부터)", after) is not None and "로" in after)


def _approx(sentence: str, start: int, end: int) -> bool:
    return bool(_APPROX_BEFORE.search(sentence[max(0, start - 4):start]) or _APPROX_AFTER.match(sentence[end:end + 4]))


def _period(sentence: str, start: int) -> str:
    before = _APPROX_BEFORE.sub("", sentence[max(0, start - 20):start].rstrip()).rstrip()
    if (m := _PERIOD.search(before)) is None:
        m = _PERIOD.search(_LABEL.sub("", before).rstrip())  # past the label: "연간 국비 50억원"
    return re.sub(r"\s+", "", m.group(1)).replace("매년", "연간").replace("해마다", "연간") if m else ""


def same_value(a: Claim, b: Claim) -> bool:
    if a.kind == "date":
        short = min(len(str(a.value)), len(str(b.value)))
        return str(a.value)[:short] == str(b.value)[:short]  # "2026" agrees with "2026-02"
    x, y = float(a.value), float(b.value)
    tolerance = APPROX_TOLERANCE if a.approx or b.approx else 0.005
    return abs(x - y) <= tolerance * max(abs(x), abs(y))
