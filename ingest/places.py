"""Korean place and public-body dictionaries, and the taggers that find them in text."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

# The 17 시·도: canonical short name -> every written form (the short name is always last).
PROVINCES: dict[str, tuple[str, ...]] = {
    "서울": ("서울특별시", "서울시", "서울"),
    "부산": ("부산광역시", "부산시", "부산"),
    "대구": ("대구광역시", "대구시", "대구"),
    "인천": ("인천광역시", "인천시", "인천"),
    "광주": ("광주광역시", "광주"),  # "광주시" is resolved by context (경기 광주시)
    "대전": ("대전광역시", "대전시", "대전"),
    "울산": ("울산광역시", "울산시", "울산"),
    "세종": ("세종특별자치시", "세종시", "세종"),
    "경기": ("경기도", "경기"),
    "강원": ("강원특별자치도", "강원도", "강원"),
    "충북": ("충청북도", "충북"),
    "충남": ("충청남도", "충남"),
    "전북": ("전북특별자치도", "전라북도", "전북"),
    "전남": ("전라남도", "전남"),
    "경북": ("경상북도", "경북"),
    "경남": ("경상남도", "경남"),
    "제주": ("제주특별자치도", "제주도", "제주"),
}

# All 77 시 (2024), keyed by their 시·도; written without the "시".
CITIES: dict[str, str] = {
    "경기": "수원 성남 고양 용인 부천 안산 안양 남양주 화성 평택 의정부 시흥 파주 김포 광명 "
            "광주 군포 하남 오산 이천 안성 의왕 양주 구리 포천 동두천 과천 여주",
    "강원": "춘천 원주 강릉 동해 태백 속초 삼척",
    "충북": "청주 충주 제천",
    "충남": "천안 공주 보령 아산 서산 논산 계룡 당진",
    "전북": "전주 군산 익산 정읍 남원 김제",
    "전남": "목포 여수 순천 나주 광양",
    "경북": "포항 경주 김천 안동 구미 영주 영천 상주 문경 경산",
    "경남": "창원 진주 통영 사천 김해 밀양 거제 양산",
    "제주": "제주 서귀포",
}

# 군, keyed by their 시·도; written without the "군".
COUNTIES: dict[str, str] = {
    "부산": "기장", "대구": "달성 군위", "인천": "강화 옹진", "울산": "울주",
    "경기": "가평 양평 연천",
    "강원": "홍천 횡성 영월 평창 정선 철원 화천 양구 인제 고성 양양",
    "충북": "보은 옥천 영동 증평 진천 괴산 음성 단양",
    "충남": "금산 부여 서천 청양 홍성 예산 태안",
    "전북": "완주 진안 무주 장수 임실 순창 고창 부안",
    "전남": "담양 곡성 구례 고흥 보성 화순 장흥 강진 해남 영암 무안 함평 영광 장성 완도 진도 신안",
    "경북": "의성 청송 영양 영덕 청도 고령 성주 칠곡 예천 봉화 울진 울릉",
    "경남": "의령 함안 창녕 고성 남해 하동 산청 함양 거창 합천",
}

# Bare names that are also everyday words (고양이, 용인하다, 화성 탐사, 전주 대비, 경기 침체...).
# They count only as "X시/X군", after their 시·도 ("경기 화성") or inside a list of places.
AMBIGUOUS = frozenset(
    "경기 고양 용인 화성 양주 양산 상주 공주 진주 경주 구미 전주 여수 구리 광주 동해 이천 여주 "
    "영주 오산 안성 사천 아산 제천 태백 남원 하남 고성 "
    "부여 예산 금산 영광 장성 진도 고령 남해 거창 강화 달성 보은 영동 음성 정선 인제 무안 "
    "영양 보성 장수 청도 성주 화천 양구 강진 함평".split()
)

# Bare 군 names that are rare as common words; other 군 need the "군".
SAFE_COUNTIES = frozenset(
    "기장 군위 옹진 울주 가평 양평 연천 홍천 횡성 영월 평창 철원 양양 옥천 증평 진천 괴산 단양 "
    "서천 청양 홍성 태안 완주 진안 무주 임실 순창 고창 부안 담양 곡성 구례 고흥 화순 장흥 해남 "
    "영암 완도 신안 의성 청송 영덕 칠곡 예천 봉화 울진 울릉 의령 함안 창녕 하동 산청 함양 "
    "합천".split()
)

# What may follow a place name inside a word: particles and the compounds news writes
# ("충북지역", "대구경북", "세종테크노파크"). Anything else ("서울대", "대전환",
# "부산물", "원주민") means the name is part of another word.
PLACE_SUFFIXES = (
    "특별자치", "테크노", "혁신", "지역", "지사", "산업", "경제", "국가", "첨단", "소재", "일대",
    "에서", "으로", "에게", "부터", "까지", "지방", "남부", "북부", "동부", "서부", "도내",
    "도민", "도청", "시청", "시장", "시민", "군청", "군수", "청사", "권", "형", "시", "군",
    "도", "은", "는", "이", "가", "을", "를", "의", "에", "와", "과", "로", "만", "등", "및", "청",
    "내", "행", "발",
)

# 경기 alone is usually "the economy" or "a match": it must be followed by one of these.
GYEONGGI_SUFFIXES = ("남부", "북부", "동부", "서부", "지역", "권", "도", " 남부", " 북부",
                     " 동부", " 서부", " 지역", " 서남부", " 동남부")

# Ministries and central agencies: canonical name -> abbreviations and former short names.
MINISTRIES: dict[str, tuple[str, ...]] = {
    "기획재정부": ("기재부",),
    "교육부": (),
    "과학기술정보통신부": ("과기정통부", "과기부"),
    "외교부": (),
    "통일부": (),
    "법무부": (),
    "국방부": (),
    "행정안전부": ("행안부",),
    "국가보훈부": ("보훈부",),
    "문화체육관광부": ("문체부",),
    "농림축산식품부": ("농식품부", "농림부"),
    "산업통상자원부": ("산업부", "산자부"),
    "보건복지부": ("복지부",),
    "환경부": (),
    "기후에너지환경부": (),
    "고용노동부": ("고용부", "노동부"),
    "여성가족부": ("여가부",),
    "국토교통부": ("국토부",),
    "해양수산부": ("해수부",),
    "중소벤처기업부": ("중기부",),
    "미래창조과학부": ("미래부",),
    "식품의약품안전처": ("식약처",),
    "인사혁신처": (),
    "법제처": (),
    "국세청": (), "관세청": (), "조달청": (), "통계청": (), "병무청": (), "방위사업청": (),
    "경찰청": (), "소방청": (), "국가유산청": (), "문화재청": (), "농촌진흥청": (), "산림청": (),
    "특허청": (), "기상청": (), "질병관리청": (), "해양경찰청": (), "우주항공청": (),
    "새만금개발청": (), "행정중심복합도시건설청": ("행복청",), "재외동포청": (),
    "지방시대위원회": (),
    "국가균형발전위원회": ("균형위",),
    "국민권익위원회": ("권익위",),
    "금융위원회": ("금융위",),
    "공정거래위원회": ("공정위",),
    "방송통신위원회": ("방통위",),
    "개인정보보호위원회": ("개보위",),
    "원자력안전위원회": ("원안위",),
    "금융감독원": ("금감원",),
    "한국은행": (),
    "국무조정실": (),
    "KOTRA": ("대한무역투자진흥공사", "코트라"),  # the name readers search for
    "한국무역협회": ("KITA",),
}

# Suffixes that name an institution on their own (…진흥원, …연구원, …테크노파크).
STRONG_ORG_SUFFIXES = (
    "진흥재단", "진흥공사", "진흥공단", "진흥원", "진흥회", "연구원", "평가원", "정보원", "관리원",
    "개발원", "테크노파크", "테크노밸리", "경제자유구역청", "위원회",
)

# Suffixes that are also common nouns (공사 = construction, 센터 = any centre): the name
# must start like a proper name (한국…, 국립…, a place name, a Latin acronym).
WEAK_ORG_SUFFIXES = ("재단", "공단", "공사", "협회", "센터", "기술원", "시험원", "연구소")
PROPER_PREFIXES = ("한국", "대한", "국립", "국가", "국민", "정부")

# Job titles and generic words that end like an institution ("선임연구원", "운영위원회").
ORG_STOP_PREFIXES = frozenset(
    "선임 책임 수석 전임 객원 초빙 방문 박사후 주임 위촉 보조 인턴 연구 출연 정부출연 소속 "
    "운영 조직 심의 추진 자문 평가 선정 집행 윤리 특별 전문 상임 실무 소 분과 이사".split()
)


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
        if glued and not (text.endswith("정부", 0, start) or (cands and cands[-1][1] == start)):
            continue
        cands.append([start, m.end(), form, not _FORMS[form][2]])
    _accept_neighbours(text, cands)
    starts = [c[0] for c in cands]
    tags: set[str] = set()
    for i, (_start, _end, form, ok) in enumerate(cands):
        if ok:
            tag, prov, _ = _FORMS[form]
            if form in ("광주", "광주시") and _gyeonggi_context(text, cands, starts, i):
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
    pairs = [(a, b) for a, b in zip(cands, cands[1:], strict=False)
             if _LIST_GAP.fullmatch(text, a[1], b[0])]
    # Sweeping both ways in turn reaches the fixed point in at most three sweeps; forward sweeps
    # alone carried an acceptance back one place per sweep (quadratic on a long list of names).
    changed, forward = True, True
    while changed:
        changed = False
        for a, b in pairs if forward else reversed(pairs):
            if a[3] and b[3]:
                continue
            related = _FORMS[b[2]][1] == _FORMS[a[2]][0] or _FORMS[a[2]][1] == _FORMS[b[2]][0]
            if a[3] or b[3] or related:
                a[3] = b[3] = changed = True
        forward = not forward


def _gyeonggi_context(text: str, cands: list[list], starts: list[int], i: int) -> bool:
    """경기 광주시: 광주 right after 경기, or 광주시 with 경기 named within 40 characters."""
    start, form = cands[i][0], cands[i][2]
    prev = cands[i - 1] if i else None
    if prev and prev[3] and prev[2] in ("경기", "경기도") and _LIST_GAP.fullmatch(text, prev[1], start):
        return True
    near = cands[bisect_left(starts, start - 40):bisect_right(starts, start + 40)]
    return form == "광주시" and any(
        c[3] and c[2] != "광주시" and _FORMS[c[2]][1] == "경기" for c in near)


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
_ACRONYM = re.compile(r"[A-Z]{2,}")
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
        return prefix.startswith(PROPER_PREFIXES + _PLACE_PREFIXES) or bool(_ACRONYM.match(prefix))
    return True
