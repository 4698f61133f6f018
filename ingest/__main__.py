"""CLI: `python -m ingest SRC [SRC ...] --index DIR` reads, cleans, chunks, embeds and indexes."""

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

    def on_files(self, done: int, total: int, name: str) -> None:
        self._files.total = total
        self._files.n = done
        self._files.set_postfix_str(name[-40:], refresh=True)

    def on_chunks(self, done: int, batch_total: int) -> None:
        if done == 0:  # a new batch: the bar's total grows by its chunks, so time left shows
            self._chunks.total = self._chunks.n + batch_total
            self._chunks.refresh()
        self._chunks.update(done)

    def close(self) -> None:
        self._files.close()
        self._chunks.close()


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


def main(argv: list[str] | None = None) -> int:
    from config import get_settings

    settings = get_settings()
    p = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    p.add_argument("sources", nargs="+", type=Path, help="files or folders (recursive)")
    p.add_argument("--index", type=Path, default=settings.index_dir, help="index folder")
    p.add_argument("--batch-articles", type=int, default=settings.batch_articles,
                   help=f"articles per atomic commit (default {settings.batch_articles})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    missing = [str(s) for s in args.sources if not s.exists()]
    if missing:
        print(f"error: 경로가 없습니다: {', '.join(missing)}", file=sys.stderr)
        return 1
    try:
        report = run(settings, args)
    except NewsRagError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(format_report(report))
    return 0


def run(settings, args):
    from engine import Engine

    settings = settings.model_copy(update={"batch_articles": args.batch_articles})
    engine = Engine.load(settings, args.index, with_llm=False)
    progress = TqdmProgress(enabled=not args.quiet)
    try:
        return engine.ingest(args.sources, progress)
    finally:
        progress.close()


if __name__ == "__main__":
    sys.exit(main())
