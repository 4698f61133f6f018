"""Time and peak memory of reading each hostile input (tests/ingest/test_hostile.py has the outcomes).

Run: .venv/bin/python -m bench.hostile [--only KIND ...] [--timeout 300] [--code DIR]
Each input is built and read in a fresh process, so its peak RSS is its own. "read" is what runs
before the index writer: parse_file and make_articles (ids, region/organization tags); the Kiwi
and MinHash rows time split_sentences and minhash on one body. --code DIR reads with another
checkout of ingest/ (e.g. `git archive HEAD | tar -x -C /tmp/base`) to compare before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.common import REPO, machine_line, table

MB = 2**20
P1 = "충북도는 12일 청주 오송에서 바이오 클러스터 협의회를 열고 2027년까지 400억원을 투입하기로 했다."
P2 = "도는 충북테크노파크와 함께 입주기업 30곳의 기술개발을 지원한다고 밝혔다."


def sentences(n_bytes: int, first: int = 0) -> str:
    parts, size, i = [], 0, first
    while size < n_bytes:
        parts.append(f"{i}번째 {P1} ")
        size += len(parts[-1].encode())
        i += 1
    return "".join(parts)


def unbroken(n: int) -> str:
    return "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(n // 64 + 1))[:n]


def deep_html(depth: int) -> str:
    return ("<html><body>" + "<div>" * depth + f"<h1>충북 바이오 클러스터</h1><p>{P1}</p><p>{P2}</p>"
            + "</div>" * depth + "</body></html>")


INPUTS = {  # kind -> (file name, bytes); built in the child
    "line_50mb_sentences": lambda: ("x.txt", sentences(50 * MB).encode()),
    "line_50mb_words": lambda: ("x.txt", b"word " * (10 * MB)),
    "line_50mb_one_letter": lambda: ("x.txt", b"a" * (50 * MB)),
    "tiny_lines_50mb": lambda: ("x.txt", b"a\n" * (25 * MB)),
    "unusual_spaces_100k": lambda: ("x.txt", f"{P1}{chr(0x1f) * 100_000}{P2}".encode()),
    "breadcrumbs_2000": lambda: ("x.txt", "\n".join(
        [f"{P1} {P2}", *("가 > " * 19 + f".{i}" for i in range(2000)), P2]).encode()),
    "hard_wrapped_99999": lambda: ("x.txt", "\n".join(
        run[i:i + 99] for run in [unbroken(99 * 99_999)] for i in range(0, len(run), 99)).encode()),
    "html_depth_100k": lambda: ("x.html", deep_html(100_000).encode()),
    "html_text_node_12mb": lambda: ("x.html", f"<html><body><p>{sentences(12 * MB)}</p></body></html>".encode()),
    "html_25k_paragraphs": lambda: ("x.html", ("<html><body>" + "".join(
        f"<p>{i}번째 {P2}</p>" for i in range(25_001)) + "</body></html>").encode()),
    "csv_field_10mb": lambda: ("x.csv", ("id,body\n1,\"" + "\n".join(
        sentences(2000, 1000 * k) for k in range(10 * MB // 2000)) + f"\"\n2,{P2}\n").encode()),
    "jsonl_100k_empty_lines": lambda: ("x.jsonl", b"\n" * 50_000 + json.dumps(
        {"body": P1}, ensure_ascii=False).encode() + b"\n" * 50_000),
    "jsonl_5m_bad_records": lambda: ("x.jsonl", b"{}\n" * (5 * MB)),
    "jsonl_nested_100k": lambda: ("x.jsonl", b"[" * 100_000 + b"\n" + json.dumps(
        {"body": P1}, ensure_ascii=False).encode()),
    "bad_utf8_many": lambda: ("x.txt", (b"\xff" + P2.encode() + b"\n") * 100_000),
    "nul_sprinkled_1mb": lambda: ("x.txt", b"".join(
        b[i:i + 7] + b"\x00" for b in [sentences(MB).encode()] for i in range(0, len(b), 7))),
}
BODIES = {  # kind -> one body for split_sentences, minhash or tag_regions
    "kiwi_one_letter_200k": lambda: "a" * 200_000,
    "minhash_2m_distinct_chars": lambda: unbroken(2_000_000),  # MinHash cost grows with distinct shingles
    "tag_regions_100k_names": lambda: "고양 " * 100_000 + "서울",
}


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(kind: str) -> dict:
    """Build one input, read it, and report seconds, peak RSS growth and the outcome."""
    return run_body(kind) if kind in BODIES else run_file(kind)


def run_body(kind: str) -> dict:
    body = BODIES[kind]()
    if kind.startswith("kiwi"):
        from kiwipiepy import Kiwi

        from ingest.chunk import split_sentences

        kiwi = Kiwi()
        kiwi.split_into_sents("준비.")  # the model loads on first use: not timed
        step = lambda: f"{len(split_sentences(kiwi, [body])[0])} sentences"  # noqa: E731
    elif kind.startswith("minhash"):
        from index.dedup import minhash

        step = lambda: f"signature {minhash(body)[:2].tolist()}"  # noqa: E731
    else:
        from ingest.meta import tag_regions

        step = lambda: f"regions {tag_regions(body)}"  # noqa: E731
    base, t0 = rss_mib(), time.perf_counter()
    outcome = step()
    return {"seconds": time.perf_counter() - t0, "rss_growth_mib": rss_mib() - base, "outcome": outcome}


def run_file(kind: str) -> dict:
    from errors import IngestError
    from ingest.load import make_articles, parse_file

    for warm in ("warm.txt", "warm.html", "warm.jsonl"):  # imports and regex compilation are not timed
        parse_file(Path(warm), json.dumps({"body": P1}, ensure_ascii=False).encode()
                   if warm.endswith("jsonl") else f"<p>{P1}</p>".encode())
    name, data = INPUTS[kind]()
    base, t0 = rss_mib(), time.perf_counter()
    try:
        result = parse_file(Path(name), data)
        articles, _ = make_articles(result.articles, name)
        outcome = (f"{len(articles)} article(s), {sum(len(a.body) for a in articles):,} chars, "
                   f"{len(result.problems)} problem(s)")
    except IngestError as e:
        outcome = f"refused: {e.reason[:60]}"
    return {"seconds": time.perf_counter() - t0, "rss_growth_mib": rss_mib() - base, "outcome": outcome,
            "input_mib": len(data) / MB}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    p.add_argument("--only", nargs="*", default=None, help="kinds to run (default: all)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per input")
    p.add_argument("--code", type=Path, default=REPO, help="checkout whose ingest/ does the reading")
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0
    rows = []
    for kind in args.only or [*INPUTS, *BODIES]:
        # This file run by path, with --code first on sys.path: its ingest/ does the reading.
        code = (f"import runpy, sys; sys.path[:0] = [{str(args.code.resolve())!r}, {str(REPO)!r}]; "
                f"sys.argv = ['hostile', '--one', {kind!r}]; runpy.run_path({__file__!r}, run_name='__main__')")
        try:
            done = subprocess.run([sys.executable, "-c", code], cwd=args.code, capture_output=True,
                                  text=True, timeout=args.timeout, check=False)
            row = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {
                "outcome": f"crashed: {(done.stderr.strip().splitlines() or ['?'])[-1][:80]}"}
        except subprocess.TimeoutExpired:
            row = {"outcome": f"timeout (> {args.timeout:.0f} s)"}
        rows.append({"input": kind, **row})
        print(f"{kind}: {row}", file=sys.stderr, flush=True)
    print(machine_line())
    print(table(rows, ["input", "input_mib", "seconds", "rss_growth_mib", "outcome"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
