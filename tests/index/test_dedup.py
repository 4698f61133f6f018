"""MinHash near-duplicate estimates on Korean wire copies."""

from __future__ import annotations

from index.dedup import THRESHOLD, band_keys, minhash, similarity

WIRE = ("산업통상자원부와 중소벤처기업부는 26일 정부세종청사에서 지역경제위원회를 열고 "
        "'2020년 지역산업진흥계획'을 확정했다. 정부는 내년 6700억 원의 예산을 투입해 바이오·헬스, "
        "자동차, 반도체 등 13대 업종을 중심으로 지역 전략산업 육성전략을 만든다.")


def test_wire_copy_with_small_edits_is_a_duplicate():
    copy = "[한빛통신] " + WIRE.replace("6700억 원", "6,700억원") + " 홍길동 기자"
    sim = similarity(minhash(WIRE), minhash(copy))
    assert sim >= THRESHOLD
    shared = sum(a == b for a, b in zip(band_keys(minhash(WIRE)), band_keys(minhash(copy)), strict=True))
    assert shared >= 1


def test_different_story_is_not_a_duplicate():
    other = "강원테크노파크가 디지털헬스케어 산업 생태계 조성에 박차를 가하고 있다. 강원도는 규제자유특구로 지정됐다."
    assert similarity(minhash(WIRE), minhash(other)) < 0.2


def test_signature_is_stable_and_whitespace_blind():
    assert (minhash(WIRE) == minhash(WIRE.replace(" ", "  \n"))).all()
    assert minhash("").shape == (128,)


def test_unrelated_articles_sharing_one_phrase_score_low():
    a = "경기도는 2026년까지 바이오 소부장 기업 40곳을 육성한다고 밝혔다. 도는 예산 120억원을 편성했다."
    b = "전북도는 탄소 소재 특화단지를 2026년까지 조성한다. 효성과 함께 공장을 짓는다고 설명했다."
    assert similarity(minhash(a), minhash(b)) < 0.15
