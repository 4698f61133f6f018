"""Long page-like documents for search tuning: the soynlp news day cut into pages of ~6 articles.

Run: .venv/bin/python -m bench.longdocs [--pages-of N]
Reads ../shared/corpora/news_soynlp_20161020.jsonl (482 full articles, punctuation stripped, no
titles) and writes bench/work/longdocs/pages.jsonl: consecutive articles in file order, joined by a
blank line into one record per page (id page-NNN), like a newspaper page or a long report. The
questions in bench/questions_longdocs.jsonl name their article; gold_page() maps it to its page.
Exits 2 when the corpus is missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from functools import lru_cache

from bench.common import CORPORA, WORK, write_jsonl

CORPUS = CORPORA / "news_soynlp_20161020.jsonl"
OUT = WORK / "longdocs" / "pages.jsonl"
PAGES_OF = 6


@lru_cache(maxsize=1)
def load_articles() -> tuple[dict, ...]:
    """The soynlp articles in file order (raises FileNotFoundError when the corpus is missing)."""
    with CORPUS.open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def page_sizes(n: int, pages_of: int) -> list[int]:
    """Sizes of round(n / pages_of) pages covering n items, differing by at most one.

    Spreading the remainder keeps every page near pages_of articles instead of leaving a short
    last page (482 articles -> 80 pages of 6 or 7, not 80 of 6 plus one of 2).
    """
    if pages_of < 1:
        raise ValueError(f"pages_of must be at least 1, got {pages_of}")
    count = max(1, round(n / pages_of)) if n else 0
    base, extra = divmod(n, count) if count else (0, 0)
    # A fixed rule (longer pages first) keeps gold_page() stable for a given corpus and pages_of.
    return [base + (i < extra) for i in range(count)]


def _groups(pages_of: int) -> list[tuple[dict, ...]]:
    articles = load_articles()
    out, start = [], 0
    for size in page_sizes(len(articles), pages_of):
        out.append(articles[start:start + size])
        start += size
    return out


def build_pages(pages_of: int = PAGES_OF) -> list[dict]:
    """Consecutive soynlp articles grouped into page records (id, title, body, date, source)."""
    pages = []
    for i, group in enumerate(_groups(pages_of)):
        pages.append({"id": f"page-{i:03d}", "title": "",
                      "body": "\n\n".join(a["text"].strip() for a in group),
                      "date": group[0].get("date", ""), "source": group[0].get("source", "")})
    return pages


@lru_cache(maxsize=8)
def _page_of(pages_of: int) -> dict[str, str]:
    return {a["id"]: f"page-{i:03d}" for i, group in enumerate(_groups(pages_of)) for a in group}


def gold_page(article_id: str, pages_of: int = PAGES_OF) -> str:
    """The id of the page that holds a soynlp article (KeyError for an unknown article id)."""
    return _page_of(pages_of)[article_id]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages-of", type=int, default=PAGES_OF,
                    help="articles per page, about (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.pages_of < 1:
        ap.error("--pages-of must be at least 1")
    if not CORPUS.is_file():
        print(f"../shared/corpora/{CORPUS.name} not found (looked in {CORPORA.resolve()}): this bench needs "
              "the shared corpora beside the clone", file=sys.stderr)
        return 2
    pages = build_pages(args.pages_of)
    write_jsonl(OUT, pages)
    sizes = [len(p["body"]) for p in pages]
    print(f"{len(load_articles())} articles -> {len(pages)} pages of about {args.pages_of} articles "
          f"in {OUT.relative_to(WORK.parent.parent)}")
    print(f"characters per page: median {statistics.median(sizes):,.0f}, max {max(sizes):,}, "
          f"min {min(sizes):,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
