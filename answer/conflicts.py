"""Conflicting figures: articles giving different values for the same thing, kept side by side.

Two claims (answer/claims.py) from different articles are about the same thing when their kind,
unit, role and period agree; their years, regions (the articles' tags), numbered things ("2기") and,
for sentences dated to a day, their days do not exclude each other; they share a proper noun; and at
least half of their nouns agree, compared by character bigrams for all nouns and for the common nouns
alone (so two programmes of one place do not match on the place's long name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from answer.claims import RELATIVE_YEAR, Claim, find_claims, same_value
from answer.extractive import Candidate
from schema import BriefItem, FigureConflict, Hit

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*년|\s*[~∼–-]\s*((?:19|20)\d{2})(?!\d))")
# A sentence dated to a day ("14일 확진자 5명", but not "10일 밝혔다") or stating a value as of its
# day ("이날 0시 기준", "하루 사이", "신규 확진자") is compared only with sentences of the same day.
_DAY = re.compile(r"(?<![\d년월.])(\d{1,2})\s*일(?!\s*(?:간|동안|째|만에))")
_ANNOUNCED = re.compile(r"\s*(?:밝혔|발표|전했|말했|공시|설명|알렸|공개|공고|보도|브리핑|예고)")
_SNAPSHOT = re.compile(r"기준|이날|전날|어제|오늘|하루|현재|누적|신규|연속|잠정|실시간|마감")
# Nouns every policy sentence shares: they say nothing about which programme it is.
_GENERIC = {"투입", "계획", "예정", "지원", "사업비", "예산", "총", "규모", "올해", "내년", "지난해", "이번",
            "국비", "도비", "시비", "군비", "지방비", "민자", "금액", "확보", "편성", "사업", "정부", "투자",
            "추진", "조성", "목표", "전체", "모두", "합계", "기간", "가운데", "이날", "관계자", "설명", "발표",
            "기자", "사진", "제공", "출처", "뉴스", "디자이너", "특파원", "통신"}
_DATELINE = re.compile(r"\[[^\]]{0,40}\]|【[^】]{0,40}】")  # "[서울=뉴시스]": the outlet, not the topic
_COUNTERS = {"기", "차", "단계", "호", "공구", "권역"}


@dataclass(frozen=True, slots=True)
class Context:
    """What the sentence around a claim is about: its nouns (with their spans), years, regions."""

    words: dict[str, tuple[int, int]]  # canonical noun -> its first span in the sentence
    names: frozenset[str]  # the distinctive ones: proper nouns, foreign words, numbered things
    numbered: frozenset[str]  # "2기", "3단계"
    years: frozenset[int]
    regions: frozenset[str]
    day: str = ""  # the day it dates (see _DAY), else its article's publication date
    snapshot: bool = False  # compared only with sentences of the same day

    # Nouns are compared by their character bigrams: Kiwi splits "실증센터" in one sentence and
    # keeps it whole in the next.
    @property
    def grams(self) -> set[str]:
        return {g for w in self.words for g in _bigrams(w)}

    @property
    def name_grams(self) -> set[str]:
        return {g for w in self.names for g in _bigrams(w)}

    @property
    def common_grams(self) -> set[str]:
        """Of the common nouns only: what is done, not where or by whom."""
        return {g for w in self.words if w not in self.names for g in _bigrams(w)}


def _bigrams(word: str) -> set[str]:
    return {word[i:i + 2] for i in range(len(word) - 1)}


def same_thing(a: Claim, ca: Context, b: Claim, cb: Context) -> bool:
    """Whether two claims are values of the same thing (see the module docstring)."""
    if (a.kind, a.unit, a.role) != (b.kind, b.unit, b.role) or (a.period and b.period and a.period != b.period):
        return False
    if (ca.snapshot or cb.snapshot) and ca.day != cb.day:
        return False
    for x, y in ((ca.years, cb.years), (ca.regions, cb.regions), (ca.numbered, cb.numbered)):
        if x and y and not x & y:
            return False
    if not ca.name_grams & cb.name_grams:
        return False
    # Both all the nouns and the common ones alone: long place names shared by two programmes of
    # one region ("충청북도 … 오송생명과학단지") must not outweigh what each programme is.
    return all(len(x & y) >= 2 and len(x & y) >= 0.5 * max(len(x), len(y))
               for x, y in ((ca.grams, cb.grams), (ca.common_grams, cb.common_grams)))


@dataclass(slots=True)
class _Found:
    claim: Claim
    context: Context
    item: BriefItem
    article_id: str


def find_conflicts(candidates: Sequence[Candidate], hits: Sequence[Hit], contexts: Sequence[Context],
                   cite) -> list[FigureConflict]:
    """Things two or more articles give different values for, most relevant first.

    candidates: the sentences to read (most relevant first), contexts: one per candidate
    (`contexts_of`), cite(hit, candidate) -> Citation.
    """
    groups: list[list[_Found]] = []
    seen: set[tuple[str, int]] = set()  # a sentence met twice (two overlapping chunks) counts once
    for c, ctx in zip(candidates, contexts, strict=True):
        aid = hits[c.hit_index].chunk.article_id
        if (aid, c.start) in seen:
            continue
        seen.add((aid, c.start))
        for claim in find_claims(c.text):
            found = _Found(claim, ctx, BriefItem(c.text, (cite(hits[c.hit_index], c),), figure=claim.text), aid)
            group = next((g for g in groups if same_thing(g[0].claim, g[0].context, claim, ctx)), None)
            if group is None:
                groups.append([found])
            elif all(f.article_id != aid or not same_value(f.claim, claim) for f in group):
                group.append(found)
    return [conflict for g in groups if (conflict := _conflict(g))]


def _conflict(group: list[_Found]) -> FigureConflict | None:
    """The group's distinct values with every article stating each; None when all agree."""
    values: list[list[_Found]] = []
    for f in group:
        same = next((v for v in values if same_value(v[0].claim, f.claim)), None)
        if same is None:
            values.append([f])
        elif f.article_id not in {x.article_id for x in same}:
            same.append(f)
    if len(values) < 2 or len({f.article_id for f in group}) < 2:
        return None
    items = tuple(BriefItem(v[0].item.text, tuple(c for f in v for c in f.item.citations), figure=v[0].claim.text)
                  for v in values)
    first, other = group[0], next(f for f in group if f.article_id != group[0].article_id)
    return FigureConflict(subject=_subject(first, other), kind=first.claim.kind, role=first.claim.role,
                          values=items)


