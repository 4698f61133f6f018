"""The Streamlit app through AppTest, over a copy of the sample index and the real model."""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import AlertBase, Button, Expander, HeadingBase, Html, Markdown, Tab

from app import PAGE_CSS
from app_view import escape_inline, escape_md
from config import Settings
from engine import Engine

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches")

APP = str(Path(__file__).resolve().parent.parent / "app.py")
QUESTION = "충북 지역혁신클러스터 2기 사업에 투입되는 총 사업비는?"
CHUNGBUK_TITLE = "충북 지역혁신클러스터 2기 본격화…2027년까지 400억원 투입"
SONGDO_TITLE = "인천 송도 바이오 특화단지에 2032년까지 2조1천억원 투입"  # published 2025-02-18
NEW_TITLE = "강릉 해양바이오 실증센터 착공…2027년까지 260억원 투입"
GOOD_JSONL = json.dumps({
    "id": "up-001", "title": NEW_TITLE, "source": "동해미래신문",
    "published_at": "2025-05-02T10:00:00+09:00",
    "body": "강원특별자치도는 2일 강릉 과학산업단지에서 해양바이오 실증센터 착공식을 열었다. "
            "센터에는 2027년까지 국비 160억원과 도비 100억원 등 총 260억원이 투입된다. "
            "도는 해양 미생물 소재 기업 30곳의 시제품 생산과 인증을 지원할 계획이다.",
}, ensure_ascii=False) + "\n" + "{이 줄은 JSON이 아닙니다\n"


def stats_of(index_dir: Path) -> dict:
    """The index's statistics as the app reads them, from a fresh engine (no model loaded)."""
    engine = Engine.catalog_only(Settings(index_dir=index_dir, _env_file=None), index_dir)
    try:
        return engine.stats()
    finally:
        engine.close()


def texts(at: AppTest) -> list[str]:
    """Every piece of text the run put on the page."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "subheader")
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


def page(at: AppTest) -> str:
    return "\n".join(texts(at))


def click(at: AppTest, label: str) -> AppTest:
    """Press the (first) button with this label, e.g. a form's submit button, and rerun."""
    return next(b for b in at.button if b.label == label).click().run()


def start(app_env, index_dir: Path, **env: str) -> AppTest:
    app_env(index_dir, **env)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


# --- untrusted article content in the page -------------------------------------------------------

SCRIPT, IMG = "<script>alert('xss')</script>", "<img src=x onerror=alert(1)>"
JS_LINK, PHISH = "[자세히 보기](javascript:alert(document.cookie))", "[공식 발표](https://evil.example/phish)"
HOSTILE_BODY = (f"경상북도는 3일 {SCRIPT} 울릉도 해양심층수 산업단지에 2028년까지 520억원을 투입한다고 "
                f"밝혔다. 도는 {JS_LINK} 해양심층수 기업 20곳을 유치할 계획이다. <img src=y onerror=alert(5)>")
HOSTILE = [  # markup in every field: title, outlet, reporter, url and body; a and b are near-duplicates
    {"id": "hostile-a", "title": f"{IMG} 울릉도 해양심층수 산단에 520억원 [클릭](javascript:alert(1))",
     "source": "<b>악성</b>일보](javascript:alert(2))", "reporter": "<script>alert(4)</script>",
     "published_at": "2025-06-03T09:00:00+09:00", "url": "javascript:alert(3)", "body": HOSTILE_BODY},
    {"id": "hostile-b", "title": f"{IMG} 울릉도 해양심층수 산단 520억 투입 (종합)", "source": "<svg onload=alert(8)>",
     "reporter": "<script>alert(4)</script>", "published_at": "2025-06-03T11:00:00+09:00", "body": HOSTILE_BODY},
    {"id": "hostile-c", "title": f"울릉 해양심층수 물류센터 건립 {PHISH}",
     "source": '<a href="javascript:alert(7)">울릉신문</a>', "published_at": "2025-06-10T09:00:00+09:00",
     "body": "울릉군은 해양심층수 산업단지 입주 기업을 위한 <iframe src=javascript:alert(6)></iframe> "
             "물류센터를 2027년까지 짓는다. 군은 ![추적](https://evil.example/pixel.png) 취수 시설 증설에도 "
             "80억원을 쓴다."},
]
# Renders raw HTML and every link scheme, so anything left live in the Markdown shows up as a tag.
UNSAFE_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
UNSAFE_MD.validateLink = lambda url: True
HARMLESS_TAGS = frozenset({"p", "strong", "em", "code", "ul", "ol", "li", "br", "hr", "blockquote",
                           "h1", "h2", "h3", "h4", "h5", "h6"})


