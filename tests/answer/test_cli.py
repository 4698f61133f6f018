"""`python -m answer ask` and `python -m answer brief` end to end: the JSON contract and the exports."""

from __future__ import annotations

import io
import json

from answer.__main__ import main as answer_main
from config import get_settings

ANSWER_KEYS = {"question_id", "question", "answer", "short_answer", "answerable", "citations", "backend", "notice",
               "closest"}
CITATION_KEYS = {"n", "article_id", "chunk_id", "title", "outlet", "published_at", "quote", "start", "end"}


def run(capsys, argv: list[str]) -> str:
    get_settings.cache_clear()
    assert answer_main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_ask_json_contract(sample_index, capsys, monkeypatch):
    monkeypatch.setenv("NEWSRAG_LLM_PROVIDER", "none")
    out = json.loads(run(capsys, ["ask", "--index", str(sample_index), "--json",
                                  "충북 지역혁신클러스터 2기 사업에 투입되는 총 사업비는?"]))
    assert set(out) == ANSWER_KEYS and out["answerable"] and out["backend"] == "extractive"
    assert out["closest"] == [] and out["short_answer"] == "400억원"
    assert all(set(c) == CITATION_KEYS for c in out["citations"])
    assert "400억원" in out["citations"][0]["quote"]


def test_ask_batch_declines_with_the_closest_articles(sample_index, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRAG_LLM_PROVIDER", "none")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "question": "부산 가덕도신공항의 개항 예정 연도는 언제인가?"}\n'
                         '{"id": "b", "question": "대구 연구개발특구의 100번째 연구소기업은 어디인가?"}\n',
                         encoding="utf-8")
    a, b = [json.loads(x) for x in run(capsys, ["ask", "--index", str(sample_index), "--questions",
                                                str(questions), "--json"]).splitlines()]
    assert (a["question_id"], a["answerable"], a["citations"]) == ("a", False, [])
    assert a["answer"] == "제공된 기사에서 답을 찾지 못했습니다." and len(a["closest"]) == 3
    assert a["short_answer"] is None and b["short_answer"] == "메디스캔랩"
    assert b["question_id"] == "b" and b["answerable"]


def test_brief_in_every_format(sample_index, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRAG_LLM_PROVIDER", "none")
    base = ["brief", "--index", str(sample_index), "--topic", "충북 지역혁신클러스터"]
    md = run(capsys, base)
    assert md.startswith("# 브리핑: 충북 지역혁신클러스터") and "400억원" in md
    data = json.loads(run(capsys, [*base, "--format", "json", "--date-from", "2025-01-01"]))
    assert data["topic"] == "충북 지역혁신클러스터" and data["date_from"] == "2025-01-01"
    assert data["timeline"] and all(e["date"] >= "2025" for e in data["timeline"])
    docx = tmp_path / "brief.docx"
    run(capsys, [*base, "--format", "docx", "-o", str(docx)])
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs)
    assert "핵심 요약" in text and "400억원" in text


def test_brief_docx_without_output_is_an_error(sample_index, capsys):
    get_settings.cache_clear()
    assert answer_main(["brief", "--index", str(sample_index), "--topic", "x", "--format", "docx"]) == 1
    assert capsys.readouterr().err.startswith("error: docx 형식은 -o")
