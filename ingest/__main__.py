"""CLI: `python -m ingest SRC [SRC ...] --index DIR` reads, cleans, chunks, embeds and indexes.

`--url URL [URL ...]` fetches pages, `--feed FEED_URL [...]` subscribes to feeds and ingests their
entries, and `python -m ingest refresh --index DIR` re-reads every saved feed and fetches only what
changed (for cron or a systemd timer). A file or folder named `refresh` is given as `./refresh`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from errors import NewsRagError


class TqdmProgress:
    """Two bars on stderr: files, and chunks embedded (with rate and time left per batch)."""

    def __init__(self, enabled: bool) -> None:
        from tqdm import tqdm

        self._files = tqdm(desc="파일", unit="개", disable=not enabled, position=0)
        self._chunks = tqdm(desc="임베딩", unit="청크", disable=not enabled, position=1)
        self._urls = None  # made on the first URL fetched: file-only runs do not show it
        self._enabled = enabled

    def on_files(self, done: int, total: int, name: str) -> None:
        self._files.total = total
        self._files.n = done
        self._files.set_postfix_str(name[-40:], refresh=True)

    def on_chunks(self, done: int, batch_total: int) -> None:
        if done == 0:  # a new batch: the bar's total grows by its chunks, so time left shows
            self._chunks.total = self._chunks.n + batch_total
            self._chunks.refresh()
        self._chunks.update(done)

    def on_fetch(self, done: int, total: int, url: str) -> None:
        if self._urls is None:
            from tqdm import tqdm

            self._urls = tqdm(desc="주소", unit="개", disable=not self._enabled, position=2)
        self._urls.total = total
        self._urls.n = done
        self._urls.set_postfix_str(url[-50:], refresh=True)

    def close(self) -> None:
        self._files.close()
        self._chunks.close()
        if self._urls is not None:
            self._urls.close()


def format_report(report) -> str:
    t = report.totals
    lines = [
        f"파일 {report.files_seen}개: 새로 읽음 {report.files_read}, 변경 없음 {report.files_unchanged}, "
        f"건너뜀 {len(report.skipped)}",
        f"기사: 추가 {t.added}, 갱신 {t.updated}, 변경 없음 {t.unchanged}, 삭제 {t.deleted}",
        f"중복 묶음 {t.duplicates}건, 티저 {t.teasers}건, 청크 {t.chunks}개 (새로 임베딩 {t.embedded}개)",
    ]
    lines += [f"건너뜀: {e}" for e in report.skipped]
    lines += [f"건너뛴 줄: {e}" for e in t.problems]
    return "\n".join(lines)


def format_fetch_report(report) -> str:
    """One line per page, feed and feed entry (entries indented under their feed), then totals."""
    from ingest.remote import OUTCOMES

    lines = []
    for item in report.items:
        line = f"{'  ' if item.feed else ''}[{item.label}] {item.url}"
        lines.append(line + (f" — {item.message}" if item.message else ""))
    counts = ", ".join(f"{label} {n}" for key, label in OUTCOMES.items() if (n := report.count(key)))
    lines.append(f"주소 {len(report.items)}개: {counts or '없음'}")
    if report.ingest is not None:
        lines.append(format_report(report.ingest))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from config import get_settings

    settings = get_settings()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["refresh"]:
        return refresh(settings, argv[1:])
    p = argparse.ArgumentParser(prog="python -m ingest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sources", nargs="*", type=Path, help="files or folders (recursive)")
    p.add_argument("--url", nargs="+", default=[], metavar="URL", help="web pages to fetch and ingest")
    p.add_argument("--feed", nargs="+", default=[], metavar="FEED_URL",
                   help="RSS/Atom feeds to subscribe to; their entries' pages are ingested")
    add_common(p, settings)
    args = p.parse_args(argv)
    if not (args.sources or args.url or args.feed):
        p.error("파일·폴더, --url 또는 --feed 중 하나 이상을 주세요.")
    missing = [str(s) for s in args.sources if not s.exists()]
    if missing:
        print(f"error: 경로가 없습니다: {', '.join(missing)}", file=sys.stderr)
        return 1
    try:
        return run(settings, args)
    except NewsRagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def add_common(p: argparse.ArgumentParser, settings) -> None:
    p.add_argument("--index", type=Path, default=settings.index_dir, help="index folder")
    p.add_argument("--batch-articles", type=int, default=settings.batch_articles,
                   help=f"articles per atomic commit (default {settings.batch_articles})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="embed on Ray: 'local' (the default) starts one on this machine, 'auto' joins the "
                        "running cluster, ray://host:10001 a remote one (default: NEWSRAG_RAY_ADDRESS)")


def run(settings, args) -> int:
    engine, progress = open_engine(settings, args)
    failed = []
    try:
        if args.sources:
            print(format_report(engine.ingest(args.sources, progress)))
        for what, urls, method in (("페이지", args.url, engine.fetch_urls), ("피드", args.feed, engine.add_feeds)):
            if urls:
                report = method(urls, progress)
                print(format_fetch_report(report))
                if report.all_failed:
                    failed.append(what)
    finally:
        progress.close()
    if failed:
        print(f"error: {'와 '.join(failed)}를 하나도 가져오지 못했습니다. 위 보고의 이유를 보고 주소나 "
              "네트워크를 확인한 뒤 다시 실행하세요.", file=sys.stderr)
        return 1
    return 0


def refresh(settings, argv: list[str]) -> int:
    """`python -m ingest refresh --index DIR`: exit 0 when the feeds were read, 1 with `error: …` when
    none is saved or none could be read."""
    p = argparse.ArgumentParser(prog="python -m ingest refresh",
                                description="Re-read every saved feed and ingest what is new or changed.")
    add_common(p, settings)
    args = p.parse_args(argv)
    from engine import Engine

    # Asked before the model is loaded: a timer pointed at the wrong folder fails in a moment.
    if not Engine(settings, args.index, None, None).feeds():
        print(f"error: 구독 중인 피드가 없습니다({args.index}). 먼저 `python -m ingest --feed FEED_URL "
              f"--index {args.index}`로 구독하세요.", file=sys.stderr)
        return 1
    try:
        engine, progress = open_engine(settings, args)
        try:
            report = engine.refresh_feeds(progress)
        finally:
            progress.close()
    except NewsRagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(format_fetch_report(report))
    if report.all_failed:
        print("error: 구독 중인 피드를 하나도 읽지 못했습니다. 위 보고의 이유를 보고 네트워크나 피드 주소를 "
              "확인한 뒤 다시 실행하세요.", file=sys.stderr)
        return 1
    return 0


def open_engine(settings, args):
    from engine import Engine

    update = {"batch_articles": args.batch_articles}
    if args.ray is not None:
        update["ray_address"] = args.ray
    settings = settings.model_copy(update=update)
    engine = Engine.load(settings, args.index, with_llm=False)
    return engine, TqdmProgress(enabled=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())
