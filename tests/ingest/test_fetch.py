"""Fetching pages against a real loopback HTTP server: validators, robots.txt, per-host delay, refusals."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from config import Settings
from ingest.fetch import Fetcher, FetchParams
from ingest.fetch_state import FetchState, UrlState
from tests.web import RSS, make_engine
from wiring import fetch_state_path

PAGE = "/news/101.html"
TITLE_101 = "충남 서산 수소도시 조성에 2028년까지 480억원 투입"


def titles(engine) -> dict[str, str]:
    return {a.url: a.title for a, _ in engine.iter_articles()}


def outcomes(report) -> dict[str, tuple[str, str]]:
    return {i.url: (i.outcome, i.message) for i in report.items}


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_second_fetch_sends_validators_and_a_304_skips_the_page(web_site, tmp_path, tokenizer, hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    url = web_site.url(PAGE)
    first = engine.fetch_urls([url])
    assert outcomes(first) == {url: ("fetched", "")}
    assert first.ingest.totals.added == 1 and titles(engine) == {url: TITLE_101}

    second = engine.fetch_urls([url])
    assert outcomes(second) == {url: ("not_modified", "")} and second.ingest is None
    served = web_site.resources[PAGE]
    (a, b) = web_site.log(PAGE)
    assert (a.if_none_match, a.if_modified_since, a.status) == ("", "", 200)
    assert (b.if_none_match, b.if_modified_since, b.status) == (served.etag, served.last_modified, 304)
    assert a.user_agent.startswith("newsrag/")
    with FetchState(fetch_state_path(engine.settings, engine.index_dir)) as state:
        kept = state.url_state(url, "page")
    assert (kept.etag, kept.last_modified, kept.status) == (served.etag, served.last_modified, 304)
    assert len(kept.sha256) == 64 and kept.fetched_at


def test_changed_page_is_fetched_again_and_replaces_its_article(web_site, tmp_path, tokenizer, hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    url = web_site.url(PAGE)
    engine.fetch_urls([url])
    old = web_site.resources[PAGE]
    web_site.put(PAGE, old.body.decode().replace("480억원", "520억원"))
    report = engine.fetch_urls([url])
    assert outcomes(report) == {url: ("fetched", "")}
    assert report.ingest.totals.updated == 1
    assert titles(engine) == {url: TITLE_101.replace("480억원", "520억원")}
    assert web_site.log(PAGE)[-1].if_none_match == old.etag  # asked conditionally, got the new body


def test_without_validators_nothing_conditional_is_sent_and_a_same_body_is_unchanged(
        web_site, tmp_path, tokenizer, hash_embedder):
    web_site.put_file(PAGE, "news-101.html", validators=False)
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    url = web_site.url(PAGE)
    engine.fetch_urls([url])
    report = engine.fetch_urls([url])
    assert outcomes(report) == {url: ("unchanged", "")}
    assert report.ingest.files_unchanged == 1 and report.ingest.totals.added == 0
    assert [(r.if_none_match, r.if_modified_since, r.status) for r in web_site.log(PAGE)] == [("", "", 200)] * 2


def test_robots_disallowed_page_is_never_requested(web_site, tmp_path, tokenizer, hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    blocked, ok = web_site.url("/private/201.html"), web_site.url(PAGE)
    report = engine.fetch_urls([blocked, ok])
    assert report.items[0].outcome == "blocked"
    assert "robots.txt가 이 주소의 수집을 허용하지 않아" in report.items[0].message
    assert report.items[1].outcome == "fetched"
    assert web_site.paths() == ["/robots.txt", PAGE]  # robots.txt once per host and run, /private/ never


def test_unreadable_robots_txt_blocks_the_host_for_now_and_a_missing_one_allows(
        web_site, tmp_path, tokenizer, hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder)
    url = web_site.url(PAGE)
    web_site.put("/robots.txt", b"", "text/plain", status=503)
    report = engine.fetch_urls([url])
    assert report.items[0].outcome == "blocked"
    assert "robots.txt를 읽지 못해(HTTP 503)" in report.items[0].message and "잠시 뒤" in report.items[0].message
    assert PAGE not in web_site.paths()
    del web_site.resources["/robots.txt"]  # 404: no rules at all
    assert engine.fetch_urls([url]).items[0].outcome == "fetched"


def test_per_host_delay_is_kept_between_requests(web_site, tmp_path, tokenizer, hash_embedder):
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder, fetch_delay_s=0.3)
    engine.fetch_urls([web_site.url(f"/news/{n}.html") for n in (101, 102, 103)])
    times = [r.at for r in web_site.log()]
    assert len(times) == 4  # robots.txt and three pages
    assert all(b - a >= 0.3 for a, b in zip(times, times[1:], strict=False)), times


def test_crawl_delay_of_robots_txt_is_kept_when_longer(web_site):
    web_site.put("/robots.txt", "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n", "text/plain")
    with Fetcher(FetchParams(delay_s=0.0, private_hosts=True)) as fetcher:
        for n in (101, 102):
            assert fetcher.fetch(web_site.url(f"/news/{n}.html")).ok
    times = [r.at for r in web_site.log()]
    assert times[2] - times[1] >= 1.0, times


def test_bad_urls_are_named_and_the_rest_goes_in(web_site, tmp_path, tokenizer, hash_embedder):
    web_site.put("/big.html", b"<html><body>" + b"x" * (2**20 + 10) + b"</body></html>")
    web_site.put("/report.pdf", b"%PDF-1.7", "application/pdf")
    web_site.put("/broken.html", b"", status=500)
    engine = make_engine(tmp_path / "index", tokenizer, hash_embedder, max_file_mb=1)
    unreachable = f"http://127.0.0.1:{closed_port()}/news/1.html"
    urls = [unreachable, web_site.url("/news/nope.html"), web_site.url("/big.html"), web_site.url("/report.pdf"),
            web_site.url("/broken.html"), web_site.url("/feeds/rss.xml"), "ftp://example.com/a.html",
            "file:///etc/passwd", web_site.url(PAGE)]
    web_site.put_file("/feeds/rss.xml", "rss.xml", RSS)
    report = engine.fetch_urls(urls)
    got = outcomes(report)
    assert got[unreachable][0] == "error" and "서버에 연결할 수 없습니다" in got[unreachable][1]
    expected = {
        web_site.url("/news/nope.html"): "페이지를 찾을 수 없습니다(HTTP 404)",
        web_site.url("/big.html"): "페이지가 너무 큽니다(1 MB 넘음)",
        web_site.url("/report.pdf"): "HTML 웹 페이지가 아닙니다(content-type: application/pdf)",
        web_site.url("/broken.html"): "서버 오류입니다(HTTP 500)",
        web_site.url("/feeds/rss.xml"): "피드로 추가'(--feed)로 넣으세요",
        "ftp://example.com/a.html": "http:// 또는 https:// 로 시작하는 주소만",
        "file:///etc/passwd": "http:// 또는 https:// 로 시작하는 주소만",
    }
    for url, message in expected.items():
        assert got[url][0] == "error" and message in got[url][1], (url, got[url])
    assert got[web_site.url(PAGE)] == ("fetched", "")
    assert titles(engine) == {web_site.url(PAGE): TITLE_101}
    assert not report.all_failed


def test_a_slow_server_times_out_with_a_message(web_site):
    web_site.put_file("/slow.html", "news-101.html", delay_s=2.0)
    with Fetcher(FetchParams(timeout_s=0.5, private_hosts=True)) as fetcher:
        got = fetcher.fetch(web_site.url("/slow.html"))
    assert got.outcome == "error" and got.message.startswith("응답 시간(0.5초)이 초과되었습니다")


def test_page_and_feed_states_of_one_url_are_kept_apart(tmp_path):
    with FetchState(tmp_path / "state.sqlite") as state:
        state.save_urls([UrlState("http://a.example/x", "page", etag='"p"'),
                         UrlState("http://a.example/x", "feed", etag='"f"')])
        state.mark_not_modified("http://a.example/x", "feed")
        page, feed = state.url_state("http://a.example/x", "page"), state.url_state("http://a.example/x", "feed")
    assert (page.etag, page.status) == ('"p"', 200) and (feed.etag, feed.status) == ('"f"', 304)


def test_fetch_state_lives_beside_an_embedded_index_else_in_the_data_folder(tmp_path: Path):
    embedded = Settings(data_dir=tmp_path / "data", _env_file=None)
    shared = Settings(data_dir=tmp_path / "data", backend="postgres", _env_file=None)
    assert fetch_state_path(embedded, tmp_path / "idx") == tmp_path / "idx" / "fetch_state.sqlite"
    assert fetch_state_path(shared, tmp_path / "idx") == tmp_path / "data" / "fetch_state.sqlite"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.1.2.3", "169.254.169.254", "[::1]"])
def test_internal_addresses_are_refused_unless_allowed(web_site, host):
    url = web_site.url("/news/101.html").replace("127.0.0.1", host)
    with Fetcher(FetchParams(delay_s=0.0, timeout_s=2.0)) as fetcher:
        got = fetcher.fetch(url)
    assert got.outcome == "error" and "내부망 주소" in got.message and "NEWSRAG_FETCH_PRIVATE_HOSTS" in got.message
    assert not web_site.log()  # refused before any request, robots.txt included


def test_a_redirect_into_the_internal_network_is_refused(web_site, monkeypatch):
    from ingest import fetch

    # The fixture server stands for a public site (127.0.0.1 counts as public here) whose page
    # redirects to "localhost", which counts as internal: the redirect must not be followed.
    real = fetch.private_address
    monkeypatch.setattr(fetch, "private_address", lambda host: "" if host == "127.0.0.1" else real(host))
    target = web_site.url("/news/101.html").replace("127.0.0.1", "localhost")
    web_site.put("/go", b"", status=302, location=target)
    with Fetcher(FetchParams(delay_s=0.0, timeout_s=2.0)) as fetcher:
        got = fetcher.fetch(web_site.url("/go"))
    assert got.outcome == "error" and "내부망 주소" in got.message, got
    assert [r.path for r in web_site.log()] == ["/robots.txt", "/go"]  # the internal page was never asked
