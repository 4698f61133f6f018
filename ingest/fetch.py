"""Polite HTTP fetching of pages and feeds: robots.txt, a per-host delay, conditional requests, limits.

Every request goes through one `Fetcher` (one httpx client): robots.txt is read once per host and
run, consecutive requests to a host are at least `delay_s` apart (or the host's Crawl-delay), a
stored ETag/Last-Modified is sent back so that an unchanged page costs a 304 and nothing else,
bodies past `max_bytes` and unexpected content types are refused. Failures come back as a
`Fetched` with outcome "error" and a Korean message naming the URL; nothing here raises for one
bad URL.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from ingest.fetch_state import UrlState

DEFAULT_USER_AGENT = "newsrag/1.0 (policy news search; respects robots.txt)"
ROBOTS_MAX_BYTES = 500 * 1024  # what Google reads of a robots.txt; the rest is ignored
CRAWL_DELAY_MAX_S = 60.0  # a Crawl-delay past this is taken as this
PAGE_TYPES = ("text/html", "application/xhtml+xml")
# Feeds are served under many types (text/xml, application/rss+xml, even text/plain); feedparser
# judges the body. HTML is let through so that a page given as a feed gets its own message.
FEED_TYPES = ("xml", "rss", "atom", "text/plain", "application/octet-stream", "text/html")
CONNECT_FAILED = "서버에 연결할 수 없습니다({}). 주소와 네트워크를 확인하세요."
ROBOTS_BLOCKED = "robots.txt가 이 주소의 수집을 허용하지 않아 가져오지 않았습니다. 사이트가 허용한 주소만 넣으세요."
ROBOTS_UNREADABLE = ("사이트의 robots.txt를 읽지 못해({}) 지금은 이 사이트에서 가져오지 않았습니다. "
                     "잠시 뒤 다시 시도하세요.")


@dataclass(frozen=True, slots=True)
class FetchParams:
    user_agent: str = DEFAULT_USER_AGENT
    timeout_s: float = 20.0  # connect, each read, and the whole body
    delay_s: float = 1.0  # between two requests to one host
    max_bytes: int = 64 * 2**20
    # Loopback, private, link-local and reserved addresses (127.0.0.1, 10.x, 169.254.169.254 …) are
    # refused, redirects included, so that a URL typed into a shared app cannot reach the server's
    # own network; tests and intranet use turn this on.
    private_hosts: bool = False


PRIVATE_REFUSED = ("내부망 주소({})는 가져오지 않습니다. 공개된 웹 주소를 넣으세요"
                   "(사내 서버에서 가져오려면 관리자가 NEWSRAG_FETCH_PRIVATE_HOSTS=true로 설정합니다).")


class PrivateAddressError(httpx.RequestError):
    """A request (or a redirect) to a loopback, private or reserved address while they are refused."""


def private_address(host: str) -> str:
    """The first loopback/private/link-local/reserved address host is or resolves to ("" for none).

    A name that does not resolve is left to the request, which reports it as unreachable.
    """
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError):
            return ""
        addresses = [ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos]
    for a in addresses:
        if a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_multicast \
                or a.is_unspecified:
            return str(a)
    return ""


@dataclass(frozen=True, slots=True)
class Fetched:
    """One URL's outcome: "ok" (data holds the body), "not_modified" (304), "blocked" by robots.txt,
    or "error" (message says why, in Korean)."""

    url: str
    outcome: str
    data: bytes = b""
    final_url: str = ""  # after redirects
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class Fetcher:
    """One client for a run; `with Fetcher(params) as f:` closes its connections."""

    def __init__(self, params: FetchParams) -> None:
        self.params = params
        hooks = {} if params.private_hosts else {"request": [_refuse_private]}
        self._client = httpx.Client(headers={"User-Agent": params.user_agent}, timeout=params.timeout_s,
                                    follow_redirects=True, max_redirects=5, event_hooks=hooks)
        self._robots: dict[str, RobotFileParser] = {}
        self._robots_notes: dict[str, str] = {}  # host -> why its robots.txt could not be read
        self._unreachable: dict[str, str] = {}  # host -> the connection error its robots.txt got
        self._last: dict[str, float] = {}  # host -> monotonic time its last response ended

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def fetch(self, url: str, kind: str = "page", state: UrlState | None = None) -> Fetched:
        """GET url (kind "page" or "feed"), conditionally when state holds validators."""
        if problem := check_url(url):
            return Fetched(url, "error", message=problem)
        if not self.params.private_hosts and (address := private_address(httpx.URL(url).host)):
            return Fetched(url, "error", message=PRIVATE_REFUSED.format(address))
        if not self.allowed(url):
            if error := self._unreachable.get(_host(url)):
                return Fetched(url, "error", message=CONNECT_FAILED.format(error))
            return Fetched(url, "blocked", message=self._robots_notes.get(_host(url)) or ROBOTS_BLOCKED)
        headers = {}
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            return self._get(url, kind, headers)
        except httpx.TimeoutException:
            return Fetched(url, "error", message=f"응답 시간({self.params.timeout_s:g}초)이 초과되었습니다. "
                                                 "잠시 뒤 다시 시도하세요.")
        except PrivateAddressError as e:  # a redirect into the internal network
            return Fetched(url, "error", message=str(e))
        except httpx.TooManyRedirects:
            return Fetched(url, "error", message="리디렉션이 너무 많습니다. 주소를 확인하세요.")
        except httpx.ConnectError as e:
            return Fetched(url, "error", message=CONNECT_FAILED.format(type(e).__name__))
        except httpx.HTTPError as e:  # a cut connection, a broken gzip body, …
            return Fetched(url, "error", message=f"응답을 받는 중 오류가 났습니다({type(e).__name__}). "
                                                 "잠시 뒤 다시 시도하세요.")

    def _get(self, url: str, kind: str, headers: dict[str, str]) -> Fetched:
        self._wait_turn(url)
        try:
            with self._client.stream("GET", url, headers=headers) as r:
                if r.status_code == 304:
                    return Fetched(url, "not_modified", final_url=str(r.url))
                if r.status_code != 200:
                    return Fetched(url, "error", final_url=str(r.url), message=status_message(r.status_code))
                ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
                if problem := check_type(ctype, kind):
                    return Fetched(url, "error", final_url=str(r.url), content_type=ctype, message=problem)
                data, problem = self._read_body(r, kind)
                if problem:
                    return Fetched(url, "error", final_url=str(r.url), message=problem)
                return Fetched(url, "ok", data, str(r.url), ctype, r.headers.get("etag", ""),
                               r.headers.get("last-modified", ""))
        finally:
            self._last[_host(url)] = time.monotonic()

    def _read_body(self, r: httpx.Response, kind: str) -> tuple[bytes, str]:
        """The body, or "" and why it was refused: too big (declared or read), or too slow in all."""
        limit = self.params.max_bytes
        too_big = (f"피드가 너무 큽니다({limit / 2**20:.0f} MB 넘음). 피드 주소를 확인하세요." if kind == "feed" else
                   f"페이지가 너무 큽니다({limit / 2**20:.0f} MB 넘음). 기사 한 건의 주소를 넣으세요.")
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return b"", too_big
        deadline = time.monotonic() + self.params.timeout_s
        parts, size = [], 0
        for part in r.iter_bytes():  # decoded: a gzip bomb stops at the limit too
            size += len(part)
            if size > limit:
                return b"", too_big
            if time.monotonic() > deadline:  # a server dripping bytes never trips the read timeout
                return b"", (f"응답이 너무 느립니다({self.params.timeout_s:g}초 안에 다 받지 못함). "
                             "잠시 뒤 다시 시도하세요.")
            parts.append(part)
        return b"".join(parts), ""

    def _wait_turn(self, url: str) -> None:
        """Sleep until delay_s (or the host's Crawl-delay) has passed since the host's last response."""
        host = _host(url)
        last = self._last.get(host)
        if last is None:
            return
        delay = self.params.delay_s
        robots = self._robots.get(host)
        if robots is not None:
            delay = max(delay, min(float(robots.crawl_delay(self.params.user_agent) or 0), CRAWL_DELAY_MAX_S))
        wait = last + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets us fetch url (read once per host and run).

        As Google does: a 4xx robots.txt (none) allows everything; a 5xx, 429 or no answer
        disallows the whole host for now. urllib.robotparser matches plain path prefixes only
        (no `*` or `$` wildcards), so a rule using them matches less than its author meant.
        """
        host = _host(url)
        if host not in self._robots:
            self._robots[host] = self._read_robots(url)
        return self._robots[host].can_fetch(self.params.user_agent, url)

    def _read_robots(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        robots = RobotFileParser(f"{parts.scheme}://{parts.netloc}/robots.txt")
        self._wait_turn(url)
        problem = ""
        try:
            with self._client.stream("GET", robots.url) as r:
                if r.status_code == 200:
                    robots.parse(_read_prefix(r, ROBOTS_MAX_BYTES, self.params.timeout_s)
                                 .decode("utf-8", errors="replace").splitlines())
                elif 400 <= r.status_code < 500 and r.status_code != 429:
                    robots.allow_all = True
                else:
                    problem = f"HTTP {r.status_code}"
        except httpx.TimeoutException:
            problem = "응답 시간 초과"
        except httpx.ConnectError as e:  # no server there (or no such name): the page will not answer either
            problem = self._unreachable[_host(url)] = type(e).__name__
        except httpx.HTTPError as e:
            problem = type(e).__name__
        finally:
            self._last[_host(url)] = time.monotonic()
        if problem:
            robots.disallow_all = True
            self._robots_notes[_host(url)] = ROBOTS_UNREADABLE.format(problem)
        return robots


def _refuse_private(request: httpx.Request) -> None:
    """httpx request hook: every request, redirects too, must go to a public address."""
    if address := private_address(request.url.host):
        raise PrivateAddressError(PRIVATE_REFUSED.format(address), request=request)


def _read_prefix(r: httpx.Response, limit: int, timeout_s: float) -> bytes:
    """At most limit bytes of a body, within timeout_s in all (a robots.txt: the rest is ignored)."""
    deadline, parts, size = time.monotonic() + timeout_s, [], 0
    for part in r.iter_bytes():
        parts.append(part)
        size += len(part)
        if size >= limit:
            break
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("robots.txt body too slow", request=r.request)
    return b"".join(parts)[:limit]


def check_url(url: str) -> str:
    """Why url cannot be fetched at all ("" when it can)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "http:// 또는 https:// 로 시작하는 주소만 가져올 수 있습니다. 주소를 확인하세요."
    try:
        if not httpx.URL(url).host:
            return "주소에 호스트 이름이 없습니다. 주소를 확인하세요."
    except httpx.InvalidURL:
        return "주소 형식이 올바르지 않습니다. 주소를 확인하세요."
    return ""


def check_type(content_type: str, kind: str) -> str:
    """Why a response of this content type is not a page (or a feed); "" when it may be one."""
    if kind == "feed":
        if not content_type or any(t in content_type for t in FEED_TYPES):
            return ""
        return f"RSS/Atom 피드가 아닙니다(content-type: {content_type}). 피드 주소를 확인하세요."
    if not content_type or content_type in PAGE_TYPES:
        return ""
    if any(t in content_type for t in ("rss", "atom", "xml")):
        return (f"웹 페이지가 아니라 피드로 보입니다(content-type: {content_type}). "
                "'피드로 추가'(--feed)로 넣으세요.")
    return f"HTML 웹 페이지가 아닙니다(content-type: {content_type}). 기사 페이지 주소를 넣으세요."


def status_message(status: int) -> str:
    if status in (404, 410):
        return f"페이지를 찾을 수 없습니다(HTTP {status}). 주소가 맞는지 확인하세요."
    if status in (401, 403):
        return f"서버가 접근을 거부했습니다(HTTP {status}). 로그인 없이 볼 수 있는 주소를 넣으세요."
    if status == 429:
        return "서버가 요청이 너무 많다며 거절했습니다(HTTP 429). 잠시 뒤 다시 시도하세요."
    if status >= 500:
        return f"서버 오류입니다(HTTP {status}). 잠시 뒤 다시 시도하세요."
    return f"예상하지 못한 응답입니다(HTTP {status}). 주소를 확인하세요."


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
