"""The product's facade for the edges: search, ask, brief, ingest and index upkeep over one index.

The app and the CLIs see only this class; which backend holds the index is `wiring.py`'s choice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from answer.brief import build_briefing, build_changes
from answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from config import Settings
from contracts import IndexWriter, Progress, Retriever
from errors import IndexMissingError
from ingest.load import sources_from_paths
from ingest.pipeline import IngestParams, IngestProgress, IngestReport, ingest_sources
from schema import (
    NO_FILTERS,
    Answer,
    Article,
    Briefing,
    BriefingChanges,
    BriefItem,
    CheckReport,
    Filters,
    Hit,
    SavedBriefing,
    Source,
)

if TYPE_CHECKING:
    from ingest.fetch_state import SavedFeed
    from ingest.remote import FetchProgress, FetchReport, FetchRun


class Engine:
    """Built once per process (the app caches it); every heavy object is made here and shared."""

    def __init__(self, settings: Settings, index_dir: Path, tokenizer, embedder,
                 llm_answerer=None) -> None:
        self.settings, self.index_dir = settings, index_dir
        self.tokenizer, self.embedder, self.llm_answerer = tokenizer, embedder, llm_answerer
        self._retriever: Retriever | None = None
        self._retriever_lock = threading.Lock()  # app sessions are threads: open the retriever once

    @classmethod
    def load(cls, settings: Settings, index_dir: Path | None = None, *, with_llm: bool = True,
             require_index: bool = False) -> Engine:
        """Build the tokenizer, the embedding model and (with_llm) the chat model.

        require_index: say there is no index before spending seconds on the model.
        """
        from wiring import build_embedder, build_llm_answerer, build_tokenizer
        from wiring import require_index as check

        index_dir = index_dir or settings.index_dir
        if require_index:
            check(settings, index_dir)
        return cls(settings, index_dir, build_tokenizer(settings), build_embedder(settings),
                   build_llm_answerer(settings) if with_llm else None)

    @classmethod
    def catalog_only(cls, settings: Settings, index_dir: Path | None = None) -> Engine:
        """An engine that lists articles and statistics without loading any model (no search)."""
        from wiring import require_index

        index_dir = index_dir or settings.index_dir
        require_index(settings, index_dir)
        return cls(settings, index_dir, None, None)

    @property
    def retriever(self) -> Retriever:
        """Opened on first use, so an app without an index can still start and build one."""
        with self._retriever_lock:
            if self._retriever is None:
                from wiring import open_retriever

                self._retriever = open_retriever(self.settings, self.index_dir, self.tokenizer,
                                                 self.embedder)
            return self._retriever

    def close(self) -> None:
        with self._retriever_lock:
            if self._retriever is not None:
                self._retriever.close()
                self._retriever = None

    # --- reading ---------------------------------------------------------------------------------

    def has_index(self) -> bool:
        """False only when there is no index yet; a damaged one raises its own message."""
        try:
            self.retriever  # noqa: B018 - opening it is the check
        except IndexMissingError:
            return False
        return True

    def stats(self) -> dict:
        return self.retriever.stats()

    def search(self, query: str, k: int | None = None, filters: Filters = NO_FILTERS, **kw) -> list[Hit]:
        return self.retriever.search(query, k=k or self.settings.top_k, filters=filters, **kw)

    def related(self, article_id: str, k: int = 5, filters: Filters = NO_FILTERS) -> list[Hit]:
        return self.retriever.related(article_id, k=k, filters=filters)

    def articles(self, ids: Sequence[str]) -> dict[str, Article]:
        return self.retriever.articles(ids)

    def iter_articles(self) -> Iterator[tuple[Article, int]]:
        return self.retriever.iter_articles()

    def copies(self, hits: Sequence[Hit]) -> dict[str, list[Article]]:
        """The near-duplicate copies collapsed into each hit that has any, oldest first."""
        return self.retriever.copies([h.chunk.article_id for h in hits if h.copies])

    def query_terms(self, query: str) -> list[str]:
        """The words of a query as search matched them (Kiwi content morphemes, then the raw words)."""
        return list(dict.fromkeys(self.tokenizer([query])[0] + query.split()))

    # --- answers and briefings ------------------------------------------------------------------

    @property
    def extractive(self) -> ExtractiveAnswerer:
        r = self.retriever
        return ExtractiveAnswerer(self.embedder, self.tokenizer, r.idf, r.query_vector,
                                  ExtractiveConfig(min_score=self.settings.answer_min_score,
                                                   min_score_with_value=self.settings.answer_min_score_with_value))

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
        from index.writer import utc_now

        topic = topic_key(topic)
        # Time and generation before the search: a save then misses nothing published meanwhile.
        made_at, generation = utc_now(), self.retriever.generation_number()
        filters = Filters(date_from=date_from, date_to=date_to)
        hits = self.search(topic, k=k, filters=filters, per_article=3)
        articles = self.articles([h.chunk.article_id for h in hits])
        briefing = replace(build_briefing(topic, hits, articles, self.extractive, date_from, date_to),
                           generation=generation, made_at=made_at)
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

    # --- saved briefings: what changed since ----------------------------------------------------

    def save_briefing(self, briefing: Briefing) -> SavedBriefing:
        """Keep a briefing's topic, period, time and index generation for `since_last`; saving the
        same topic again replaces the earlier save."""
        from index.writer import utc_now

        saved = SavedBriefing(topic=topic_key(briefing.topic),
                              filters=Filters(date_from=briefing.date_from, date_to=briefing.date_to),
                              saved_at=briefing.made_at or utc_now(), generation=briefing.generation,
                              article_ids=tuple(s.article_id for s in briefing.sources))
        with self.writing() as writer:
            writer.save_briefing(saved)
        return saved

    def saved_briefings(self) -> list[SavedBriefing]:
        """Every saved briefing, the most recently saved first."""
        return self.retriever.saved_briefings()

    def since_last(self, topic: str, k: int = 40, max_changed: int = 200) -> BriefingChanges | None:
        """What is new or changed on a topic since its last saved briefing (None: never saved).

        Articles first seen or changed after the save, within its period, that are on the topic;
        a new near-duplicate copy of an article known before is no news. Conflicting figures are
        looked for between them and the topic's briefing now.
        """
        from index.writer import utc_now

        saved = self.retriever.saved_briefing(topic_key(topic))
        if saved is None:
            return None
        made_at, generation = utc_now(), self.retriever.generation_number()
        changes = self.retriever.changes_since(saved.saved_at, saved.filters)[:max_changed]
        ids = {c.article.article_id for c in changes}
        changes = [c for c in changes if not c.article.duplicate_of or c.article.duplicate_of in ids]
        hits: list[Hit] = []
        if changes:
            only = replace(saved.filters, article_ids=tuple(c.article.article_id for c in changes))
            hits = self.search(saved.topic, k=3 * len(changes), filters=only, per_article=3)
            seen = {h.chunk.chunk_id for h in hits}
            hits += [h for h in self.search(saved.topic, k=k, filters=saved.filters, per_article=3)
                     if h.chunk.chunk_id not in seen]
        articles = self.articles(list(dict.fromkeys(h.chunk.article_id for h in hits)))
        return build_changes(saved, changes, hits, articles, self.extractive, generation, made_at)

    def llm_label(self) -> str | None:
        """The configured chat model's name, or None when answers are extractive only."""
        if self.llm_answerer is None:
            return None
        return str(getattr(self.llm_answerer, "backend", "llm")).removeprefix("llm:")

    def llm_healthy(self) -> bool:
        """Whether the configured chat model answers a one-token request now (False without one)."""
        if self.llm_answerer is None:
            return False
        from answer.chain import check_health

        return check_health(self.llm_answerer.llm)

    # --- writing ---------------------------------------------------------------------------------

    @contextmanager
    def writing(self, create: bool = False) -> Iterator[IndexWriter]:
        """The backend's writer for this index, closed on exit (create: make the index if missing)."""
        from wiring import writing

        with writing(self.settings, self.index_dir, self.tokenizer, self.embedder, create) as writer:
            yield writer

    def ingest(self, sources: Sequence[Path | Source], progress: IngestProgress | None = None,
               source_names: dict[Path, str] | None = None) -> IngestReport:
        """Ingest files, folders or in-memory sources with the shared model; searches pick up the
        new generation on their own. source_names maps a path to the name stored for it."""
        from wiring import chunk_embedding

        paths = [s for s in sources if isinstance(s, Path)]
        items = [s for s in sources if isinstance(s, Source)] + sources_from_paths(paths, source_names)
        params = IngestParams(chunk_max_chars=self.settings.chunk_max_chars,
                              max_file_bytes=self.settings.max_file_mb * 2**20,
                              batch_articles=self.settings.batch_articles)
        with self.writing(create=True) as writer, chunk_embedding(self.settings, self.index_dir,
                                                       self.embedder) as embedder:
            return ingest_sources(items, writer, embedder, self.tokenizer.kiwi, params, progress)

    # --- the web: pages and feeds ----------------------------------------------------------------

    def fetch_urls(self, urls: Sequence[str], progress: FetchProgress | None = None) -> FetchReport:
        """Fetch pages (politely, conditionally) and ingest those that are new or changed."""
        with self._fetch_run(progress) as run:
            run.add_pages(urls)
            return run.finish(self.ingest(run.sources, progress) if run.sources else None)

    def add_feeds(self, urls: Sequence[str], progress: FetchProgress | None = None) -> FetchReport:
        """Subscribe to feeds (those that parse as feeds) and ingest their entries' pages."""
        with self._fetch_run(progress) as run:
            run.add_feeds(urls, subscribe=True)
            return run.finish(self.ingest(run.sources, progress) if run.sources else None)

    def refresh_feeds(self, progress: FetchProgress | None = None) -> FetchReport:
        """Re-read every saved feed; fetch and ingest only the entries that are new or changed."""
        with self._fetch_run(progress) as run:
            run.add_feeds([f.url for f in run.state.feeds()])
            return run.finish(self.ingest(run.sources, progress) if run.sources else None)

    def feeds(self) -> list[SavedFeed]:
        """The saved feeds, oldest subscription first (none before anything was fetched)."""
        from ingest.fetch_state import FetchState
        from wiring import fetch_state_path

        path = fetch_state_path(self.settings, self.index_dir)
        if not path.is_file():
            return []
        with FetchState(path) as state:
            return state.feeds()

    @contextmanager
    def _fetch_run(self, progress: FetchProgress | None) -> Iterator[FetchRun]:
        from ingest.fetch import Fetcher, FetchParams
        from ingest.fetch_state import FetchState
        from ingest.remote import FetchRun
        from wiring import fetch_state_path

        s = self.settings
        params = FetchParams(user_agent=s.fetch_user_agent, timeout_s=s.fetch_timeout_s, delay_s=s.fetch_delay_s,
                             max_bytes=s.max_file_mb * 2**20, private_hosts=s.fetch_private_hosts)
        with FetchState(fetch_state_path(s, self.index_dir)) as state, Fetcher(params) as fetcher:
            yield FetchRun(fetcher, state, progress)

    def delete_articles(self, article_ids: Sequence[str]) -> int:
        with self.writing() as writer:
            return writer.delete_articles(article_ids)

    def delete_sources(self, names: Sequence[str]) -> int:
        with self.writing() as writer:
            return writer.delete_sources(names)

    def check(self, full: bool = True) -> CheckReport:
        with self.writing() as writer:
            return writer.check(full)

    def repair(self, progress: Progress | None = None) -> tuple[int, int]:
        with self.writing() as writer:
            return writer.repair(progress)

    def rebuild(self, progress: Progress | None = None) -> int:
        with self.writing() as writer:
            return writer.rebuild(progress)


def topic_key(topic: str) -> str:
    """A topic as briefings are saved under it: surrounding and repeated spaces do not count."""
    return " ".join(topic.split())