def add_articles(index_dir: Path, path: Path, records: list[dict], tokenizer, embedder) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    settings = Settings(index_dir=index_dir, llm_provider="none", _env_file=None)
    report = Engine(settings, index_dir, tokenizer, embedder).ingest([path])
    assert report.totals.added == len(records) and not report.skipped and not report.totals.problems


def nodes(block) -> Iterator:
    yield block
    for child in getattr(block, "children", {}).values():
        yield from nodes(child)


def markdown_sources(block) -> list[str]:
    """The Markdown of every element in the block that Streamlit renders as Markdown."""
    out = []
    for n in nodes(block):
        if isinstance(n, Markdown | AlertBase | HeadingBase):
            out.append(n.value)
        elif isinstance(n, Expander | Button | Tab):
            out.append(n.label)
    return out


def visible(block) -> str:
    """The block's text as a reader sees it (tags dropped, entities decoded), one element a line."""
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", UNSAFE_MD.render(md)))
                     for md in markdown_sources(block))


def assert_inert(at: AppTest) -> None:
    """No element of the page carries a live tag or link, or is allowed raw HTML."""
    for block in (at.main, at.sidebar):
        for md in markdown_sources(block):
            rendered = UNSAFE_MD.render(md)
            live = [t for t in re.findall(r"<([a-zA-Z][\w-]*)", rendered) if t.lower() not in HARMLESS_TAGS]
            assert not live, (md, rendered)
        for n in nodes(block):
            assert not (isinstance(n, Markdown) and n.proto.allow_html), n.value
            assert not isinstance(n, Html) or n.value == PAGE_CSS, n.value


def test_hostile_article_is_shown_as_text_in_answers_results_briefings_related_and_copies(
        app_env, app_index, tmp_path, tokenizer, embedder):
    add_articles(app_index, tmp_path / "hostile.jsonl", HOSTILE, tokenizer, embedder)
    at = start(app_env, app_index)
    assert_inert(at)

    at.chat_input(key="question").set_value("울릉도 해양심층수 산업단지에 투입되는 사업비는?").run()
    assert not at.exception, at.exception
    answer = visible(at.chat_message[1])
    assert f"{SCRIPT} 울릉도 해양심층수 산업단지에 2028년까지 520억원" in answer  # answer text and quote
    assert IMG in answer  # the source card's title
    assert "<script>alert(4)</script> 기자" in answer and JS_LINK in answer  # the full article
    assert "javascript:alert(3)" not in answer  # a non-web URL is not shown at all
    assert_inert(at)

    at.text_input(key="search_query").input("울릉도 해양심층수 산업단지")
    click(at, "검색")
    assert not at.exception, at.exception
    results = visible(at.tabs[1])
    assert IMG in results and PHISH in results and "+1건 유사 기사" in results
    assert any(o in results for o in ("<b>악성</b>일보](javascript:alert(2))", "<svg onload=alert(8)>"))
    (copies,) = [e for e in at.tabs[1].expander if e.label == "유사 기사 1건 보기"]
    assert IMG in visible(copies)
    assert_inert(at)
    next(b for b in at.tabs[1].button if b.key and "hostile-" in b.key).click().run()
    assert not at.exception, at.exception
    related = [line for line in visible(at.tabs[1]).splitlines() if line.startswith("「") and "유사도" in line]
    assert any(PHISH in line or IMG in line for line in related), related
    assert_inert(at)

    at.text_input(key="brief_topic").input("울릉도 해양심층수")
    click(at, "브리핑 만들기")
    assert not at.exception, at.exception
    briefing = visible(at.tabs[2])
    assert SCRIPT in briefing and IMG in briefing and PHISH in briefing
    assert '<a href="javascript:alert(7)">울릉신문</a>' in briefing
    assert_inert(at)


