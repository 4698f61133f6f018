"""CLI: `python -m answer ask "질문"` and `python -m answer brief --topic "…"`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from errors import NewsRagError


def answer_json(qid: str, a) -> dict:
    return {"question_id": qid, "question": a.question, "answer": a.text, "answerable": a.answerable,
            "citations": [{"n": c.n, "article_id": c.article_id, "chunk_id": c.chunk_id,
                           "title": c.title, "outlet": c.outlet, "published_at": c.published_at,
                           "quote": c.quote, "start": c.start, "end": c.end} for c in a.citations],
            "backend": a.backend, "notice": a.notice,
            "closest": [{"article_id": h.chunk.article_id, "title": h.chunk.title,
                         "outlet": h.chunk.outlet, "published_at": h.chunk.published_at}
                        for h in a.hits[:3]] if not a.answerable else []}


def build_parser(settings) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m answer", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    ask = sub.add_parser("ask", help="cited answer to a question")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--questions", type=Path, help='JSONL lines {"id", "question"}')
    ask.add_argument("--k", type=int, default=settings.top_k)
    ask.add_argument("--json", action="store_true")
    brief = sub.add_parser("brief", help="one-page briefing on a topic")
    brief.add_argument("--topic", required=True)
    brief.add_argument("--date-from", default="")
    brief.add_argument("--date-to", default="")
    brief.add_argument("--format", choices=("md", "docx", "json"), default="md")
    brief.add_argument("-o", "--output", type=Path, help="file to write (default: stdout; docx needs -o)")
    for sp in (ask, brief):
        sp.add_argument("--index", type=Path, default=settings.index_dir)
    return p


def main(argv: list[str] | None = None) -> int:
    from config import get_settings

    settings = get_settings()
    args = build_parser(settings).parse_args(argv)
    try:
        return cmd_ask(settings, args) if args.cmd == "ask" else cmd_brief(settings, args)
    except NewsRagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def cmd_ask(settings, args) -> int:
    from engine import Engine
    from index.__main__ import read_queries

    if not args.question and not args.questions:
        raise NewsRagError("질문을 주거나 --questions FILE.jsonl을 지정하세요.")
    items = read_queries(args.questions, "question") if args.questions else [("q1", args.question)]
    engine = Engine.load(settings, args.index, require_index=True)
    for qid, question in items:
        a = engine.ask(question, k=args.k)
        if args.json:
            print(json.dumps(answer_json(qid, a), ensure_ascii=False), flush=True)
        else:
            print(a.text + (f"\n({a.notice})" if a.notice else ""))
            for c in a.citations:
                print(f"  [{c.n}] {c.outlet} {c.published_at[:10]} 「{c.title}」: {c.quote}")
    return 0


def cmd_brief(settings, args) -> int:
    from answer.export import to_docx, to_json, to_markdown
    from engine import Engine

    if args.format == "docx" and not args.output:
        raise NewsRagError("docx 형식은 -o 파일.docx 로 저장할 곳을 지정하세요.")
    b = Engine.load(settings, args.index, require_index=True).brief(args.topic, args.date_from, args.date_to)
    if args.format == "docx":
        args.output.write_bytes(to_docx(b))
    else:
        text = to_markdown(b) if args.format == "md" else to_json(b)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
