"""Split article bodies into sentence-aligned chunks with character offsets."""

from __future__ import annotations

from collections.abc import Sequence

from kiwipiepy import Kiwi

from schema import Article, Chunk


def split_sentences(kiwi: Kiwi, bodies: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Sentence (start, end) offsets for each body; Kiwi spreads the list over its threads."""
    spans: list[list[tuple[int, int]]] = []
    for body, sents in zip(bodies, kiwi.split_into_sents(list(bodies)), strict=True):
        spans.append([(s.start, s.end) for s in sents] or ([(0, len(body))] if body else []))
    return spans


def pack_sentences(spans: Sequence[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily merge consecutive sentences into windows of at most max_chars.

    A sentence longer than max_chars becomes a window of its own: sentences are never cut.
    """
    windows: list[tuple[int, int]] = []
    start = end = None
    for s, e in spans:
        if start is not None and e - start > max_chars:
            windows.append((start, end))
            start = None
        if start is None:
            start = s
        end = e
    if start is not None:
        windows.append((start, end))
    return windows


def chunk_articles(kiwi: Kiwi, articles: Sequence[Article], max_chars: int) -> list[Chunk]:
    """Chunk every article body on sentence boundaries; offsets point into Article.body."""
    chunks: list[Chunk] = []
    for article, spans in zip(articles, split_sentences(kiwi, [a.body for a in articles]),
                              strict=True):
        for seq, (start, end) in enumerate(pack_sentences(spans, max_chars)):
            chunks.append(Chunk(
                chunk_id=f"{article.article_id}#{seq:03d}", article_id=article.article_id,
                seq=seq, text=article.body[start:end], start=start, end=end,
                title=article.title, outlet=article.outlet, published_at=article.published_at,
                url=article.url, kind=article.kind,
            ))
    return chunks
