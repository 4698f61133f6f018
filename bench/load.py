"""Load: N threads ask questions through one shared Engine (as app sessions do) for a fixed time.

Run: .venv/bin/python -m bench.load --index bench/work/scale/100k [--threads 8] [--seconds 60]
Each thread loops over its own slice of real Korean questions calling Engine.ask (search plus the
extractive answer; what a 질문하기 submit runs) until the time is up. Everything stays inside this
process: no network. Prints the query count, errors, latency percentiles and resident memory after
warm-up and at the end. tests/index/test_load.py runs the same function, shortened, in CI.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import CORPORA, REPO, machine_line, table


@dataclass(slots=True)
class LoadResult:
    threads: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    empty: int = 0  # answers that came back with no hits at all
    rss_warm_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_timeline: list[tuple[float, float]] = field(default_factory=list)  # (seconds in, MB)

    def rss_growth_second_half(self) -> float:
        """RSS growth over the second half of the timed run: a leak keeps growing, a warm-up does not."""
        half = [mb for t, mb in self.rss_timeline if t >= self.seconds / 2]
        return half[-1] - half[0] if len(half) > 1 else float("nan")

    def percentile(self, p: float) -> float:
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")

    def row(self) -> dict:
        return {"threads": self.threads, "seconds": round(self.seconds, 1),
                "queries": len(self.latencies_ms), "errors": len(self.errors),
                "queries/s": len(self.latencies_ms) / self.seconds,
                "p50 ms": self.percentile(0.5), "p95 ms": self.percentile(0.95),
                "max ms": max(self.latencies_ms, default=float("nan")),
                "RSS warm MB": self.rss_warm_mb, "RSS end MB": self.rss_end_mb,
                "RSS growth MB": self.rss_end_mb - self.rss_warm_mb,
                "growth in 2nd half MB": self.rss_growth_second_half()}


def rss_mb() -> float:
    """Resident memory of this process, from /proc (no extra dependency)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_load(ask: Callable[[str], object], questions: Sequence[str], threads: int = 8,
             seconds: float = 60.0, warmup_rounds: int = 2, sample_every: float = 2.0,
             asks_per_thread: int | None = None) -> LoadResult:
    """Each thread asks `warmup_rounds` questions, all wait, then the timed run starts.

    Bounded in time (seconds) and in count (each thread stops after asks_per_thread asks, or
    len(questions)). Resident memory is sampled every `sample_every` seconds of the timed run.
    """
    limit = asks_per_thread or len(questions)
    result = LoadResult(threads, seconds)
    lock = threading.Lock()
    warm = threading.Barrier(threads + 1)
    start = threading.Barrier(threads + 1)
    deadline = [0.0]

    def one(q: str, timed: bool) -> None:
        t0 = time.perf_counter()
        try:
            answer = ask(q)
        except Exception:  # noqa: BLE001 - a load test counts every failure, it does not stop
            with lock:
                result.errors.append(traceback.format_exc(limit=4))
            return
        ms = 1000 * (time.perf_counter() - t0)
        with lock:
            if timed:
                result.latencies_ms.append(ms)
                result.empty += not getattr(answer, "hits", True)

    def worker(i: int) -> None:
        mine = list(questions[i::threads]) or list(questions)
        for q in mine[:warmup_rounds]:
            one(q, timed=False)
        warm.wait()
        start.wait()
        for n, q in enumerate(mine[warmup_rounds:] * 1000):
            if time.perf_counter() >= deadline[0] or n >= limit:
                break
            one(q, timed=True)

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    warm.wait()
    result.rss_warm_mb = rss_mb()
    deadline[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start.wait()
    while True:
        result.rss_timeline.append((time.perf_counter() - t0, rss_mb()))
        alive = [t for t in pool if t.is_alive()]
        if not alive or time.perf_counter() - t0 > seconds + 600:
            break
        alive[0].join(timeout=sample_every)
    for t in pool:
        t.join(timeout=600)
    result.seconds = time.perf_counter() - t0
    result.rss_end_mb = rss_mb()
    return result


def korquad_questions(n: int) -> list[str]:
    data = json.loads((CORPORA / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))["data"]
    return [qa["question"] for d in data for p in d["paragraphs"] for qa in p["qas"]][::3][:n]


def seed_questions() -> list[str]:
    path = REPO / "bench" / "questions_seeds.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def main(argv: list[str] | None = None) -> int:
    from config import Settings
    from engine import Engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup-rounds", type=int, default=2, help="untimed questions per thread first")
    args = ap.parse_args(argv)
    engine = Engine.load(Settings(), args.index)
    questions = seed_questions() + korquad_questions(2000)
    result = run_load(engine.ask, questions, args.threads, args.seconds, args.warmup_rounds)
    print(f"load · Engine.ask from {args.threads} threads · {engine.stats()['chunks']} chunks · "
          f"{machine_line()}")
    print(table([result.row()], list(result.row())))
    print("RSS MB over the run: " + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in result.rss_timeline[::5]))
    for e in result.errors[:3]:
        print(e)
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
