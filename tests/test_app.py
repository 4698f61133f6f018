"""The Streamlit app through AppTest, over a copy of the sample index and the real model."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from app_view import escape_md, safe_name, save_uploads
from index.stats import index_stats

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


# --- uploads (the saving half, with real files) --------------------------------------------------

@dataclass
class FakeUpload:
    """The part of Streamlit's UploadedFile that saving reads."""

    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\me\\기사.md", "기사.md"),
    ("a\x00b.txt", "ab.txt"), (".hidden.csv", "hidden.csv"), ("..", "upload"),
    ("what?<>|.html", "what____.html"), ("x" * 300 + ".jsonl", "x" * 94 + ".jsonl"),
])
def test_safe_name(given, expected):
    assert safe_name(given) == expected


def test_save_uploads_refuses_archives_big_files_and_keeps_names_inside(tmp_path):
    dest = tmp_path / "up"
    dest.mkdir()
    files = [FakeUpload("../escape.txt", b"a"), FakeUpload("escape.txt", b"b"),
             FakeUpload("news.zip", b"PK\x03\x04"), FakeUpload("big.csv", b"x" * 2048),
             FakeUpload("slides.pptx", b"x"), FakeUpload("fill.md", b"y" * 1000),
             FakeUpload("over.md", b"z" * 1000)]
    saved = save_uploads(files, dest, max_file_bytes=1024, max_total_bytes=1500)
    assert sorted(p.name for p in dest.iterdir()) == ["escape-2.txt", "escape.txt", "fill.md"]
    assert sorted(saved.files.values()) == ["upload/escape-2.txt", "upload/escape.txt", "upload/fill.md"]
    assert not (tmp_path / "escape.txt").exists()
    refused = dict(saved.refused)
    assert set(refused) == {"news.zip", "big.csv", "slides.pptx", "over.md"}
    assert "압축 파일" in refused["news.zip"] and "너무 큽니다" in refused["big.csv"]


# --- the app ------------------------------------------------------------------------------------

def test_ask_answers_with_citation_and_source_card(app_env, app_index):
    at = start(app_env, app_index)
    assert [t.label for t in at.tabs] == ["질문하기", "기사 검색", "브리핑", "자료 추가"]
    assert at.sidebar.metric[0].value == f"{index_stats(app_index)['articles']}건"
    at.chat_input(key="question").set_value(QUESTION).run()
    assert not at.exception, at.exception
    answer = [m.value for m in at.chat_message[1].markdown]
    assert "400억원" in answer[0] and ":blue-badge[1]" in answer[0]
    assert any(CHUNGBUK_TITLE in t for t in answer[1:]), answer  # the source card's title
    assert any(":orange-background[" in t and "400억원" in t for t in answer[1:])  # quote highlighted
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
    before = index_stats(app_index)["articles"]
    at = start(app_env, app_index)
    at.file_uploader[0].set_value([("report.txt", b"%PDF-1.7 binary", "text/plain"),
                                   ("archive.zip", b"PK\x03\x04", "application/zip")])
    at.run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    warning = "\n".join(w.value for w in at.warning)
    assert "**report\\.txt**" in warning and "PDF" in warning
    assert "**archive\\.zip**" in warning and "압축 파일" in warning
    assert index_stats(app_index)["articles"] == before
    assert not list(app_index.glob("upload-*"))  # the temporary folder is gone

    at.file_uploader[0].set_value(("good.jsonl", GOOD_JSONL.encode(), "application/json"))
    at.run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    assert index_stats(app_index)["articles"] == before + 1
    assert at.metric[0].label == "추가" and at.metric[0].value == "1건"
    assert any(e.label == "건너뛴 줄 1개" for e in at.expander)
    assert "**good\\.jsonl\\:2**" in page(at)  # the bad line, named by upload name and line
    assert at.sidebar.metric[0].value == f"{before + 1}건"  # the app reran with the new counts
    at.text_input(key="search_query").input("강릉 해양바이오 실증센터")
    click(at, "검색")
    assert NEW_TITLE in page(at)


def test_folder_path_is_ingested(app_env, app_index, tmp_path):
    folder = tmp_path / "raw"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "new.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    at = start(app_env, app_index)
    at.text_input(key="folder_path").input(str(folder))
    at.button(key="folder_go").click().run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "1건"
    assert "**empty\\.txt**" in "\n".join(w.value for w in at.warning)
    at.text_input(key="folder_path").input(str(tmp_path / "missing"))
    at.button(key="folder_go").click().run()
    assert any("경로를 찾을 수 없습니다" in e.value for e in at.error)


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
