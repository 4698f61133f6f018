"""A writer process for the PostgreSQL kill and shared-database tests: ingests a folder file by file.

Run: python -m tests.backends.pg_ingest_child DSN SOURCE_DIR [HOLD]
Prints "ready" once Kiwi and the writer are loaded, then for each file n (0-based, one file per
batch) "committed n" (files 0..n-1 are committed), "embedding n", "publishing n" (about to take the
lock and open the transaction) and "inside n" (everything of file n is written, the transaction is
not yet committed), and "done" at the end. With HOLD = n it sleeps at "inside n", inside the open
transaction, so a kill lands there whatever the machine's speed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kiwipiepy import Kiwi

from index.cache import CachedEmbedder
from index.embed import HashEmbedder
from index.korean import KoreanTokenizer
from index.pg_schema import PgEmbeddingCache
from index.pg_writer import PgWriter
from tests.indexing import PrintPhases, ingest_paths


def main(dsn: str, sources: Path, hold: int | None) -> int:
    kiwi = Kiwi()
    kiwi.split_into_sents("준비.")  # the first analysis loads Kiwi's model: do it before "ready"
    cache = PgEmbeddingCache(dsn)
    writer = PgWriter(dsn, tokenizer=KoreanTokenizer(kiwi), embedder=CachedEmbedder(HashEmbedder(64), cache),
                      chunk_max_chars=200, lock_wait_s=30.0)
    phases = PrintPhases()
    publish, apply_delta = writer.publish, writer._apply_delta

    def publishing(batch):
        print(f"publishing {phases.file}", flush=True)
        return publish(batch)

    def last_write(delta):
        apply_delta(delta)
        print(f"inside {phases.file}", flush=True)
        if phases.file == hold:
            time.sleep(600)

    writer.publish = publishing
    writer._apply_delta = last_write
    print("ready", flush=True)
    ingest_paths(writer, [sources], batch_articles=1, progress=phases)
    writer.close()
    cache.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None))
