"""Feeds: parsing RSS/Atom, subscribing, refreshing only what changed, and the CLI, against a real server."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from errors import IngestError
from ingest.__main__ import main
from ingest.feeds import entry_source, parse_feed
from tests.web import FEEDS, RSS, make_engine

BASE = "http://news.example"
RSS_URL, ATOM_URL = "/feeds/rss.xml", "/feeds/atom.xml"


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_text(encoding="utf-8").replace("{{BASE}}", BASE).encode("utf-8")


def by_url(report) -> dict[str, str]:
    return {i.url: i.outcome for i in report.items}


def test_rss_entries_have_links_titles_korean_dates_and_plain_text():
    feed = parse_feed(BASE + RSS_URL, fixture("rss.xml"), "application/rss+xml")
    assert (feed.title, feed.version, feed.malformed, feed.without_link) == ("한빛정책뉴스 - 지역경제", "rss20", "", 0)
    assert [(e.link, e.published_at) for e in feed.entries] == [
        (f"{BASE}/news/101.html", "2025-06-02T09:30:00+09:00"),
        (f"{BASE}/news/102.html", "2025-06-04T14:00:00+09:00"),
        (f"{BASE}/private/201.html", "2025-06-05T10:00:00+09:00"),
    ]
    assert feed.entries[2].title == "세종 행정수도 이전 기관 협의회 출범"
    assert feed.entries[2].text == ("세종특별자치시는 5일 중앙행정기관 이전 협의회를 출범시켰다고 밝혔다.\n"
                                    "협의회에는 이전 대상 기관 12곳과 세종시, 행정중심복합도시건설청이 참여한다.")


def test_atom_entry_content_wins_over_a_shorter_summary_and_fingerprints_follow_changes():
    feed = parse_feed(BASE + ATOM_URL, fixture("atom.xml"))
    assert feed.version == "atom10" and feed.title == "가람산업일보 산업단지"
    assert [e.link.removeprefix(BASE) for e in feed.entries] == ["/news/103.html", "/news/104.html", "/news/gone.html"]
    assert feed.entries[2].text.startswith("광주광역시는 인공지능 산업융합 집적단지")
    assert feed.entries[2].text.endswith("총 6,000억원이 투입된다.")
    edited = fixture("atom.xml").replace("AI 제조혁신센터 문 열어".encode(), "AI 센터 개소".encode())
    changed = parse_feed(BASE + ATOM_URL, edited)
    assert [a.fingerprint == b.fingerprint for a, b in zip(feed.entries, changed.entries, strict=True)] == [
        False, True, True]


def test_an_entry_without_a_page_becomes_a_one_record_source_under_the_page_url():
    feed = parse_feed(BASE + ATOM_URL, fixture("atom.xml"))
    source = entry_source(feed.entries[2], feed)
    assert (source.name, source.kind, source.url) == (f"{BASE}/news/gone.html", ".jsonl", f"{BASE}/news/gone.html")
    record = json.loads(source.data)
    assert (record["title"], record["source"], record["published_at"], record["url"]) == (
        "광주 인공지능 집적단지 2단계 예비타당성조사 통과", "가람산업일보 산업단지", "2025-06-13T09:00:00+09:00",
        f"{BASE}/news/gone.html")
    assert entry_source(replace(feed.entries[0], text=""), feed) is None


def test_a_page_is_not_a_feed_and_a_broken_feed_still_gives_its_entries():
    with pytest.raises(IngestError) as e:
        parse_feed(BASE + "/news/101.html", fixture("news-101.html"), "text/html")
    assert "RSS/Atom 피드가 아닙니다" in e.value.reason and "'페이지로 추가'(--url)" in e.value.reason
    with pytest.raises(IngestError, match="피드 주소를 확인하세요"):
        parse_feed(BASE + "/x.txt", "그냥 글자입니다".encode(), "text/plain")
    broken = parse_feed(BASE + "/feeds/broken.xml", fixture("broken.xml"))
    assert broken.malformed and broken.without_link == 1
    assert [e.link for e in broken.entries] == [f"{BASE}/news/105.html"]


def test_add_feeds_subscribes_ingests_pages_and_falls_back_to_entry_text(web_site, tmp_path, tokenizer,
                                                                         hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    u = web_site.url
    report = engine.add_feeds([u(RSS_URL), u(ATOM_URL), u("/news/101.html"), u("/feeds/none.xml")])
    assert [(i.url, i.feed, i.outcome) for i in report.items] == [
        (u(RSS_URL), "", "fetched"), (u("/news/101.html"), u(RSS_URL), "fetched"),
        (u("/news/102.html"), u(RSS_URL), "fetched"), (u("/private/201.html"), u(RSS_URL), "fallback"),
        (u(ATOM_URL), "", "fetched"), (u("/news/103.html"), u(ATOM_URL), "fetched"),
        (u("/news/104.html"), u(ATOM_URL), "fetched"), (u("/news/gone.html"), u(ATOM_URL), "fallback"),
        (u("/news/101.html"), "", "error"), (u("/feeds/none.xml"), "", "error")]
    items = {(i.url, i.feed): i for i in report.items}
    assert "RSS/Atom 피드가 아닙니다" in items[(u("/news/101.html"), "")].message  # the page given as a feed
    assert "HTTP 404" in items[(u("/feeds/none.xml"), "")].message
    assert "robots.txt" in items[(u("/private/201.html"), u(RSS_URL))].message
    assert "/private/201.html" not in web_site.paths()
    assert [(f.url, f.title) for f in engine.feeds()] == [(u(RSS_URL), "한빛정책뉴스 - 지역경제"),
                                                          (u(ATOM_URL), "가람산업일보 산업단지")]
    articles = {a.url: a for a, _ in engine.iter_articles()}
    assert set(articles) == {u(f"/news/{n}.html") for n in (101, 102, 103, 104)} | {
        u("/private/201.html"), u("/news/gone.html")}
    gone = articles[u("/news/gone.html")]
    assert (gone.title, gone.outlet, gone.published_at) == ("광주 인공지능 집적단지 2단계 예비타당성조사 통과",
                                                            "가람산업일보 산업단지", "2025-06-13T09:00:00+09:00")
    assert articles[u("/news/103.html")].outlet == "가람산업일보"  # from the page itself


def test_refresh_fetches_only_what_changed(web_site, tmp_path, tokenizer, hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    u = web_site.url
    engine.add_feeds([u(RSS_URL), u(ATOM_URL)])

    web_site.clear_log()
    quiet = engine.refresh_feeds()
    assert by_url(quiet) == {u(RSS_URL): "not_modified", u(ATOM_URL): "not_modified"} and quiet.ingest is None
    assert [(r.path, r.status) for r in web_site.log()] == [
        ("/robots.txt", 200), (RSS_URL, 304), (ATOM_URL, 304)]
    assert all(r.if_none_match == web_site.resources[r.path].etag for r in web_site.log()[1:])

    # One entry changes (its title in the feed, and its page); another entry is added.
    rss = web_site.resources[RSS_URL].body.decode()
    page = web_site.resources["/news/102.html"].body.decode()
    web_site.put("/news/102.html", page.replace("20곳 새로 입주", "24곳 새로 입주"))
    new_item = (f"<item><title>울산 이차전지 재활용 실증 라인 구축</title><link>{u('/news/105.html')}</link>"
                "<pubDate>Sun, 15 Jun 2025 02:00:00 GMT</pubDate></item>")
    rss = rss.replace("20곳 새로 입주", "24곳 새로 입주").replace("</channel>", new_item + "</channel>")
    web_site.put(RSS_URL, rss, RSS)
    web_site.clear_log()
    changed = engine.refresh_feeds()
    assert [r.path for r in web_site.log()] == ["/robots.txt", RSS_URL, "/news/102.html", "/news/105.html", ATOM_URL]
    outcomes = by_url(changed)
    assert (outcomes[u("/news/101.html")], outcomes[u("/news/102.html")], outcomes[u("/news/105.html")]) == (
        "skipped", "fetched", "fetched")
    assert outcomes[u("/private/201.html")] == "fallback"  # its page is still off limits
    assert changed.ingest.totals.added == 1 and changed.ingest.totals.updated == 1
    titles = {a.url: a.title for a, _ in engine.iter_articles()}
    assert titles[u("/news/102.html")] == "전북 익산 식품클러스터, 푸드테크 창업기업 24곳 새로 입주"

    web_site.clear_log()
    again = engine.refresh_feeds()
    assert set(by_url(again).values()) == {"not_modified"}
    assert [r.path for r in web_site.log()] == ["/robots.txt", RSS_URL, ATOM_URL]


def test_a_failed_entry_keeps_its_feed_read_again_until_it_goes_in(web_site, tmp_path, tokenizer, hash_embedder):
    web_site.put("/news/102.html", b"", status=503)
    rss = web_site.resources[RSS_URL].body.decode()
    web_site.put(RSS_URL, re.sub(r"<description>익산[^<]*</description>", "", rss), RSS)  # no text to fall back on
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    first = engine.add_feeds([web_site.url(RSS_URL)])
    item = next(i for i in first.items if i.url == web_site.url("/news/102.html"))
    assert (item.outcome, item.message) == ("error", "서버 오류입니다(HTTP 503). 잠시 뒤 다시 시도하세요.")
    web_site.put_file("/news/102.html", "news-102.html")
    web_site.clear_log()
    second = engine.refresh_feeds()
    assert [r.path for r in web_site.log()] == ["/robots.txt", RSS_URL, "/news/102.html"]
    assert web_site.log(RSS_URL)[0].if_none_match == ""  # the feed's validators were not kept
    assert by_url(second)[web_site.url("/news/102.html")] == "fetched"


def test_cli_subscribes_then_refreshes_for_a_timer(app_env, web_site, tmp_path, capsys):
    index = tmp_path / "index"
    app_env(index, NEWSRAG_FETCH_DELAY_S="0", NEWSRAG_FETCH_PRIVATE_HOSTS="true")
    assert main(["--feed", web_site.url(RSS_URL), "--index", str(index), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"[가져옴] {web_site.url(RSS_URL)} — 항목 3개" in out
    assert f"  [가져옴] {web_site.url('/news/101.html')}" in out
    assert f"  [피드 요약으로 대체] {web_site.url('/private/201.html')}" in out
    assert "기사: 추가 3" in out

    assert main(["refresh", "--index", str(index), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [f"[변경 없음(304)] {web_site.url(RSS_URL)}", "주소 1개: 변경 없음(304) 1"]

    from config import get_settings
    from engine import Engine

    engine = Engine.load(get_settings(), index, with_llm=False)
    hits = engine.search("서산 부생수소 배관망", k=1)
    assert hits[0].chunk.url == web_site.url("/news/101.html")

    assert main(["--url", web_site.url("/news/nope.html"), "--index", str(index), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "페이지를 찾을 수 없습니다(HTTP 404)" in captured.out
    assert captured.err.startswith("error: 페이지를 하나도 가져오지 못했습니다")
    assert main(["refresh", "--index", str(tmp_path / "elsewhere"), "--quiet"]) == 1
    assert "error: 구독 중인 피드가 없습니다" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere").exists()
