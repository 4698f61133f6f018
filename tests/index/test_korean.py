"""The one Korean tokenizer (BM25 indexing and queries) and the Kiwi user dictionary."""

from __future__ import annotations

import pytest

from errors import IndexMismatchError, NewsRagError
from index.korean import KoreanTokenizer, build_kiwi, load_user_dict
from index.searcher import Searcher
from tests.conftest import TEST_DATA
from tests.indexing import ingest_paths

SENTENCE = "전북은 탄소융복합 클러스터에 예산을 늘렸다."


def test_content_morphemes_only(tokenizer):
    assert tokenizer(["한국은행이 기준금리를 동결했다.", "기업들이 걷고 있다."]) == [
        ["한국은행", "기준", "금리", "동결"], ["기업", "걷"]]  # 걷/VV-I: the suffixed tag is kept


def test_user_dictionary_words_become_one_token(tmp_path):
    plain = KoreanTokenizer(build_kiwi())
    assert plain([SENTENCE]) == [["전북", "탄소", "융", "복합", "클러스터", "예산", "늘리"]]
    words = tmp_path / "words.tsv"
    words.write_text("# 지역 산업 용어\n탄소융복합\tNNP\n메디스캔랩\n", encoding="utf-8")
    custom = KoreanTokenizer(build_kiwi(words), user_dict=words)
    assert custom([SENTENCE]) == [["전북", "탄소융복합", "클러스터", "예산", "늘리"]]
    assert custom.describe()["user_dict_sha256"] != plain.describe()["user_dict_sha256"] == ""


def test_bad_user_dictionary_names_the_line(tmp_path):
    words = tmp_path / "words.tsv"
    words.write_text("탄소융복합\tNNP\n잘못된\t없는품사\n", encoding="utf-8")
    with pytest.raises(NewsRagError, match=r"words.tsv:2: .*'단어<TAB>품사'"):
        load_user_dict(build_kiwi(), words)
    with pytest.raises(NewsRagError, match="NEWSRAG_USER_DICT"):
        build_kiwi(tmp_path / "missing.tsv")


def test_index_built_without_the_dictionary_refuses_queries_with_it(tmp_path, make_writer, hash_embedder,
                                                                  tokenizer):
    idx = tmp_path / "idx"
    ingest_paths(make_writer(idx, hash_embedder), [TEST_DATA / "articles.jsonl"])
    words = tmp_path / "words.tsv"
    words.write_text("탄소융복합\tNNP\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="tokenizer.*python -m index build"):
        Searcher(idx, hash_embedder, KoreanTokenizer(build_kiwi(words), user_dict=words))
