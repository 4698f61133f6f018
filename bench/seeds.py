"""Seed questions with ~3,800 real distractor articles: retrieval top-3 and answer quality.

Run: .venv/bin/python -m bench.seeds [--questions bench/questions_seeds.jsonl] [--no-distractors]
                                    [--distractors all|soynlp]
Builds bench/work/seeds (seed pages + news_fnnews_2021_leads + news_soynlp_20161020; the first
build embeds ~4,300 chunks, about an hour on 2 busy cores) or, with --distractors soynlp,
bench/work/seeds_soynlp (the 482 soynlp articles only, ~1,000 chunks) and prints, for the
answerable questions, how often the gold article is in the top 1/3 and how often the extractive
answer contains the fact, opens with it and cites the gold article, and for the unanswerable ones
how often the answer was declined; the hand-written paraphrase questions (kind "paraphrase") are
reported apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bench.common import CORPORA, REPO, SEEDS, WORK, build_index, machine_line, table, write_jsonl
from schema import Filters

DISTRACTORS = {"all": ("news_fnnews_2021_leads.jsonl", "news_soynlp_20161020.jsonl"),  # 3,813 articles
               "soynlp": ("news_soynlp_20161020.jsonl",)}  # 482 full articles: a quarter of the chunks


def distractors(which: str = "all") -> list[Path]:
    out = WORK / "distractors"
    rows = []
    for name in DISTRACTORS[which]:
        for line in (CORPORA / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            rows.append({"id": r["id"], "title": r.get("title", ""), "body": r["text"],
                         "date": r.get("date", ""), "source": r.get("source", ""), "url": r.get("url", "")})
    return [write_jsonl(out / ("distractors.jsonl" if which == "all" else f"distractors_{which}.jsonl"), rows)]


def gold_ids(engine, questions: list[dict]) -> dict[str, set[str]]:
    """Gold article (and its near-duplicate copies) for each answerable question."""


    conn = engine.retriever.conn
    out = {}
    for q in questions:
        if not q.get("gold_lead"):
            continue
        rows = conn.execute(
            "SELECT article_id, COALESCE(duplicate_of, article_id) FROM articles "
            "WHERE source_path LIKE ? AND instr(body, ?) > 0",
            (f"%{q['gold_file']}", q["gold_lead"])).fetchall()
        group = {r[1] for r in rows}
        members = {r[0] for r in conn.execute(
            f"SELECT article_id FROM articles WHERE COALESCE(duplicate_of, article_id) IN "
            f"({','.join('?' * len(group))})", list(group))} if group else set()
        out[q["id"]] = members
    return out


def run(engine, questions: list[dict], gold: dict[str, set[str]]) -> tuple[list[dict], dict]:
    rows, lat_search, lat_answer = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        hits = engine.search(q["question"])  # answers use main articles only (the default)
        t1 = time.perf_counter()
        a = engine.extractive.answer(q["question"], hits)
        t2 = time.perf_counter()
        lat_search.append(t1 - t0)
        lat_answer.append(t2 - t1)
        # Retrieval is measured as a search user sees it with "include teasers" on.
        found = engine.search(q["question"], filters=Filters(kinds=("main", "teaser")))
        ids = list(dict.fromkeys(h.chunk.article_id for h in found))
        g = gold.get(q["id"], set())
        rows.append({"id": q["id"], "answerable": q["answer"] is not None, "kind": q.get("kind"),
                     "declined": not a.answerable, "short": a.short_answer,
                     "short_is_fact": bool(a.short_answer) and q["answer"] is not None
                     and (a.short_answer in q["answer"] or q["answer"] in a.short_answer),
                     "top1": bool(ids[:1]) and ids[0] in g, "top3": bool(g & set(ids[:3])),
                     "fact": q["answer"] is not None and any(q["answer"] in c.quote for c in a.citations),
                     "cites_gold": bool(g & {c.article_id for c in a.citations}),
                     "answer": a.text[:160]})
    lat = {"search_p50_ms": 1000 * statistics.median(lat_search),
           "answer_extra_p50_ms": 1000 * statistics.median(lat_answer)}
    return rows, lat


def summarize(rows: list[dict]) -> dict:
    found = [r for r in rows if r["answerable"]]
    # Teasers are excluded from answers by design, so answer figures count main-article facts.
    ans = [r for r in found if r.get("kind") != "teaser"]
    una = [r for r in rows if not r["answerable"]]
    return {"questions": len(rows), "answerable (main)": len(ans),
            "gold in top-1": f"{sum(r['top1'] for r in found)}/{len(found)}",
            "gold in top-3": f"{sum(r['top3'] for r in found)}/{len(found)}",
            "answer has fact": f"{sum(r['fact'] for r in ans)}/{len(ans)}",
            "cites gold": f"{sum(r['cites_gold'] for r in ans)}/{len(ans)}",
            "short answer is the fact": f"{sum(r['short_is_fact'] for r in ans)}/{len(ans)}",
            "answerable declined": f"{sum(r['declined'] for r in ans)}/{len(ans)}",
            "unanswerable declined": f"{sum(r['declined'] for r in una)}/{len(una)}"}


def main(argv: list[str] | None = None) -> int:
    from config import Settings
    from engine import Engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--questions", type=Path, default=REPO / "bench" / "questions_seeds.jsonl")
    ap.add_argument("--no-distractors", action="store_true")
    ap.add_argument("--distractors", choices=sorted(DISTRACTORS), default="all",
                    help="all: news_fnnews leads and news_soynlp (3,813 articles); soynlp: its 482 articles only")
    ap.add_argument("--show", action="store_true", help="print every question's result")
    args = ap.parse_args(argv)
    settings = Settings()
    idx = WORK / ("seeds_only" if args.no_distractors else "seeds" if args.distractors == "all"
                  else f"seeds_{args.distractors}")
    sources = [SEEDS] + ([] if args.no_distractors else distractors(args.distractors))
    report, secs = build_index(idx, sources, settings)
    t = report.totals
    print(f"build: {t.added} new articles, {t.embedded} chunks embedded, {secs:.0f}s")
    questions = [json.loads(x) for x in args.questions.read_text(encoding="utf-8").splitlines() if x.strip()]
    engine = Engine.load(settings, idx)
    rows, lat = run(engine, questions, gold_ids(engine, questions))
    if args.show:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
    stats = engine.stats()
    print(f"\n{args.questions.name} · {stats['articles']} articles, {stats['chunks']} chunks · "
          f"{machine_line()}")
    # The hand-written paraphrases (short forms, synonyms, wording unlike the article) apart.
    parts = [("original", [r for r in rows if r.get("kind") != "paraphrase"]),
             ("paraphrase", [r for r in rows if r.get("kind") == "paraphrase"]), ("all", rows)]
    out = [{"set": name} | summarize(part) for name, part in parts if part]
    out[-1] |= {k: round(v) for k, v in lat.items()}
    print(table(out, list(out[-1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