# --- escaping -----------------------------------------------------------------------------------

ATTACKS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[클릭](javascript:alert(1))",
           "![x](https://evil.example/x.png)", "**굵게** _기울임_ `코드` # 제목 | 표 | ~~취소~~ $x^2$",
           ":red[빨강] :smile: https://evil.example/path <https://evil.example>",
           "1. 목록\n    들여쓴 코드\n- 항목\n> 인용\n===", "javascript:alert(document.cookie)"]


@pytest.mark.parametrize("text", ATTACKS)
def test_escape_md_renders_literally(text):
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(escape_md(text))
    assert not re.search(r"<(?!/?p>)", rendered), rendered  # no tag other than paragraphs
    shown = html.unescape(re.sub(r"</?p>", "", rendered))
    assert " ".join(shown.split()) == " ".join(text.split())


def test_escape_md_leaves_no_live_markup():
    out = escape_md("<script>alert(1)</script> <img src=x onerror=alert(1)> [클릭](javascript:alert(1))")
    assert out == ("&lt;script&gt;alert\\(1\\)&lt;/script&gt; &lt;img src\\=x onerror\\=alert\\(1\\)&gt; "
                   "\\[클릭\\]\\(javascript\\:alert\\(1\\)\\)")
    assert escape_md("가\u202e나\x00다\t라") == "가나다 라"  # bidi override and NUL dropped


# --- the app ------------------------------------------------------------------------------------

def test_ask_answers_with_citation_and_source_card(app_env, app_index):
    at = start(app_env, app_index)
    assert [t.label for t in at.tabs] == ["질문하기", "기사 검색", "브리핑", "자료 추가"]
    assert at.sidebar.metric[0].value == f"{stats_of(app_index)['articles']}건"
    at.chat_input(key="question").set_value(QUESTION).run()
    assert not at.exception, at.exception
    answer = [m.value for m in at.chat_message[1].markdown]
    assert answer[0] == "**400억원**"  # the short answer, in bold above the quote
    assert ":orange-background[400억원]" in answer[1] and ":blue-badge[1]" in answer[1]  # and marked in it
    assert any(CHUNGBUK_TITLE in t for t in answer[2:]), answer  # the source card's title
    assert any(":orange-background[" in t and "400억원" in t for t in answer[2:])  # quote highlighted
    assert [e.label for e in at.chat_message[1].expander] == ["기사 전체 보기"]
    # A follow-up keeps the first exchange on screen.
    at.chat_input(key="question").set_value("화성 탐사선 발사 일정은?").run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 4  # newest first, right under the question box
    assert "400억원" in at.chat_message[3].markdown[0].value
    declined = at.chat_message[1]
    assert [w.value for w in declined.warning] == ["제공된 기사에서 답을 찾지 못했습니다."]
    assert any(m.value == "**가장 가까운 기사**" for m in declined.markdown)


def test_search_date_filter_removes_an_article(app_env, app_index):
    at = start(app_env, app_index)
    at.text_input(key="search_query").input("바이오 특화단지")
    click(at, "검색")
    assert not at.exception, at.exception
    found = page(at)
    assert SONGDO_TITLE in found and "+2건 유사 기사" in found
    assert "유사 기사 2건 보기" in [e.label for e in at.expander]
    at.date_input(key="search_to").set_value(date(2024, 12, 31))
    click(at, "검색")
    assert not at.exception, at.exception
    filtered = page(at)
    assert "검색 결과" in filtered and SONGDO_TITLE not in filtered
    first = next(b for b in at.button if b.label == "비슷한 기사")
    first.click().run()
    assert not at.exception, at.exception
    assert any(t.startswith("- 「") and "유사도" in t for t in texts(at))


def test_briefing_is_rendered_and_downloadable(app_env, app_index):
    at = start(app_env, app_index)
    at.text_input(key="brief_topic").input("바이오 클러스터")
    click(at, "브리핑 만들기")
    assert not at.exception, at.exception
    shown = page(at)
    for heading in ("핵심 요약", "주요 수치", "일지", "관련 기관·지역", "출처"):
        assert f"#### {heading}" in shown
    assert [d.label for d in at.download_button] == ["Markdown(.md) 내려받기", "Word(.docx) 내려받기"]
    made = at.session_state["brief"]
    assert made["md"].startswith("# 브리핑: 바이오 클러스터") and made["docx"][:2] == b"PK"


