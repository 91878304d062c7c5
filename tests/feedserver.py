"""A real HTTP server on loopback for tests: routes serve bytes, honour ETags, trickle, redirect, or fail."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    gzip: bool = False
    trickle: float = 0.0  # seconds between bytes
    endless: bool = False
    delay: float = 0.0  # seconds before answering
    extra_headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """Serve ``routes`` on 127.0.0.1 in a background thread; counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer()
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.location:
                    self.send_header("Location", route.location)
                self.send_header("Content-Type", route.content_type)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                for k, v in route.extra_headers.items():
                    self.send_header(k, v)
                body = gzip.compress(route.body) if route.gzip else route.body
                if route.gzip:
                    self.send_header("Content-Encoding", "gzip")
                if route.endless:
                    self.end_headers()
                    try:
                        while True:
                            self.wfile.write(b"<item>" * 1000)
                            self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return
                if route.trickle:
                    self.end_headers()
                    try:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(route.trickle)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """Base URL of the server."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """Absolute URL of a path."""
        return self.base + path

    def hits(self, path: str) -> int:
        """How many requests a path received."""
        return sum(1 for p, _ in self.requests if p == path)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def serve(routes: dict[str, Route]) -> FeedServer:
    """A started-on-enter server with these routes."""
    server = FeedServer()
    server.routes.update(routes)
    return server


Factory = Callable[[dict[str, Route]], FeedServer]
