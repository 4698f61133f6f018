"""Generative answers and briefing bullets through a LangChain chat model, citation-checked.

This is the only module that imports langchain: its APIs change often, so they stay in one place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import httpx
import openai
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.exceptions import ModelConnectionError, ModelError, ModelTimeoutError
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from ollama import ResponseError as OllamaResponseError

from answer.verify import REFUSAL, CheckedReply, Split, check_bullets, check_reply, format_context
from errors import LLMError
from prompts import PromptTemplateText
from schema import Answer, Citation, Hit

logger = logging.getLogger(__name__)

NOTICE_NO_CITATION = "LLM 답변에 유효한 인용이 없어 추출식 답변을 보여 드립니다."
NOTICE_UNREACHABLE = "LLM 서버에 연결할 수 없어 추출식 답변을 보여 드립니다."
NOTICE_TIMEOUT = "LLM 서버가 제때 응답하지 않아 추출식 답변을 보여 드립니다."
NOTICE_FAILED = "LLM 서버가 오류를 돌려주어 추출식 답변을 보여 드립니다."

# Timeouts first: they subclass the connection errors.
_TIMEOUTS = (ModelTimeoutError, openai.APITimeoutError, httpx.TimeoutException, TimeoutError)
_UNREACHABLE = (ModelConnectionError, openai.APIConnectionError, httpx.TransportError, ConnectionError)
_FAILURES = (ModelError, openai.APIError, OllamaResponseError, httpx.HTTPError, OSError)


def build_chat_model(provider: str, base_url: str | None, model: str | None, api_key: str | None,
                     timeout_s: float) -> BaseChatModel | None:
    """The configured chat model, or None for provider "none"; builds only, sends nothing."""
    if provider == "none":
        return None
    if provider not in ("openai", "ollama"):
        raise LLMError(f"알 수 없는 LLM 제공자입니다: {provider!r}. "
                       "NEWSRAG_LLM_PROVIDER를 none, openai, ollama 중 하나로 설정하세요.")
    if not model:
        raise LLMError("LLM 모델 이름이 없습니다. "
                       "NEWSRAG_LLM_MODEL에 서버가 제공하는 모델 이름을 설정하세요.")
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(base_url=base_url, model=model, temperature=0,
                          client_kwargs={"timeout": timeout_s})
    if not base_url and not api_key:
        raise LLMError("LLM 서버 주소도 API 키도 없습니다. 로컬 서버(vLLM, llama.cpp, Ollama /v1)라면 "
                       "NEWSRAG_LLM_BASE_URL을, OpenAI라면 NEWSRAG_OPENAI_API_KEY를 설정하세요.")
    from langchain_openai import ChatOpenAI

    # Local OpenAI-compatible servers ignore the key but the client insists on one.
    return ChatOpenAI(base_url=base_url, model=model, api_key=api_key or "not-needed", timeout=timeout_s,
                      max_retries=0, streaming=True, temperature=0)


def model_label(llm: BaseChatModel) -> str:
    """The model's name as the provider knows it, for `Answer.backend`."""
    name = getattr(llm, "model_name", None) or getattr(llm, "model", None)
    return str(name) if name else type(llm).__name__


def check_health(llm: BaseChatModel, timeout_s: float = 5.0) -> bool:
    """Whether the model answers a one-token request within `timeout_s`; never raises."""
    outcome: list[bool] = []

    def probe() -> None:
        try:
            llm.invoke("ping", **_one_token(llm))
            outcome.append(True)
        except Exception as e:  # noqa: BLE001 - a health probe reports, whatever went wrong
            logger.info("LLM health check failed: %s: %s", type(e).__name__, e)
            outcome.append(False)

    # A daemon thread: a hung server cannot hold the caller past timeout_s.
    thread = threading.Thread(target=probe, name="llm-health", daemon=True)
    thread.start()
    thread.join(timeout_s)
    return bool(outcome and outcome[0])


def _one_token(llm: BaseChatModel) -> dict:
    from langchain_ollama import ChatOllama
    from langchain_openai import ChatOpenAI

    if isinstance(llm, ChatOpenAI):
        return {"max_tokens": 1}
    if isinstance(llm, ChatOllama):
        return {"options": {"num_predict": 1}}
    return {}


def build_prompt(text: PromptTemplateText) -> ChatPromptTemplate:
    """A ChatPromptTemplate from a loaded template (doubled braces come out single)."""
    return ChatPromptTemplate.from_messages([("system", text.system), ("human", text.human)])


