"""Streamlit app over one shared index: ask, search, brief and add articles (widgets and rendering only).

Run with `streamlit run app.py`; the index folder comes from NEWSRAG_INDEX_DIR (default data/index).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import streamlit as st

from answer.export import to_docx, to_markdown
from app_view import (
    FetchProgressView,
    StreamlitProgress,
    answer_md,
    byline,
    escape_inline,
    escape_md,
    feed_list_md,
    kst,
    render_answer,
    render_briefing,
    render_changes,
    render_fetch_report,
    render_report,
    snippet,
    term_spans,
)
from config import get_settings
from engine import Engine
from errors import NewsRagError
from schema import Answer, Article, BriefingChanges, Filters, Hit
from uploads import ARCHIVE_SUFFIXES, UPLOAD_SUFFIXES, UploadLimits, ingest_uploads

logger = logging.getLogger("newsrag.app")

SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "sample"
DATE_MIN, DATE_MAX = date(1990, 1, 1), date(2099, 12, 31)
GENERIC_ERROR = ("예상하지 못한 오류가 발생했습니다. 잠시 뒤 다시 시도하고, "
                 "계속되면 서버 로그를 확인해 관리자에게 알려 주세요.")
TABS = ("질문하기", "기사 검색", "브리핑", "자료 추가")
# Our own constant CSS (never article text): less empty space above the tabs on a 768 px screen.
PAGE_CSS = "<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}</style>"


@st.cache_resource(show_spinner="인덱스와 임베딩 모델을 불러오는 중…")
def get_engine() -> Engine:
    """One Engine per process: every session and browser tab shares the index and the models."""
    return Engine.load(get_settings())


@st.cache_data(ttl=60, show_spinner=False)
def llm_healthy(label: str) -> bool:
    """Whether the configured chat model answers; `label` keys the 60 s cache."""
    return get_engine().llm_healthy()


@contextmanager
def shown_errors() -> Iterator[None]:
    """The edge: our errors are shown as they are, anything else as a generic message (logged)."""
    try:
        yield
    except NewsRagError as e:
        st.error(str(e))
    except Exception:
        logger.exception("unexpected error in the app")
        st.error(GENERIC_ERROR)


def render_sidebar(engine: Engine, stats: dict | None, default_k: int) -> int:
    with st.sidebar:
        st.subheader("인덱스")
        if stats is None:
            st.caption("아직 인덱스가 없습니다.")
        else:
            left, right = st.columns(2)
            left.metric("기사", f"{stats['articles']:,}건")
            right.metric("청크", f"{stats['chunks']:,}개")
            st.caption(f"기간: {escape_inline(stats['date_from']) or '?'} ~ "
                       f"{escape_inline(stats['date_to']) or '?'}  \n"
                       f"언론사 {len(stats['outlets'])}곳 · 중복 기사 {stats['duplicates']}건  \n"
                       f"임베딩 모델: {escape_inline(str(stats.get('embed_model') or '?'))}")
        st.subheader("답변 방식")
        label = engine.llm_label()
        if label is None:
            st.caption("추출식: 기사 문장을 그대로 골라 인용합니다 (LLM 없음).")
        else:
            state = "응답함 ✅" if llm_healthy(label) else "응답 없음 ⚠️ — 추출식 답변으로 대신합니다"
            st.caption(f"LLM {escape_inline(label)}: {state}")
        return st.slider("참고할 기사 조각 수 (top-k)", 1, 20, default_k, key="top_k")


def ask_with_stream(engine: Engine, question: str, k: int) -> Answer:
    """The extractive answer comes at once; an LLM's tokens stream into a placeholder first."""
    if engine.llm_label() is None:
        with st.spinner("기사에서 답을 찾는 중…"):
            return engine.ask(question, k=k)
    box, parts = st.empty(), []

    def on_token(token: str) -> None:
        parts.append(token)
        box.markdown(answer_md("".join(parts)) + " ▌")

    with st.spinner("답변을 쓰는 중…"):
        answer = engine.ask(question, k=k, on_token=on_token)
    box.empty()
    return answer


