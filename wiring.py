"""Builds the heavy objects and the index backend from Settings; called only by the edges and Engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config import DEFAULT_MODEL, Settings
from contracts import ChunkEmbedder, IndexWriter, Retriever
from index.embed import Embedder, load_embedder
from index.korean import KoreanTokenizer, build_kiwi
from index.model import default_cache_dir, resolve_model
from index.searcher import SearchParams


def model_cache_dir(settings: Settings) -> Path:
    return settings.model_cache_dir or default_cache_dir()


def build_embedder(settings: Settings) -> Embedder:
    path = resolve_model(settings.embed_model, model_cache_dir(settings))
    name = DEFAULT_MODEL if settings.embed_model == DEFAULT_MODEL else None
    return load_embedder(path, dtype=settings.embed_dtype, dim=settings.embed_dim,
                         batch_size=settings.embed_batch_size, name=name)


def build_tokenizer(settings: Settings) -> KoreanTokenizer:
    kiwi = build_kiwi(settings.user_dict)
    return KoreanTokenizer(kiwi, user_dict=settings.user_dict)


def search_params(settings: Settings) -> SearchParams:
    return SearchParams(rrf_k=settings.rrf_k, dense_weight=settings.dense_weight,
                        bm25_weight=settings.bm25_weight,
                        max_per_article=settings.max_chunks_per_article)


def require_index(settings: Settings, index_dir: Path) -> None:
    """Raise IndexMissingError at once when there is plainly no index (no catalog file)."""
    from errors import IndexMissingError
    from index.catalog import CATALOG_FILE

    if settings.backend == "embedded" and not (index_dir / CATALOG_FILE).is_file():
        raise IndexMissingError(str(index_dir))


def open_retriever(settings: Settings, index_dir: Path, tokenizer: KoreanTokenizer,
                   embedder: Embedder) -> Retriever:
    """The configured backend's retriever; raises IndexMissingError when there is no index yet."""
    if settings.backend == "postgres":
        raise NotImplementedError("the PostgreSQL backend is being written")  # filled in with index/pg_*
    from index.searcher import Searcher

    return Searcher(index_dir, embedder, tokenizer, search_params(settings))


@contextmanager
def chunk_embedding(settings: Settings, index_dir: Path, embedder: Embedder) -> Iterator[ChunkEmbedder]:
    """The model behind the backend's embedding cache: what ingest and rebuilds embed through.

    With settings.ray_address the cache misses are embedded on a Ray cluster instead of here.
    """
    from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache

    cache = EmbeddingCache(index_dir / CACHE_FILE)
    try:
        yield CachedEmbedder(embedder, cache)
    finally:
        cache.close()


@contextmanager
def writing(settings: Settings, index_dir: Path, tokenizer: KoreanTokenizer, embedder: Embedder,
            create: bool = False) -> Iterator[IndexWriter]:
    """The configured backend's writer, closed on exit; each write inside takes the writer lock.

    Without create, a missing index raises IndexMissingError instead of being made empty.
    """
    from index.writer import EmbeddedWriter

    with chunk_embedding(settings, index_dir, embedder) as chunks:
        writer = EmbeddedWriter(index_dir, tokenizer=tokenizer, embedder=chunks,
                                chunk_max_chars=settings.chunk_max_chars,
                                exact_search_max=settings.exact_search_max,
                                lock_wait_s=settings.lock_wait_s, create=create)
        try:
            yield writer
        finally:
            writer.close()


def build_llm_answerer(settings: Settings):
    """The configured chat model wrapped for cited answers, or None for extractive only."""
    if settings.llm_provider == "none":
        return None
    from answer.chain import LLMAnswerer, build_chat_model
    from prompts import load_prompt

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    llm = build_chat_model(settings.llm_provider, settings.llm_base_url, settings.llm_model, key,
                           settings.llm_timeout_s)
    return LLMAnswerer(llm, load_prompt("answer.ko", {"question", "context"}))
