"""The default answerer: picks the sentences of the top hits that answer the question, cited.

No LLM: every sentence of the hits is scored by the question's IDF-weighted Korean words it
contains (short forms count as their full names), and the four best by the query embedding. A
sentence can answer only if its article names everything the question names (people,
organisations, places, numbers such as "3기" or "2030년") and, when the question asks for a kind of
value (an amount, a date, a count, a person …), it states one; the answer then opens with that
value (`Answer.short_answer`). Otherwise the answerer declines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from answer.values import Span, asked_kind, short_answer, stated
from index.embed import Embedder
from index.korean import ENTITY_POS, KoreanTokenizer
from schema import Answer, Citation, Hit

NOT_FOUND = "제공된 기사에서 답을 찾지 못했습니다."
# A number with its counter ("3기", "2차", "100번째") must appear as such, not inside "제2차관".
_COUNTER_TAGS = {"NNB", "NNG", "XSN"}
# Counters that number one thing among its kind (the 3rd phase is another programme than the 2nd);
# a measure or a count ("40미터", "400여 명", "7월", "2가지") is a fact the article may word otherwise.
_ORDINAL_COUNTERS = {"기", "차", "차례", "단계", "번째", "호", "대", "기수", "차수", "회차", "년차", "세대", "권역"}
_PARTICLE_OR_END = r"(?=[은는이가을를의와과에도로만]|[^가-힣]|$)"
# Kiwi sometimes keeps the particle on an unknown proper noun ("시흥시의", "중기연의").
_TRAILING_PARTICLE = "은는이가을를의와과에도"
# A region the question names is covered by an article about the wider area it belongs to
# ("서울·경기 등 수도권 인구" is answered by "수도권 인구는 …").
_WIDER_AREAS = {"서울": ("수도권",), "경기": ("수도권",), "인천": ("수도권",),
                "대전": ("충청권",), "세종": ("충청권",), "충북": ("충청권",), "충남": ("충청권",),
                "광주": ("호남권",), "전북": ("호남권",), "전남": ("호남권",),
                "부산": ("동남권", "영남권"), "울산": ("동남권", "영남권"), "경남": ("동남권", "영남권"),
                "대구": ("대경권", "영남권"), "경북": ("대경권", "영남권")}


@dataclass(frozen=True, slots=True)
class Candidate:
    hit_index: int
    text: str
    start: int  # offsets in the article body
    end: int
    lexical: float
    # States a value of the kind the question asks for: 1 by the patterns of answer.values (also when
    # it asks for none), 0.5 only by a proper noun standing in for a person, place or body, 0 none.
    wanted: float
    kind: str | None = None  # the kind of value the question asks for
    coverage: float = 1.0  # share of the question's named entities found in the sentence's article
    dense: float = 0.0
    grounded: bool = True  # its article names every entity and numbered thing the question names
    names: tuple[Span, ...] = ()  # Kiwi's proper nouns of the sentence (short-answer fallback)

    @property
    def score(self) -> float:
        base = 0.6 * self.dense + 0.4 * self.lexical + 0.1 * self.wanted
        # A sentence about 제주테크노파크 does not answer a question about 세종테크노파크.
        return base * (0.6 + 0.4 * self.coverage)


@dataclass(frozen=True, slots=True)
class ExtractiveConfig:
    min_score: float = 0.60  # calibrated on bench/questions_seeds.jsonl (bench/seeds.py)
    # When the question asks for a kind of value, the sentence must state one and its article must
    # name what the question names: with that evidence a lower score is enough.
    min_score_with_value: float = 0.45
    max_sentences: int = 3
    rerank: int = 4  # candidate sentences embedded per question (0: lexical only)
    near_duplicate: float = 0.7
    embed_max_chars: int = 300  # longer candidates are embedded by their first 300 characters


DEFAULT_CONFIG = ExtractiveConfig()


@dataclass(slots=True)
class Question:
    """What the answer must match: weighted words, the asked kind, and what it names."""

    text: str
    weights: dict[str, float]
    kind: str | None
    entities: set[str]  # proper nouns, foreign words and numbers, short forms replaced by groups
    groups: set[str]  # full names of the short-form groups it uses (과기정통부 → 과학기술정보통신부)
    forms: tuple[tuple[str, ...], ...] = ()  # each of those groups' forms: names the question already gives
    counted: list[re.Pattern[str]] = field(default_factory=list)  # "3기", "2차": number + counter


@dataclass(slots=True)
class Evidence:
    """What one article's retrieved text names: its entities, short-form groups and raw text."""

    entities: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    text: str = ""
    compact: str = ""  # the text without spaces and underscores ("테드번디", "구리야마_히데키")