def render_ask(engine: Engine, k: int) -> None:
    """A question box above the conversation; the newest exchange comes first, right under the box."""
    history: list[tuple[str, Answer, dict[str, Article]]] = st.session_state.setdefault("chat", [])
    question = st.chat_input("질문을 입력하세요", key="question")
    shown = 0  # history entries already on the page (the new exchange)
    if question:
        with st.chat_message("user"):
            st.markdown(escape_md(question))
        with st.chat_message("assistant"), shown_errors():
            answer = ask_with_stream(engine, question, k)
            articles = engine.articles([c.article_id for c in answer.citations])
            history.insert(0, (question, answer, articles))
            shown = 1
            render_answer(answer, articles)
    elif not history:
        st.caption("기사에 근거해 답하고 출처를 [번호]로 붙입니다. "
                   "예: 충북 지역혁신클러스터 2기 사업에 투입되는 총 사업비는?")
    for past_question, answer, articles in history[shown:]:
        with st.chat_message("user"):
            st.markdown(escape_md(past_question))
        with st.chat_message("assistant"):
            render_answer(answer, articles)
    if history:
        st.button("대화 지우기", key="chat_clear", on_click=history.clear)


def date_range(prefix: str) -> tuple[str, str, bool]:
    """Two date inputs side by side: (from, to) as YYYY-MM-DD or "", and whether they are in order."""
    left, right = st.columns(2)
    d_from = left.date_input("시작일", value=None, min_value=DATE_MIN, max_value=DATE_MAX,
                             format="YYYY-MM-DD", key=f"{prefix}_from")
    d_to = right.date_input("종료일", value=None, min_value=DATE_MIN, max_value=DATE_MAX,
                            format="YYYY-MM-DD", key=f"{prefix}_to")
    ok = not (d_from and d_to and d_from > d_to)
    return (d_from.isoformat() if d_from else "", d_to.isoformat() if d_to else "", ok)


def search_form(stats: dict) -> tuple[str, Filters, bool] | None:
    """The query and its filters when the form was submitted, with whether the dates are in order."""
    with st.form("search_form", border=False):
        query = st.text_input("검색어", key="search_query", placeholder="예: 바이오 클러스터 예산")
        dates, who = st.columns([2, 3])
        with dates:
            d_from, d_to, ok = date_range("search")
        outlets = who.multiselect("언론사", stats["outlets"], key="search_outlets", placeholder="전체")
        left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
        regions = left.multiselect("지역", stats["regions"], key="search_regions", placeholder="전체")
        orgs = mid.multiselect("기관", stats["organizations"], key="search_orgs", placeholder="전체")
        teasers = right.checkbox("티저 기사 포함", key="search_teasers")
        if not st.form_submit_button("검색", type="primary"):
            return None
    kinds = ("main", "teaser") if teasers else ("main",)
    filters = Filters(date_from=d_from, date_to=d_to, outlets=tuple(outlets), regions=tuple(regions),
                      organizations=tuple(orgs), kinds=kinds)
    return query.strip(), filters, ok


def toggle_related(article_id: str) -> None:
    shown = st.session_state.setdefault("related_open", set())
    shown.symmetric_difference_update({article_id})


def render_related(engine: Engine, article_id: str) -> None:
    cache = st.session_state.setdefault("related", {})
    with shown_errors():
        if article_id not in cache:
            cache[article_id] = engine.related(article_id, k=5)
        hits = cache[article_id]
        if not hits:
            st.caption("비슷한 기사가 없습니다.")
        st.markdown("\n".join(f"- 「{escape_inline(h.chunk.title)}」 {byline(h.chunk.outlet, h.chunk.published_at)}"
                              f" :gray[유사도 {h.score:.2f}]" for h in hits))


