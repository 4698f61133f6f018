"""Builds the heavy objects and the index backend from Settings; called only by the edges and Engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config import DEFAULT_MODEL, Settings
from contracts import ChunkEmbedder, IndexWriter, Retriever
from index.embed import Embedder, load_embedder
from index.hybrid import SearchParams
from index.korean import KoreanTokenizer, build_kiwi
from index.model import default_cache_dir, resolve_model


def model_cache_dir(settings: Settings) -> Path:
    return settings.model_cache_dir or default_cache_dir()


def build_embedder(settings: Settings) -> Embedder:
    path = resolve_model(settings.embed_model, model_cache_dir(settings))
    name = DEFAULT_MODEL if settings.embed_model == DEFAULT_MODEL else None
    return load_embedder(path, dtype=settings.embed_dtype, dim=settings.embed_dim,
                         batch_size=settings.embed_batch_size, name=name)


def build_tokenizer(settings: Settings) -> KoreanTokenizer:
    from index.shortforms import load_shortforms

    kiwi = build_kiwi(settings.user_dict)
    return KoreanTokenizer(kiwi, user_dict=settings.user_dict,
                           shortforms=load_shortforms() if settings.shortforms else None)


def search_params(settings: Settings) -> SearchParams:
    return SearchParams(rrf_k=settings.rrf_k, dense_weight=settings.dense_weight,
                        bm25_weight=settings.bm25_weight, fusion=settings.fusion,
                        article_second=settings.article_second, max_per_article=settings.max_chunks_per_article)


def require_index(settings: Settings, index_dir: Path) -> None:
    """Raise IndexMissingError at once when there is plainly no index (no catalog file)."""
    from errors import IndexMissingError
    from index.catalog import CATALOG_FILE

    if settings.backend == "postgres":
        from index.pg_retriever import require_pg_index

        require_pg_index(database_url(settings))
    elif not (index_dir / CATALOG_FILE).is_file():
        raise IndexMissingError(str(index_dir))


def database_url(settings: Settings) -> str | None:
    """The PostgreSQL backend's connection string (kept secret in Settings)."""
    return settings.database_url.get_secret_value() if settings.database_url else None


def fetch_state_path(settings: Settings, index_dir: Path) -> Path:
    """The fetch state file (validators, saved feeds): beside an embedded index, else in the data folder."""
    if settings.backend == "embedded":
        return index_dir / "fetch_state.sqlite"
    return settings.data_dir / "fetch_state.sqlite"


def open_retriever(settings: Settings, index_dir: Path, tokenizer: KoreanTokenizer,
                   embedder: Embedder) -> Retriever:
    """The configured backend's retriever; raises IndexMissingError when there is no index yet."""
    if settings.backend == "postgres":
        from index.pg_retriever import PgRetriever

        return PgRetriever(database_url(settings), embedder, tokenizer, search_params(settings))
    from index.searcher import Searcher

    return Searcher(index_dir, embedder, tokenizer, search_params(settings))


@contextmanager
def chunk_embedding(settings: Settings, index_dir: Path, embedder: Embedder) -> Iterator[ChunkEmbedder]:
    """The model behind the backend's embedding cache: what ingest and rebuilds embed through.

    With settings.ray_address the cache misses are embedded on a Ray cluster instead of here.
    """
    from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache

    if settings.backend == "postgres":
        from index.pg_schema import PgEmbeddingCache, require_dsn

        cache = PgEmbeddingCache(require_dsn(database_url(settings)))  # shared by every process
    else:
        cache = EmbeddingCache(index_dir / CACHE_FILE)
    try:
        if not settings.ray_address:
            yield CachedEmbedder(embedder, cache)
            return
        from index.cluster import EmbedSpec, RayChunkEmbedder, resolve_dtype

        # The actors load what build_embedder loads here; the cache keys stay the in-process ones.
        model = resolve_model(settings.embed_model, model_cache_dir(settings))
        spec = EmbedSpec(model, embedder.name, embedder.dim, resolve_dtype(settings.embed_dtype),
                         settings.embed_dim, settings.embed_batch_size, local=Path(model).expanduser().is_dir())
        with RayChunkEmbedder(spec, cache, settings.ray_address, settings.ray_actors, settings.ray_gpus_per_actor,
                              format_documents=getattr(embedder, "format_documents", None)) as chunks:
            yield chunks
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
        if settings.backend == "postgres":
            from index.pg_writer import PgWriter

            writer = PgWriter(database_url(settings), tokenizer=tokenizer, embedder=chunks,
                              chunk_max_chars=settings.chunk_max_chars, lock_wait_s=settings.lock_wait_s,
                              create=create)
        else:
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
