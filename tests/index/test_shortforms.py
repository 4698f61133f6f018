"""The short-form table (index/shortforms.ko.tsv) and what it does to search."""

from __future__ import annotations

import json

import pytest

from index.hybrid import SearchParams
from index.searcher import Searcher
from index.shortforms import DEFAULT_TABLE, load_shortforms


@pytest.fixture(scope="module")
def sf():
    return load_shortforms()


@pytest.mark.parametrize(("text", "names"), [
    ("과기정통부는 14일 발표했다", ["과학기술정보통신부"]),
    ("중기부와 산업부가 공동으로", ["중소벤처기업부", "산업통상자원부"]),
    ("복지부·국토부·권익위", ["보건복지부", "국토교통부", "국민권익위원회"]),
    ("충북TP 원장", ["테크노파크"]),
    ("과학기술정보통신부 장관", ["과학기술정보통신부"]),  # the full name is a form of its own group
])
def test_forms_map_to_their_full_names(sf, text, names):
    assert [n for n in sf.canonical(text) if n in names] == names


@pytest.mark.parametrize("text", ["산업부문 전체의 투자", "STOP 신호", "국토부동산"])
def test_short_forms_do_not_match_inside_longer_words(sf, text):
    assert sf.canonical(text) == []


def test_every_group_is_reachable_from_each_of_its_forms(sf):
    assert len(sf.groups) >= 40
    for group in sf.groups:
        for form in group:
            assert sf.forms_of(form) == group
            assert group[0] in sf.canonical(f"{form}는 밝혔다"), form


def test_a_form_in_two_groups_is_refused_with_its_line(tmp_path):
    table = tmp_path / "t.tsv"
    table.write_text("# comment\n산업통상자원부\t산업부\n국토교통부\t산업부\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t\.tsv:3: '산업부'"):
        load_shortforms(table)


def test_the_table_hash_is_part_of_the_tokenizer_description(tokenizer):
    assert tokenizer.describe()["shortforms_sha256"] == load_shortforms(DEFAULT_TABLE).sha256


def test_a_short_form_query_finds_the_article_that_spells_the_name_out(tmp_path, make_writer, tokenizer,
                                                                       hash_embedder):
    from tests.indexing import ingest_paths

    rows = [{"id": "full", "title": "과학기술정보통신부, 지역 AI 거점 공모", "date": "2025-03-02",
             "body": "과학기술정보통신부는 지역 인공지능 거점 사업 공모를 시작한다고 2일 밝혔다. " * 3},
            {"id": "other", "title": "행정안전부, 지역 소멸 대응 기금 배분", "date": "2025-03-02",
             "body": "행정안전부는 지방소멸대응기금 배분 결과를 발표했다. 지역 사업 공모도 이어진다. " * 3}]
    src = tmp_path / "a.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    idx = tmp_path / "idx"
    w = make_writer(idx, hash_embedder)
    ingest_paths(w, [src])
    s = Searcher(idx, hash_embedder, tokenizer, SearchParams(), verify_in_background=False)
    assert "과학기술정보통신부" in tokenizer(["과기정통부 공모"])[0]
    # Neither article contains the short form: only its full-name token can find one.
    hits = s.search("과기정통부", k=2, mode="bm25")
    assert [h.chunk.article_id for h in hits] == ["full"]