def render_hit(engine: Engine, n: int, hit: Hit, terms: Sequence[str], copies: list[Article]) -> None:
    c = hit.chunk
    with st.container(border=True):
        badges = (" :gray-badge[티저]" if c.kind == "teaser" else "") + (
            f" :orange-badge[+{hit.copies}건 유사 기사]" if hit.copies else "")
        st.markdown(f"**{n}\\. {escape_inline(c.title)}**{badges}")
        st.caption(byline(c.outlet, c.published_at))
        st.markdown(snippet(c.text, term_spans(c.text, terms)))
        left, right = st.columns([5, 1], vertical_alignment="center")
        if hit.copies:
            with left.expander(f"유사 기사 {hit.copies}건 보기"):
                st.markdown("\n".join(f"- 「{escape_inline(a.title)}」 {byline(a.outlet, a.published_at)}"
                                      for a in copies))
        right.button("비슷한 기사", key=f"related_{n}_{c.article_id}", on_click=toggle_related,
                     args=(c.article_id,), width="stretch")
        if c.article_id in st.session_state.get("related_open", set()):
            render_related(engine, c.article_id)


def render_search(engine: Engine, stats: dict, k: int) -> None:
    submitted = search_form(stats)
    if submitted is not None:
        query, filters, ok = submitted
        if not query:
            st.warning("검색어를 입력하세요.")
        elif not ok:
            st.warning("시작일이 종료일보다 늦습니다. 기간을 다시 고르세요.")
        else:
            with st.spinner("검색하는 중…"), shown_errors():
                hits = engine.search(query, k=k, filters=filters, per_article=1)
                terms = engine.query_terms(query)
                copies = engine.copies(hits)
                st.session_state["search"] = (query, hits, terms, copies)
                st.session_state["related_open"] = set()
    found = st.session_state.get("search")
    if found is None:
        return
    query, hits, terms, copies = found
    st.caption(f"「{escape_inline(query)}」 검색 결과 {len(hits)}건")
    if not hits:
        st.info("조건에 맞는 기사가 없습니다. 검색어를 바꾸거나 필터를 줄여 보세요.")
    for n, hit in enumerate(hits, start=1):
        render_hit(engine, n, hit, terms, copies.get(hit.chunk.article_id, []))


def file_slug(text: str) -> str:
    return re.sub(r"[^\w가-힣]+", "_", text).strip("_")[:40] or "briefing"


def render_brief(engine: Engine) -> None:
    with st.form("brief_form", border=False):
        topic = st.text_input("주제", key="brief_topic", placeholder="예: 바이오 클러스터")
        d_from, d_to, ok = date_range("brief")
        row = st.container(horizontal=True)
        submitted = row.form_submit_button("브리핑 만들기", type="primary")
        since = row.form_submit_button("지난 브리핑 이후", help="이 주제로 마지막에 저장한 브리핑 뒤로 새로 들어오거나 "
                                                         "바뀐 기사와 수치, 일지를 봅니다.")
    render_saved_topics(engine)
    topic = " ".join(topic.split())
    if (submitted or since) and not topic:
        st.warning("주제를 입력하세요.")
    elif submitted and not ok:
        st.warning("시작일이 종료일보다 늦습니다. 기간을 다시 고르세요.")
    elif submitted:
        with st.spinner("브리핑을 만드는 중…"), shown_errors():
            briefing = engine.brief(topic, d_from, d_to)
            st.session_state["brief"] = {"briefing": briefing, "md": to_markdown(briefing),
                                         "docx": to_docx(briefing)}
            st.session_state.pop("since", None)
    elif since:
        with st.spinner("지난 브리핑 이후 바뀐 점을 찾는 중…"), shown_errors():
            st.session_state["since"] = engine.since_last(topic) or topic
    render_since(st.session_state.get("since"))
    made = st.session_state.get("brief")
    if made is None:
        return
    b = made["briefing"]
    slug = file_slug(b.topic)
    row = st.container(horizontal=True)
    row.download_button("Markdown(.md) 내려받기", made["md"], file_name=f"briefing_{slug}.md",
                         mime="text/markdown", on_click="ignore", key="brief_md")
    row.download_button("Word(.docx) 내려받기", made["docx"], file_name=f"briefing_{slug}.docx",
                          mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                          on_click="ignore", key="brief_docx")
    if row.button("브리핑 저장", key="brief_save", icon=":material/bookmark_add:",
                  help="주제·기간·시각·인덱스 버전을 저장합니다. 다음에 '지난 브리핑 이후'로 그 뒤 바뀐 점을 봅니다."):
        with shown_errors():
            st.session_state["brief_saved"] = engine.save_briefing(b)
            st.rerun()  # the list of saved briefings above shows the new one
    if saved := st.session_state.pop("brief_saved", None):
        st.success(f"「{escape_inline(saved.topic)}」 브리핑을 저장했습니다 ({kst(saved.saved_at)}, 인덱스 버전 "
                   f"{saved.generation}). 다음에 같은 주제로 '지난 브리핑 이후'를 누르면 그 뒤 바뀐 점을 봅니다.")
    render_briefing(b)