def test_upload_bad_file_is_named_and_changes_nothing_then_good_file_is_searchable(app_env, app_index):
    before = stats_of(app_index)["articles"]
    at = start(app_env, app_index)
    at.file_uploader[0].set_value([("report.txt", b"%PDF-1.7 binary", "text/plain"),
                                   ("archive.zip", b"PK\x03\x04", "application/zip")])
    at.run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    warning = "\n".join(w.value for w in at.warning)
    assert "**report\\.txt**" in warning and "PDF" in warning
    assert "**archive\\.zip**" in warning and "압축 파일" in warning
    assert stats_of(app_index)["articles"] == before
    assert not list(app_index.glob("upload-*"))  # the temporary folder is gone

    at.file_uploader[0].set_value(("good.jsonl", GOOD_JSONL.encode(), "application/json"))
    at.run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    assert stats_of(app_index)["articles"] == before + 1
    assert at.metric[0].label == "추가" and at.metric[0].value == "1건"
    assert any(e.label == "건너뛴 줄 1개" for e in at.expander)
    assert "**good\\.jsonl\\:2**" in page(at)  # the bad line, named by upload name and line
    assert at.sidebar.metric[0].value == f"{before + 1}건"  # the app reran with the new counts
    at.text_input(key="search_query").input("강릉 해양바이오 실증센터")
    click(at, "검색")
    assert NEW_TITLE in page(at)


def outside(root: Path, inner: Path) -> set[Path]:
    """Every path under root except those under inner."""
    return {p for p in root.rglob("*") if not p.is_relative_to(inner)}


def test_upload_keeps_hostile_names_inside_and_refuses_archives_and_oversize(app_env, app_index, tmp_path):
    before, files_before = stats_of(app_index)["articles"], outside(tmp_path, app_index)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"\0" * (20 * 2**20))
    at = start(app_env, app_index, NEWSRAG_UPLOAD_MAX_MB="1", NEWSRAG_UPLOAD_MAX_TOTAL_MB="2")
    assert "파일당 1 MB, 한 번에 2 MB까지" in at.file_uploader[0].label
    at.file_uploader[0].set_value([
        ("../../escaped.jsonl", GOOD_JSONL.encode(), "application/json"),
        (f"{tmp_path}/absolute.md", b"   ", "text/markdown"),
        ("bomb.zip", bomb.getvalue(), "application/zip"),
        ("bomb.txt", bomb.getvalue(), "text/plain"),
        ("notes.csv", gzip.compress("제목,본문\n가,나\n".encode()), "text/csv"),
        ("big.md", b" " * (3 * 2**19), "text/markdown"),  # 1.5 MB
        ("pad1.md", b" " * 900_000, "text/markdown"), ("pad2.md", b" " * 900_000, "text/markdown"),
        ("pad3.md", b" " * 900_000, "text/markdown"),  # past 2 MB in all
    ])
    at.run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    warning = "\n".join(w.value for w in at.warning)
    assert "**bomb\\.zip**: 압축 파일은 받지 않습니다" in warning
    assert "**bomb\\.txt**: 압축 파일\\(ZIP\\)은 받지 않습니다" in warning
    assert "**notes\\.csv**: 압축 파일\\(GZIP\\)은 받지 않습니다" in warning
    assert "**big\\.md**: 파일이 너무 큽니다" in warning
    assert "**pad3\\.md**: 한 번에 올릴 수 있는 용량\\(2 MB\\)을 넘었습니다" in warning
    assert "**absolute\\.md**: 빈 파일입니다" in warning  # saved under its base name, then read
    assert "**pad1\\.md**" in warning and "**pad2\\.md**" in warning  # accepted, then found empty
    assert "**escaped\\.jsonl\\:2**" in page(at)  # saved as escaped.jsonl and ingested
    assert stats_of(app_index)["articles"] == before + 1
    assert outside(tmp_path, app_index) == files_before  # nothing was written beside the index
    assert not list(app_index.glob("upload-*")) and not list(app_index.rglob("escaped.jsonl"))


