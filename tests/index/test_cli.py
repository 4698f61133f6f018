"""The command-line contract other tools rely on: JSON shapes of search, related, eval, articles."""

from __future__ import annotations

import json

import pytest

from config import get_settings
from index.__main__ import main as index_main
from ingest.__main__ import main as ingest_main
from tests.conftest import TEST_DATA

HIT_KEYS = {"rank", "score", "article_id", "chunk_id", "title", "outlet", "published_at", "text", "start", "end"}


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory, embedder):
    """An index built through `python -m ingest` itself (the real model, as a user would)."""
    idx = tmp_path_factory.mktemp("cli") / "index"
    get_settings.cache_clear()
    assert ingest_main([str(TEST_DATA / "articles.jsonl"), "--index", str(idx), "--quiet"]) == 0
    return idx


def run(capsys, argv) -> list[dict]:
    get_settings.cache_clear()
    assert index_main(argv) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_search_json_contract(cli_index, capsys):
    (out,) = run(capsys, ["search", "--index", str(cli_index), "--k", "3", "--json", "기준금리 동결"])
    assert out["query_id"] == "q1" and out["query"] == "기준금리 동결"
    assert [h["rank"] for h in out["hits"]] == [1, 2, 3]
    assert HIT_KEYS <= set(out["hits"][0]) and out["hits"][0]["article_id"] == "t01"


def test_search_batch_and_filters(cli_index, capsys, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "a", "text": "프로야구"}\n{"id": "b", "text": "바이오 예산"}\n', encoding="utf-8")
    outs = run(capsys, ["search", "--index", str(cli_index), "--queries", str(queries), "--json"])
    assert [o["query_id"] for o in outs] == ["a", "b"]
    (dated,) = run(capsys, ["search", "--index", str(cli_index), "--json", "--date-from", "2025-07-01",
                            "--date-to", "2025-07-31", "소식"])
    assert dated["hits"] and all("2025-07" <= h["published_at"][:7] <= "2025-07" for h in dated["hits"])


def test_related_eval_and_articles(cli_index, capsys, tmp_path):
    (rel,) = run(capsys, ["related", "--index", str(cli_index), "--article", "t02", "--json"])
    assert rel["hits"] and "t02" not in {h["article_id"] for h in rel["hits"]}
    q = tmp_path / "q.jsonl"
    q.write_text('{"id": "x", "text": "한국은행 기준금리"}\n', encoding="utf-8")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query_id\tdoc_id\tscore\nx\tt01\t1\n", encoding="utf-8")
    (metrics,) = run(capsys, ["eval", "--index", str(cli_index), "--queries", str(q), "--qrels", str(qrels),
                              "--json"])
    assert metrics["Recall@1"] == 1.0 and metrics["MRR@10"] == 1.0 and metrics["queries"] == 1
    arts = run(capsys, ["articles", "--index", str(cli_index), "--json"])
    assert {"article_id", "source_path", "kind", "title", "subtitle", "outlet", "reporter", "published_at",
            "url", "body", "duplicate_of", "regions", "organizations", "n_chunks"} <= set(arts[0])
    assert sum(a["duplicate_of"] is not None for a in arts) == 1


def test_errors_are_one_line_with_exit_1(tmp_path, capsys):
    get_settings.cache_clear()
    assert index_main(["search", "--index", str(tmp_path / "none"), "질문"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 인덱스가 없습니다") and "python -m ingest" in err


def test_reingest_prints_summary_and_embeds_nothing_new(cli_index, capsys):
    get_settings.cache_clear()
    assert ingest_main([str(TEST_DATA / "articles.jsonl"), "--index", str(cli_index), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "변경 없음 1" in out and "새로 임베딩 0개" in out


def test_build_reembeds_through_the_cache_and_applies_a_new_user_dictionary(cli_index, capsys, tmp_path,
                                                                           monkeypatch):
    import shutil

    idx = tmp_path / "idx"
    shutil.copytree(cli_index, idx)
    words = tmp_path / "words.tsv"
    words.write_text("특화단지\tNNP\n", encoding="utf-8")
    monkeypatch.setenv("NEWSRAG_USER_DICT", str(words))
    get_settings.cache_clear()
    assert index_main(["search", "--index", str(idx), "특화단지"]) == 1  # built without the dictionary
    assert "python -m index build" in capsys.readouterr().err
    get_settings.cache_clear()
    assert index_main(["build", "--index", str(idx)]) == 0
    assert "rebuilt: 7 chunks" in capsys.readouterr().out
    (out,) = run(capsys, ["search", "--index", str(idx), "--json", "--k", "1", "특화단지 예산"])
    assert out["hits"][0]["article_id"] in {"t02", "t05"} and out["hits"][0]["bm25_rank"] == 1
    with pytest.raises(SystemExit):  # the old flag is gone: build always rebuilds
        index_main(["build", "--index", str(idx), "--rebuild"])


def test_info_and_delete(cli_index, capsys, tmp_path):
    import shutil

    idx = tmp_path / "idx"
    shutil.copytree(cli_index, idx)
    get_settings.cache_clear()
    assert index_main(["info", "--index", str(idx)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["articles"], info["chunks"], info["duplicates"]) == (7, 7, 1)
    assert info["embed_model"] == "embeddinggemma-300m" and info["dense_type"] == "flat"
    get_settings.cache_clear()
    assert index_main(["delete", "--index", str(idx), "--article", "t04"]) == 0
    assert "기사 1개" in capsys.readouterr().out
    arts = run(capsys, ["articles", "--index", str(idx), "--json"])
    assert sorted(a["article_id"] for a in arts) == ["t01", "t02", "t03", "t05", "t06", "t07"]
    (out,) = run(capsys, ["search", "--index", str(idx), "--json", "프로야구 연승"])
    assert "t04" not in {h["article_id"] for h in out["hits"]}
    get_settings.cache_clear()
    assert index_main(["delete", "--index", str(idx)]) == 1
    assert "--article" in capsys.readouterr().err
