"""Shared fixtures: heavy objects (Kiwi, the embedding model) are built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
TEST_DATA = Path(__file__).resolve().parent / "data"
# Tests use only what the repository holds: ../shared (real seed pages, corpora) feeds bench/ only.


@pytest.fixture(scope="session")
def kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


@pytest.fixture(scope="session")
def tokenizer(kiwi):
    from index.korean import KoreanTokenizer
    from index.shortforms import load_shortforms

    return KoreanTokenizer(kiwi, shortforms=load_shortforms())


@pytest.fixture(scope="session")
def hash_embedder():
    from index.embed import HashEmbedder

    return HashEmbedder(dim=64)


@pytest.fixture
def make_writer(tokenizer):
    """Factory for the embedded backend's writer over a folder, with its embedding cache; closes both."""
    from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache
    from index.writer import EmbeddedWriter

    opened = []

    def make(index_dir: Path, embedder, chunk_max_chars: int = 300, exact_search_max: int = 10**6,
             lock_wait_s: float = 0.0):
        cache = EmbeddingCache(index_dir / CACHE_FILE)
        w = EmbeddedWriter(index_dir, tokenizer=tokenizer, embedder=CachedEmbedder(embedder, cache),
                           chunk_max_chars=chunk_max_chars, exact_search_max=exact_search_max,
                           lock_wait_s=lock_wait_s)
        opened.append((w, cache))
        return w

    yield make
    for w, cache in opened:
        w.close()
        cache.close()


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    """The verified default embedding model; a fresh machine fetches it once into the user cache."""
    from index.model import default_cache_dir, fetch_default_model

    return fetch_default_model(default_cache_dir(), progress=False)


@pytest.fixture(scope="session")
def embedder(default_model_dir: Path):
    """The real default embedder, loaded once per session (offline, from the local cache)."""
    from index.embed import load_embedder

    return load_embedder(str(default_model_dir))


def _engine_over(index_dir: Path, sources: list[Path], tokenizer, embedder):
    from config import Settings
    from engine import Engine

    settings = Settings(index_dir=index_dir, llm_provider="none", _env_file=None)
    engine = Engine(settings, index_dir, tokenizer, embedder)
    report = engine.ingest(sources)
    if report.skipped:
        raise RuntimeError(f"fixture sources were skipped: {report.skipped}")
    return engine


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, tokenizer, embedder) -> Path:
    """The bundled sample corpus, indexed once per session; tests copy it before writing."""
    idx = tmp_path_factory.mktemp("sample") / "index"
    _engine_over(idx, [SAMPLE], tokenizer, embedder)
    return idx


@pytest.fixture(scope="session")
def sample_engine(sample_index, tokenizer, embedder):
    """An Engine over the session's sample index, read only (tests that write copy the index)."""
    from config import Settings
    from engine import Engine

    settings = Settings(index_dir=sample_index, llm_provider="none", _env_file=None)
    return Engine(settings, sample_index, tokenizer, embedder)


@pytest.fixture(scope="session")
def kiwi_split(kiwi):
    """Kiwi's sentence splitter in the plain `split(text) -> list[str]` shape the answer checks take."""
    return lambda text: [s.text for s in kiwi.split_into_sents(text)]


@pytest.fixture(scope="session")
def llm_server():
    """A real OpenAI-compatible llama.cpp server with a tiny base GGUF on a loopback port; its base URL."""
    from tests.answer.llm_server import serve_llm

    with serve_llm() as base_url:
        yield base_url


@pytest.fixture
def closed_port_url() -> str:
    """An OpenAI-style base URL on a loopback port nothing listens on (connections are refused)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def app_index(tmp_path: Path, sample_index: Path) -> Path:
    """A writable copy of the session's sample index for one app test."""
    import shutil

    dst = tmp_path / "app_index"
    shutil.copytree(sample_index, dst)
    return dst


@pytest.fixture
def clear_streamlit_caches():
    """st.cache_resource/st.cache_data outlive an AppTest run; each app test starts without them."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_env(monkeypatch, tokenizer, embedder, clear_streamlit_caches):
    """Points app.py at an index folder (NEWSRAG_INDEX_DIR) through a fresh get_settings().

    Engine.load is given the session's already-loaded model and tokenizer (the same objects it
    would build, only not loaded again); everything else in the app runs for real.
    """
    from config import get_settings
    from engine import Engine

    def load(cls, settings, index_dir=None, *, with_llm=True, require_index=False):
        from wiring import build_llm_answerer
        from wiring import require_index as check

        index_dir = index_dir or settings.index_dir
        if require_index:
            check(settings, index_dir)
        return cls(settings, index_dir, tokenizer, embedder,
                   build_llm_answerer(settings) if with_llm else None)

    def point_at(index_dir: Path, **env: str) -> None:
        monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(index_dir))
        monkeypatch.setenv("NEWSRAG_LLM_PROVIDER", "none")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    monkeypatch.setattr(Engine, "load", classmethod(load))
    yield point_at
    get_settings.cache_clear()


# --- fetching pages and feeds (tests/web.py) ---------------------------------------------------

@pytest.fixture
def web_site():
    """A real HTTP server on a loopback port serving tests/data/feeds (pages, feeds, robots.txt) with
    ETag/Last-Modified and a request log; shut down after the test."""
    from tests.web import Site, serve_news

    site = serve_news(Site()).start()
    yield site
    site.stop()
