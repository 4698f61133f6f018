"""Saved briefings and "what changed since": save, ingest new and changed articles, then
`Engine.since_last` and `python -m answer brief --since-last` list exactly those on the topic, cited.

Over a copy of the sample index with the real model; the articles of each week are our own
(tests/data/briefing/week*.jsonl): 대구 (on the topic, then edited), 강원 (new, on the topic) and
울산 수소 트램 (new, another topic).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from answer.__main__ import main as answer_main
from answer.export import changes_to_json, changes_to_markdown
from config import Settings, get_settings
from engine import Engine
from tests.conftest import TEST_DATA

WEEKS = TEST_DATA / "briefing"
TOPIC = "바이오 클러스터"
DAEGU = "대구 바이오 클러스터, 공동 실험동 착공…2026년 완공"
GANGWON = "강원 바이오 클러스터에 의료데이터 센터…2027년까지 210억원"
GANGWON_LEAD = "강원특별자치도는 춘천 바이오 클러스터에 의료데이터 활용 센터를 세운다고 10일 밝혔다."
DAEGU_LEAD = "대구시는 동구 첨단의료복합단지 안 바이오 클러스터에 공동 실험동을 착공했다고 3일 밝혔다."
BRIEF_KEYS = {"topic", "date_from", "date_to", "summary", "figures", "timeline", "organizations", "regions",
              "sources", "backend", "conflicts", "generation", "made_at"}


def engine_over(index_dir: Path, tokenizer, embedder) -> Engine:
    return Engine(Settings(index_dir=index_dir, llm_provider="none", _env_file=None), index_dir, tokenizer, embedder)


def week(folder: Path, *names: tuple[str, str]) -> Path:
    """Put fixture files into the source folder under the names they are ingested as."""
    folder.mkdir(exist_ok=True)
    for fixture, name in names:
        shutil.copy(WEEKS / fixture, folder / name)
    return folder


def test_save_then_since_last_lists_exactly_the_new_and_changed_articles(app_index, tmp_path, tokenizer, embedder):
    engine = engine_over(app_index, tokenizer, embedder)
    src = week(tmp_path / "src", ("week1.jsonl", "daegu.jsonl"))
    assert engine.ingest([src]).totals.added == 1
    assert engine.since_last(TOPIC) is None  # nothing saved yet
    briefing = engine.brief(TOPIC)
    saved = engine.save_briefing(briefing)
    assert (saved.topic, saved.saved_at, saved.generation) == (TOPIC, briefing.made_at, briefing.generation)
    assert "wk-101" in saved.article_ids and [s.topic for s in engine.saved_briefings()] == [TOPIC]
    assert engine.since_last(TOPIC).empty

    # A week later: the 대구 article is edited (40곳 -> 45곳), two new ones arrive.
    week(src, ("week1_edited.jsonl", "daegu.jsonl"), ("week2.jsonl", "week2.jsonl"))
    report = engine.ingest([src]).totals
    assert (report.added, report.updated) == (2, 1)
    changes = engine.since_last(f"  {TOPIC} ")  # the topic as typed, spaces and all
    assert (changes.topic, changes.saved_at, changes.saved_generation) == (TOPIC, saved.saved_at, saved.generation)
    assert changes.generation > saved.generation
    assert [(u.status, u.citation.article_id, u.citation.title, u.citation.outlet, u.citation.published_at[:10],
             u.citation.quote) for u in changes.new_articles + changes.changed_articles] == [
        ("new", "wk-201", GANGWON, "동해미래신문", "2025-09-10", GANGWON_LEAD),
        ("changed", "wk-101", DAEGU, "달구벌신문", "2025-09-03", DAEGU_LEAD),
    ]  # the 울산 수소 트램 article is new too, but not on the topic
    new = changes.new_articles[0]
    assert saved.saved_at < new.first_seen == new.last_changed
    assert changes.changed_articles[0].first_seen < saved.saved_at < changes.changed_articles[0].last_changed
    assert [(f.figure, f.citations[0].article_id) for f in changes.figures] == [
        ("210억원", "wk-201"), ("30곳", "wk-201"), ("150억원", "wk-101"), ("45곳", "wk-101")]
    assert [(e.date, e.citations[0].article_id) for e in changes.timeline] == [
        ("2025-09-03", "wk-101"), ("2025-09-10", "wk-201")]
    assert changes.conflicts == ()
    bodies = engine.articles(["wk-101", "wk-201"])
    for c in [u.citation for u in changes.new_articles + changes.changed_articles] + \
             [c for i in changes.figures + changes.timeline for c in i.citations]:
        assert bodies[c.article_id].body[c.start:c.end] == c.quote

    md = changes_to_markdown(changes)
    assert md.splitlines()[0] == f"# 지난 브리핑 이후: {TOPIC}"
    assert f"## 새 기사 (1건)\n- 2025-09-10 동해미래신문 「{GANGWON}」: {GANGWON_LEAD}\n" in md
    assert "## 바뀐 기사 (1건)" in md and "수소 트램" not in md
    assert json.loads(changes_to_json(changes))["new_articles"][0]["citation"]["article_id"] == "wk-201"

    engine.save_briefing(engine.brief(TOPIC))  # a new save is the new baseline
    assert engine.since_last(TOPIC).empty and len(engine.saved_briefings()) == 1


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    get_settings.cache_clear()
    code = answer_main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_since_last_through_the_cli(app_env, app_index, tmp_path, capsys, tokenizer, embedder):
    """`brief TOPIC --save`, new articles, then `brief --since-last TOPIC` as JSON and as text.

    app_env hands the CLI's Engine.load the session's model instead of loading it again.
    """
    app_env(app_index)
    idx = ["--index", str(app_index)]
    code, out, err = run(capsys, ["brief", TOPIC, *idx, "--save", "--json"])
    assert code == 0, err
    data = json.loads(out)  # the briefing it saved, in the brief JSON contract
    assert set(data) == BRIEF_KEYS and data["topic"] == TOPIC
    assert err.startswith(f"브리핑을 저장했습니다: '{TOPIC}' (인덱스 버전 {data['generation']}, ")

    code, out, err = run(capsys, ["brief", "--since-last", TOPIC, *idx, "--json"])
    assert (code, json.loads(out)["empty"], json.loads(out)["new_articles"]) == (0, True, [])

    engine_over(app_index, tokenizer, embedder).ingest([week(tmp_path / "src", ("week2.jsonl", "week2.jsonl"))])
    code, out, err = run(capsys, ["brief", "--since-last", TOPIC, *idx, "--json"])
    assert code == 0, err
    changes = json.loads(out)
    assert (changes["topic"], changes["saved_generation"], changes["empty"]) == (TOPIC, data["generation"], False)
    assert [(u["status"], u["citation"]["article_id"], u["citation"]["quote"]) for u in changes["new_articles"]] == [
        ("new", "wk-201", GANGWON_LEAD)]
    assert changes["changed_articles"] == []

    code, out, err = run(capsys, ["brief", "--since-last", TOPIC, *idx])
    assert code == 0, err
    assert out.startswith(f"# 지난 브리핑 이후: {TOPIC}\n")
    assert f"## 새 기사 (1건)\n- 2025-09-10 동해미래신문 「{GANGWON}」: {GANGWON_LEAD}\n" in out

    code, out, err = run(capsys, ["brief", "--since-last", "수소 트램", *idx])
    assert (code, out) == (1, "")
    assert err == ("error: '수소 트램' 주제로 저장한 브리핑이 없습니다. 먼저 "
                   '`python -m answer brief "수소 트램" --save`로 브리핑을 만들어 저장하세요.\n')
    code, _, err = run(capsys, ["brief", "--since-last", TOPIC, "--save", *idx])
    assert code == 1 and err.startswith("error: --since-last는 저장한 브리핑의 기간으로 비교하며")
