"""A writer process for the kill tests: ingests a folder file by file, printing where it is.

Run: python -m tests.index.ingest_child INDEX_DIR SOURCE_DIR
Prints "ready" once Kiwi and the writer are loaded, then for each file n (0-based, one file per
batch) "committed n" (files 0..n-1 are committed; file n is about to be read), "embedding n",
"publishing n" (the writer is about to take its lock and open its transaction) and "writing n"
(the generation's files are about to be written), and "done" at the end. The parent kills it a
moment after one of these lines, so each kill lands in a known phase whatever the machine's speed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kiwipiepy import Kiwi

import index.writer as writer_module
from index.cache import CACHE_FILE, CachedEmbedder, EmbeddingCache
from index.embed import HashEmbedder
from index.korean import KoreanTokenizer
from index.shortforms import load_shortforms
from index.writer import EmbeddedWriter
from tests.indexing import PrintPhases, ingest_paths


def main(index_dir: Path, sources: Path) -> int:
    kiwi = Kiwi()
    kiwi.split_into_sents("준비.")  # the first analysis loads Kiwi's model: do it before "ready"
    cache = EmbeddingCache(index_dir / CACHE_FILE)
    tokenizer = KoreanTokenizer(kiwi, shortforms=load_shortforms())  # the one conftest's fixtures use
    writer = EmbeddedWriter(index_dir, tokenizer=tokenizer,
                            embedder=CachedEmbedder(HashEmbedder(64), cache), chunk_max_chars=200,
                            exact_search_max=10**6)
    phases = PrintPhases()
    publish, write_generation = writer.publish, writer_module.write_generation

    def publishing(batch):
        print(f"publishing {phases.file}", flush=True)
        return publish(batch)

    def writing(*args, **kwargs):
        print(f"writing {phases.file}", flush=True)
        return write_generation(*args, **kwargs)

    writer.publish = publishing
    writer_module.write_generation = writing
    print("ready", flush=True)
    ingest_paths(writer, [sources], batch_articles=1, progress=phases)
    writer.close()
    cache.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
