"""Shared fixtures: heavy objects (Kiwi, the embedding model) are built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
CORPORA = REPO.parent / "shared" / "corpora"
SAMPLE = REPO / "data" / "sample"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        raise RuntimeError(f"seed pages not found at {SEEDS}: clone with ../shared beside the repo")
    return SEEDS


@pytest.fixture(scope="session")
def tokenizer(kiwi):
    from index.korean import KoreanTokenizer

    return KoreanTokenizer(kiwi)


@pytest.fixture(scope="session")
def hash_embedder():
    from index.embed import HashEmbedder

    return HashEmbedder(dim=64)


@pytest.fixture
def make_writer(kiwi, tokenizer):
    """Factory for an IndexWriter over a folder; closes what it opened."""
    from index.writer import IndexWriter

    opened = []

    def make(index_dir: Path, embedder, chunk_max_chars: int = 300, exact_search_max: int = 10**6):
        w = IndexWriter(index_dir, kiwi=kiwi, tokenizer=tokenizer, embedder=embedder,
                        chunk_max_chars=chunk_max_chars, exact_search_max=exact_search_max)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()


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


@pytest.fixture(scope="session")
def seed_lines(seeds_dir: Path) -> dict[str, list[str]]:
    """Each seed page's raw lines (index 0 is line 1), keyed by its prefix ("000" … "004")."""
    return {p.name[:3]: p.read_text(encoding="utf-8").split("\n")
            for p in sorted(seeds_dir.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_articles(seeds_dir: Path) -> dict[str, list]:
    """Each seed page parsed by ingest.page.parse_text_page, keyed by its prefix."""
    from ingest.page import parse_text_page

    return {p.name[:3]: parse_text_page(p.read_text(encoding="utf-8"))
            for p in sorted(seeds_dir.glob("*.txt"))}


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
def seed_engine(tmp_path_factory, seeds_dir, tokenizer, embedder):
    """An Engine over the five real seed pages, indexed with the real model once per session."""
    return _engine_over(tmp_path_factory.mktemp("seed") / "index", [seeds_dir], tokenizer, embedder)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, tokenizer, embedder) -> Path:
    """The bundled sample corpus, indexed once per session; tests copy it before writing."""
    idx = tmp_path_factory.mktemp("sample") / "index"
    _engine_over(idx, [SAMPLE], tokenizer, embedder)
    return idx


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

    def load(cls, settings, index_dir=None):
        from wiring import build_llm_answerer

        return cls(settings, index_dir or settings.index_dir, tokenizer, embedder,
                   build_llm_answerer(settings))

    def point_at(index_dir: Path, **env: str) -> None:
        monkeypatch.setenv("NEWSRAG_INDEX_DIR", str(index_dir))
        monkeypatch.setenv("NEWSRAG_LLM_PROVIDER", "none")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    monkeypatch.setattr(Engine, "load", classmethod(load))
    yield point_at
    get_settings.cache_clear()
