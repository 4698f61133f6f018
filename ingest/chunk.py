"""Split article bodies into sentence-aligned chunks with character offsets."""

from __future__ import annotations

from collections.abc import Sequence

from kiwipiepy import Kiwi

from ingest.clean import break_point
from schema import Article, Chunk

# Kiwi's sentence splitting slows down faster than linearly with the length of one string (an
# unbroken 40,000 characters take seconds, 200,000 minutes): a longer body goes to Kiwi as blocks
# of whole paragraphs, and a paragraph longer than this is cut after a sentence end or a space.
KIWI_BLOCK = 5000


def body_blocks(body: str, size: int = KIWI_BLOCK) -> list[tuple[int, int]]:
    """(start, end) offsets of consecutive blocks of at most `size` characters covering the body,
    cut at paragraph breaks where there are any; a body that fits is one block."""
    blocks, start = [], 0
    while len(body) - start > size:
        cut = body.rfind("\n\n", start + 1, start + size)
        end = cut if cut > start else start + break_point(body[start:start + size])
        blocks.append((start, end))
        start = end
    blocks.append((start, len(body)))
    return blocks


def split_sentences(kiwi: Kiwi, bodies: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Sentence (start, end) offsets for each body; Kiwi spreads the list over its threads."""
    blocks = [(i, s, e) for i, body in enumerate(bodies) for s, e in body_blocks(body)]
    spans: list[list[tuple[int, int]]] = [[] for _ in bodies]
    sents = kiwi.split_into_sents([bodies[i][s:e] for i, s, e in blocks]) if blocks else []
    for (i, offset, _), block_sents in zip(blocks, sents, strict=True):
        spans[i].extend((offset + x.start, offset + x.end) for x in block_sents)
    return [found or ([(0, len(body))] if body else []) for found, body in zip(spans, bodies, strict=True)]


def pack_sentences(spans: Sequence[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily merge consecutive sentences into windows of at most max_chars.

    A sentence longer than max_chars becomes a window of its own: sentences are never cut
    (only a run of more than KIWI_BLOCK characters without one is, by split_sentences).
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
