"""Settings read from the environment (NEWSRAG_*) and `.env`; only edges call get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.hybrid import SearchParams

_SEARCH = SearchParams()  # the ranking defaults live with the fusion code

DEFAULT_MODEL = "embeddinggemma-300m"  # resolved to the copy fetched by `python -m index fetch-model`


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSRAG_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    index_dir: Path = Path("data/index")
    # Where the index lives: "embedded" (FAISS + bm25s + SQLite in index_dir, the default) or
    # "postgres" (PostgreSQL + pgvector at database_url, shared by several app processes).
    backend: Literal["embedded", "postgres"] = "embedded"
    database_url: SecretStr | None = None  # postgresql://user@host:port/db
    # Embedding during ingest: in-process (None) or on a Ray cluster ("local" starts one on this
    # machine, "auto" joins the running one, "ray://host:10001" a remote one).
    ray_address: str | None = None
    ray_actors: int = 1  # model replicas (actors) embedding at once
    ray_gpus_per_actor: float = 0.0  # 1 on a GPU cluster: each actor takes a GPU
    lock_wait_s: float = 60.0  # how long a writer waits for another one's batch to be published
    batch_articles: int = 256  # articles per atomic publish during ingest

    # Embedding: DEFAULT_MODEL, any sentence-transformers model name, or a local path.
    embed_model: str = DEFAULT_MODEL
    model_cache_dir: Path | None = None  # default: $XDG_CACHE_HOME/newsrag or ~/.cache/newsrag
    embed_dtype: Literal["auto", "bfloat16", "float32"] = "auto"
    embed_batch_size: int = 8  # bench/embed.py: 8.8 chunks/s at 8, 7.7 at 16, 5.9 at 32 (bfloat16)
    embed_dim: int | None = None  # Matryoshka truncation; None keeps the model's full size

    chunk_max_chars: int = 500
    user_dict: Path | None = None  # extra Kiwi words, one "word<TAB>TAG" per line
    shortforms: bool = True  # 과기정통부 ↔ 과학기술정보통신부 … (index/shortforms.ko.tsv) in search and answers

    top_k: int = 8
    # Fusion, chosen on KorQuAD and long-page dev halves together (bench/fusion.py compares settings).
    rrf_k: int = _SEARCH.rrf_k
    dense_weight: float = _SEARCH.dense_weight
    bm25_weight: float = _SEARCH.bm25_weight
    fusion: Literal["rrf", "minmax"] = _SEARCH.fusion  # rank fusion, or score fusion
    article_second: float = _SEARCH.article_second  # article ranking: best chunk + this × second best
    max_chunks_per_article: int = _SEARCH.max_per_article  # in an answer's hits (search lists show one)
    exact_search_max: int = 200_000  # past this many chunks the dense index turns approximate

    answer_min_score: float = 0.60  # extractive answers below this say "not found" (bench/seeds.py)
    answer_min_score_with_value: float = 0.45  # the same, when the sentence states the asked-for value

    llm_provider: Literal["none", "openai", "ollama"] = "none"
    llm_base_url: str | None = None
    llm_model: str | None = None
    openai_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0

    max_file_mb: int = 64  # larger files are refused with a message (split them)
    upload_max_mb: int = 50  # per file uploaded in the app
    upload_max_total_mb: int = 200  # all files of one upload together

    fetch_delay_s: float = 1.0  # least time between two requests to one host (a robots.txt Crawl-delay may ask more)
    fetch_timeout_s: float = 20.0  # per request: connecting, each read, and the whole body
    fetch_user_agent: str = "newsrag/1.0 (policy news search; respects robots.txt)"  # sent with every request
    fetch_private_hosts: bool = False  # allow URLs on loopback/private addresses (an intranet); refused by default


@lru_cache
def get_settings() -> Settings:
    return Settings()