def test_folder_path_is_ingested(app_env, app_index, tmp_path):
    folder = tmp_path / "raw"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "new.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    at = start(app_env, app_index, NEWSRAG_DATA_DIR=str(tmp_path))
    at.text_input(key="folder_path").input("raw")  # relative to the data folder
    at.button(key="folder_go").click().run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "1건"
    assert "**empty\\.txt**" in "\n".join(w.value for w in at.warning)
    at.text_input(key="folder_path").input(str(tmp_path / "missing"))
    at.button(key="folder_go").click().run()
    assert any("경로를 찾을 수 없습니다" in e.value for e in at.error)
    before = at.metric[0].value
    for outside in ("/etc", "raw/../../", str(Path(APP).parent)):  # the server's other folders are not the user's
        at.text_input(key="folder_path").input(outside)
        at.button(key="folder_go").click().run()
        assert any("데이터 폴더" in e.value and "안에서만" in e.value for e in at.error), outside
        assert at.metric[0].value == before


def test_first_run_without_index_offers_the_sample(app_env, tmp_path):
    at = start(app_env, tmp_path / "no_index")
    assert not at.tabs
    assert "python -m ingest data/sample --index" in at.info[0].value
    assert [b.label for b in at.button if b.key == "start_sample"] == ["예시 자료로 시작하기"]
    assert "아직 인덱스가 없습니다." in [c.value for c in at.sidebar.caption]


def test_unreachable_llm_falls_back_with_a_notice(app_env, app_index, closed_port_url):
    at = start(app_env, app_index, NEWSRAG_LLM_PROVIDER="openai", NEWSRAG_LLM_BASE_URL=closed_port_url,
               NEWSRAG_LLM_MODEL="gemma3-270m")
    assert any("응답 없음" in c.value for c in at.sidebar.caption)
    at.chat_input(key="question").set_value(QUESTION).run()
    assert not at.exception, at.exception
    assert "LLM 서버에 연결할 수 없어" in at.chat_message[1].info[0].value
    assert "400억원" in at.chat_message[1].markdown[0].value


# --- pages and feeds by address -----------------------------------------------------------------

def test_pages_and_feeds_are_fetched_subscribed_and_refreshed(app_env, app_index, web_site):
    before = stats_of(app_index)["articles"]
    at = start(app_env, app_index, NEWSRAG_FETCH_DELAY_S="0", NEWSRAG_FETCH_PRIVATE_HOSTS="true")
    assert "구독 중인 피드 0개" in [e.label for e in at.expander]
    at.button(key="fetch_pages_go").click().run()
    assert any("주소를 한 줄에 하나씩" in w.value for w in at.warning)

    page, missing = web_site.url("/news/101.html"), web_site.url("/news/nope.html")
    at.text_area(key="fetch_urls").input(f"{page}\n\n{missing}\n")
    at.button(key="fetch_pages_go").click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.main.metric} == {"가져옴": "1개", "변경 없음": "0개",
                                                         "피드 요약으로 대체": "0개", "실패": "1개"}
    warning = "\n".join(w.value for w in at.warning)
    assert f"**{escape_inline(missing)}** (오류): 페이지를 찾을 수 없습니다\\(HTTP 404\\)" in warning
    assert stats_of(app_index)["articles"] == before + 1
    assert at.sidebar.metric[0].value == f"{before + 1}건"  # the app reran with the new counts

    at.text_area(key="fetch_urls").input(web_site.url("/feeds/atom.xml"))
    at.button(key="fetch_feeds_go").click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.main.metric}["피드 요약으로 대체"] == "1개"  # the entry whose page is gone
    assert "구독 중인 피드 1개" in [e.label for e in at.expander]
    assert "**가람산업일보 산업단지**" in page_text(at)
    assert stats_of(app_index)["articles"] == before + 4

    at.button(key="feeds_refresh").click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.main.metric}["변경 없음"] == "1개"
    assert f"변경 없음(304) · {escape_inline(web_site.url('/feeds/atom.xml'))}" in page_text(at)
    assert web_site.log("/feeds/atom.xml")[-1].status == 304
    assert_inert(at)