def render_saved_topics(engine: Engine) -> None:
    with shown_errors():
        saved = engine.saved_briefings()
        if saved:
            st.caption("저장한 브리핑: " + ", ".join(f"{escape_inline(s.topic)} ({kst(s.saved_at)})"
                                                   for s in saved[:10]))


def render_since(found: BriefingChanges | str | None) -> None:
    """The since-last view; a topic alone means no briefing was saved for it."""
    if isinstance(found, str):
        st.info(f"「{escape_inline(found)}」 주제로 저장한 브리핑이 없습니다. '브리핑 만들기'로 브리핑을 만든 뒤 "
                "'브리핑 저장'을 누르면, 다음부터 그 뒤로 새로 들어오거나 바뀐 기사를 볼 수 있습니다.")
    elif found is not None:
        render_changes(found)
        st.divider()


def ingest_folder(engine: Engine, folder: Path) -> dict:
    report = engine.ingest([folder], StreamlitProgress())
    names = {}
    for e in report.skipped + report.totals.problems:
        p = Path(e.path)
        names[e.path] = str(p.relative_to(folder)) if p.is_relative_to(folder) else e.path
    return {"report": report, "refused": [], "names": names}


def finish_ingest(result: dict) -> None:
    """Keep the report for the next run and rerun, so the sidebar shows the new counts."""
    st.session_state["ingest_result"] = result
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
    st.rerun()


def finish_fetch(report) -> None:
    """Keep the fetch report for the next run and rerun, so the sidebar shows the new counts."""
    st.session_state["fetch_result"] = report
    st.rerun()


def render_web(engine: Engine) -> None:
    """Pages and RSS/Atom feeds by address: add pages once, or subscribe to feeds and refresh them."""
    if report := st.session_state.get("fetch_result"):
        st.markdown("**최근 가져오기 결과**")
        render_fetch_report(report)
    text = st.text_area("또는 웹 페이지·RSS/Atom 피드 주소 (한 줄에 하나, robots.txt를 지키며 가져옵니다)",
                        key="fetch_urls", placeholder="https://news.example.com/article/123\n"
                                                      "https://news.example.com/rss.xml")
    urls = [line.strip() for line in text.splitlines() if line.strip()]
    left, right = st.columns(2)
    as_pages = left.button("페이지로 추가", key="fetch_pages_go", width="stretch")
    as_feeds = right.button("피드로 추가·구독", key="fetch_feeds_go", width="stretch")
    if (as_pages or as_feeds) and not urls:
        st.warning("주소를 한 줄에 하나씩 입력한 뒤 다시 누르세요.")
    elif as_pages or as_feeds:
        with shown_errors():
            add = engine.fetch_urls if as_pages else engine.add_feeds
            finish_fetch(add(urls, FetchProgressView()))
    feeds = engine.feeds()
    with st.expander(f"구독 중인 피드 {len(feeds)}개"):
        if not feeds:
            st.caption("아직 구독한 피드가 없습니다. 위에 피드 주소를 넣고 '피드로 추가·구독'을 누르세요.")
        st.markdown(feed_list_md(feeds))
        if st.button("구독 중인 피드 새로 고침", key="feeds_refresh", disabled=not feeds):
            with shown_errors():
                finish_fetch(engine.refresh_feeds(FetchProgressView()))


