"""The product's facade for the edges: search, ask, brief and ingest over one loaded index."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from answer.brief import build_briefing
from answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from config import Settings
from index import catalog as cat
from index.build import IngestProgress, IngestReport, ingest_sources
from index.catalog import Filters
from index.searcher import NO_FILTERS, Searcher
from index.stats import index_stats
from index.store import WriteLock
from schema import Answer, Article, Briefing, BriefItem, Hit


class Engine:
    """Built once per process (the app caches it); every heavy object is made here and shared."""

    def __init__(self, settings: Settings, index_dir: Path, tokenizer, embedder,
                 llm_answerer=None) -> None:
        self.settings, self.index_dir = settings, index_dir
        self.tokenizer, self.embedder, self.llm_answerer = tokenizer, embedder, llm_answerer
        self._searcher: Searcher | None = None
        self._searcher_lock = threading.Lock()  # app sessions are threads: open the searcher once

    @classmethod
    def load(cls, settings: Settings, index_dir: Path | None = None) -> Engine:
        from wiring import build_embedder, build_llm_answerer, build_tokenizer

        return cls(settings, index_dir or settings.index_dir, build_tokenizer(settings),
                   build_embedder(settings), build_llm_answerer(settings))

    @property
    def searcher(self) -> Searcher:
        """Opened on first use, so an app without an index can still start and build one."""
        with self._searcher_lock:
            if self._searcher is None:
                from wiring import open_searcher

                self._searcher = open_searcher(self.settings, self.index_dir, self.tokenizer,
                                               self.embedder)
            return self._searcher

    @property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.embedder, self.tokenizer, self.searcher.idf,
                                  self.searcher.query_vector,
                                  ExtractiveConfig(min_score=self.settings.answer_min_score))

    def has_index(self) -> bool:
        try:
            return index_stats(self.index_dir)["generation"] > 0
        except Exception:  # noqa: BLE001 - any failure means "no usable index" here
            return False

    def stats(self) -> dict:
        return index_stats(self.index_dir)

    def search(self, query: str, k: int | None = None, filters: Filters = NO_FILTERS, **kw) -> list[Hit]:
        return self.searcher.search(query, k=k or self.settings.top_k, filters=filters, **kw)

    def related(self, article_id: str, k: int = 5) -> list[Hit]:
        return self.searcher.related(article_id, k=k)

    def articles(self, ids: Sequence[str]) -> dict[str, Article]:
        with cat.transaction(self.searcher.conn):
            return cat.get_articles(self.searcher.conn, ids)

    def ask(self, question: str, k: int | None = None, filters: Filters = NO_FILTERS,
            on_token: Callable[[str], None] | None = None) -> Answer:
        hits = self.search(question, k=k, filters=filters)
        fallback = self.extractive.answer(question, hits)
        if self.llm_answerer is None or not hits:
            return fallback
        return self.llm_answerer.answer(question, hits, fallback, self.split_sentences, on_token)

    def split_sentences(self, text: str) -> list[str]:
        return [s.text for s in self.tokenizer.kiwi.split_into_sents(text)]

    def brief(self, topic: str, date_from: str = "", date_to: str = "", k: int = 40) -> Briefing:
        filters = Filters(date_from=date_from, date_to=date_to)
        hits = self.search(topic, k=k, filters=filters, per_article=3)
        articles = self.articles([h.chunk.article_id for h in hits])
        briefing = build_briefing(topic, hits, articles, self.extractive, date_from, date_to)
        if self.llm_answerer is None:
            return briefing
        return self._with_generated_summary(briefing, topic, hits)

    def _with_generated_summary(self, briefing: Briefing, topic: str, hits: Sequence[Hit]) -> Briefing:
        """Summary bullets from the LLM under the same citation checks; extractive ones otherwise."""
        from answer.chain import model_label, summarize_bullets
        from prompts import load_prompt

        prompt = load_prompt("brief.ko", {"topic", "context"})
        bullets = summarize_bullets(topic, hits[:12], self.llm_answerer.llm, prompt, self.split_sentences)
        if not bullets:
            return briefing
        summary = tuple(BriefItem(text, tuple(cites)) for text, cites in bullets)
        return replace(briefing, summary=summary, backend=f"llm:{model_label(self.llm_answerer.llm)}")

    def ingest(self, sources: Sequence[Path], progress: IngestProgress | None = None,
               source_names: dict[Path, str] | None = None) -> IngestReport:
        """Ingest with the shared model; searches pick up the new generation on their own."""
        from wiring import open_writer

        with WriteLock(self.index_dir):
            writer = open_writer(self.settings, self.index_dir, self.tokenizer, self.embedder)
            try:
                return ingest_sources(writer, sources, max_file_bytes=self.settings.max_file_mb * 2**20,
                                      progress=progress, source_names=source_names)
            finally:
                writer.close()