class LLMAnswerer:
    """Answers from the hits through the chat model; falls back to the extractive answer when it must.

    Build it with `LLMAnswerer(llm, load_prompt("answer.ko", {"question", "context"}))`.
    """

    def __init__(self, llm: BaseChatModel, prompt_text: PromptTemplateText) -> None:
        self.llm, self.prompt = llm, build_prompt(prompt_text)
        self.backend = f"llm:{model_label(llm)}"

    def answer(self, question: str, hits: Sequence[Hit], fallback: Answer, split: Split,
               on_token: Callable[[str], None] | None = None) -> Answer:
        """Stream the reply (each token to `on_token`), then check its citations.

        Returns `fallback` with a Korean notice when the model cannot be reached or its reply has
        no valid citation; tokens already streamed are then superseded by that answer.
        """
        if not hits:
            return fallback
        chain = self.prompt | self.llm | StrOutputParser()
        parts: list[str] = []
        try:
            for token in chain.stream({"question": question, "context": format_context(hits)}):
                if token:
                    parts.append(token)
                    if on_token is not None:
                        on_token(token)
        except _FAILURES as e:
            logger.warning("LLM answer failed, using the extractive answer: %s: %s", type(e).__name__, e)
            return _with_notice(fallback, _failure_notice(e))
        checked = check_reply("".join(parts), hits, split)
        if checked.refused and not checked.has_valid:
            return Answer(question, REFUSAL, False, (), tuple(hits), backend=self.backend)
        if not checked.has_valid:
            logger.warning("LLM reply has no valid citation, using the extractive answer: %r",
                           "".join(parts)[:200])
            return _with_notice(fallback, NOTICE_NO_CITATION)
        return Answer(question, checked.text, checked.answerable, checked.citations, tuple(hits),
                      backend=self.backend, notice=repair_notice(checked))


def summarize_bullets(topic: str, hits: Sequence[Hit], llm: BaseChatModel, prompt_text: PromptTemplateText,
                      split: Split, max_items: int = 5) -> list[tuple[str, list[Citation]]]:
    """3-5 cited summary bullets on `topic` for a briefing.

    Bullets without a valid citation are dropped; an unreachable model or a reply with nothing valid
    gives [] (logged), so the caller keeps its extractive summary. Citation numbers run across bullets.
    """
    if not hits:
        return []
    chain = build_prompt(prompt_text) | llm | StrOutputParser()
    try:
        reply = chain.invoke({"topic": topic, "context": format_context(hits)})
    except _FAILURES as e:
        logger.warning("LLM briefing failed, keeping the extractive summary: %s: %s", type(e).__name__, e)
        return []
    checked = check_bullets(reply, hits, split)
    by_n = {c.n: c for c in checked.citations}
    bullets = [(s.text, [by_n[n] for n in s.numbers]) for s in checked.sentences if s.supported]
    return bullets[:max_items]


def repair_notice(checked: CheckedReply) -> str:
    """Korean notice of what the citation check changed in a reply, or ""."""
    notes = []
    if checked.invalid:
        cited = ", ".join(f"[{n}]" for n in checked.invalid)
        notes.append(f"제공되지 않은 기사를 가리킨 인용 {cited}을(를) 지웠습니다.")
    if checked.unsupported:
        notes.append(f"출처가 없는 문장 {len(checked.unsupported)}개에 '(출처 없음)'을 표시했습니다.")
    return " ".join(notes)


def _failure_notice(e: BaseException) -> str:
    if isinstance(e, _TIMEOUTS):
        return NOTICE_TIMEOUT
    if isinstance(e, _UNREACHABLE):
        return NOTICE_UNREACHABLE
    return NOTICE_FAILED


def _with_notice(fallback: Answer, notice: str) -> Answer:
    return replace(fallback, notice=" ".join(n for n in (notice, fallback.notice) if n))


def hit_to_document(hit: Hit) -> Document:
    """A LangChain Document for one hit; metadata carries what a citation needs."""
    c = hit.chunk
    return Document(page_content=c.text, metadata={
        "article_id": c.article_id, "chunk_id": c.chunk_id, "title": c.title, "outlet": c.outlet,
        "published_at": c.published_at, "url": c.url, "score": hit.score, "start": c.start, "end": c.end})


class NewsRetriever(BaseRetriever):
    """Our hybrid search as a LangChain retriever, so it drops into any LangChain chain."""

    search: Callable[[str], list[Hit]]

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [hit_to_document(h) for h in self.search(query)]
