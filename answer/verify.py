"""Formats hits as delimited, numbered context for a chat model and checks the [n] citations it writes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from schema import Citation, Hit

Split = Callable[[str], list[str]]

# "[3]", "[1, 2]" and "[1][2]" (two groups); a bracketed year such as "[2024]" is caught as invalid
MARKER = re.compile(r"\[\s*(\d{1,4}(?:\s*[,，]\s*\d{1,4})*)\s*\]")
LEADING_MARKERS = re.compile(r"^\s*(?:\[\s*\d{1,4}(?:\s*[,，]\s*\d{1,4})*\s*\]\s*)+")
BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣]|\d{1,2}[.)])\s+")
REFUSAL = "제공된 기사에서 찾을 수 없습니다."
REFUSAL_CORE = "찾을 수 없습니다"
UNSUPPORTED_MARK = " (출처 없음)"

# An opening bracket that, followed by "기사" or "/기사", could pass for the context's own delimiters;
# spaces and invisible characters (zero-width, soft hyphen, bidi controls) in between do not hide it.
_GAP = r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]*"
_TAG_LOOKALIKE = re.compile(rf"[＜‹〈《⟨﹤](?={_GAP}[/／]?{_GAP}기{_GAP}사)")
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class CheckedSentence:
    text: str  # as shown: markers renumbered, unsupported sentences marked
    claim: str  # the model's words without any marker
    numbers: tuple[int, ...]  # renumbered citations, 1..m

    @property
    def supported(self) -> bool:
        return bool(self.numbers)


@dataclass(frozen=True, slots=True)
class CheckedReply:
    text: str
    citations: tuple[Citation, ...]  # n = 1..m in order of first appearance
    sentences: tuple[CheckedSentence, ...]
    invalid: tuple[int, ...]  # cited numbers that point at no passage, removed from the text
    unsupported: tuple[str, ...]  # claims left without a valid citation (kept, marked)
    refused: bool  # the model said the passages do not answer

    @property
    def has_valid(self) -> bool:
        return bool(self.citations)

    @property
    def answerable(self) -> bool:
        return self.has_valid and not self.refused


def format_context(hits: Sequence[Hit]) -> str:
    """Number the passages [1]..[n], each in its own <기사> block; text inside cannot close a block."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        blocks.append(f'<기사 n="{n}">\n'
                      f"제목: {_one_line(c.title)}\n"
                      f"언론사: {_one_line(c.outlet)}\n"
                      f"날짜: {_one_line(c.published_at[:10])}\n"
                      f"본문: {neutralise(c.text.strip())}\n"
                      f"</기사>")
    return "\n\n".join(blocks)


def neutralise(text: str) -> str:
    """Escape angle brackets (and bracket look-alikes before "기사") so passage text stays data."""
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _TAG_LOOKALIKE.sub("&lt;", text)


def check_reply(text: str, hits: Sequence[Hit], split: Split) -> CheckedReply:
    """Check a prose reply sentence by sentence (`split` is the sentence splitter, Kiwi in the app)."""
    text = text.strip()
    units = split(text) or ([text] if text else [])
    return _check(_attach_leading_markers(units), hits, split, joiner=" ")


def check_bullets(text: str, hits: Sequence[Hit], split: Split) -> CheckedReply:
    """Check a bullet list line by line; each non-empty line is one claim, bullet signs stripped."""
    units = [BULLET.sub("", line).strip() for line in text.splitlines() if line.strip()]
    checked = _check(_attach_leading_markers(units), hits, split, joiner="\n")
    return replace(checked, text="\n".join(f"- {s.text}" for s in checked.sentences))


def _attach_leading_markers(units: Sequence[str]) -> list[str]:
    """Markers opening a sentence ("…했다. [1] 또한 …") belong to the sentence before it."""
    out: list[str] = []
    for unit in units:
        m = LEADING_MARKERS.match(unit)
        if m and out:
            out[-1] = f"{out[-1].rstrip()} {m.group().strip()}"
            unit = unit[m.end():]
        if unit.strip():
            out.append(unit.strip())
    return out


def _check(units: Sequence[str], hits: Sequence[Hit], split: Split, joiner: str) -> CheckedReply:
    renumber: dict[int, int] = {}  # passage number -> citation number, in order of first appearance
    claims: dict[int, list[str]] = {}
    invalid: list[int] = []
    parsed: list[tuple[str, str, list[int]]] = []
    for unit in units:
        cited = [int(x) for m in MARKER.finditer(unit) for x in re.split(r"[,，]", m.group(1))]
        valid = list(dict.fromkeys(n for n in cited if 1 <= n <= len(hits)))
        invalid += [n for n in dict.fromkeys(cited) if n not in valid and n not in invalid]
        claim = _tidy(MARKER.sub("", unit))
        if not _NON_WORD.sub("", claim):
            continue  # markers or punctuation alone: nothing is claimed
        for n in valid:
            renumber.setdefault(n, len(renumber) + 1)
            claims.setdefault(n, []).append(claim)
        parsed.append((unit, claim, valid))

    sentences, unsupported, refused = [], [], False
    for unit, claim, valid in parsed:
        shown = _tidy(MARKER.sub(lambda m: _renumbered(m, renumber), unit))
        if not valid and REFUSAL_CORE in claim:
            refused = True
        elif not valid:
            unsupported.append(claim)
            shown += UNSUPPORTED_MARK
        sentences.append(CheckedSentence(shown, claim, tuple(renumber[n] for n in valid)))

    citations = tuple(_cite(new, hits[old - 1], claims[old], split) for old, new in renumber.items())
    return CheckedReply(text=joiner.join(s.text for s in sentences), citations=citations,
                        sentences=tuple(sentences), invalid=tuple(invalid),
                        unsupported=tuple(unsupported), refused=refused)


def _renumbered(m: re.Match[str], renumber: dict[int, int]) -> str:
    numbers = dict.fromkeys(renumber[int(x)] for x in re.split(r"[,，]", m.group(1)) if int(x) in renumber)
    return "".join(f"[{n}]" for n in numbers)


def _cite(n: int, hit: Hit, claims: Sequence[str], split: Split) -> Citation:
    c = hit.chunk
    quote, offset = best_quote(c.text, claims, split)
    start = c.start + offset
    return Citation(n=n, article_id=c.article_id, chunk_id=c.chunk_id, title=c.title, outlet=c.outlet,
                    published_at=c.published_at, quote=quote, start=start, end=start + len(quote),
                    url=c.url)


def best_quote(passage: str, claims: Sequence[str], split: Split) -> tuple[str, int]:
    """The passage sentence sharing the most character bigrams with the claims, and its offset."""
    target = _bigrams(" ".join(claims))
    best: tuple[float, int, str] | None = None
    cursor = 0
    for sentence in split(passage):
        s = sentence.strip()
        at = passage.find(s, cursor) if s else -1
        if at < 0:
            continue  # a splitter that rewrites text: such a sentence cannot be located in the body
        cursor = at + len(s)
        score = _dice(target, _bigrams(s))
        if best is None or score > best[0]:
            best = (score, at, s)
    if best is None:
        whole = passage.strip()
        return whole, passage.find(whole)
    return best[2], best[1]


def _bigrams(text: str) -> set[str]:
    t = _NON_WORD.sub("", text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _one_line(text: str) -> str:
    return neutralise(" ".join(text.split()))


def _tidy(text: str) -> str:
    """Collapse the spaces a removed marker leaves behind ("늘렸다 [9]." -> "늘렸다.")."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"[ \t]+([.,!?。])", r"\1", text).strip()
