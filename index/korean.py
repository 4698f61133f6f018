"""The one Korean tokenizer used for BM25 indexing and querying: Kiwi morphemes, content words only."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from kiwipiepy import Kiwi

from errors import NewsRagError
from index.shortforms import ShortForms

KEEP_POS = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "XR", "SL", "SN", "SH"})
ENTITY_POS = frozenset({"NNP", "SL", "SN", "SH"})


def build_kiwi(user_dict: Path | None = None) -> Kiwi:
    """One Kiwi per process, with the project's user dictionary loaded when given."""
    kiwi = Kiwi()  # default workers = all cores; batch calls spread over them
    if user_dict is not None:
        load_user_dict(kiwi, user_dict)
    return kiwi


def load_user_dict(kiwi: Kiwi, path: Path) -> int:
    """Add "word<TAB>TAG[<TAB>score]" lines (TAG defaults to NNP); return how many were added."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise NewsRagError(f"사용자 사전을 읽을 수 없습니다: {path} ({e}). "
                           "UTF-8 텍스트 파일 경로를 NEWSRAG_USER_DICT에 지정하세요.") from e
    added = 0
    for n, line in enumerate(lines, start=1):
        parts = line.split("\t")
        if not line.strip() or line.startswith("#"):
            continue
        word, tag = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "NNP")
        score = float(parts[2]) if len(parts) > 2 and parts[2].strip() else 0.0
        try:
            added += bool(kiwi.add_user_word(word, tag, score))
        except ValueError as e:
            raise NewsRagError(f"{path}:{n}: 사용자 사전 줄을 읽을 수 없습니다({e}). "
                               "'단어<TAB>품사' 형식으로 고치세요.") from e
    return added


def file_sha256(path: Path | None) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""


class KoreanTokenizer:
    """Kiwi morphemes filtered to content words, plus the full names of any short forms the text
    uses (index/shortforms.py); its settings are stored in the index manifest."""

    def __init__(self, kiwi: Kiwi, keep_pos: frozenset[str] = KEEP_POS,
                 user_dict: Path | None = None, shortforms: ShortForms | None = None) -> None:
        self.kiwi, self.keep_pos, self.shortforms = kiwi, keep_pos, shortforms
        self.user_dict_sha256 = file_sha256(user_dict)

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        texts = list(texts)
        # Since kiwipiepy 0.12, VV/VA carry -R/-I suffixes (걷/VV-I): compare the prefix.
        out = [[t.form.lower() for t in toks if t.tag.split("-")[0] in self.keep_pos]
               for toks in self.kiwi.tokenize(texts)]
        if self.shortforms is not None:
            for tokens, text in zip(out, texts, strict=True):
                tokens.extend(name.lower() for name in self.shortforms.canonical(text))
        return out

    def entities(self, text: str) -> set[str]:
        """Proper nouns, numbers and foreign words: the parts of a question an answer must match."""
        return {t.form.lower() for t in self.kiwi.tokenize(text)
                if t.tag.split("-")[0] in ENTITY_POS}

    def describe(self) -> dict[str, object]:
        """What must match between the index and a query: recorded in the manifest."""
        import kiwipiepy

        described: dict[str, object] = {"kiwi_version": kiwipiepy.__version__, "keep_pos": sorted(self.keep_pos),
                                         "user_dict_sha256": self.user_dict_sha256}
        if self.shortforms is not None:
            described["shortforms_sha256"] = self.shortforms.sha256
        return described
