"""CLI: `python -m answer ask "질문"`, `python -m answer brief "주제" [--save]` and
`python -m answer brief --since-last "주제"`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from errors import NewsRagError


def answer_json(qid: str, a) -> dict:
    return {"question_id": qid, "question": a.question, "answer": a.text, "short_answer": a.short_answer,
            "answerable": a.answerable,
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
    brief = sub.add_parser("brief", help="one-page briefing on a topic, saved topics and what changed since")
    brief.add_argument("topic_arg", nargs="?", metavar="TOPIC", help="the topic (or --topic)")
    brief.add_argument("--topic")
    brief.add_argument("--date-from", default="")
    brief.add_argument("--date-to", default="")
    brief.add_argument("--format", choices=("md", "docx", "json"), default="md")
    brief.add_argument("--json", action="store_true", help="same as --format json")
    brief.add_argument("-o", "--output", type=Path, help="file to write (default: stdout; docx needs -o)")
    brief.add_argument("--save", action="store_true",
                       help="save the briefing (topic, period, time, index generation) for --since-last")
    brief.add_argument("--since-last", action="store_true",
                       help="what is new or changed on TOPIC since its last saved briefing")
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
            print((f"{a.short_answer}\n" if a.short_answer else "") + a.text
                  + (f"\n({a.notice})" if a.notice else ""))
            for c in a.citations:
                print(f"  [{c.n}] {c.outlet} {c.published_at[:10]} 「{c.title}」: {c.quote}")
    return 0


def cmd_brief(settings, args) -> int:
    from answer.export import changes_to_json, changes_to_markdown, to_docx, to_json, to_markdown
    from engine import Engine

    topic, fmt = brief_topic(args), "json" if args.json else args.format
    if fmt == "docx" and not args.output:
        raise NewsRagError("docx 형식은 -o 파일.docx 로 저장할 곳을 지정하세요.")
    if args.since_last and (args.save or fmt == "docx" or args.date_from or args.date_to):
        raise NewsRagError("--since-last는 저장한 브리핑의 기간으로 비교하며 md나 json으로만 씁니다. "
                           "--save, --date-from/--date-to, docx 형식 없이 다시 실행하세요.")
    engine = Engine.load(settings, args.index, require_index=True)
    if args.since_last:
        changes = engine.since_last(topic)
        if changes is None:
            raise NewsRagError(f"'{topic}' 주제로 저장한 브리핑이 없습니다. 먼저 "
                               f'`python -m answer brief "{topic}" --save`로 브리핑을 만들어 저장하세요.')
        write_out(args.output, changes_to_markdown(changes) if fmt == "md" else changes_to_json(changes))
        return 0
    b = engine.brief(topic, args.date_from, args.date_to)
    if fmt == "docx":
        args.output.write_bytes(to_docx(b))
    else:
        write_out(args.output, to_markdown(b) if fmt == "md" else to_json(b))
    if args.save:
        saved = engine.save_briefing(b)
        print(f"브리핑을 저장했습니다: '{saved.topic}' (인덱스 버전 {saved.generation}, {saved.saved_at[:19]} UTC). "
              f'바뀐 점은 `python -m answer brief --since-last "{saved.topic}"`로 봅니다.', file=sys.stderr)
    return 0


def brief_topic(args) -> str:
    """The topic, given as TOPIC or --topic (not two different ones)."""
    given = [t.strip() for t in (args.topic_arg, args.topic) if t and t.strip()]
    if not given:
        raise NewsRagError('주제를 주세요: python -m answer brief "바이오 클러스터" (또는 --topic "…").')
    if len(set(given)) > 1:
        raise NewsRagError(f"주제가 두 개입니다('{given[0]}', '{given[1]}'). TOPIC이나 --topic 하나만 쓰세요.")
    return given[0]


def write_out(path: Path | None, text: str) -> None:
    if path:
        path.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    sys.exit(main())
