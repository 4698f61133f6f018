"""A writer process for the kill tests: ingests a folder file by file, printing each commit.

Run: python -m tests.index.ingest_child INDEX_DIR SOURCE_DIR
Prints "ready" once Kiwi and the writer are loaded, then "committed N" after the first N files
are committed (one file per batch), so the parent knows what was durable when it killed us.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kiwipiepy import Kiwi

from index.build import ingest_sources
from index.embed import HashEmbedder
from index.korean import KoreanTokenizer
from index.store import WriteLock
from index.writer import IndexWriter


class PrintCommits:
    def on_files(self, done: int, total: int, name: str) -> None:
        # on_files(done) runs only after the batches of the first `done` files were committed.
        print(f"committed {done}", flush=True)

    def on_chunks(self, done: int, batch_total: int) -> None:
        pass


def main(index_dir: Path, sources: Path) -> int:
    kiwi = Kiwi()
    kiwi.split_into_sents("준비.")  # the first analysis loads Kiwi's model: do it before "ready"
    with WriteLock(index_dir):
        writer = IndexWriter(index_dir, kiwi=kiwi, tokenizer=KoreanTokenizer(kiwi),
                             embedder=HashEmbedder(64), chunk_max_chars=200, exact_search_max=10**6)
        print("ready", flush=True)
        ingest_sources(writer, [sources], max_file_bytes=2**20, batch_articles=1,
                       progress=PrintCommits())
        writer.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
