"""Korean short forms (과기정통부 ↔ 과학기술정보통신부, 충북 ↔ 충청북도, TP ↔ 테크노파크) from a data file.

Kiwi splits full names into words (과학/기술/정보/통신부) and keeps many short forms whole
(과기부), so the two never share a BM25 token. `ShortForms.canonical(text)` finds every form in a
text and returns the full names of their groups; the tokenizer adds those as extra tokens to
documents and queries alike, and the answerer uses them to check that a sentence's article names
what the question names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TABLE = Path(__file__).with_name("shortforms.ko.tsv")
# A form this short matches only as a whole word: "산업부" in "산업부는", not inside "산업부문".
WHOLE_WORD_MAX = 3
_PARTICLES = "은는이가을를의와과에도로만서께"


@dataclass(frozen=True)
class ShortForms:
    groups: tuple[tuple[str, ...], ...]  # each group's full name first
    sha256: str
    _pattern: re.Pattern[str]
    _group_of: dict[str, int]

    def canonical(self, text: str) -> list[str]:
        """Full names of the groups any of whose forms the text contains, in order of appearance."""
        found: dict[str, None] = {}
        for m in self._pattern.finditer(text):
            found.setdefault(self.groups[self._group_of[m.group(0).lower()]][0], None)
        return list(found)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, full name) of every form the text contains."""
        return [(m.start(), m.end(), self.groups[self._group_of[m.group(0).lower()]][0])
                for m in self._pattern.finditer(text)]

    def forms_of(self, name: str) -> tuple[str, ...]:
        """Every form of the group a form belongs to (just the name when it is in no group)."""
        i = self._group_of.get(name.lower())
        return self.groups[i] if i is not None else (name,)


def load_shortforms(path: Path = DEFAULT_TABLE) -> ShortForms:
    """Read the table: one group a line, tab-separated, "#" comments; a form in two groups is an error."""
    data = path.read_bytes()
    groups: list[tuple[str, ...]] = []
    group_of: dict[str, int] = {}
    for n, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        forms = tuple(f.strip() for f in line.split("\t") if f.strip())
        if not forms or forms[0].startswith("#"):
            continue
        for f in forms:
            if f.lower() in group_of:
                raise ValueError(f"{path}:{n}: '{f}' is already in another group")
            group_of[f.lower()] = len(groups)
        groups.append(forms)
    # Longest first, so a full name wins over a short form inside it.
    alternatives = sorted(group_of, key=len, reverse=True)
    pattern = re.compile("|".join(_form_pattern(f) for f in alternatives), re.IGNORECASE)
    return ShortForms(tuple(groups), hashlib.sha256(data).hexdigest(), pattern, group_of)


def _form_pattern(form: str) -> str:
    escaped = re.escape(form)
    if form.isascii():  # TP, KOTRA, R&D: not inside a longer Latin word
        return rf"(?<![A-Za-z]){escaped}(?![A-Za-z])"
    if len(form) <= WHOLE_WORD_MAX:
        return rf"(?<![가-힣]){escaped}(?=[{_PARTICLES}]|[^가-힣]|$)"
    return escaped
