"""CLI: `python -m index {fetch-model,build,articles,search,related,eval,info,check,delete}`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from errors import NewsRagError


def hit_json(rank: int, h) -> dict:
    c = h.chunk
    return {"rank": rank, "score": round(h.score, 6), "article_id": c.article_id,
            "chunk_id": c.chunk_id, "title": c.title, "outlet": c.outlet,
            "published_at": c.published_at, "url": c.url, "text": c.text, "start": c.start,
            "end": c.end, "copies": h.copies, "dense_rank": h.dense_rank, "bm25_rank": h.bm25_rank}


def read_queries(path: Path, text_key: str = "text") -> list[tuple[str, str]]:
    """Lines {"id": ..., "text": ...}; a bad line is an error naming the file and line."""
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                out.append((str(obj["id"]), str(obj[text_key])))
            except (ValueError, KeyError, TypeError) as e:
                raise NewsRagError(f"{path}:{n}: 질의 줄은 {{\"id\": ..., \"{text_key}\": ...}} "
                                   f"형식이어야 합니다({e}).") from e
    return out


def add_filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date-from", default="", help="YYYY-MM-DD (inclusive)")
    p.add_argument("--date-to", default="", help="YYYY-MM-DD (inclusive)")
    p.add_argument("--outlet", action="append", default=[], help="repeatable")
    p.add_argument("--region", action="append", default=[], help="repeatable, e.g. 충북")
    p.add_argument("--org", action="append", default=[], help="repeatable organization name")
    p.add_argument("--include-teasers", action="store_true")


def filters_from(args):
    from schema import Filters

    return Filters(date_from=args.date_from, date_to=args.date_to, outlets=tuple(args.outlet),
                   regions=tuple(args.region), organizations=tuple(args.org),
                   kinds=("main", "teaser") if args.include_teasers else ("main",))


def build_parser(settings) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch-model", help="fetch and verify the default embedding model")
    for name, hlp in (("build", "re-tokenize and re-embed every chunk (after changing the model, "
                               "dimension or tokenizer settings) and republish the index"),
                      ("articles", "print the catalog's articles"),
                      ("search", "hybrid search"), ("related", "articles like one article"),
                      ("eval", "nDCG/Recall/MRR on labelled queries"), ("info", "index statistics"),
                      ("check", "check that catalog, FAISS and BM25 agree; --repair fixes them"),
                      ("delete", "remove articles or whole source files from the index")):
        sp = sub.add_parser(name, help=hlp)
        sp.add_argument("--index", type=Path, default=settings.index_dir)
    sp = sub.choices["check"]
    sp.add_argument("--repair", action="store_true", help="republish FAISS and BM25 from the catalog")
    sp.add_argument("--quick", action="store_true",
                    help="file sizes and row agreement only: no sha256 of every file, no page-level check")
    sp.add_argument("--json", action="store_true")
    sp = sub.choices["delete"]
    sp.add_argument("--article", action="append", default=[], help="article id (repeatable)")
    sp.add_argument("--source", action="append", default=[],
                    help="source name as stored: the file's absolute path, upload/NAME or the URL (repeatable)")
    sub.choices["articles"].add_argument("--json", action="store_true")
    sp = sub.choices["search"]
    sp.add_argument("query", nargs="?")
    sp.add_argument("--queries", type=Path, help='JSONL lines {"id", "text"}')
    sp.add_argument("--k", type=int, default=10)
    sp.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid")
    sp.add_argument("--json", action="store_true")
    add_filter_args(sp)
    sp = sub.choices["related"]
    sp.add_argument("--article", required=True)
    sp.add_argument("--k", type=int, default=10)
    sp.add_argument("--json", action="store_true")
    sp = sub.choices["eval"]
    sp.add_argument("--queries", type=Path, required=True)
    sp.add_argument("--qrels", type=Path, required=True)
    sp.add_argument("--level", choices=("article", "chunk"), default="article")
    sp.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid")
    sp.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    from config import get_settings

    settings = get_settings()
    args = build_parser(settings).parse_args(argv)
    try:
        return COMMANDS[args.cmd](settings, args)
    except NewsRagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def cmd_fetch_model(settings, args) -> int:
    from index.model import fetch_default_model
    from wiring import model_cache_dir

    path = fetch_default_model(model_cache_dir(settings), progress=True)
    print(f"model ready: {path}")
    return 0


def load_engine(settings, index: Path):
    """The engine for one index, without a chat model; says at once when there is no index."""
    from engine import Engine

    return Engine.load(settings, index, with_llm=False, require_index=True)


def cmd_build(settings, args) -> int:
    from ingest.__main__ import TqdmProgress

    engine = load_engine(settings, args.index)
    progress = TqdmProgress(enabled=True)
    try:
        n = engine.rebuild(progress.on_chunks)
    finally:
        progress.close()
    print(f"rebuilt: {n} chunks re-tokenized and re-embedded (through the embedding cache)")
    return 0


def cmd_articles(settings, args) -> int:
    from engine import Engine

    for article, n_chunks in Engine.catalog_only(settings, args.index).iter_articles():
        row = asdict(article) | {"n_chunks": n_chunks}
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{article.article_id}\t{article.kind}\t{article.published_at[:10]}\t"
                  f"{article.outlet}\t{article.title}")
    return 0


def cmd_search(settings, args) -> int:
    if not args.query and not args.queries:
        raise NewsRagError("질문을 주거나 --queries FILE.jsonl을 지정하세요.")
    queries = read_queries(args.queries) if args.queries else [("q1", args.query)]
    engine = load_engine(settings, args.index)
    filters = filters_from(args)
    for qid, text in queries:
        hits = engine.search(text, k=args.k, filters=filters, mode=args.mode)
        out = {"query_id": qid, "query": text,
               "hits": [hit_json(i, h) for i, h in enumerate(hits, start=1)]}
        if args.json:
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(f"# {text}")
            for h in out["hits"]:
                print(f"{h['rank']:>2}. [{h['published_at'][:10]} {h['outlet']}] {h['title']} "
                      f"({h['score']:.4f})\n    {h['text'][:120]}")
    return 0


def cmd_related(settings, args) -> int:
    hits = load_engine(settings, args.index).related(args.article, k=args.k)
    out = {"article_id": args.article, "hits": [hit_json(i, h) for i, h in enumerate(hits, 1)]}
    print(json.dumps(out, ensure_ascii=False) if args.json else
          "\n".join(f"{h['rank']:>2}. {h['title']} ({h['score']:.4f})" for h in out["hits"]))
    return 0


def cmd_eval(settings, args) -> int:
    from index.evaluate import evaluate, read_qrels

    qrels = read_qrels(args.qrels)
    queries = read_queries(args.queries)
    engine = load_engine(settings, args.index)
    runs = {}
    for qid, text in queries:
        per_article = 1 if args.level == "article" else 100
        hits = engine.search(text, k=100, mode=args.mode, collapse=False, per_article=per_article)
        ids = [h.chunk.article_id if args.level == "article" else h.chunk.chunk_id for h in hits]
        runs[qid] = list(dict.fromkeys(ids))
    metrics = evaluate(runs, {q: qrels[q] for q, _ in queries if q in qrels})
    if args.json:
        print(json.dumps(metrics))
    else:
        for name, value in metrics.items():
            print(f"{name}\t{value:.4f}" if name != "queries" else f"{name}\t{int(value)}")
    return 0


def cmd_info(settings, args) -> int:
    from engine import Engine

    print(json.dumps(Engine.catalog_only(settings, args.index).stats(), ensure_ascii=False, indent=1))
    return 0


def cmd_check(settings, args) -> int:
    engine = load_engine(settings, args.index)
    report = engine.check(full=not args.quick)
    if not report.ok and args.repair and report.catalog_ok:
        from ingest.__main__ import TqdmProgress

        print("\n".join(f"고치는 중: {p}" for p in report.problems), file=sys.stderr)
        progress = TqdmProgress(enabled=True)
        try:
            removed, n = engine.repair(progress.on_chunks)
        finally:
            progress.close()
        print(f"고침: 청크 {n}개 색인, 고아 행 {removed}개 삭제", file=sys.stderr)
        report = engine.check(full=not args.quick)
    summary = {"ok": report.ok, "generation": report.generation, "articles": report.articles,
               "chunks": report.chunks, "dense_ids": report.dense_ids, "bm25_docs": report.bm25_docs,
               "problems": report.problems, "leftover_temp_folders": report.leftovers}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"세대 {report.generation}: 기사 {report.articles}개, 청크 {report.chunks}개, "
              f"FAISS {report.dense_ids}개, BM25 {report.bm25_docs}개")
        print("\n".join(f"문제: {p}" for p in report.problems) or "이상 없음")
    if report.ok:
        return 0
    if not report.catalog_ok:
        from index.catalog import CATALOG_HINT

        raise NewsRagError("카탈로그가 손상되어 고칠 수 없습니다. " + CATALOG_HINT.format(dir=args.index))
    raise NewsRagError(f"인덱스가 일치하지 않습니다. `python -m index check --index {args.index} "
                       "--repair`로 고치세요.")


def cmd_delete(settings, args) -> int:
    if not args.article and not args.source:
        raise NewsRagError("지울 기사(--article ID)나 원본(--source 이름)을 하나 이상 지정하세요.")
    engine = load_engine(settings, args.index)
    n_articles = engine.delete_articles(args.article) if args.article else 0
    n_sources = engine.delete_sources(args.source) if args.source else 0
    print(f"삭제: 기사 {n_articles}개, 원본에 딸린 기사 {n_sources}개")
    return 0


COMMANDS = {"fetch-model": cmd_fetch_model, "build": cmd_build, "articles": cmd_articles,
            "search": cmd_search, "related": cmd_related, "eval": cmd_eval, "info": cmd_info,
            "check": cmd_check, "delete": cmd_delete}

if __name__ == "__main__":
    sys.exit(main())
