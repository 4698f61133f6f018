"""End to end in a real browser: `streamlit run app.py` driven through Debian's Chromium by Playwright.

Chromium comes from `make browser-deps` (apt), never from `playwright install`. Screenshots of every
tab at 1366x768 land in tmp_path/screens and are copied to out/screens/ (git-ignored) for a person.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.procs import stop_process
from tests.web import RSS

REPO = Path(__file__).resolve().parent.parent
SCREENS_OUT = REPO / "out" / "screens"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--headless"]
VIEWPORT = {"width": 1366, "height": 768}
QUESTION = "충북 지역혁신클러스터 2기 사업에 투입되는 총 사업비는?"
CHUNGBUK_TITLE = "충북 지역혁신클러스터 2기 본격화…2027년까지 400억원 투입"
SONGDO_TITLE = "인천 송도 바이오 특화단지에 2032년까지 2조1천억원 투입"  # 2025-02-18
POHANG_TITLE = "포항 바이오 특화단지, 세포·유전자치료제 위탁생산 거점으로"  # 2024-07-31
SERVER_START_S = 60  # until /_stcore/health answers
ENGINE_LOAD_S = 240  # first page: the model and the index load once per process
ANSWER_S = 180
STEP_MS = 60_000  # any other wait
BRIEFING_DATA = REPO / "tests" / "data" / "briefing"
SEOSAN_TITLE = "충남 서산 수소도시 조성에 2028년까지 480억원 투입"  # tests/data/feeds/news-101.html
SEOSAN_NEXT_TITLE = "서산 수소도시 사업비 520억원…수소버스 충전소 6곳"  # tests/data/briefing/news-106.html


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"streamlit did not become healthy in {timeout_s} s:\n{log.read_text()[-3000:]}")


@contextmanager
def streamlit_server(index_dir: Path, data_dir: Path, log: Path, **extra_env: str) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port over index_dir; stopped however the test ends."""
    port = free_port()
    env = os.environ | {"NEWSRAG_INDEX_DIR": str(index_dir), "NEWSRAG_DATA_DIR": str(data_dir),
                        "NEWSRAG_LLM_PROVIDER": "none",
                        "TOKENIZERS_PARALLELISM": "false"} | extra_env
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, log, SERVER_START_S)
        yield url
    finally:
        stop_process(proc, 20)


def open_tab(page: Page, name: str):
    page.get_by_role("tab", name=name).click()
    panel = page.get_by_role("tabpanel", name=name)
    expect(panel).to_be_visible(timeout=STEP_MS)
    return panel