_ROLE_SHOWN = {"amount": "{}", "share": "{}", "count": "{} 수", "date": "{} 시기"}


def _subject(a: _Found, b: _Found) -> str:
    """What the values are of: the nouns both sentences share, as written in the first, plus the role."""
    theirs, at = b.context.grams, a.item.text.find(a.claim.text)
    spans = sorted(span for w, span in a.context.words.items()
                   if len(_bigrams(w) & theirs) * 2 >= len(_bigrams(w)))
    spans = [sp for sp in spans if sp[1] <= at] or spans  # what the value is of comes before it
    phrases: list[list[int]] = []
    for s, e in spans:
        if phrases and s <= phrases[-1][1]:
            phrases[-1][1] = max(phrases[-1][1], e)
        else:
            phrases.append([s, e])
    shown = list(dict.fromkeys(a.item.text[s:e] for s, e in phrases))
    shown = shown[:1] + shown[-3:] if len(shown) > 4 else shown  # who, then what (nearest the value)
    return " ".join(shown) + " · " + _ROLE_SHOWN[a.claim.kind].format(a.claim.role)


def contexts_of(sentences: Sequence[str], published: Sequence[str], regions: Sequence[tuple[str, ...]],
                kiwi, shortforms=None) -> list[Context]:
    """Each sentence's nouns (short forms as their full names), numbered things, years and regions.

    published: each sentence's article date (올해/내년/지난해 are read against its year).
    """
    out = []
    # Bracketed datelines ("[서울=뉴시스]", "【파이낸셜뉴스】") name the outlet, not the programme.
    plain = [_DATELINE.sub(lambda m: " " * len(m.group(0)), t) for t in sentences]
    for text, toks, date, where in zip(sentences, kiwi.tokenize(plain), published, regions, strict=True):
        words: dict[str, tuple[int, int]] = {}
        numbered, names = set(), set()
        for i, t in enumerate(toks):
            tag = t.tag.split("-")[0]
            if tag == "SN" and i + 1 < len(toks) and toks[i + 1].tag.startswith(("NNB", "NNG")) \
                    and toks[i + 1].form in _COUNTERS and toks[i + 1].start == t.start + t.len:
                numbered.add(t.form + toks[i + 1].form)
                names.add(t.form + toks[i + 1].form)
                words.setdefault(t.form + toks[i + 1].form, (t.start, toks[i + 1].start + toks[i + 1].len))
            elif tag in ("NNG", "NNP", "SL", "SH") and len(t.form) >= 2 and t.form not in _GENERIC:
                name = (shortforms.forms_of(t.form)[0] if shortforms is not None else t.form).lower()
                words.setdefault(name, (t.start, t.start + t.len))
                if tag != "NNG":
                    names.add(name)
        day = _event_day(text, date)
        out.append(Context(words, frozenset(names), frozenset(numbered), frozenset(_years(text, date)),
                           frozenset(where), day or date[:10], bool(day or _SNAPSHOT.search(text))))
    return out


def _event_day(text: str, published_at: str) -> str:
    """The day a sentence dates what it states ("14일 확진자 5명"), as YYYY-MM-DD of its article's
    month; "" when it names none, or only the day something was announced ("10일 밝혔다")."""
    for m in _DAY.finditer(text):
        if not _ANNOUNCED.match(text[m.end():m.end() + 8]) and len(published_at) >= 7:
            return f"{published_at[:7]}-{int(m.group(1)):02d}"
    return ""


def _years(text: str, published_at: str) -> set[int]:
    """Years the sentence names ("2025~2029" is every year between), 올해/내년 read against its date."""
    years: set[int] = set()
    for first, last in _YEAR.findall(text):
        a, b = int(first), int(last or first)
        years.update(range(a, b + 1) if 0 <= b - a < 30 else {a, b})
    if published_at[:4].isdigit():
        years |= {int(published_at[:4]) + d for w, d in RELATIVE_YEAR.items() if w in text}
    return years


def cited(conflicts: Sequence[FigureConflict], article_ids: set[str]) -> list[FigureConflict]:
    """The conflicts one of whose values an article of article_ids states."""
    return [c for c in conflicts if any(x.article_id in article_ids for v in c.values for x in v.citations)]
