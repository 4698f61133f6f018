"""One-query-at-a-time search and extractive-answer latency over an existing index.

Run: .venv/bin/python -m bench.latency --index bench/work/korquad [--n 200]
Queries are KorQuAD dev questions (query embedding included, nothing cached between queries).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bench.common import CORPORA, machine_line, table


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def main(argv: list[str] | None = None) -> int:
    from config import Settings
    from engine import Engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args(argv)
    data = json.loads((CORPORA / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))["data"]
    questions = [qa["question"] for d in data for p in d["paragraphs"] for qa in p["qas"]][::7][:args.n]
    engine = Engine.load(Settings(), args.index)
    engine.search("워밍업 질의")
    search, ask = [], []
    for q in questions:
        t0 = time.perf_counter()
        engine.search(q)
        search.append(1000 * (time.perf_counter() - t0))
        engine.retriever.clear_query_vectors()  # time the answer path as a fresh question
        t0 = time.perf_counter()
        engine.ask(q)
        ask.append(1000 * (time.perf_counter() - t0))
    stats = engine.stats()
    print(f"latency · {stats['chunks']} chunks · {len(questions)} queries · {machine_line()}")
    print(table([{"what": "search", "p50 ms": statistics.median(search), "p95 ms": percentile(search, 0.95)},
                 {"what": "ask (search + extractive answer)", "p50 ms": statistics.median(ask),
                  "p95 ms": percentile(ask, 0.95)}], ["what", "p50 ms", "p95 ms"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