def page_text(at: AppTest) -> str:
    return "\n".join(texts(at) + [m for e in at.expander for m in markdown_sources(e)])


# --- saved briefings, what changed since, conflicting figures ------------------------------------

BRIEFING_DATA = Path(__file__).resolve().parent / "data" / "briefing"
GANGWON_TITLE = "강원 바이오 클러스터에 의료데이터 센터…2027년까지 210억원"


def test_briefing_is_saved_and_the_since_last_view_lists_what_came_in(app_env, app_index, tokenizer, embedder):
    at = start(app_env, app_index)
    at.text_input(key="brief_topic").input("바이오 클러스터")
    click(at, "지난 브리핑 이후")
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [
        "「바이오 클러스터」 주제로 저장한 브리핑이 없습니다. '브리핑 만들기'로 브리핑을 만든 뒤 "
        "'브리핑 저장'을 누르면, 다음부터 그 뒤로 새로 들어오거나 바뀐 기사를 볼 수 있습니다."]

    click(at, "브리핑 만들기")
    at.button(key="brief_save").click().run()
    assert not at.exception, at.exception
    (done,) = at.success
    assert done.value.startswith("「바이오 클러스터」 브리핑을 저장했습니다 (")
    assert any(c.value.startswith("저장한 브리핑: 바이오 클러스터 (") for c in at.caption)
    click(at, "지난 브리핑 이후")
    assert "지난 브리핑 이후 이 주제로 새로 들어오거나 바뀐 기사가 없습니다." in [i.value for i in at.info]

    settings = Settings(index_dir=app_index, llm_provider="none", _env_file=None)
    Engine(settings, app_index, tokenizer, embedder).ingest([BRIEFING_DATA / "week2.jsonl"])
    click(at, "지난 브리핑 이후")
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader][:1] == ["지난 브리핑 이후: 바이오 클러스터"]
    assert {m.label: m.value for m in at.main.metric} == {"새 기사": "1건", "바뀐 기사": "0건", "새 수치": "2개",
                                                         "엇갈리는 수치": "0건"}
    shown = page(at)
    lead = "강원특별자치도는 춘천 바이오 클러스터에 의료데이터 활용 센터를 세운다고 10일 밝혔다."
    assert (f"- **「{escape_inline(GANGWON_TITLE)}」** :gray[동해미래신문 · 2025\\-09\\-10]  \n"
            f"  {escape_inline(lead)}") in shown
    assert "#### 새 수치" in shown and "**210억원** — " in shown and "수소 트램" not in shown
    assert_inert(at)


def test_conflicting_figures_are_shown_side_by_side(app_env, app_index, tokenizer, embedder):
    settings = Settings(index_dir=app_index, llm_provider="none", _env_file=None)
    Engine(settings, app_index, tokenizer, embedder).ingest([BRIEFING_DATA / "conflict.jsonl"])
    at = start(app_env, app_index)
    at.text_input(key="brief_topic").input("오송 첨단재생의료 실증센터")
    click(at, "브리핑 만들기")
    assert not at.exception, at.exception
    shown = markdown_sources(at.main)
    assert "#### 엇갈리는 수치" in shown
    subject = escape_inline("충청북도 오송생명과학단지 첨단재생의료 실증센터 · 총액")
    assert f"**{subject}** :orange-badge[값이 엇갈림]" in shown
    # Each value in its own column, with the sentence that states it and its source.
    columns = [markdown_sources(col) for col in at.main.columns]
    values = [m for col in columns for m in col if m.startswith("**:orange[")]
    assert all(sum(m.startswith("**:orange[") for m in col) <= 1 for col in columns)
    assert "**:orange[350억원]** · 기사 1건" in values and "**:orange[420억원]** · 기사 1건" in values
    assert "**:orange[2027년 6월]** · 기사 1건" in values and "**:orange[2027년 12월]** · 기사 1건" in values
    assert at.session_state["brief"]["md"].count("⚠ 다른 기사와 수치가 엇갈림") == 2
    assert_inert(at)