def ask(page: Page, question: str) -> float:
    """Ask in 질문하기; seconds from pressing Enter to the answer on screen."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    start = time.perf_counter()
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)  # newest exchange first: user, assistant
    expect(answer.get_by_text("400억원").first).to_be_visible(timeout=ANSWER_S * 1000)
    elapsed = time.perf_counter() - start
    expect(answer.get_by_text(CHUNGBUK_TITLE, exact=True).first).to_be_visible(timeout=STEP_MS)
    return elapsed


def search_until(page: Page, panel, query: str, date_to: str) -> None:
    """A search in 기사 검색 with an end date typed into the date field (YYYYMMDD)."""
    panel.get_by_label("검색어").fill(query)
    panel.get_by_role("spinbutton", name="year, 종료일").click()
    page.keyboard.type(date_to)
    panel.get_by_role("button", name="검색", exact=True).click()
    expect(panel.get_by_text("검색 결과").first).to_be_visible(timeout=STEP_MS)


def untrusted_folder(tmp_path: Path) -> Path:
    """A folder with one article whose every field tries to inject HTML, links or Markdown."""
    folder = tmp_path / "untrusted"
    folder.mkdir()
    record = {"id": "xss-1", "title": "<script>alert(1)</script> 악성 [클릭](javascript:alert(1)) 제목",
              "source": "<img src=x onerror=alert(1)>", "published_at": "2024-06-01T10:00:00+09:00",
              "body": "해양바이오 실증센터에 <img src=x onerror=alert(1)> 200억원이 투입된다. "
                      "[클릭](javascript:alert(1)) 을 누르면 안 된다. **굵게** `코드` $x^2$ :red[빨강]"}
    (folder / "untrusted.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


def article_count(index_dir: Path) -> int:
    from config import Settings
    from engine import Engine

    engine = Engine.catalog_only(Settings(index_dir=index_dir, _env_file=None), index_dir)
    try:
        return engine.stats()["articles"]
    finally:
        engine.close()


def assert_rendered(png: Path) -> None:
    """A screenshot of a drawn page: the viewport's size, and more than a blank page's colours."""
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (VIEWPORT["width"], VIEWPORT["height"]), (png.name, im.size)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50, (png.name, "nearly blank")


def test_app_in_a_real_browser(app_index, tmp_path, capsys):
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} not found: run `make browser-deps` (as root) first")
    n_articles = article_count(app_index)  # the sample corpus decides the sidebar's figure
    screens = tmp_path / "screens"
    screens.mkdir()
    with streamlit_server(app_index, tmp_path, tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                     timeout=STEP_MS)
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="ko-KR")
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.set_default_timeout(STEP_MS)
            page.goto(url, timeout=STEP_MS)
            expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=ENGINE_LOAD_S * 1000)
            expect(page.get_by_text(f"{n_articles}건")).to_be_visible()  # sidebar statistics

            elapsed = ask(page, QUESTION)
            with capsys.disabled():
                print(f"\nenter-to-answer in the browser: {elapsed:.1f} s")
            page.screenshot(path=screens / "1_ask.png")

            panel = open_tab(page, "기사 검색")
            search_until(page, panel, "바이오 특화단지", "20241231")
            expect(panel.get_by_text(POHANG_TITLE, exact=False).first).to_be_visible()
            expect(panel.get_by_text(SONGDO_TITLE, exact=False)).to_have_count(0)
            page.screenshot(path=screens / "2_search.png")

            panel = open_tab(page, "브리핑")
            panel.get_by_label("주제").fill("바이오 클러스터")
            panel.get_by_role("button", name="브리핑 만들기").click()
            expect(panel.get_by_role("heading", name="핵심 요약")).to_be_visible(timeout=ANSWER_S * 1000)
            expect(panel.get_by_role("button", name="Markdown(.md) 내려받기")).to_be_visible()
            expect(panel.get_by_role("button", name="Word(.docx) 내려받기")).to_be_visible()
            page.screenshot(path=screens / "3_brief.png")

            panel = open_tab(page, "자료 추가")
            expect(panel.get_by_test_id("stFileUploaderDropzone")).to_be_visible()
            panel.get_by_label("안의 경로 (하위 폴더까지", exact=False).fill(str(untrusted_folder(tmp_path)))
            panel.get_by_role("button", name="폴더 추가하기").click()
            expect(panel.get_by_text("최근 추가 결과")).to_be_visible(timeout=ANSWER_S * 1000)
            expect(panel.get_by_text("모든 파일을 읽었습니다.")).to_be_visible()
            expect(page.get_by_text(f"{n_articles + 1}건")).to_be_visible()  # counts the new article
            page.screenshot(path=screens / "4_add.png")

            # Article text is untrusted: it shows as literal text and never becomes markup.
            panel = open_tab(page, "기사 검색")
            panel.get_by_label("검색어").fill("해양바이오 실증센터 악성")
            panel.get_by_role("button", name="검색", exact=True).click()
            expect(panel.get_by_text("<script>alert(1)</script> 악성", exact=False)).to_be_visible()
            expect(panel.get_by_text("[클릭](javascript:alert(1))", exact=False).first).to_be_visible()
            assert page.locator("script:has-text('alert')").count() == 0
            assert page.locator("img[onerror], a[href^='javascript']").count() == 0
            assert dialogs == []
            page.screenshot(path=screens / "5_untrusted.png")
        finally:
            browser.close()
    SCREENS_OUT.mkdir(parents=True, exist_ok=True)
    for png in sorted(screens.glob("*.png")):
        assert_rendered(png)
        shutil.copy2(png, SCREENS_OUT / png.name)


def copy_screens(screens: Path) -> None:
    SCREENS_OUT.mkdir(parents=True, exist_ok=True)
    for png in sorted(screens.glob("*.png")):
        assert_rendered(png)
        shutil.copy2(png, SCREENS_OUT / png.name)


def test_feed_refresh_then_since_last_briefing_in_a_real_browser(app_index, tmp_path, web_site):
    """Save a briefing, subscribe to a feed in 자료 추가, refresh it after the site adds an entry, then
    open "지난 브리핑 이후": the feed's articles on the topic are listed with their sources, and the
    two budgets they give for one programme are shown side by side."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} not found: run `make browser-deps` (as root) first")
    screens = tmp_path / "screens"
    screens.mkdir()
    log = tmp_path / "streamlit.log"
    with streamlit_server(app_index, tmp_path, log, NEWSRAG_FETCH_DELAY_S="0",
                          NEWSRAG_FETCH_PRIVATE_HOSTS="true") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                     timeout=STEP_MS)
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="ko-KR")
            page.set_default_timeout(STEP_MS)
            page.goto(url, timeout=STEP_MS)
            expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=ENGINE_LOAD_S * 1000)

            panel = open_tab(page, "브리핑")
            panel.get_by_label("주제").fill("수소")
            panel.get_by_role("button", name="브리핑 만들기").click()
            expect(panel.get_by_role("heading", name="핵심 요약")).to_be_visible(timeout=ANSWER_S * 1000)
            panel.get_by_role("button", name="브리핑 저장").click()
            expect(panel.get_by_text("「수소」 브리핑을 저장했습니다", exact=False)).to_be_visible()
            expect(panel.get_by_text("저장한 브리핑: 수소 (", exact=False)).to_be_visible()
            page.mouse.move(0, 0)  # no tooltip over the page
            page.wait_for_timeout(800)
            page.screenshot(path=screens / "6_brief_saved.png")

            panel = open_tab(page, "자료 추가")
            panel.get_by_label("피드 주소", exact=False).fill(web_site.url("/feeds/rss.xml"))
            panel.get_by_role("button", name="피드로 추가·구독").click()
            expect(panel.get_by_text("최근 가져오기 결과")).to_be_visible(timeout=ANSWER_S * 1000)
            expect(panel.get_by_text("구독 중인 피드 1개")).to_be_visible()
            page.mouse.move(0, 0)  # no tooltip over the page
            page.wait_for_timeout(800)
            page.screenshot(path=screens / "7_feed_added.png")
            assert web_site.paths().count("/news/101.html") == 1

            # A week later the site has one more entry; a refresh fetches only that page.
            web_site.put("/news/106.html", (BRIEFING_DATA / "news-106.html").read_text(encoding="utf-8"))
            web_site.put("/feeds/rss.xml", (BRIEFING_DATA / "rss-next-week.xml").read_text(encoding="utf-8"), RSS)
            web_site.clear_log()
            panel.get_by_text("구독 중인 피드 1개").click()
            panel.get_by_role("button", name="구독 중인 피드 새로 고침").click()
            expect(panel.get_by_text("기사 추가 1건", exact=False)).to_be_visible(timeout=ANSWER_S * 1000)
            assert "/news/106.html" in web_site.paths() and "/news/101.html" not in web_site.paths()
            page.mouse.move(0, 0)  # no tooltip over the page
            page.wait_for_timeout(800)
            page.screenshot(path=screens / "8_feed_refreshed.png")

            panel = open_tab(page, "브리핑")
            panel.get_by_role("button", name="지난 브리핑 이후").click()
            expect(panel.get_by_role("heading", name="지난 브리핑 이후: 수소")).to_be_visible(timeout=ANSWER_S * 1000)
            for title in (SEOSAN_TITLE, SEOSAN_NEXT_TITLE):  # the new articles, bold, above their sentences
                expect(panel.get_by_text(f"「{title}」", exact=True)).to_be_visible()
            expect(panel.get_by_text("익산 식품클러스터", exact=False)).to_have_count(0)  # the feed's other topic
            page.mouse.move(0, 0)  # no tooltip over the page
            page.wait_for_timeout(800)
            page.screenshot(path=screens / "9_since_last.png")
            conflicts = panel.get_by_role("heading", name="엇갈리는 수치")
            conflicts.scroll_into_view_if_needed()
            expect(panel.get_by_text("480억원 · 기사 1건")).to_be_visible()
            expect(panel.get_by_text("520억원 · 기사 1건")).to_be_visible()
            page.mouse.move(0, 0)  # no tooltip over the page
            page.wait_for_timeout(800)
            page.screenshot(path=screens / "10_since_last_conflict.png")
        finally:
            browser.close()
    copy_screens(screens)
