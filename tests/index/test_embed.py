"""Tests for the embedders: the real default model on a few Korean sentences, and the hash fake."""

from __future__ import annotations

import os

import numpy as np
import pytest

from errors import ModelError
from index.embed import HashEmbedder, load_embedder

QUERY = "충북 지역혁신클러스터 예산은 얼마인가?"
TITLES = [
    "충북도, 지역혁신클러스터 육성에 국비 확보",
    "한화, 연장 11회 끝내기 안타로 LG에 역전승",
    "전남도, 내년 농업 예산 1조 원 편성",
]
TEXTS = [
    "충청북도는 산업통상자원부의 지역혁신클러스터 육성 사업에 선정돼 올해 국비 120억 원을 포함해 "
    "총 200억 원의 예산을 투입한다고 밝혔다. "
    "도는 오송과 오창을 중심으로 바이오헬스 기업 지원을 늘릴 계획이다.",
    "한화 이글스는 20일 대전 구장에서 열린 경기에서 연장 11회 말 끝내기 안타로 LG 트윈스를 5대4로 꺾었다. "
    "선발 투수는 6이닝 동안 삼진 7개를 잡았다.",
    "전라남도는 내년도 농업 분야 예산을 1조 원 규모로 편성했다고 밝혔다. "
    "스마트팜 보급과 청년 농업인 정착 지원에 중점을 뒀다.",
]


def test_default_model_loads_offline(embedder):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert (embedder.name, embedder.dim) == ("embeddinggemma-300m", 768)


def test_query_scores_related_passage_clearly_higher(embedder):
    scores = (embedder.encode_queries([QUERY]) @ embedder.encode_documents(TITLES, TEXTS).T)[0]
    # Measured with bfloat16 on an AVX512-BF16 CPU: 0.71 related, 0.09 sports, 0.30 other region's budget.
    assert scores[0] - scores[1] >= 0.4
    assert scores[0] - scores[2] >= 0.2


def test_vectors_are_float32_unit_rows_in_input_order(embedder):
    docs = embedder.encode_documents(TITLES, TEXTS, batch_size=1)
    reordered = embedder.encode_documents(TITLES[::-1], TEXTS[::-1], batch_size=2)
    queries = embedder.encode_queries([QUERY, "야구 경기 결과"])
    for vecs, n in ((docs, 3), (queries, 2)):
        assert vecs.shape == (n, 768) and vecs.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(reordered[::-1] @ docs.T, docs @ docs.T, atol=1e-2)


def test_title_goes_into_document_prompt(embedder):
    inputs, prompt = embedder.format_documents(["충북도  예산\n발표", ""], ["본문", "본문"])
    assert inputs == ["title: 충북도 예산 발표 | text: 본문", "title: none | text: 본문"]
    assert prompt == ""
    a, b = embedder.encode_documents(["충북도 예산", "프로야구 결과"], [TEXTS[0], TEXTS[0]])
    assert a @ b < 0.98  # measured 0.93


def test_batches_are_padded_to_a_multiple_of_16_tokens_without_changing_vectors(embedder):
    model = embedder._model
    inputs, _ = embedder.format_documents(TITLES, TEXTS)
    features = model.preprocess(inputs)
    assert features["input_ids"].shape[1] % 16 == 0
    padded = embedder.encode_documents(TITLES, TEXTS, batch_size=1)
    saved = model[0].processing_kwargs
    try:
        model[0].processing_kwargs = {}
        unpadded = embedder.encode_documents(TITLES, TEXTS, batch_size=1)
    finally:
        model[0].processing_kwargs = saved
    # Pad tokens are masked out of attention and pooling; only bfloat16 rounding differs.
    assert np.min(np.sum(padded * unpadded, axis=1)) > 0.999


def test_progress_reports_each_batch(embedder):
    done: list[int] = []
    embedder.encode_documents(TITLES, TEXTS, batch_size=2, progress=done.append)
    assert done == [2, 1]


def test_matryoshka_dim_is_a_renormalised_prefix(embedder, default_model_dir):
    small = load_embedder(str(default_model_dir), dim=128)
    full = embedder.encode_queries([QUERY])[0]
    part = small.encode_queries([QUERY])[0]
    assert small.dim == 128 and part.shape == (128,)
    # bfloat16 output carries ~3 significant digits, so compare directions rather than elements.
    assert part @ (full[:128] / np.linalg.norm(full[:128])) > 0.9999


def test_unknown_dtype_is_rejected_before_loading(default_model_dir):
    with pytest.raises(ModelError, match="NEWSRAG_EMBED_DTYPE"):
        load_embedder(str(default_model_dir), dtype="float16")


def test_hash_embedder_is_deterministic_and_normalised():
    emb = HashEmbedder(dim=32)
    a = emb.encode_documents(["제목", "제목"], ["한국은행 기준금리", "프로야구 개막"])
    b = HashEmbedder(dim=32).encode_documents(["제목", "제목"], ["한국은행 기준금리", "프로야구 개막"])
    assert emb.name == "hash-32" and a.shape == (2, 32) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert not np.allclose(a[0], a[1])
    q = emb.encode_queries(["", "가"])
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
    assert emb.encode_queries([]).shape == (0, 32)


def test_a_large_batch_reaches_the_cache_in_slices_before_a_crash(tmp_path, hash_embedder):
    from index.cache import CACHE_FILE, FLUSH_EVERY, CachedEmbedder, EmbeddingCache
    from schema import Chunk

    class DiesOnThirdCall:
        name, dim = hash_embedder.name, hash_embedder.dim

        def __init__(self):
            self.calls = 0

        def encode_documents(self, titles, texts, progress=None):
            self.calls += 1
            if self.calls == 3:
                raise KeyboardInterrupt  # stands for the process being stopped
            return hash_embedder.encode_documents(titles, texts)

    chunks = [Chunk(f"a{i}#000", f"a{i}", 0, f"문장 {i}번", 0, 5, "제목", "", "", "") for i in range(FLUSH_EVERY * 3)]
    cache = EmbeddingCache(tmp_path / CACHE_FILE)
    try:
        with pytest.raises(KeyboardInterrupt):
            CachedEmbedder(DiesOnThirdCall(), cache).embed_chunks(chunks)
        again = CachedEmbedder(hash_embedder, cache)
        vecs = again.embed_chunks(chunks)
    finally:
        cache.close()
    assert again.newly_embedded() == FLUSH_EVERY  # two slices of the killed run were kept
    assert np.allclose(vecs, hash_embedder.encode_documents([c.title for c in chunks], [c.text for c in chunks]))