def render_add(engine: Engine, limits: UploadLimits) -> None:
    if result := st.session_state.get("ingest_result"):
        st.markdown("**최근 추가 결과**")
        render_report(**result)
        st.divider()
    kinds = " ".join(UPLOAD_SUFFIXES)
    # Archives pass the widget's filter so that save_uploads refuses them with our own message.
    files = st.file_uploader(f"기사·보도자료 파일 올리기 ({kinds}; .xlsx는 BigKinds 내려받기 파일, 여러 개 가능, "
                             f"파일당 {limits.max_file_mb} MB, "
                             f"한 번에 {limits.max_total_mb} MB까지)",
                             type=[s.lstrip(".") for s in UPLOAD_SUFFIXES + ARCHIVE_SUFFIXES],
                             accept_multiple_files=True, max_upload_size=limits.max_file_mb,
                             key=f"uploads_{st.session_state.get('upload_round', 0)}")
    if st.button("올린 파일 추가하기", key="upload_go", disabled=not files, type="primary"):
        with shown_errors():
            finish_ingest(ingest_uploads(engine, files, limits, StreamlitProgress()))
    render_web(engine)
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    folder = left.text_input(f"또는 데이터 폴더({engine.settings.data_dir}) 안의 경로 (하위 폴더까지 읽습니다)",
                             key="folder_path", placeholder="예: raw")
    if right.button("폴더 추가하기", key="folder_go", width="stretch"):
        root = engine.settings.data_dir.resolve()
        path = (root / Path(folder.strip()).expanduser()).resolve()
        # Anyone with the app's address may type a path: only the data folder is theirs to read.
        if not path.is_relative_to(root):
            st.error(f"서버 폴더는 데이터 폴더({escape_inline(str(root))}) 안에서만 추가할 수 있습니다. "
                     "그 밖의 파일은 위의 업로드로 올리세요.")
            return
        if not folder.strip() or not path.exists():
            st.error(f"경로를 찾을 수 없습니다: {escape_inline(folder) or '(빈 값)'}. "
                     "데이터 폴더 안의 폴더나 파일 경로를 입력하세요.")
            return
        with shown_errors():
            finish_ingest(ingest_folder(engine, path))


def render_first_run(engine: Engine, limits: UploadLimits) -> None:
    st.info("아직 검색할 인덱스가 없습니다. 터미널에서 "
            f"`python -m ingest data/sample --index {engine.index_dir}` 를 실행해 만들거나, "
            "아래 버튼으로 예시 기사를 바로 넣으세요. 몇 분 걸릴 수 있습니다.")
    if st.button("예시 자료로 시작하기", key="start_sample", type="primary"):
        with shown_errors():
            finish_ingest(ingest_folder(engine, SAMPLE_DIR))
    with st.expander("내 자료로 시작하기"):
        render_add(engine, limits)


def main() -> None:
    st.set_page_config(layout="wide", page_title="newsrag", page_icon=":material/newspaper:")
    st.html(PAGE_CSS)
    settings = get_settings()
    try:
        engine = get_engine()
    except NewsRagError as e:
        st.error(str(e))
        st.stop()
    except Exception:
        logger.exception("the engine could not be loaded")
        st.error("검색 엔진을 불러오지 못했습니다. `python -m index fetch-model`로 임베딩 모델을 받았는지, "
                 "NEWSRAG_ 설정이 올바른지 확인한 뒤 앱을 다시 시작하세요.")
        st.stop()
    stats = None
    if engine.has_index():
        with shown_errors():
            stats = engine.stats()
    k = render_sidebar(engine, stats, settings.top_k)
    limits = UploadLimits(settings.upload_max_mb, settings.upload_max_total_mb)
    st.markdown("#### :material/newspaper: newsrag · 정책 뉴스 검색과 근거 있는 답변")
    if stats is None:
        render_first_run(engine, limits)
        return
    ask, search, brief, add = st.tabs(TABS)
    with ask:
        render_ask(engine, k)
    with search:
        render_search(engine, stats, k)
    with brief:
        render_brief(engine)
    with add:
        render_add(engine, limits)


if __name__ == "__main__":
    main()
