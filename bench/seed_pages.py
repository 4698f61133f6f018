"""Golden checks of page parsing and tagging on the five real seed pages in ../shared/seeds.

Run: .venv/bin/python -m bench.seed_pages [--seeds DIR] [--repeat N]
The seed pages are real, copyrighted scrapes kept beside the clone, never in it, so these checks
are not part of `make test` (tests/ingest/test_pages.py makes the same kinds of checks on fictional
pages). Prints one line per check (ok, or MISMATCH with a short diff) and each page's parse time;
exits 1 on any mismatch and 2 when the seed pages are missing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import SEEDS  # Path(__file__).resolve().parents[2] / "shared" / "seeds"
from ingest.clean import normalize_line
from ingest.meta import tag_organizations, tag_regions
from ingest.page import parse_text_page
from schema import ParsedArticle

PAGES = ("000", "001", "002", "003", "004")

# (main articles, teasers) per page. Page 003 has 12 "-" / headline / lead blocks after
# "헤드라인 뉴스" (lines 14-49), none repeated; page 004 prints its one teaser twice.
COUNTS = {"000": (18, 0), "001": (1, 0), "002": (1, 0), "003": (1, 12), "004": (1, 1)}

# Seed 000: 18 leads glued together, as 1-based inclusive line ranges of the file. All but
# lines 10-11 end mid-word; that lead ends on a full sentence and is split from 12-13 because
# the two together are longer than the leads' common truncation length (~200 characters).
LEADS_000 = [(1, 3), (4, 5), (6, 9), (10, 11), (12, 13), (14, 16), (17, 20), (21, 29), (30, 31),
             (32, 33), (34, 36), (37, 39), (40, 42), (43, 44), (45, 47), (48, 50), (51, 52),
             (53, 55)]
TITLES_000 = [
    "한국제약바이오협회는 11일 제주테크노파크와 ‘K-제약바이오 "
    "발전을 위한 상호협력’ 업무협약을 체결했다고",
    "2020년은 대한민국 역사상 주민등록 인구가 감소한 최초의 해라고 한다",
    "중소기업연구원인 세종테크노파크와 중소기업 중심의 경제 성장동력을 마련하고자 힘을 모았다",
    "정부가 지역경제 활력을 높이기 위해 내년 6700억 원의 예산을 투입한다",
    "강원테크노파크가 디지털헬스케어 산업 생태계 조성에 박차를 가하고 있다",
    "자율주행 분야 투자에 박차를 가하는 에스모가 문재인 정부의 "
    "자율주행차 사업 조기 상용화 추진 소식에 강세다",
    "울산시와 세종시와 자율주행차 개발ㆍ실증을 위해 손을 잡았다",
    "기획재정부",
    "국가혁신클러스터의 활성화 방안을 모색하는 포럼이 "
    "‘4차산업혁명 시대의 지역산업성장 뉴딜-국가혁신클러스터의",
    "강원테크노파크가 강원국가혁신클러스터 대표산업인 "
    "디지털헬스케어산업의 글로벌 거점육성을 위한 기업 지원사업을",
    "정부가 올해 지역 경제에 이바지할 7개 대표 중견기업을 선정해 집중 육성한다",
    "강원도가 디지털 헬스케어 산업 구축을 위해 첫발을 내딛었다",
    "산업통상자원부와 중소벤처기업부가 중소ㆍ중견기업의 경쟁력 "
    "회복을 위해 정책 공조를 강화하기로 했다",
    "국책과제로 받은 연구개발비 일부를 부정 집행한 바디텍메드가 "
    "한국산업기술관리평가원으로부터 정부지원금 환수",
    "올해 지역활력회복과 제조업 혁신을 위해 총 3조8500억 원의 정부 예산이 투입된다",
    "테라젠이텍스 바이오연구소는 산업통상자원부가 주관하는 "
    "‘빅데이터를 활용한 개인 맞춤형 화장품 기반 기술 개발",
    "혈당측정기 전문기업 아이센스가 16억 원 규모의 국책과제 "
    "수주 협약을 완료하고 클라우드 연계 정보통신기술",
    "“혁신도시와 국가혁신클러스터에 인재, 투자, 일자리가 선순환할 수 있도록 하겠다.”",
]

# Body paragraphs of each main article as 1-based line numbers of the file, in order.
# 002 line 11 and 004 line 30 lose their "[월간인물] " / "어웨이크뉴스 오경하 기자 | " prefix;
# 003 line 2 repeats line 1 without "(시장 임병택)" and is collapsed into it.
BODY_LINES = {
    "001": [7, 12, 14, 16, 18, 20, 22, 24],
    "002": [11, 13, 15, 17, 19, 21, 23, 25, 27],
    "003": [1, 3, 4, 5, 6, 7, 8, 9, 10],
    "004": [30, 34, 38, 42, 46, 50, 54, 58],
}
PREFIXES = {"002": "[월간인물] ", "004": "어웨이크뉴스 오경하 기자 | "}

MAIN_META = {
    "001": dict(title="과기정통부, 과학기술 기반 지역 혁신 방향 발표", subtitle="", outlet="IT조선",
                reporter="변동휘", published_at=""),
    "002": dict(title="충북지역혁신클러스터 활성화를 위한‘허브 네트워크’개최",
                subtitle="사업 참여기업 및 클러스터 입주기업 성장발판 마련", outlet="월간인물",
                reporter="김예진", published_at="2023-10-12T14:51:00+09:00"),
    # No headline, outlet or date on the page; "최고 관리자 / 기자" is a CMS placeholder.
    "003": dict(title="시흥시가 시흥산업진흥원과 함께 '시흥시 바이오산업 생태계 기반조성 사업'을 "
                      "본격 추진한다",
                subtitle="", outlet="", reporter="", published_at=""),
    # "2025.12.30 (화)" is the page header's date, not the article's: no date is stated.
    "004": dict(title="보건복지부, 바이오 클러스터 활성화 위한 민관 협의체 본격 가동",
                subtitle="'바이오 클러스터 협의체' 출범 및 제1차 회의 개최", outlet="어웨이크뉴스",
                reporter="오경하", published_at=""),
}

BOILERPLATE = {
    "000": ["\n\n\n"],  # no boilerplate on the page: no empty paragraph may appear either
    "001": ["주요 메뉴", "바로가기", "조회수", "로고. /과학기술정보통신부", "jena@", "변동휘 기자",
            "content@", "IT조선", "댓글", "300", "랭킹 뉴스", "공감 뉴스", "인기 뉴스", "추천 뉴스",
            "지금 뜨는 뉴스", "함께 보면 좋은 뉴스", "당신을 위한 인기글", "넥슨", "엘르",
            "do_shortcode", "php", "&nbsp", "•"],
    "002": ["이 기사를 공유합니다", "김예진 기자", "승인 2023", "댓글", "삭제하시겠습니까",
            "계정을 선택하시면", "07238", "대표전화", "팩스", "청소년보호책임자", "법인명", "제호",
            "사업자등록번호", "등록번호", "발행인", "편집인", "무단 전재", "Copyright",
            "All rights reserved", "열린보도원칙", "고충처리인", "우수콘텐츠", "ND소프트",
            "[월간인물]", "허브 네트워크’\n"],
    "003": ["최고 관리자", "\n\n기자", "헤드라인 뉴스", "&nb", "\n-\n"],
    "004": ["2025.12.30", "℃", "맑음", "기상청 제공", "검색창 열기", "산업일반", "최신기사",
            "더보기", "정치·경제", "라이프·문화", "▲", "오경하 기자 |", "광교테크노밸리"],
}

# (regions, organizations) of whole articles, by page and article index. 서울대학교/서울대병원
# are named on 003, but they do not put the article in 서울.
TAGS = {
    ("001", 0): (("강원", "대전"),
                 ("과학기술정보통신부", "연구개발특구진흥재단", "지방시대위원회", "한국전자통신연구원")),
    ("002", 0): (("괴산군", "음성군", "증평군", "진천군", "청주시", "충북", "충주시"),
                 ("충북산업단지공단", "한국산업기술시험원", "한국전기연구원")),
    ("003", 0): (("경기", "시흥시"), ("경기도경제과학진흥원", "시흥산업진흥원", "시흥시정연구원")),
    ("004", 0): (("강원", "경기", "경북", "대구", "원주시", "인천"),
                 ("경기도경제과학진흥원", "과학기술정보통신부", "교육부", "보건복지부", "산업통상자원부",
                  "식품의약품안전처", "연구개발특구진흥재단", "오송첨단의료산업진흥재단",
                  "원주의료기기테크노밸리재단", "인천경제자유구역청", "중소기업기술정보진흥원",
                  "중소벤처기업부", "한국기초과학지원연구원", "한국보건산업진흥원", "한국산업기술진흥원",
                  "한국생물공학연구원")),
    ("000", 0): (("제주",), ("제주테크노파크", "한국제약바이오협회")),
    ("000", 6): (("세종", "울산"), ("세종테크노파크", "울산테크노파크")),
    ("000", 12): (("서울",), ("산업통상자원부", "중소벤처기업부")),
    ("000", 16): (("강원", "원주시"), ("미래창조과학부", "원주의료기기테크노밸리")),
    ("000", 17): (("경북", "경주시"), ("경주화백컨벤션센터",)),
}
REGIONS_ONLY = {("004", 1): ("경기", "수원시")}  # the teaser

Check = tuple[str, Callable[[], tuple[object, object]]]  # name, () -> (expected, got)


@dataclass(frozen=True, slots=True)
class Seeds:
    """The seed pages parsed, and their raw lines (index 0 is line 1), keyed by "000" … "004"."""

    articles: dict[str, list[ParsedArticle]]
    lines: dict[str, list[str]]

    def line(self, page: str, n: int) -> str:
        return normalize_line(self.lines[page][n - 1])

    def kinds(self, page: str) -> list[str]:
        return [a.kind for a in self.articles[page]]


def _tags(article: ParsedArticle) -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = f"{article.title}\n{article.subtitle}\n{article.body}"
    return tag_regions(text), tag_organizations(text)


def iter_checks(seeds: Seeds) -> Iterator[Check]:
    """Every check of the seed pages, each computed only when it is run."""
    for group in (_count_checks, _lead_checks, _main_checks, _teaser_checks, _tag_checks):
        yield from group(seeds)


def _count_checks(s: Seeds) -> Iterator[Check]:
    for page, want in COUNTS.items():
        yield f"{page} counts (main, teasers)", lambda p=page, w=want: (
            w, (s.kinds(p).count("main"), s.kinds(p).count("teaser")))
        yield f"{page} main articles first", lambda p=page: (sorted(s.kinds(p)), s.kinds(p))


def _lead_checks(s: Seeds) -> Iterator[Check]:
    leads = s.articles["000"]
    yield "000 glued leads split whole", lambda: (
        ["\n\n".join(s.lines["000"][a - 1:b]) for a, b in LEADS_000], [a.body for a in leads])
    yield "000 lead titles", lambda: (TITLES_000, [a.title for a in leads])
    yield "000 leads carry no metadata", lambda: (
        {("main", "", "", "")}, {(a.kind, a.outlet, a.reporter, a.published_at) for a in leads})


def _main_checks(s: Seeds) -> Iterator[Check]:
    for page, meta in MAIN_META.items():
        yield f"{page} main metadata", lambda p=page, m=meta: (
            m | {"kind": "main", "url": ""},
            {k: getattr(s.articles[p][0], k) for k in [*m, "kind", "url"]})
    for page, prefix in PREFIXES.items():
        yield f"{page} first paragraph starts with {prefix!r}", lambda p=page, x=prefix: (
            x, s.line(p, BODY_LINES[p][0])[:len(x)])
    for page in BODY_LINES:
        yield f"{page} main body lines", lambda p=page: (
            _body_lines(s, p), s.articles[p][0].body.split("\n\n"))
    for page, marks in BOILERPLATE.items():
        yield f"{page} no boilerplate in main articles", lambda p=page, ms=marks: (
            [], [m for m in ms if any(m in "\n".join((a.title, a.subtitle, a.body))
                                      for a in s.articles[p] if a.kind == "main")])


def _body_lines(s: Seeds, page: str) -> list[str]:
    expected = [s.line(page, n) for n in BODY_LINES[page]]
    expected[0] = expected[0][len(PREFIXES.get(page, "")):]
    return expected


def _teaser_checks(s: Seeds) -> Iterator[Check]:
    teasers = s.articles["003"][1:]
    yield "003 teasers are headline and lead", lambda: (
        [(s.line("003", n), s.line("003", n + 1)) for n in range(15, 49, 3)],
        [(t.title, t.body) for t in teasers])
    yield "003 cut entity \"&nb\" is gone from teaser 10", lambda: (
        "안전점검에 나선다.", teasers[9].body[-10:])
    yield "003 teasers carry no metadata", lambda: (
        {("teaser", "", "", "")}, {(t.kind, t.outlet, t.reporter, t.published_at) for t in teasers})
    yield "004 the teaser is printed twice (lines 69-70, 79-80)", lambda: (
        (s.line("004", 69), s.line("004", 70)), (s.line("004", 79), s.line("004", 80)))
    lead = s.line("004", 70).removeprefix("▲경기도청 어웨이크뉴스 오경하 기자 | ")
    yield "004 teaser printed twice is one", lambda: (
        [("teaser", s.line("004", 69), lead, "어웨이크뉴스", "오경하")],
        [(t.kind, t.title, t.body, t.outlet, t.reporter) for t in s.articles["004"][1:]])


def _tag_checks(s: Seeds) -> Iterator[Check]:
    for (page, i), want in TAGS.items():
        yield f"{page} tags of article {i}", lambda p=page, i=i, w=want: (w, _tags(s.articles[p][i]))
    for (page, i), want in REGIONS_ONLY.items():
        yield f"{page} regions of article {i}", lambda p=page, i=i, w=want: (
            w, _tags(s.articles[p][i])[0])


def _short(value: object, width: int = 90) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _long(value: object) -> bool:
    """Holds text too long to show whole: a diff then points at where it differs."""
    if isinstance(value, str):
        return len(value) > 60
    return isinstance(value, list | tuple) and any(map(_long, value))


def _diff_text(expected: str, got: str) -> str:
    at = next((i for i, (e, g) in enumerate(zip(expected, got, strict=False)) if e != g),
              min(len(expected), len(got)))
    start = max(at - 20, 0)
    return (f"from character {at}: expected {_short(expected[start:at + 40])}, "
            f"got {_short(got[start:at + 40])}")


def diff(expected: object, got: object) -> str:
    """The first difference between two values, in one short line."""
    if isinstance(expected, str) and isinstance(got, str):
        return _diff_text(expected, got)
    if isinstance(expected, dict) and isinstance(got, dict):
        keys = [k for k in {**expected, **got} if expected.get(k) != got.get(k)]
        return "; ".join(f"{k}: expected {_short(expected.get(k), 60)}, got {_short(got.get(k), 60)}"
                         for k in keys)
    if isinstance(expected, list | tuple) and isinstance(got, list | tuple):
        for i, (e, g) in enumerate(zip(expected, got, strict=False)):
            if e != g:
                return f"at [{i}]: " + (diff(e, g) if _long(e) else f"expected {_short(e)}, got {_short(g)}")
        if len(got) > len(expected):
            return f"length: expected {len(expected)}, got {len(got)}; first extra {_short(got[len(expected)])}"
        return f"length: expected {len(expected)}, got {len(got)}; first missing {_short(expected[len(got)])}"
    return f"expected {_short(expected)}, got {_short(got)}"


def run_checks(checks: Iterator[Check]) -> int:
    """Print one line per check; the number of mismatches."""
    bad = 0
    for name, check in checks:
        try:
            expected, got = check()
            note = "" if expected == got else diff(expected, got)
        except (IndexError, KeyError) as e:  # fewer articles than the check looks at
            note = f"{type(e).__name__}: {e}"
        bad += bool(note)
        print(f"{'MISMATCH' if note else 'ok':8}  {name}" + (f": {note}" if note else ""))
    return bad


def parse_ms(text: str, repeat: int) -> float:
    """Median wall time of parse_text_page on one page, in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        parse_text_page(text)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def load_pages(seeds: Path) -> dict[str, Path] | None:
    found = {p.name[:3]: p for p in sorted(seeds.glob("*.txt"))} if seeds.is_dir() else {}
    return found if all(page in found for page in PAGES) else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=SEEDS, help="folder of the seed pages (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=20, help="parses per page for its time (default: %(default)s)")
    args = ap.parse_args(argv)
    paths = load_pages(args.seeds)
    if paths is None:
        shown = "../shared/seeds" if args.seeds == SEEDS else str(args.seeds)
        print(f"{shown} not found: this check needs the real seed pages beside the clone "
              f"({', '.join(f'{p}_*.txt' for p in PAGES)} in {args.seeds.resolve()})", file=sys.stderr)
        return 2
    texts = {page: paths[page].read_text(encoding="utf-8") for page in PAGES}
    seeds = Seeds({page: parse_text_page(text) for page, text in texts.items()},
                  {page: text.split("\n") for page, text in texts.items()})
    bad = run_checks(iter_checks(seeds))
    for page, text in texts.items():
        print(f"time      {page} parse: {parse_ms(text, args.repeat):.2f} ms "
              f"(median of {args.repeat}, {len(text):,} characters)")
    print(f"{bad} mismatch(es)" if bad else "all checks ok")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