class ExtractiveAnswerer:
    """Scores every sentence of the hits against the question; no LLM involved."""

    def __init__(self, embedder: Embedder, tokenizer: KoreanTokenizer,
                 idf: Callable[[Sequence[str]], list[float]],
                 query_vector: Callable[[str], np.ndarray],
                 config: ExtractiveConfig = DEFAULT_CONFIG) -> None:
        self.embedder, self.tokenizer, self.idf, self.config = embedder, tokenizer, idf, config
        self.query_vector = query_vector

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        kind = asked_kind(question)
        chosen = self._choose(self.rank(question, hits, kind))
        if not chosen:
            return Answer(question, NOT_FOUND, False, (), tuple(hits))
        citations = tuple(
            Citation(n=i, article_id=hits[c.hit_index].chunk.article_id,
                     chunk_id=hits[c.hit_index].chunk.chunk_id, title=hits[c.hit_index].chunk.title,
                     outlet=hits[c.hit_index].chunk.outlet,
                     published_at=hits[c.hit_index].chunk.published_at, quote=c.text,
                     start=c.start, end=c.end, url=hits[c.hit_index].chunk.url)
            for i, c in enumerate(chosen, start=1))
        text = " ".join(f"{c.text} [{i}]" for i, c in enumerate(chosen, start=1))
        span = short_answer(question, kind, chosen[0].text, list(chosen[0].names),
                            self._group_forms(question))
        return Answer(question, text, True, citations, tuple(hits),
                      short_answer=span.text if span else None)

    def rank(self, question: str, hits: Sequence[Hit], kind: str | None = None) -> list[Candidate]:
        """All sentences of the hits, best first."""
        sentences, evidence = self._analyse(hits)
        if not sentences:
            return []
        q = self.read_question(question, kind)
        for ev in evidence.values():  # "충북지역혁신클러스터": a short form glued to the next word counts here
            ev.groups |= {g for g in q.groups - ev.groups
                          if any(f.lower() in ev.text for f in self._forms(g))}
        total = sum(q.weights.values()) or 1.0
        coverage = [_coverage(q, evidence[h.chunk.article_id]) for h in hits]
        cands = []
        for i, text, start, end, toks, names in sentences:
            ev = evidence[hits[i].chunk.article_id]
            cands.append(Candidate(
                i, text, start, end,
                lexical=sum(q.weights[t] for t in set(toks) & q.weights.keys()) / total,
                wanted=_wanted(question, q, text, names),
                kind=q.kind, coverage=coverage[i],
                grounded=_grounded(q, ev), names=names))
        # The sentences worth the model's time: grounded ones that state the asked-for value first
        # (only they can open an answer), then by words.
        cands.sort(key=lambda c: (c.grounded, c.wanted > 0, c.lexical, -c.hit_index), reverse=True)
        return self._rerank(question, cands, hits)

    def read_question(self, question: str, kind: str | None) -> Question:
        morphs = self.tokenizer.kiwi.tokenize(question)
        sf = self.tokenizer.shortforms
        spans = sf.spans(question) if sf is not None else []
        tokens = list(dict.fromkeys(self._content(morphs) + [name.lower() for *_, name in spans]))
        inside = [(s, e) for s, e, _ in spans]
        entities = {t.form.lower() for t in morphs if t.tag.split("-")[0] in ENTITY_POS and t.tag != "SN"
                    and not any(s <= t.start < e for s, e in inside)}
        counted, years = _numbers(morphs)
        return Question(question, dict(zip(tokens, self.idf(tokens), strict=True)), kind,
                        entities | years, {name for *_, name in spans}, self._group_forms(question), counted)

    def _group_forms(self, question: str) -> tuple[tuple[str, ...], ...]:
        """The forms of each short-form group the question uses (과기정통부 → 과학기술정보통신부, 과기부)."""
        sf = self.tokenizer.shortforms
        groups = sorted({name for *_, name in sf.spans(question)}) if sf is not None else []
        return tuple(self._forms(g) for g in groups)

    def _forms(self, name: str) -> tuple[str, ...]:
        sf = self.tokenizer.shortforms
        return sf.forms_of(name) if sf is not None else (name,)

    def _content(self, morphs) -> list[str]:
        # The same filter as KoreanTokenizer.__call__ (BM25 tokens), on morphemes already analysed.
        return [t.form.lower() for t in morphs if t.tag.split("-")[0] in self.tokenizer.keep_pos]

    def _analyse(self, hits: Sequence[Hit]) -> tuple[list[tuple], dict[str, Evidence]]:
        """One Kiwi pass over the hits: each sentence with its content tokens and proper nouns,
        and for each article what its retrieved chunks and title name.

        Kiwi's sentence split analyses the morphemes anyway; taking them from it (return_tokens)
        replaces the separate tokenizer and entity passes over the same text.
        """
        kiwi, sf = self.tokenizer.kiwi, self.tokenizer.shortforms
        evidence: dict[str, Evidence] = {}
        titles = list(dict.fromkeys(h.chunk.title for h in hits))
        title_entities = dict(zip(titles, map(_entities, kiwi.tokenize(titles)), strict=True)) if titles else {}
        out = []
        for i, (hit, sents) in enumerate(zip(hits, kiwi.split_into_sents(
                [h.chunk.text for h in hits], return_tokens=True), strict=True)):
            ev = evidence.setdefault(hit.chunk.article_id,
                                     Evidence(text=_dated(hit.chunk.published_at) + hit.chunk.title.lower()))
            ev.entities |= title_entities.get(hit.chunk.title, set())
            ev.text += "\n" + hit.chunk.text.lower()
            for s in sents:
                ev.entities |= _entities(s.tokens)
                text = s.text.strip()
                if len(text) >= 8:
                    lead = len(s.text) - len(s.text.lstrip())
                    start = hit.chunk.start + s.start + lead
                    names = tuple(Span(t.form, t.start - s.start - lead, t.start - s.start - lead + t.len)
                                  for t in s.tokens if t.tag == "NNP")
                    out.append((i, text, start, start + len(text), self._content(s.tokens), names))
        for ev in evidence.values():
            ev.compact = _compact(ev.text)
            if sf is not None:
                ev.groups = set(sf.canonical(ev.text))
        return out, evidence

    def _rerank(self, question: str, cands: list[Candidate], hits: Sequence[Hit]) -> list[Candidate]:
        top = cands[:self.config.rerank]
        if not top:
            return cands
        q = self.query_vector(question)
        dense = self._sentence_vectors([(hits[c.hit_index].chunk.title, c.text) for c in top]) @ q
        reranked = [replace(c, dense=float(d)) for c, d in zip(top, dense, strict=True)]
        reranked.sort(key=lambda c: c.score, reverse=True)
        return reranked + cands[self.config.rerank:]

    def _sentence_vectors(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Document vectors of (title, sentence) pairs: each distinct pair once, at most embed_max_chars.

        One forward pass for all of them: padding to the longest costs less than a call each
        (measured: 8.1 s vs 14.2 s for 4 candidates on a saturated machine, lengths max/mean 1.26).
        """
        cap = self.config.embed_max_chars
        unique = list(dict.fromkeys((t, x[:cap]) for t, x in pairs))
        vecs = self.embedder.encode_documents([t for t, _ in unique], [x for _, x in unique])
        at = {p: v for p, v in zip(unique, vecs, strict=True)}
        return np.stack([at[(t, x[:cap])] for t, x in pairs])

    def _choose(self, ranked: list[Candidate]) -> list[Candidate]:
        """The best grounded sentence that states the asked-for value, if it scores high enough,
        then up to two more grounded sentences close to it in score."""
        usable = [c for c in ranked if c.grounded]
        first = next((c for c in usable if c.wanted), None)
        if first is None or first.score < self._threshold(first):
            return []
        chosen = [first]
        for c in usable:
            if len(chosen) == self.config.max_sentences or c.score < 0.85 * first.score:
                break
            if c is not first and not any(text_similarity(c.text, o.text) >= self.config.near_duplicate
                                          for o in chosen):
                chosen.append(c)
        return chosen

    def _threshold(self, first: Candidate) -> float:
        return self.config.min_score_with_value if first.kind else self.config.min_score


def _wanted(question: str, q: Question, text: str, names: tuple[Span, ...]) -> float:
    if q.kind is None:
        return 1.0
    spans, by_proper_noun = stated(question, q.kind, text, q.forms, names)
    return (0.5 if by_proper_noun else 1.0) if spans else 0.0


def _numbers(morphs) -> tuple[list[re.Pattern[str]], set[str]]:
    """Numbers the question names: a numbered thing ("3기", "2차", "100번째", "제5회") as a pattern
    its article must match, and 4-digit years as entities."""
    counted, years = [], set()
    for i, t in enumerate(morphs):
        if t.tag != "SN":
            continue
        nxt = morphs[i + 1] if i + 1 < len(morphs) else None
        if len(t.form) == 4 and t.form.isdigit():
            years.add(t.form)
        elif nxt is not None and nxt.start == t.start + t.len and nxt.tag.split("-")[0] in _COUNTER_TAGS:
            counter = nxt.form
            after = morphs[i + 2] if i + 2 < len(morphs) else None
            if after is not None and after.tag == "XSN" and after.start == nxt.start + nxt.len:
                counter += after.form
            if counter not in _ORDINAL_COUNTERS and not (i > 0 and morphs[i - 1].form == "제"):
                continue
            counted.append(re.compile(rf"(?<![\d.]){re.escape(t.form)}\s*{re.escape(counter)}{_PARTICLE_OR_END}"))
    return counted, years


def _dated(published_at: str) -> str:
    """The publication date as the article's own text would say it ("2025년 4월 2일"): a question's
    "2025년 4월" is about an article of that month even when its text says only "2일"."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published_at)
    return f"{m.group(1)}년 {int(m.group(2))}월 {int(m.group(3))}일\n" if m else ""


def _grounded(q: Question, ev: Evidence) -> bool:
    """The article names the numbered things the question names ("3기", "2030년": all of them) and
    most of its named entities (Kiwi tags some unknown common words as proper nouns)."""
    if not all(p.search(ev.text) for p in q.counted):
        return False
    years = {e for e in q.entities if e.isdigit()}
    if not all(_year_in(y, ev.text) for y in years):
        return False
    return _coverage(q, ev) >= (1.0 if len(q.entities) + len(q.groups) <= 1 else 0.66)


def _year_in(year: str, text: str) -> bool:
    """A year the text states, or says as 올해/지난해/내년 of its dated line."""
    if year in text:
        return True
    m = re.match(r"(\d{4})년", text)
    if not m:
        return False
    y = int(m.group(1))
    return (("지난해" in text or "작년" in text) and int(year) == y - 1) or ("내년" in text and int(year) == y + 1)


def _coverage(q: Question, ev: Evidence) -> float:
    named = len(q.entities) + len(q.groups)
    if not named:
        return 1.0
    found = sum(_entity_in(e, ev) for e in q.entities) + len(q.groups & ev.groups)
    return found / named


def _entity_in(entity: str, ev: Evidence) -> bool:
    if entity in ev.entities or entity in ev.text or _compact(entity) in ev.compact:
        return True
    if len(entity) > 2 and entity[-1] in _TRAILING_PARTICLE and entity[:-1] in ev.text:
        return True
    return any(area in ev.text for area in _WIDER_AREAS.get(entity, ()))


def _compact(text: str) -> str:
    """Spacing varies in Korean ("테드 번디", "테드번디"), and titles may join words with "_"."""
    return re.sub(r"[\s_]+", "", text)


def _entities(morphs) -> set[str]:
    # The same filter as KoreanTokenizer.entities, on morphemes already analysed.
    return {t.form.lower() for t in morphs if t.tag.split("-")[0] in ENTITY_POS}


def _bigrams(text: str) -> set[str]:
    s = re.sub(r"\s+", "", text)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' whitespace-free character bigrams."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / max(1, len(x | y))
