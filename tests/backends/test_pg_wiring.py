"""NEWSRAG_BACKEND=postgres end to end with the real model: the CLIs' JSON and the results of both backends."""

from __future__ import annotations

import json

import pytest

from config import Settings, get_settings
from engine import Engine
from index.cache import CACHE_FILE, EmbeddingCache
from index.pg_schema import PgEmbeddingCache
from tests.conftest import SAMPLE

QUESTIONS = ["충북 지역혁신클러스터 2기 사업비는?", "송도 바이오 특화단지 투자 규모", "연구개발특구 육성 종합계획",
             "세종 마라톤 참가자", "규제자유특구 신규 지정", "양자 클러스터 협약", "반도체 소재 기업 지원",
             "탄소 국가혁신클러스터 매출"]


@pytest.fixture
def pg_sample(pg_dsn, sample_index, tokenizer, embedder, tmp_path):
    """data/sample in PostgreSQL through Engine.ingest, with the vectors the embedded sample index holds
    (copied into the database's cache table: the model embeds nothing again)."""
    local = EmbeddingCache(sample_index / CACHE_FILE)
    keys = [k for (k,) in local._conn.execute("SELECT key FROM vec")]
    found = local.get_many(keys, embedder.dim)
    local.close()
    shared = PgEmbeddingCache(pg_dsn)
    shared.put_many(list(found), [found[k] for k in found])
    shared.close()
    settings = Settings(backend="postgres", database_url=pg_dsn, llm_provider="none", _env_file=None)
    engine = Engine(settings, tmp_path / "unused", tokenizer, embedder)
    report = engine.ingest([SAMPLE])
    assert report.totals.embedded == 0 and report.totals.added == 34 and not report.skipped
    yield engine
    engine.close()


def test_both_backends_give_the_same_top_three(pg_sample, sample_engine):
    for q in QUESTIONS:
        pg_top = [h.chunk.article_id for h in pg_sample.search(q, k=3)]
        embedded_top = [h.chunk.article_id for h in sample_engine.search(q, k=3)]
        assert pg_top == embedded_top, q
        assert len(pg_top) == 3, q
    hits = pg_sample.search("송도 바이오 특화단지 2조1천억원", k=3)
    assert hits[0].copies == 2 and len(pg_sample.copies(hits)[hits[0].chunk.article_id]) == 2


def test_other_fusion_settings_rank_as_the_embedded_backend(pg_sample, sample_index, pg_dsn, tokenizer, embedder):
    from index.hybrid import SearchParams
    from index.pg_retriever import PgRetriever
    from index.searcher import Searcher

    for params in (SearchParams(fusion="minmax"), SearchParams(rrf_k=60, bm25_weight=1.0, article_second=0.5)):
        r = PgRetriever(pg_dsn, embedder, tokenizer, params)
        s = Searcher(sample_index, embedder, tokenizer, params, verify_in_background=False)
        try:
            for q in QUESTIONS:
                pg_hits, embedded_hits = r.search(q, k=3), s.search(q, k=3)
                assert [h.chunk.chunk_id for h in pg_hits] == [h.chunk.chunk_id for h in embedded_hits], (params, q)
                # halfvec keeps the vectors to about 3 digits: min-max dense shares move that little
                assert [h.score for h in pg_hits] == pytest.approx([h.score for h in embedded_hits], abs=2e-3)
        finally:
            r.close()
            s.close()


@pytest.fixture
def cli(monkeypatch, tokenizer, embedder, capsys):
    """Run a CLI in this process under environment variables; Engine.load gets the session's model."""

    def load(cls, settings, index_dir=None, *, with_llm=True, require_index=False):
        from wiring import require_index as check

        index_dir = index_dir or settings.index_dir
        if require_index:
            check(settings, index_dir)
        return cls(settings, index_dir, tokenizer, embedder)

    monkeypatch.setattr(Engine, "load", classmethod(load))

    def run(main, argv: list[str], **env: str) -> list[dict]:
        """The JSON objects the command printed, one a line (or one indented object)."""
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        code = main(argv)
        out = capsys.readouterr()
        assert code == 0, out.err
        if out.out.startswith("{\n"):
            return [json.loads(out.out)]
        return [json.loads(line) for line in out.out.splitlines() if line.strip()]

    yield run
    get_settings.cache_clear()


def test_the_cli_json_is_the_same_under_postgres(cli, pg_sample, sample_index, pg_dsn):
    from answer.__main__ import main as answer_main
    from index.__main__ import main as index_main

    pg_env = {"NEWSRAG_BACKEND": "postgres", "NEWSRAG_DATABASE_URL": pg_dsn, "NEWSRAG_LLM_PROVIDER": "none"}
    embedded_env = {"NEWSRAG_BACKEND": "embedded", "NEWSRAG_INDEX_DIR": str(sample_index)}
    q = QUESTIONS[0]
    searched = {name: cli(index_main, ["search", "--json", "--k", "3", q], **env)[0]
                for name, env in (("pg", pg_env), ("embedded", embedded_env))}
    assert [list(h) for h in searched["pg"]["hits"]] == [list(h) for h in searched["embedded"]["hits"]]
    assert [h["article_id"] for h in searched["pg"]["hits"]] == [h["article_id"] for h in searched["embedded"]["hits"]]
    asked = {name: cli(answer_main, ["ask", "--json", q], **env)[0]
             for name, env in (("pg", pg_env), ("embedded", embedded_env))}
    assert list(asked["pg"]) == list(asked["embedded"])
    assert [c["chunk_id"] for c in asked["pg"]["citations"]] == [c["chunk_id"] for c in asked["embedded"]["citations"]]
    assert asked["pg"]["answerable"] and asked["pg"]["answer"] == asked["embedded"]["answer"]
    checked = cli(index_main, ["check", "--json"], **pg_env)[0]
    assert checked["ok"] and (checked["articles"], checked["chunks"]) == (34, checked["dense_ids"])
    info = {name: cli(index_main, ["info"], **env)[0] for name, env in (("pg", pg_env), ("embedded", embedded_env))}
    assert list(info["pg"]) == list(info["embedded"]) and info["pg"]["articles"] == 34
    assert (info["pg"]["dense_type"], info["embedded"]["dense_type"]) == ("hnsw_halfvec", "flat")
