"""A real HTTP server on 127.0.0.1 for the fetch tests: pages, feeds, robots.txt, validators, a request log.

`Site` runs a ThreadingHTTPServer in a thread of the test process (stopped by `stop()`). Each path
serves a `Resource`; a GET carrying the resource's ETag (If-None-Match) or its Last-Modified
(If-Modified-Since) gets a 304. Every request is logged with the time it arrived and the
conditional headers it carried, so tests check on the server side what the client did.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEEDS = Path(__file__).resolve().parent / "data" / "feeds"
HTML, RSS, ATOM = "text/html; charset=utf-8", "application/rss+xml; charset=utf-8", "application/atom+xml"


@dataclass(slots=True)
class Resource:
    body: bytes
    content_type: str
    etag: str = ""  # "" : the server sends none and ignores If-None-Match
    last_modified: str = ""
    status: int = 200
    delay_s: float = 0.0  # wait this long before answering (a slow server)
    location: str = ""  # sent as Location with a 3xx status (a redirect)


@dataclass(frozen=True, slots=True)
class Request:
    at: float  # time.monotonic() when the request arrived
    path: str
    if_none_match: str
    if_modified_since: str
    user_agent: str
    status: int


class Site:
    """Paths -> resources, served on a free loopback port; the log is in `requests`."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def put(self, path: str, body: bytes | str, content_type: str = HTML, validators: bool = True,
            **kw) -> Resource:
        """Serve body at path ({{BASE}} in it becomes this server's address), with an ETag and a
        Last-Modified unless validators is False."""
        data = body.replace("{{BASE}}", self.base).encode("utf-8") if isinstance(body, str) else body
        etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"' if validators else ""
        modified = formatdate(time.time() - 3600, usegmt=True) if validators else ""
        self.resources[path] = Resource(data, content_type, etag, modified, **kw)
        return self.resources[path]

    def put_file(self, path: str, name: str, content_type: str = HTML, **kw) -> Resource:
        return self.put(path, (FEEDS / name).read_text(encoding="utf-8"), content_type, **kw)

    def log(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def paths(self) -> list[str]:
        return [r.path for r in self.log()]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        res = self.resources.get(h.path)
        inm, ims = h.headers.get("If-None-Match", ""), h.headers.get("If-Modified-Since", "")
        if res is None:
            status = 404
        elif res.status != 200:
            status = res.status
        elif (res.etag and inm == res.etag) or (not inm and res.last_modified and ims == res.last_modified):
            status = 304
        else:
            status = 200
        with self._lock:
            self.requests.append(Request(arrived, h.path, inm, ims, h.headers.get("User-Agent", ""), status))
        if res is not None and res.delay_s:
            time.sleep(res.delay_s)
        h.send_response(status)
        if res is not None and status in (200, 304):
            if res.etag:
                h.send_header("ETag", res.etag)
            if res.last_modified:
                h.send_header("Last-Modified", res.last_modified)
        body = res.body if res is not None and status == 200 else b""
        if status == 200:
            h.send_header("Content-Type", res.content_type)
        if res is not None and res.location:
            h.send_header("Location", res.location)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client refused the body (too big)
            pass


def serve_news(site: Site) -> Site:
    """The fixture site: robots.txt (no /private/), five article pages, an RSS, an Atom and a broken feed."""
    site.put_file("/robots.txt", "robots.txt", "text/plain")
    for n in (101, 102, 103, 104, 105):
        site.put_file(f"/news/{n}.html", f"news-{n}.html")
    site.put_file("/private/201.html", "news-101.html")  # would be fetchable, but robots.txt says no
    site.put_file("/feeds/rss.xml", "rss.xml", RSS)
    site.put_file("/feeds/atom.xml", "atom.xml", ATOM)
    site.put_file("/feeds/broken.xml", "broken.xml", RSS)
    return site


def make_engine(index_dir: Path, tokenizer, embedder, **settings):
    """An Engine over index_dir with the given tokenizer and embedder (no model is loaded)."""
    from config import Settings
    from engine import Engine

    settings.setdefault("fetch_delay_s", 0.0)
    settings.setdefault("fetch_private_hosts", True)  # the fixture site is on 127.0.0.1
    return Engine(Settings(index_dir=index_dir, llm_provider="none", _env_file=None, **settings), index_dir,
                  tokenizer, embedder)
