"""Builds the heavy objects from Settings; called only by the edges (CLIs and app.py)."""

from __future__ import annotations

from pathlib import Path

from config import DEFAULT_MODEL, Settings
from index.embed import Embedder, load_embedder
from index.korean import KoreanTokenizer, build_kiwi
from index.model import default_cache_dir, resolve_model
from index.searcher import Searcher, SearchParams
from index.writer import IndexWriter


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


def open_writer(settings: Settings, index_dir: Path, tokenizer: KoreanTokenizer,
                embedder: Embedder) -> IndexWriter:
    """The caller must hold index.store.WriteLock(index_dir)."""
    return IndexWriter(index_dir, kiwi=tokenizer.kiwi, tokenizer=tokenizer, embedder=embedder,
                       chunk_max_chars=settings.chunk_max_chars,
                       exact_search_max=settings.exact_search_max)


def open_searcher(settings: Settings, index_dir: Path, tokenizer: KoreanTokenizer,
                  embedder: Embedder) -> Searcher:
    return Searcher(index_dir, embedder, tokenizer, search_params(settings))


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
